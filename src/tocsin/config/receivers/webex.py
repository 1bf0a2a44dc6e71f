"""``webex_configs``: Cisco Webex messages (validated; tocsin cannot send it)."""

from __future__ import annotations

from typing import Self

from pydantic import model_validator

from tocsin.config._types import URL, Str, fail
from tocsin.config.receivers._common import HTTPNotifierConfig

__all__ = ["WebexConfig"]


class WebexConfig(HTTPNotifierConfig):
    send_resolved: bool = True
    api_url: URL | None = None
    message: Str = '{{ template "webex.default.message" . }}'
    room_id: Str = ""

    @model_validator(mode="after")
    def _check(self) -> Self:
        if not self.room_id:
            fail("missing room_id on webex_config")
        if self.http_config is None or self.http_config.authorization is None:
            fail("missing webex_configs.http_config.authorization")
        return self
