"""Durations in Prometheus' format (``1y2w3d4h5m6s7ms``) and Go's (``1m30s``).

:class:`Duration` is what the configuration uses for ``resolve_timeout``, ``group_wait`` and
the other intervals: it parses exactly what Prometheus' ``model.ParseDuration`` accepts and
prints itself back in Prometheus' canonical form (``90s`` prints as ``1m30s``, ``7d`` as
``1w``). :class:`GoDuration` is Go's ``time.Duration`` text, used by a few receiver fields
(pushover ``retry`` and ``expire``).
"""

from __future__ import annotations

import re
from functools import total_ordering
from typing import Any

from pydantic import GetCoreSchemaHandler
from pydantic_core import PydanticCustomError, core_schema

__all__ = ["Duration", "GoDuration", "format_duration", "parse_duration"]

_MS_PER = {
    "y": 365 * 24 * 3600 * 1000,
    "w": 7 * 24 * 3600 * 1000,
    "d": 24 * 3600 * 1000,
    "h": 3600 * 1000,
    "m": 60 * 1000,
    "s": 1000,
    "ms": 1,
}
_DURATION_RE = re.compile(
    r"^(?:(?P<y>[0-9]+)y)?(?:(?P<w>[0-9]+)w)?(?:(?P<d>[0-9]+)d)?(?:(?P<h>[0-9]+)h)?"
    r"(?:(?P<m>[0-9]+)m)?(?:(?P<s>[0-9]+)s)?(?:(?P<ms>[0-9]+)ms)?$"
)
_MAX_MS = (1 << 63) // 1_000_000  # what fits in Go's int64 nanoseconds


def parse_duration(text: str) -> int:
    """Milliseconds in a Prometheus duration; ``ValueError`` with Prometheus' message."""
    if text == "0":
        return 0
    if text == "":
        raise ValueError("empty duration string")
    match = _DURATION_RE.match(text)
    if match is None:
        raise ValueError(f"not a valid duration string: {_go_quote(text)}")
    total = 0
    for unit, digits in match.groupdict().items():
        if digits is not None:
            total += int(digits) * _MS_PER[unit]
    if total >= _MAX_MS:
        raise ValueError("duration out of range")
    return total


def format_duration(ms: int) -> str:
    """Prometheus' canonical text: years and weeks only when exact, ``0s`` for zero."""
    if ms == 0:
        return "0s"
    out = ""
    for unit in ("y", "w", "d", "h", "m", "s", "ms"):
        mult = _MS_PER[unit]
        if unit in ("y", "w") and ms % mult != 0:
            continue
        count, ms = divmod(ms, mult)
        if count:
            out += f"{count}{unit}"
    return out


