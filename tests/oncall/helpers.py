"""Rosters from YAML for the on-call tests, and times written out in full."""

from __future__ import annotations

from tocsin.config import Config, load_config_text
from tocsin.model.times import format_millis, parse_time
from tocsin.oncall import Roster, Shift

__all__ = ["PEOPLE", "config_of", "roster_of", "table", "utc"]

PEOPLE = """
route: {receiver: team-chat}
receivers: [{name: team-chat}]
users:
  - {name: alice}
  - {name: bob}
  - {name: carol}
  - {name: dave}
  - {name: erin}
  - {name: frank}
  - {name: gina}
  - {name: kenji}
  - {name: lena}
  - {name: maria}
teams:
  - {name: payments, members: [alice, bob], receiver: team-chat}
"""


def config_of(schedules_yaml: str) -> Config:
    """A configuration of :data:`PEOPLE` and ``schedules_yaml`` (a ``schedules:`` section)."""
    return load_config_text(PEOPLE + schedules_yaml)


def roster_of(schedules_yaml: str) -> Roster:
    return Roster.from_config(config_of(schedules_yaml))


def utc(text: str) -> float:
    """``2026-03-08T14:00:00Z`` as seconds since the epoch."""
    seconds = parse_time(text)
    assert seconds is not None
    return seconds


def _short(seconds: float) -> str:
    return format_millis(seconds).removesuffix(".000Z").replace("T", " ")[:16] + "Z"


def table(shifts: list[Shift]) -> list[tuple[str | None, str, str]]:
    """``(user, start, end)`` with times as ``2026-03-08 14:00Z``."""
    return [(s.user, _short(s.start), _short(s.end)) for s in shifts]
