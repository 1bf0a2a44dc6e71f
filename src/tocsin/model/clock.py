"""The clock every piece of tocsin reads time from (DESIGN.md invariant 1).

Times are seconds since the Unix epoch as floats. ``SystemClock`` reads the wall clock;
``FakeClock`` is moved by tests. Nothing else in tocsin calls ``time.time()``.
"""

from __future__ import annotations

import time
from typing import Protocol

__all__ = ["Clock", "FakeClock", "SystemClock"]


class Clock(Protocol):
    """A source of the current time."""

    def now(self) -> float:
        """Seconds since the epoch."""
        ...


class SystemClock:
    """The wall clock."""

    def now(self) -> float:
        return time.time()


class FakeClock:
    """A clock that only moves when told to."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self._now = start

    def now(self) -> float:
        return self._now

    def set(self, when: float) -> None:
        self._now = when

    def advance(self, seconds: float) -> None:
        self._now += seconds

    def fast_forward(self, *, hours: float = 0, minutes: float = 0, seconds: float = 0) -> None:
        self._now += hours * 3600 + minutes * 60 + seconds
