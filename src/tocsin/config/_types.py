"""Scalar types of the configuration: strings as Go reads them, secrets, URLs, host:port.

Every string field accepts any YAML scalar the way Go's ``yaml.v2`` does (``match: {code:
500}`` is the string ``"500"``, with the original text kept). :class:`Secret` never shows
its value in ``repr``/``str`` or in a dump; :data:`SecretURL` is a secret that must also be
an ``http``/``https`` URL with a host, as Alertmanager requires.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, NoReturn
from urllib.parse import urlsplit

from pydantic import BeforeValidator, GetCoreSchemaHandler, PlainSerializer
from pydantic_core import PydanticCustomError, core_schema

from tocsin.config._yaml import RawFloat, RawInt

__all__ = [
    "SECRET_TOKEN",
    "URL",
    "HostPort",
    "LabelName",
    "Secret",
    "SecretURL",
    "Str",
    "StrList",
    "StrMap",
    "fail",
    "go_quote",
    "parse_url",
    "split_host_port",
]

SECRET_TOKEN = "<secret>"
_LABEL_NAME_RE = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")


def fail(message: str, *at: str | int, at_key: bool = False) -> NoReturn:
    """Raise a validation error with ``message``, placed at sub-path ``at`` of the value
    (at the mapping key itself with ``at_key``)."""
    raise PydanticCustomError("tocsin", "{msg}", {"msg": message, "at": at, "at_key": at_key})


def go_quote(text: str) -> str:
    """Go's ``%q`` for the common cases."""
    escaped = (
        text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
    )
    return f'"{escaped}"'


def _scalar_text(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, (RawInt, RawFloat)):
        return value.raw
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return value


Str = Annotated[str, BeforeValidator(_scalar_text)]
"""A string field that takes any YAML scalar, as Go's yaml.v2 does."""


def _none_as_empty_list(value: Any) -> Any:
    return [] if value is None else value


def _none_as_empty_dict(value: Any) -> Any:
    return {} if value is None else value


StrList = Annotated[list[Str], BeforeValidator(_none_as_empty_list)]
StrMap = Annotated[dict[Str, Str], BeforeValidator(_none_as_empty_dict)]


class Secret:
    """A secret string. ``repr``/``str`` show ``<secret>``; use :meth:`get_secret_value`."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def get_secret_value(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('<secret>')"

    def __str__(self) -> str:
        return SECRET_TOKEN

    def __bool__(self) -> bool:
        return bool(self._value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(("Secret", self._value))

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: type[Any], handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_plain_validator_function(
            _validate_secret,
            serialization=core_schema.plain_serializer_function_ser_schema(lambda _: SECRET_TOKEN),
        )


def _validate_secret(value: Any) -> Secret:
    if isinstance(value, Secret):
        return value
    value = _scalar_text(value)
    if not isinstance(value, str):
        raise PydanticCustomError("tocsin", "expected a string")
    return Secret(value)


def parse_url(text: str) -> str:
    """Alertmanager's URL check: http or https, with a host. Returns the text."""
    try:
        parts = urlsplit(text)
    except ValueError as exc:
        raise ValueError(f"parse {go_quote(text)}: {exc}") from None
    if parts.scheme not in ("http", "https"):
        raise ValueError(f"unsupported scheme {go_quote(parts.scheme)} for URL")
    if not parts.netloc or (parts.hostname is None and not parts.netloc.startswith("[")):
        raise ValueError("missing host for URL")
    return text


def _validate_url(value: Any) -> str:
    value = _scalar_text(value)
    if not isinstance(value, str):
        raise PydanticCustomError("tocsin", "expected a URL string")
    try:
        return parse_url(value)
    except ValueError as exc:
        raise PydanticCustomError("tocsin", "{msg}", {"msg": str(exc)}) from None


def _validate_secret_url(value: Any) -> Secret:
    if isinstance(value, Secret):
        return value
    value = _scalar_text(value)
    if not isinstance(value, str):
        raise PydanticCustomError("tocsin", "expected a URL string")
    if value == SECRET_TOKEN:
        return Secret(value)
    try:
        parse_url(value)
    except ValueError as exc:
        # never echo the secret URL itself
        message = str(exc).replace(value, "[REDACTED]")
        raise PydanticCustomError("tocsin", "{msg}", {"msg": message}) from None
    return Secret(value)


URL = Annotated[str, BeforeValidator(_validate_url)]
SecretURL = Annotated[
    Secret,
    BeforeValidator(_validate_secret_url),
    PlainSerializer(lambda _: SECRET_TOKEN),
]


def split_host_port(text: str) -> tuple[str, str]:
    """Go's ``net.SplitHostPort`` with its messages."""
    if text.startswith("["):
        end = text.find("]")
        if end < 0:
            raise ValueError(f"address {text}: missing ']' in address")
        host, rest = text[1:end], text[end + 1 :]
        if not rest.startswith(":"):
            raise ValueError(f"address {text}: missing port in address")
        return host, rest[1:]
    colon = text.rfind(":")
    if colon < 0:
        raise ValueError(f"address {text}: missing port in address")
    if text.count(":") > 1:
        raise ValueError(f"address {text}: too many colons in address")
    return text[:colon], text[colon + 1 :]


def _validate_host_port(value: Any) -> str:
    value = _scalar_text(value)
    if not isinstance(value, str):
        raise PydanticCustomError("tocsin", "expected a host:port string")
    if value == "":
        return value
    try:
        _, port = split_host_port(value)
    except ValueError as exc:
        raise PydanticCustomError("tocsin", "{msg}", {"msg": str(exc)}) from None
    if port == "":
        raise PydanticCustomError(
            "tocsin", "{msg}", {"msg": f"address {go_quote(value)}: port cannot be empty"}
        )
    return value


HostPort = Annotated[str, BeforeValidator(_validate_host_port)]
"""``host:port`` (empty allowed: unset)."""


def is_label_name(name: str) -> bool:
    return _LABEL_NAME_RE.match(name) is not None


LabelName = Annotated[str, BeforeValidator(_scalar_text)]