def _go_quote(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


@total_ordering
class Duration:
    """A Prometheus duration, stored as whole milliseconds."""

    __slots__ = ("_ms",)

    def __init__(self, milliseconds: int) -> None:
        if milliseconds < 0:
            raise ValueError("a duration cannot be negative")
        self._ms = int(milliseconds)

    @classmethod
    def parse(cls, text: str) -> Duration:
        """Parse Prometheus' text form (``ValueError`` on bad input)."""
        return cls(parse_duration(text))

    @classmethod
    def of_seconds(cls, seconds: float) -> Duration:
        return cls(round(seconds * 1000))

    @property
    def seconds(self) -> float:
        return self._ms / 1000

    @property
    def milliseconds(self) -> int:
        return self._ms

    def __str__(self) -> str:
        return format_duration(self._ms)

    def __repr__(self) -> str:
        return f"Duration({format_duration(self._ms)!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Duration) and other._ms == self._ms

    def __lt__(self, other: Duration) -> bool:
        return self._ms < other._ms

    def __hash__(self) -> int:
        return hash(("Duration", self._ms))

    def __bool__(self) -> bool:
        return self._ms != 0

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: type[Any], handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_plain_validator_function(
            _validate_duration,
            serialization=core_schema.plain_serializer_function_ser_schema(str),
        )


def _validate_duration(value: object) -> Duration:
    if isinstance(value, Duration):
        return value
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise PydanticCustomError("tocsin", "expected a duration such as 5m or 1h30m")
    try:
        return Duration.parse(str(value))
    except ValueError as exc:
        raise PydanticCustomError("tocsin", "{msg}", {"msg": str(exc)}) from None


_GO_UNITS = {"ns": 1, "us": 1_000, "µs": 1_000, "μs": 1_000, "ms": 10**6, "s": 10**9}
_GO_UNITS |= {"m": 60 * 10**9, "h": 3600 * 10**9}
_GO_PART = re.compile(r"([0-9]*(?:\.[0-9]*)?)([a-zµμ]*)")


def parse_go_duration(text: str) -> int:
    """Nanoseconds in a Go ``time.ParseDuration`` string, with Go's messages."""
    quoted = _go_quote(text)
    rest = text
    negative = False
    if rest[:1] in ("-", "+"):
        negative = rest[0] == "-"
        rest = rest[1:]
    if rest == "0":
        return 0
    if rest == "":
        raise ValueError(f"time: invalid duration {quoted}")
    total = 0.0
    while rest:
        match = _GO_PART.match(rest)
        number, unit = match.groups() if match else ("", "")
        if number in ("", "."):
            raise ValueError(f"time: invalid duration {quoted}")
        if unit == "":
            raise ValueError(f"time: missing unit in duration {quoted}")
        if unit not in _GO_UNITS:
            raise ValueError(f'time: unknown unit "{unit}" in duration {quoted}')
        total += float(number) * _GO_UNITS[unit]
        rest = rest[len(number) + len(unit) :]
    if total >= 1 << 63:
        raise ValueError(f"time: invalid duration {quoted}")
    return -int(total) if negative else int(total)


def format_go_duration(ns: int) -> str:
    """Go's ``time.Duration.String()``: ``1h0m0s``, ``1m30s``, ``500ms``."""
    if ns == 0:
        return "0s"
    sign = "-" if ns < 0 else ""
    ns = abs(ns)
    if ns < 10**9:
        for unit, size in (("ms", 10**6), ("µs", 10**3), ("ns", 1)):
            if ns >= size:
                return sign + _trim(ns / size) + unit
    hours, rem = divmod(ns, 3600 * 10**9)
    minutes, rem = divmod(rem, 60 * 10**9)
    seconds = _trim(rem / 10**9)
    if hours:
        return f"{sign}{hours}h{minutes}m{seconds}s"
    if minutes:
        return f"{sign}{minutes}m{seconds}s"
    return f"{sign}{seconds}s"


def _trim(value: float) -> str:
    text = f"{value:.9f}".rstrip("0").rstrip(".")
    return text or "0"


class GoDuration:
    """A Go ``time.Duration`` (nanoseconds), printed the way Go prints it."""

    __slots__ = ("_ns",)

    def __init__(self, nanoseconds: int) -> None:
        self._ns = int(nanoseconds)

    @classmethod
    def parse(cls, text: str) -> GoDuration:
        return cls(parse_go_duration(text))

    @property
    def seconds(self) -> float:
        return self._ns / 1e9

    def __str__(self) -> str:
        return format_go_duration(self._ns)

    def __repr__(self) -> str:
        return f"GoDuration({str(self)!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, GoDuration) and other._ns == self._ns

    def __hash__(self) -> int:
        return hash(("GoDuration", self._ns))

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: type[Any], handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_plain_validator_function(
            _validate_go_duration,
            serialization=core_schema.plain_serializer_function_ser_schema(str),
        )


def _validate_go_duration(value: object) -> GoDuration:
    if isinstance(value, GoDuration):
        return value
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise PydanticCustomError("tocsin", "expected a duration such as 1m or 1h")
    try:
        return GoDuration.parse(str(value))
    except ValueError as exc:
        raise PydanticCustomError("tocsin", "{msg}", {"msg": str(exc)}) from None
