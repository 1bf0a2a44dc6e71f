"""``email_configs``: SMTP e-mail. Unset fields are filled from ``global.smtp_*`` at load."""

from __future__ import annotations

from typing import ClassVar, Self

from pydantic import Field, model_validator

from tocsin.config._base import SecretFile
from tocsin.config._http import TLSConfig
from tocsin.config._types import HostPort, Secret, Str, StrMap, fail
from tocsin.config.receivers._common import NotifierConfig

__all__ = ["DEFAULT_EMAIL_SUBJECT", "EmailConfig", "canonical_header"]

DEFAULT_EMAIL_SUBJECT = '{{ template "email.default.subject" . }}'


def canonical_header(name: str) -> str:
    """Go's ``textproto.CanonicalMIMEHeaderKey``: ``content-type`` → ``Content-Type``."""
    if not name or any(c in name for c in " :\t"):
        return name
    return "-".join(part[:1].upper() + part[1:].lower() for part in name.split("-"))


class EmailConfig(NotifierConfig):
    send_resolved: bool = False
    to: Str = ""
    from_: Str = Field(default="", alias="from")
    hello: Str = ""
    smarthost: HostPort = ""
    auth_username: Str = ""
    auth_password: Secret | None = None
    auth_password_file: Str = ""
    auth_secret: Secret | None = None
    auth_identity: Str = ""
    headers: StrMap = Field(default_factory=dict)
    html: Str = '{{ template "email.default.html" . }}'
    text: Str = ""
    require_tls: bool | None = None
    tls_config: TLSConfig | None = None

    # Alertmanager 0.25 accepts both; the file wins when sending.
    secret_files: ClassVar[tuple[SecretFile, ...]] = (
        SecretFile("auth_password", "auth_password_file", both_allowed=True),
    )

    @model_validator(mode="after")
    def _check(self) -> Self:
        if not self.to:
            fail("missing to address in email config")
        normalized: dict[str, str] = {}
        for name, value in self.headers.items():
            key = canonical_header(name)
            if key in normalized:
                fail(f'duplicate header "{key}" in email config', "headers", name)
            normalized[key] = value
        self.headers = normalized
        return self
