"""``discord_configs``: Discord webhooks (validated; tocsin cannot send it)."""

from __future__ import annotations

from typing import Self

from pydantic import model_validator

from tocsin.config._types import SecretURL, Str, fail
from tocsin.config.receivers._common import HTTPNotifierConfig

__all__ = ["DiscordConfig"]


class DiscordConfig(HTTPNotifierConfig):
    send_resolved: bool = True
    webhook_url: SecretURL | None = None
    title: Str = '{{ template "discord.default.title" . }}'
    message: Str = '{{ template "discord.default.message" . }}'

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.webhook_url is None:
            fail("no discord webhook URL provided")
        return self
