"""``wechat_configs``: WeChat Work messages (validated; tocsin cannot send it)."""

from __future__ import annotations

import re
from typing import Self

from pydantic import model_validator

from tocsin.config._types import URL, Secret, Str, fail
from tocsin.config.receivers._common import HTTPNotifierConfig

__all__ = ["WechatConfig"]

_VALID_TYPES = "^(text|markdown)$"


class WechatConfig(HTTPNotifierConfig):
    send_resolved: bool = False
    api_secret: Secret | None = None
    corp_id: Str = ""
    message: Str = '{{ template "wechat.default.message" . }}'
    api_url: URL | None = None
    to_user: Str = '{{ template "wechat.default.to_user" . }}'
    to_party: Str = '{{ template "wechat.default.to_party" . }}'
    to_tag: Str = '{{ template "wechat.default.to_tag" . }}'
    agent_id: Str = '{{ template "wechat.default.agent_id" . }}'
    message_type: Str = ""

    @model_validator(mode="after")
    def _check(self) -> Self:
        if not self.message_type:
            self.message_type = "text"
        if not re.match(_VALID_TYPES, self.message_type):
            fail(
                f'weChat message type "{self.message_type}" does not match valid options '
                f"{_VALID_TYPES}",
                "message_type",
            )
        return self
