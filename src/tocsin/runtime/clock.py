"""The clock the server runs on: the wall clock, or a file-driven clock for tests.

With ``TOCSIN_ALLOW_TEST_CLOCK=1`` and ``TOCSIN_TEST_CLOCK=FILE``, "now" is read from FILE
(an RFC 3339 timestamp) at every call, so an end-to-end test can move time by hours between
a kill -9 and a restart. Without the first variable the second is refused.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path

from tocsin.model import Clock, SystemClock
from tocsin.model.times import parse_time

__all__ = ["FileClock", "TestClockRefused", "clock_from_environment"]

log = logging.getLogger(__name__)


class TestClockRefused(RuntimeError):
    """``TOCSIN_TEST_CLOCK`` was set without ``TOCSIN_ALLOW_TEST_CLOCK=1``."""


class FileClock:
    """Reads the current time from a file at every call."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.now()  # fail at start-up, not at the first tick

    def now(self) -> float:
        text = self.path.read_text().strip()
        value = parse_time(text)
        if value is None:
            raise ValueError(f"{self.path}: no time in {text!r}")
        return value


def clock_from_environment(env: Mapping[str, str] | None = None) -> Clock:
    """The wall clock, unless the environment asks (and allows) a test clock."""
    env = os.environ if env is None else env
    path = env.get("TOCSIN_TEST_CLOCK")
    if not path:
        return SystemClock()
    if env.get("TOCSIN_ALLOW_TEST_CLOCK") != "1":
        raise TestClockRefused(
            "TOCSIN_TEST_CLOCK is set but TOCSIN_ALLOW_TEST_CLOCK=1 is not: refusing to run "
            "on a test clock"
        )
    log.warning("RUNNING ON A TEST CLOCK read from %s: time is whatever that file says", path)
    return FileClock(Path(path))
