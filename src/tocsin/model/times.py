"""Timestamps on the wire: parsing the forms Alertmanager's API accepts, printing its form.

Alertmanager's API accepts RFC 3339 with or without fractional seconds, a space instead of
the ``T``, and a missing zone (read as UTC). Go's zero time (``0001-01-01T00:00:00Z``) means
"unset"; the empty string is the Unix epoch. Answers print UTC with milliseconds, as
Alertmanager does.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from tocsin.model._gotime import go_time_error

__all__ = ["TimeFormatError", "format_millis", "format_nanos", "parse_time"]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_TIME_RE = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})[T ]([0-9]{2}):([0-9]{2})"
    r"(?::([0-9]{2})(?:[.,]([0-9]{1,9}))?)?(Z|z|[+-][0-9]{2}:?[0-9]{2})?"
)
# Go's zero time (unset), and the range of instants tocsin stores and prints (years 1-9999).
_GO_ZERO = (datetime(1, 1, 1, tzinfo=UTC) - _EPOCH).total_seconds()
_LATEST = (datetime(9999, 12, 31, 23, 59, 59, 999000, tzinfo=UTC) - _EPOCH).total_seconds()


class TimeFormatError(ValueError):
    """A timestamp that is not in a form the API accepts."""


# Times already parsed: the alerts of a batch, and every re-post of an alert by Prometheus,
# carry the same startsAt text.
_PARSED: dict[str, float | None] = {}
_PARSED_MAX = 1 << 14


def parse_time(text: str) -> float | None:
    """Seconds since the epoch, or ``None`` for Go's zero time (unset).

    The empty string is the Unix epoch, as Alertmanager's API framework reads it.
    """
    try:
        return _PARSED[text]
    except KeyError:
        pass
    value = _parse_time(text)  # raises for bad text, which is never cached
    if len(_PARSED) >= _PARSED_MAX:
        _PARSED.clear()
    _PARSED[text] = value
    return value


def _parse_time(text: str) -> float | None:
    if not text:
        return 0.0
    m = _TIME_RE.fullmatch(text)
    if m is None:
        raise TimeFormatError(go_time_error(text))
    year, month, day, hour, minute = (int(m.group(i)) for i in range(1, 6))
    second = int(m.group(6) or 0)
    frac = m.group(7) or ""
    zone = m.group(8)
    try:
        base = datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    except ValueError as exc:
        raise TimeFormatError(f'parsing time "{text}": {exc}') from exc  # day out of range
    seconds = (base - _EPOCH).total_seconds()
    if frac:
        seconds += int(frac) / 10 ** len(frac)
    if zone and zone not in ("Z", "z"):
        sign = 1 if zone[0] == "+" else -1
        digits = zone[1:].replace(":", "")
        hours, minutes = int(digits[:2]), int(digits[2:])
        if hours > 23 or minutes > 59:
            raise TimeFormatError(f'parsing time "{text}": time zone offset out of range')
        seconds -= sign * (hours * 3600 + minutes * 60)
    if seconds == _GO_ZERO:
        return None
    if not _GO_ZERO <= seconds <= _LATEST:
        raise TimeFormatError(f'parsing time "{text}": year outside of range [1,9999]')
    return seconds


def _utc(ts: float) -> datetime:
    ts = min(max(ts, _GO_ZERO), _LATEST)
    return _EPOCH + timedelta(microseconds=round(ts * 1_000_000))


def _seconds_text(dt: datetime) -> str:
    return (
        f"{dt.year:04d}-{dt.month:02d}-{dt.day:02d}T{dt.hour:02d}:{dt.minute:02d}:{dt.second:02d}"
    )


# Whole seconds already printed: alerts of a batch share their start and update seconds,
# so listing many alerts prints few distinct ones.
_PREFIXES: dict[int, str] = {}
_PREFIXES_MAX = 1 << 16


def _split(ts: float) -> tuple[str, int]:
    """``ts`` as its printed whole second and its microseconds."""
    micro = round(min(max(ts, _GO_ZERO), _LATEST) * 1_000_000)
    second, fraction = divmod(micro, 1_000_000)
    prefix = _PREFIXES.get(second)
    if prefix is None:
        if len(_PREFIXES) >= _PREFIXES_MAX:
            _PREFIXES.clear()
        prefix = _seconds_text(_EPOCH + timedelta(seconds=second))
        _PREFIXES[second] = prefix
    return prefix, fraction


def format_millis(ts: float) -> str:
    """``2026-01-02T03:04:05.678Z``: UTC with milliseconds, as Alertmanager's API prints."""
    prefix, micro = _split(ts)
    return f"{prefix}.{micro // 1000:03d}Z"


def format_nanos(ts: float) -> str:
    """Go's RFC 3339 with nanoseconds: fractional digits without trailing zeros."""
    prefix, micro = _split(ts)
    frac = f"{micro:06d}".rstrip("0")
    return f"{prefix}{'.' + frac if frac else ''}Z"
