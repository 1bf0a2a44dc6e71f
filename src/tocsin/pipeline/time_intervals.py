"""Time intervals: is an instant inside one, and the muter for a route's intervals.

Evaluated as Alertmanager's ``timeinterval.ContainsTime`` does: the instant is converted
into the interval's ``location`` (UTC when absent, the server's zone for ``Local``) and
read as wall-clock fields, so business hours follow daylight saving time. Every field is
an OR over its ranges, the fields are ANDed, and an empty field matches everything.

A route's ``active_time_intervals`` mute it while none of them is active, its
``mute_time_intervals`` while any of them is (Alertmanager applies the active stage
first, then the mute stage). Muting by time intervals is not shown in the API.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol, runtime_checkable

from tocsin.config import TimeInterval, interval_contains, named_interval_active
from tocsin.pipeline.muting import MuteReason

__all__ = ["TimeIntervalMuter", "TimedRoute", "interval_contains", "named_interval_active"]


@runtime_checkable
class TimedRoute(Protocol):
    """What the muter needs of a route: the names of its time intervals."""

    mute_time_intervals: Sequence[str]
    active_time_intervals: Sequence[str]


class TimeIntervalMuter:
    """Mutes the alerts of a route outside its active intervals or inside its mute ones.

    The reason names the intervals responsible: the route's active intervals (none of
    which is active) or its mute intervals that are active now. A name missing from the
    map is never active; config validation rejects such references before this runs.
    """

    def __init__(self, intervals: Mapping[str, Sequence[TimeInterval]]) -> None:
        self._intervals = intervals

    def _active(self, name: str, now: float) -> bool:
        return named_interval_active(self._intervals.get(name, ()), now)

    per_route = True  # the answer depends on the route only, not on the alert

    def mutes(
        self, labels: Mapping[str, str], route: object | None, now: float
    ) -> MuteReason | None:
        # getattr, not isinstance: a runtime-checkable Protocol check costs microseconds.
        active = tuple(getattr(route, "active_time_intervals", ()))
        muting_names: Sequence[str] = getattr(route, "mute_time_intervals", ())
        if not active and not muting_names:
            return None
        if active and not any(self._active(name, now) for name in active):
            return MuteReason("time_interval", active)
        muting = tuple(name for name in muting_names if self._active(name, now))
        return MuteReason("time_interval", muting) if muting else None
