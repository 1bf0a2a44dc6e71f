"""``webhook_configs``: Alertmanager's generic webhook (payload version 4)."""

from __future__ import annotations

from typing import ClassVar, Self

from pydantic import Field, model_validator

from tocsin.config._base import SecretFile
from tocsin.config._types import SecretURL, Str, fail
from tocsin.config.receivers._common import HTTPNotifierConfig

__all__ = ["WebhookConfig"]


class WebhookConfig(HTTPNotifierConfig):
    send_resolved: bool = True
    url: SecretURL | None = None
    url_file: Str = ""
    """tocsin (and Alertmanager ≥ 0.26): the URL read from a file."""
    max_alerts: int = Field(default=0, ge=0)

    secret_files: ClassVar[tuple[SecretFile, ...]] = (SecretFile("url", "url_file"),)

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.url is None and not self.url_file:
            fail("missing URL in webhook config")
        return self
