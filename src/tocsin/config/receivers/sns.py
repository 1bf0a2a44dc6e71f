"""``sns_configs``: Amazon SNS with SigV4 (validated; tocsin cannot send it)."""

from __future__ import annotations

from typing import Self

from pydantic import Field, model_validator

from tocsin.config._base import Model
from tocsin.config._types import Secret, Str, StrMap, fail
from tocsin.config.receivers._common import HTTPNotifierConfig

__all__ = ["SNSConfig", "SigV4Config"]


class SigV4Config(Model):
    region: Str = ""
    access_key: Str = ""
    secret_key: Secret | None = None
    profile: Str = ""
    role_arn: Str = ""

    @model_validator(mode="after")
    def _check(self) -> Self:
        if bool(self.access_key) != bool(self.secret_key):
            fail(
                "must provide a AWS SigV4 Access key and Secret Key if credentials are "
                "specified in the SigV4 config"
            )
        return self


class SNSConfig(HTTPNotifierConfig):
    send_resolved: bool = True
    api_url: Str = ""
    sigv4: SigV4Config = Field(default_factory=SigV4Config)
    topic_arn: Str = ""
    phone_number: Str = ""
    target_arn: Str = ""
    subject: Str = '{{ template "sns.default.subject" . }}'
    message: Str = '{{ template "sns.default.message" . }}'
    attributes: StrMap = Field(default_factory=dict)

    @model_validator(mode="after")
    def _check(self) -> Self:
        # Alertmanager's exact (chained inequality) test: one target, or all three.
        if ((not self.target_arn) != (not self.topic_arn)) != (not self.phone_number):
            fail("must provide either a Target ARN, Topic ARN, or Phone Number for SNS config")
        return self
