"""Local wall-clock time ↔ instants, with the daylight-saving rules tocsin uses.

A local time that does not exist (inside a spring-forward gap, such as 02:30 on the night
the clocks jump from 02:00 to 03:00) resolves to the first instant after the gap (03:00 in
the new offset). A local time that happens twice (a fall-back hour) resolves to its first
occurrence (``fold=0``). Instants are seconds since the epoch.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

__all__ = ["local_instant", "transitions", "wall_clock", "zone"]

_PROBE = 6 * 3600  # zone offsets never change twice within six hours


@lru_cache(maxsize=256)
def zone(name: str) -> ZoneInfo:
    """The IANA zone ``name`` (already checked by the configuration)."""
    return ZoneInfo(name)


def _offset(tz: ZoneInfo, instant: float) -> timedelta | None:
    return datetime.fromtimestamp(instant, UTC).astimezone(tz).utcoffset()


def wall_clock(instant: float, tz: ZoneInfo) -> datetime:
    """``instant`` as a naive local date and time in ``tz``."""
    return datetime.fromtimestamp(instant, UTC).astimezone(tz).replace(tzinfo=None)


def local_instant(local: datetime, tz: ZoneInfo) -> float:
    """The instant of the naive local time ``local`` in ``tz`` (see the module's rules)."""
    instant = local.replace(tzinfo=tz, fold=0).timestamp()
    if wall_clock(instant, tz) == local:
        return instant
    # In a gap: the earlier offset reads it after the jump, the later one before it; the
    # jump itself is the first instant after the gap.
    low = int(local.replace(tzinfo=tz, fold=1).timestamp())
    high = int(instant)
    return float(_first_change(tz, min(low, high), max(low, high)))


def _first_change(tz: ZoneInfo, low: int, high: int) -> int:
    """The first whole second in ``(low, high]`` whose offset differs from ``low``'s."""
    before = _offset(tz, low)
    while high - low > 1:
        middle = (low + high) // 2
        if _offset(tz, middle) == before:
            low = middle
        else:
            high = middle
    return high


def transitions(tz: ZoneInfo, start: float, end: float) -> list[float]:
    """The instants in ``(start, end)`` at which ``tz`` changes its offset."""
    found: list[float] = []
    low = int(start)
    offset = _offset(tz, low)
    while low < end:
        high = min(low + _PROBE, int(end) + 1)
        next_offset = _offset(tz, high)
        if next_offset != offset:
            change = _first_change(tz, low, high)
            if start < change < end:
                found.append(float(change))
            offset = next_offset
        low = high
    return found
