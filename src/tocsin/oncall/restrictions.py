"""The windows during which a layer's restrictions let it have someone on call.

Restrictions are Alertmanager time intervals (``times``, ``weekdays``, ``days_of_month``,
``months``, ``years``), read in the layer's zone unless one names its own ``location``; a
layer is active while any of them contains the instant. Their answer can only change at a
local midnight, at a local ``start_time``/``end_time``, or when the zone changes its offset,
so those instants (every occurrence of them, both of a repeated fall-back hour) cut the
range into pieces on which the answer is constant, and one evaluation per piece is exact.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, time, timedelta
from itertools import pairwise

from tocsin.config import TimeInterval, interval_contains
from tocsin.oncall.wallclock import local_instant, transitions, wall_clock, zone

__all__ = ["active", "restriction_windows"]


def active(restrictions: Sequence[TimeInterval], at: float) -> bool:
    """Whether a layer with ``restrictions`` (empty: always) may have someone at ``at``."""
    return not restrictions or any(interval_contains(r, at) for r in restrictions)


def _cuts(location: str, minutes: set[int], start: float, end: float) -> set[float]:
    tz = zone(location)
    cuts = set(transitions(tz, start, end))
    day = wall_clock(start, tz).date() - timedelta(days=1)
    last = wall_clock(end, tz).date() + timedelta(days=1)
    while day <= last:
        midnight = datetime.combine(day, time())
        for minute in minutes:
            local = midnight + timedelta(minutes=minute)
            cuts.add(local_instant(local, tz))
            cuts.add(local.replace(tzinfo=tz, fold=0).timestamp())
            cuts.add(local.replace(tzinfo=tz, fold=1).timestamp())
        day += timedelta(days=1)
    return {cut for cut in cuts if start < cut < end}


def restriction_windows(
    restrictions: Sequence[TimeInterval], start: float, end: float
) -> list[tuple[float, float]]:
    """The maximal ``[from, to)`` windows inside ``[start, end)`` where the layer is
    active. Every restriction must carry its ``location`` (the layer fills it in)."""
    if end <= start:
        return []
    if not restrictions:
        return [(start, end)]
    minutes_by_zone: dict[str, set[int]] = {}
    for restriction in restrictions:
        minutes = minutes_by_zone.setdefault(restriction.location or "UTC", {0})
        for span in restriction.times:
            minutes.update((span.start_minute, span.end_minute))
    cuts: set[float] = set()
    for location, minutes in minutes_by_zone.items():
        cuts |= _cuts(location, minutes, start, end)
    points = [start, *sorted(cuts), end]
    windows: list[tuple[float, float]] = []
    for low, high in pairwise(points):
        if not active(restrictions, low):
            continue
        if windows and windows[-1][1] == low:
            windows[-1] = (windows[-1][0], high)
        else:
            windows.append((low, high))
    return windows
