"""Whether an instant lies inside a time interval, as Alertmanager's
``timeinterval.ContainsTime`` decides it.

The instant is converted into the interval's ``location`` (UTC when absent, the server's
zone for ``Local``) and read as wall-clock fields, so business hours follow daylight saving
time. Every field is an OR over its ranges, the fields are ANDed, and an empty field
matches everything. Routes' time intervals and on-call restrictions both use it.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from datetime import UTC, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from tocsin.config._timeintervals import TimeInterval

__all__ = ["interval_contains", "named_interval_active"]


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def _wall_clock(when: float, location: str | None) -> datetime:
    """``when`` as wall-clock time in ``location``."""
    utc = datetime.fromtimestamp(when, UTC)
    if location is None or location == "UTC":
        return utc
    if location == "Local":  # Go's time.Local: the server's own zone
        return utc.astimezone()
    return utc.astimezone(_zone(location))


def _day_matches(day: int, days_in_month: int, begin: int, end: int) -> bool:
    """Alertmanager's days_of_month test: negative days count back from the month's end
    (-1 is its last day); a range beginning after the last day never matches, and the
    bounds are clamped to the month (so ``'1:31'`` covers all of February)."""
    if begin < 0:
        begin += days_in_month + 1
    if end < 0:
        end += days_in_month + 1
    if begin > days_in_month:
        return False
    begin = max(-days_in_month, min(begin, days_in_month))
    end = max(-days_in_month, min(end, days_in_month))
    return begin <= day <= end


def interval_contains(interval: TimeInterval, when: float) -> bool:
    """Whether ``when`` (seconds since the epoch) lies inside ``interval``."""
    t = _wall_clock(when, interval.location)
    if interval.times:
        minute = t.hour * 60 + t.minute
        if not any(r.start_minute <= minute < r.end_minute for r in interval.times):
            return False
    if interval.days_of_month:
        # Calendar length of the month. Alertmanager 0.25 divides the month's elapsed
        # hours by 24 instead, which makes a 31-day month with a spring-forward change
        # 30 days long in that zone (fixed upstream in prometheus/alertmanager#5447).
        length = calendar.monthrange(t.year, t.month)[1]
        if not any(_day_matches(t.day, length, r.begin, r.end) for r in interval.days_of_month):
            return False
    if interval.months and not any(r.contains(t.month) for r in interval.months):
        return False
    weekday = t.isoweekday() % 7  # Sunday = 0, as Go's time.Weekday
    if interval.weekdays and not any(r.contains(weekday) for r in interval.weekdays):
        return False
    return not interval.years or any(r.contains(t.year) for r in interval.years)


def named_interval_active(intervals: Sequence[TimeInterval], when: float) -> bool:
    """Whether any of a named interval's time intervals contains ``when``."""
    return any(interval_contains(interval, when) for interval in intervals)
