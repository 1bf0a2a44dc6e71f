"""``telegram_configs``: Telegram bot messages (validated; tocsin cannot send it)."""

from __future__ import annotations

from typing import Self

from pydantic import model_validator

from tocsin.config._types import URL, Secret, Str, fail
from tocsin.config.receivers._common import HTTPNotifierConfig

__all__ = ["TelegramConfig"]


class TelegramConfig(HTTPNotifierConfig):
    send_resolved: bool = True
    api_url: URL | None = None
    bot_token: Secret | None = None
    chat_id: int = 0
    message: Str = '{{ template "telegram.default.message" . }}'
    disable_notifications: bool = False
    parse_mode: Str = "HTML"

    @model_validator(mode="after")
    def _check(self) -> Self:
        if not self.bot_token:
            fail("missing bot_token on telegram_config")
        if self.chat_id == 0:
            fail("missing chat_id on telegram_config")
        if self.parse_mode not in ("", "Markdown", "MarkdownV2", "HTML"):
            fail(
                "unknown parse_mode on telegram_config, must be Markdown, MarkdownV2, "
                "HTML or empty string",
                "parse_mode",
            )
        return self
