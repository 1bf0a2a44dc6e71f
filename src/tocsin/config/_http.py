"""``http_config``: Prometheus' ``HTTPClientConfig`` (prometheus/common), with its checks.

Fields and messages follow the prometheus/common version Alertmanager 0.25 was built
with. ``no_proxy`` and ``proxy_from_environment`` come from later versions: tocsin accepts
them, and leaves them out of the Alertmanager dump (0.25 would reject them).
As in Prometheus, ``bearer_token``/``bearer_token_file`` become an ``authorization`` of type
``Bearer`` at load.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Self

from pydantic import BeforeValidator, Field, ValidationInfo, model_validator

from tocsin.config._base import Model, SecretFile, read_secret_file, resolve_path
from tocsin.config._types import Secret, Str, StrList, fail, go_quote

__all__ = ["TLS_VERSIONS", "Authorization", "BasicAuth", "HTTPClientConfig", "OAuth2", "TLSConfig"]

TLS_VERSIONS = {"TLS10": 769, "TLS11": 770, "TLS12": 771, "TLS13": 772}


def _check_proxy_url(value: Any) -> Any:
    if isinstance(value, str) and value:
        scheme, sep, _ = value.partition(":")
        if not sep or not scheme or not scheme[0].isalpha():
            fail(f"parse {go_quote(value)}: missing protocol scheme")
    return value


ProxyURL = Annotated[Str, BeforeValidator(_check_proxy_url)]


def _check_tls_version(value: Any) -> Any:
    if isinstance(value, str) and value and value not in TLS_VERSIONS:
        fail(f"unknown TLS version: {value}")
    return value


TLSVersion = Annotated[Str, BeforeValidator(_check_tls_version)]


class TLSConfig(Model):
    ca_file: Str = ""
    cert_file: Str = ""
    key_file: Str = ""
    server_name: Str = ""
    insecure_skip_verify: bool = False
    min_version: TLSVersion = ""
    max_version: TLSVersion = ""

    @model_validator(mode="after")
    def _files_readable(self, info: ValidationInfo) -> Self:
        for key in ("ca_file", "cert_file", "key_file"):
            path = getattr(self, key)
            if path:
                full = resolve_path(path, info)
                if not full.is_file():
                    fail(f"unable to read {key} {str(full)!r}: no such file", key)
        return self


class BasicAuth(Model):
    username: Str = ""
    password: Secret | None = None
    password_file: Str = ""

    secret_files: ClassVar[tuple[SecretFile, ...]] = (
        SecretFile(
            "password",
            "password_file",
            message="at most one of basic_auth password & password_file must be configured",
        ),
    )


class Authorization(Model):
    type: Str = ""
    credentials: Secret | None = None
    credentials_file: Str = ""

    secret_files: ClassVar[tuple[SecretFile, ...]] = (
        SecretFile(
            "credentials",
            "credentials_file",
            message="at most one of authorization credentials & credentials_file "
            "must be configured",
        ),
    )


class OAuth2(Model):
    client_id: Str = ""
    client_secret: Secret | None = None
    client_secret_file: Str = ""
    scopes: StrList = Field(default_factory=list)
    token_url: Str = ""
    endpoint_params: dict[Str, Str] = Field(default_factory=dict)
    tls_config: TLSConfig = Field(default_factory=TLSConfig)
    proxy_url: ProxyURL = ""

    secret_files: ClassVar[tuple[SecretFile, ...]] = (
        SecretFile(
            "client_secret",
            "client_secret_file",
            message="at most one of oauth2 client_secret & client_secret_file must be configured",
        ),
    )


class HTTPClientConfig(Model):
    basic_auth: BasicAuth | None = None
    authorization: Authorization | None = None
    oauth2: OAuth2 | None = None
    bearer_token: Secret | None = None
    bearer_token_file: Str = ""
    proxy_url: ProxyURL = ""
    no_proxy: Str = ""
    proxy_from_environment: bool = False
    proxy_connect_header: dict[Str, list[Secret]] = Field(default_factory=dict)
    tls_config: TLSConfig | None = None
    follow_redirects: bool = True
    enable_http2: bool = True

    @model_validator(mode="after")
    def _validate(self, info: ValidationInfo) -> Self:
        bearer = bool(self.bearer_token) or bool(self.bearer_token_file)
        if self.bearer_token and self.bearer_token_file:
            fail("at most one of bearer_token & bearer_token_file must be configured")
        if (self.basic_auth is not None or self.oauth2 is not None) and bearer:
            fail(
                "at most one of basic_auth, oauth2, bearer_token & bearer_token_file "
                "must be configured"
            )
        if self.authorization is not None:
            if bearer:
                fail("authorization is not compatible with bearer_token & bearer_token_file")
            self.authorization.type = self.authorization.type.strip() or "Bearer"
            if self.authorization.type.lower() == "basic":
                fail(
                    'authorization type cannot be set to "basic", use "basic_auth" instead',
                    "authorization",
                    "type",
                )
            if self.basic_auth is not None or self.oauth2 is not None:
                fail("at most one of basic_auth, oauth2 & authorization must be configured")
        elif self.bearer_token:
            self.authorization = Authorization.model_construct(
                type="Bearer", credentials=self.bearer_token, credentials_file=""
            )
            self.bearer_token = None
        elif self.bearer_token_file:
            path = self.bearer_token_file
            value = read_secret_file(path, info, "bearer_token_file")
            self.authorization = Authorization.model_construct(
                type="Bearer", credentials=Secret(value), credentials_file=path
            )
            self.bearer_token_file = ""
        if self.oauth2 is not None:
            oauth = self.oauth2
            if self.basic_auth is not None:
                fail("at most one of basic_auth, oauth2 & authorization must be configured")
            if not oauth.client_id:
                fail("oauth2 client_id must be configured", "oauth2")
            if not oauth.client_secret and not oauth.client_secret_file:
                fail(
                    "either oauth2 client_secret or client_secret_file must be configured",
                    "oauth2",
                )
            if not oauth.token_url:
                fail("oauth2 token_url must be configured", "oauth2")
        if self.proxy_from_environment and self.proxy_url:
            fail("if proxy_from_environment is configured, proxy_url must not be configured")
        if self.proxy_from_environment and self.no_proxy:
            fail("if proxy_from_environment is configured, no_proxy must not be configured")
        if self.no_proxy and not self.proxy_url:
            fail("if no_proxy is configured, proxy_url must also be configured")
        tls = self.tls_config
        if tls is not None and tls.cert_file and not tls.key_file:
            fail(
                f"client cert file {go_quote(tls.cert_file)} specified without client key file",
                "tls_config",
            )
        if tls is not None and tls.key_file and not tls.cert_file:
            fail(
                f"client key file {go_quote(tls.key_file)} specified without client cert file",
                "tls_config",
            )
        if self.proxy_connect_header and not self.proxy_url:
            fail(
                "if proxy_connect_header is configured proxy_url must also be configured",
                "proxy_connect_header",
            )
        return self
