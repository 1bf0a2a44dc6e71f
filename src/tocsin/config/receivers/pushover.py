"""``pushover_configs``: Pushover (validated; tocsin cannot send it)."""

from __future__ import annotations

from typing import Self

from pydantic import model_validator

from tocsin.config._duration import GoDuration
from tocsin.config._types import Secret, Str, fail
from tocsin.config.receivers._common import HTTPNotifierConfig

__all__ = ["PushoverConfig"]


class PushoverConfig(HTTPNotifierConfig):
    send_resolved: bool = True
    user_key: Secret | None = None
    token: Secret | None = None
    title: Str = '{{ template "pushover.default.title" . }}'
    message: Str = '{{ template "pushover.default.message" . }}'
    url: Str = '{{ template "pushover.default.url" . }}'
    url_title: Str = ""
    sound: Str = ""
    priority: Str = '{{ if eq .Status "firing" }}2{{ else }}0{{ end }}'
    retry: GoDuration = GoDuration(60 * 10**9)
    expire: GoDuration = GoDuration(3600 * 10**9)
    html: bool = False

    @model_validator(mode="after")
    def _check(self) -> Self:
        if not self.user_key:
            fail("missing user key in Pushover config")
        if not self.token:
            fail("missing token in Pushover config")
        return self
