"""``msteams_configs`` (Alertmanager 0.26 names) and ``msteamsv2_configs`` (0.28 names):
Microsoft Teams incoming webhooks (MessageCard) and Workflows (Adaptive Cards)."""

from __future__ import annotations

from typing import ClassVar, Self

from pydantic import model_validator

from tocsin.config._base import SecretFile
from tocsin.config._types import SecretURL, Str, fail
from tocsin.config.receivers._common import HTTPNotifierConfig

__all__ = ["MSTeamsConfig", "MSTeamsV2Config"]


class _TeamsBase(HTTPNotifierConfig):
    send_resolved: bool = True
    webhook_url: SecretURL | None = None
    webhook_url_file: Str = ""

    secret_files: ClassVar[tuple[SecretFile, ...]] = (
        SecretFile("webhook_url", "webhook_url_file"),
    )

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.webhook_url is None and not self.webhook_url_file:
            fail("one of webhook_url or webhook_url_file must be configured")
        return self


class MSTeamsConfig(_TeamsBase):
    title: Str = '{{ template "msteams.default.title" . }}'
    summary: Str = '{{ template "msteams.default.summary" . }}'
    text: Str = '{{ template "msteams.default.text" . }}'


class MSTeamsV2Config(_TeamsBase):
    title: Str = '{{ template "msteamsv2.default.title" . }}'
    text: Str = '{{ template "msteamsv2.default.text" . }}'
