"""``twilio_configs`` (tocsin): SMS or voice calls through Twilio's REST API.

``account_sid``, ``auth_token``, ``from`` and ``api_url`` are taken from ``global.twilio_*``
when unset. ``text`` is the message (default: the one-line runbook text); ``max_length``
caps it (0: 1600 characters for SMS, Twilio's limit, and 4000 for voice).
"""

from __future__ import annotations

import re
from typing import Annotated, Any, ClassVar, Literal, Self

from pydantic import BeforeValidator, Field, model_validator

from tocsin.config._base import SecretFile
from tocsin.config._types import URL, Secret, Str, _scalar_text, fail
from tocsin.config.receivers._common import HTTPNotifierConfig

__all__ = ["TwilioConfig", "is_e164"]

_E164 = re.compile(r"^\+[1-9][0-9]{1,14}$")


def is_e164(number: str) -> bool:
    """``+`` then 2 to 15 digits, the first not 0."""
    return _E164.match(number) is not None


def _phone(value: Any) -> Any:
    text = _scalar_text(value)
    if isinstance(text, str) and text and not is_e164(text):
        fail(f'"{text}" is not an E.164 phone number (such as +14155550100)')
    return text


Phone = Annotated[Str, BeforeValidator(_phone)]


class TwilioConfig(HTTPNotifierConfig):
    send_resolved: bool = True
    account_sid: Str = ""
    auth_token: Secret | None = None
    auth_token_file: Str = ""
    from_: Phone = Field(default="", alias="from")
    to: Phone = ""
    mode: Literal["sms", "voice"] = "sms"
    api_url: URL | None = None
    text: Str = ""
    max_length: int = Field(default=0, ge=0)

    secret_files: ClassVar[tuple[SecretFile, ...]] = (SecretFile("auth_token", "auth_token_file"),)

    @model_validator(mode="after")
    def _check(self) -> Self:
        if not self.to:
            fail("missing to number in twilio config")
        return self
