"""Handoffs on the local wall clock across daylight-saving changes, worked out by hand.

America/Chicago: CST is UTC-6, CDT UTC-5; 2026-03-08 02:00 CST jumps to 03:00 CDT (08:00Z),
2026-11-01 02:00 CDT falls back to 01:00 CST (07:00Z). Europe/Berlin: CET is UTC+1, CEST
UTC+2; 2026-03-29 02:00 CET jumps to 03:00 CEST (01:00Z), 2026-10-25 03:00 CEST falls back
to 02:00 CET (01:00Z).
"""

from __future__ import annotations

import pytest
from tests.oncall.helpers import roster_of, table, utc


def _one_layer(zone: str, shift: str, start: str, participants: str = "[alice, bob]") -> str:
    return f"""
schedules:
  - name: s
    time_zone: {zone}
    layers:
      - {{name: l, participants: {participants}, shift: {shift}, start: "{start}"}}
"""


CASES = [
    pytest.param(
        "America/Chicago",
        "1d",
        "2026-03-06 09:00",
        ("2026-03-06T15:00:00Z", "2026-03-09T14:00:00Z"),
        [
            ("alice", "2026-03-06 15:00Z", "2026-03-07 15:00Z"),  # 24 h
            ("bob", "2026-03-07 15:00Z", "2026-03-08 14:00Z"),  # 23 h: 09:00 CST → 09:00 CDT
            ("alice", "2026-03-08 14:00Z", "2026-03-09 14:00Z"),
        ],
        id="chicago-daily-spring",
    ),
    pytest.param(
        "America/Chicago",
        "1d",
        "2026-10-30 09:00",
        ("2026-10-30T14:00:00Z", "2026-11-02T15:00:00Z"),
        [
            ("alice", "2026-10-30 14:00Z", "2026-10-31 14:00Z"),
            ("bob", "2026-10-31 14:00Z", "2026-11-01 15:00Z"),  # 25 h: 09:00 CDT → 09:00 CST
            ("alice", "2026-11-01 15:00Z", "2026-11-02 15:00Z"),
        ],
        id="chicago-daily-autumn",
    ),
    pytest.param(
        "America/Chicago",
        "1w",
        "2026-03-02 09:00",
        ("2026-03-02T15:00:00Z", "2026-03-16T14:00:00Z"),
        [
            ("alice", "2026-03-02 15:00Z", "2026-03-09 14:00Z"),  # 167 h
            ("bob", "2026-03-09 14:00Z", "2026-03-16 14:00Z"),  # 168 h
        ],
        id="chicago-weekly-spring",
    ),
    pytest.param(
        "America/Chicago",
        "1w",
        "2026-10-26 09:00",
        ("2026-10-26T14:00:00Z", "2026-11-09T15:00:00Z"),
        [
            ("alice", "2026-10-26 14:00Z", "2026-11-02 15:00Z"),  # 169 h
            ("bob", "2026-11-02 15:00Z", "2026-11-09 15:00Z"),
        ],
        id="chicago-weekly-autumn",
    ),
    pytest.param(
        "Europe/Berlin",
        "1d",
        "2026-03-27 09:00",
        ("2026-03-27T08:00:00Z", "2026-03-30T07:00:00Z"),
        [
            ("alice", "2026-03-27 08:00Z", "2026-03-28 08:00Z"),
            ("bob", "2026-03-28 08:00Z", "2026-03-29 07:00Z"),  # 23 h
            ("alice", "2026-03-29 07:00Z", "2026-03-30 07:00Z"),
        ],
        id="berlin-daily-spring",
    ),
    pytest.param(
        "Europe/Berlin",
        "1d",
        "2026-10-23 09:00",
        ("2026-10-23T07:00:00Z", "2026-10-26T08:00:00Z"),
        [
            ("alice", "2026-10-23 07:00Z", "2026-10-24 07:00Z"),
            ("bob", "2026-10-24 07:00Z", "2026-10-25 08:00Z"),  # 25 h
            ("alice", "2026-10-25 08:00Z", "2026-10-26 08:00Z"),
        ],
        id="berlin-daily-autumn",
    ),
    pytest.param(
        "Europe/Berlin",
        "1w",
        "2026-03-23 09:00",
        ("2026-03-23T08:00:00Z", "2026-04-06T07:00:00Z"),
        [
            ("alice", "2026-03-23 08:00Z", "2026-03-30 07:00Z"),  # 167 h
            ("bob", "2026-03-30 07:00Z", "2026-04-06 07:00Z"),
        ],
        id="berlin-weekly-spring",
    ),
    pytest.param(
        "Europe/Berlin",
        "1w",
        "2026-10-19 09:00",
        ("2026-10-19T07:00:00Z", "2026-11-02T08:00:00Z"),
        [
            ("alice", "2026-10-19 07:00Z", "2026-10-26 08:00Z"),  # 169 h
            ("bob", "2026-10-26 08:00Z", "2026-11-02 08:00Z"),
        ],
        id="berlin-weekly-autumn",
    ),
    pytest.param(
        "America/Chicago",
        "12h",
        "2026-03-07 08:00",
        ("2026-03-07T14:00:00Z", "2026-03-09T01:00:00Z"),
        [
            ("alice", "2026-03-07 14:00Z", "2026-03-08 02:00Z"),  # 08:00 → 20:00 CST
            ("bob", "2026-03-08 02:00Z", "2026-03-08 13:00Z"),  # 20:00 CST → 08:00 CDT: 11 h
            ("alice", "2026-03-08 13:00Z", "2026-03-09 01:00Z"),  # 08:00 → 20:00 CDT
        ],
        id="chicago-12h-spring",
    ),
    pytest.param(
        "America/Chicago",
        "12h",
        "2026-10-31 08:00",
        ("2026-10-31T13:00:00Z", "2026-11-02T02:00:00Z"),
        [
            ("alice", "2026-10-31 13:00Z", "2026-11-01 01:00Z"),  # 08:00 → 20:00 CDT
            ("bob", "2026-11-01 01:00Z", "2026-11-01 14:00Z"),  # 20:00 CDT → 08:00 CST: 13 h
            ("alice", "2026-11-01 14:00Z", "2026-11-02 02:00Z"),
        ],
        id="chicago-12h-autumn",
    ),
    pytest.param(
        "Europe/Berlin",
        "12h",
        "2026-03-28 08:00",
        ("2026-03-28T07:00:00Z", "2026-03-29T18:00:00Z"),
        [
            ("alice", "2026-03-28 07:00Z", "2026-03-28 19:00Z"),
            ("bob", "2026-03-28 19:00Z", "2026-03-29 06:00Z"),  # 11 h
            ("alice", "2026-03-29 06:00Z", "2026-03-29 18:00Z"),
        ],
        id="berlin-12h-spring",
    ),
    pytest.param(
        "Europe/Berlin",
        "12h",
        "2026-10-24 08:00",
        ("2026-10-24T06:00:00Z", "2026-10-25T19:00:00Z"),
        [
            ("alice", "2026-10-24 06:00Z", "2026-10-24 18:00Z"),
            ("bob", "2026-10-24 18:00Z", "2026-10-25 07:00Z"),  # 13 h
            ("alice", "2026-10-25 07:00Z", "2026-10-25 19:00Z"),
        ],
        id="berlin-12h-autumn",
    ),
]


@pytest.mark.parametrize(("zone", "shift", "start", "window", "expected"), CASES)
def test_handoffs_stay_on_the_local_wall_clock_across_dst(
    zone: str,
    shift: str,
    start: str,
    window: tuple[str, str],
    expected: list[tuple[str, str, str]],
) -> None:
    roster = roster_of(_one_layer(zone, shift, start))
    assert table(roster.shifts("s", utc(window[0]), utc(window[1]))) == expected


@pytest.mark.parametrize(("zone", "shift", "start", "window", "expected"), CASES)
def test_who_agrees_with_the_handoffs(
    zone: str,
    shift: str,
    start: str,
    window: tuple[str, str],
    expected: list[tuple[str, str, str]],
) -> None:
    roster = roster_of(_one_layer(zone, shift, start))
    middle = roster.shifts("s", utc(window[0]), utc(window[1]))[1]
    for at in (middle.start, (middle.start + middle.end) / 2, middle.end - 1):
        answer = roster.who("s", at)
        assert (answer.user, answer.since, answer.until) == ("bob", middle.start, middle.end)
        assert (answer.layer, answer.rotation_index, answer.override) == ("l", 1, None)
    assert roster.who("s", middle.end).user == "alice"


def test_a_handoff_inside_the_spring_gap_falls_at_the_end_of_the_gap() -> None:
    # Hourly from 00:00 CST: 02:00 does not exist and resolves to 03:00 CDT (08:00Z), where
    # the 03:00 handoff also falls, so carol's turn lasts no time at all.
    roster = roster_of(
        _one_layer("America/Chicago", "1h", "2026-03-08 00:00", "[alice, bob, carol]")
    )
    shifts = roster.shifts("s", utc("2026-03-08T06:00:00Z"), utc("2026-03-08T10:00:00Z"))
    assert table(shifts) == [
        ("alice", "2026-03-08 06:00Z", "2026-03-08 07:00Z"),  # 00:00 CST
        ("bob", "2026-03-08 07:00Z", "2026-03-08 08:00Z"),  # 01:00 CST
        ("alice", "2026-03-08 08:00Z", "2026-03-08 09:00Z"),  # 03:00 CDT
        ("bob", "2026-03-08 09:00Z", "2026-03-08 10:00Z"),  # 04:00 CDT
    ]


def test_a_handoff_in_the_repeated_autumn_hour_falls_at_its_first_occurrence() -> None:
    # Hourly from 00:00 CDT: 01:00 happens twice and means the first (06:00Z); the next
    # handoff, 02:00 CST, is two hours later.
    roster = roster_of(
        _one_layer("America/Chicago", "1h", "2026-11-01 00:00", "[alice, bob, carol]")
    )
    shifts = roster.shifts("s", utc("2026-11-01T05:00:00Z"), utc("2026-11-01T09:00:00Z"))
    assert table(shifts) == [
        ("alice", "2026-11-01 05:00Z", "2026-11-01 06:00Z"),  # 00:00 CDT
        ("bob", "2026-11-01 06:00Z", "2026-11-01 08:00Z"),  # 01:00 CDT → 02:00 CST
        ("carol", "2026-11-01 08:00Z", "2026-11-01 09:00Z"),
    ]


def test_a_layer_starting_inside_the_gap_starts_when_the_gap_ends() -> None:
    roster = roster_of(_one_layer("America/Chicago", "1d", "2026-03-08 02:30"))
    assert roster.who("s", utc("2026-03-08T07:59:59Z")).user is None
    first = roster.who("s", utc("2026-03-08T08:00:00Z"))  # 03:00 CDT
    assert (first.user, first.since, first.until) == (
        "alice",
        utc("2026-03-08T08:00:00Z"),
        utc("2026-03-09T07:30:00Z"),  # 02:30 CDT the next day
    )


def test_berlin_handoff_at_the_repeated_hour_is_the_first_one() -> None:
    # 02:30 on 2026-10-25 happens at 00:30Z (CEST) and again at 01:30Z (CET).
    roster = roster_of(_one_layer("Europe/Berlin", "1d", "2026-10-24 02:30"))
    shifts = roster.shifts("s", utc("2026-10-24T00:30:00Z"), utc("2026-10-26T01:30:00Z"))
    assert table(shifts) == [
        ("alice", "2026-10-24 00:30Z", "2026-10-25 00:30Z"),  # 24 h
        ("bob", "2026-10-25 00:30Z", "2026-10-26 01:30Z"),  # 25 h
    ]


def test_the_layer_zone_beats_the_schedule_zone() -> None:
    roster = roster_of("""
schedules:
  - name: s
    time_zone: America/Chicago
    layers:
      - name: l
        participants: [alice, bob]
        shift: 1d
        start: "2026-03-28 09:00"
        time_zone: Europe/Berlin
""")
    shifts = roster.shifts("s", utc("2026-03-28T08:00:00Z"), utc("2026-03-30T07:00:00Z"))
    assert table(shifts) == [
        ("alice", "2026-03-28 08:00Z", "2026-03-29 07:00Z"),
        ("bob", "2026-03-29 07:00Z", "2026-03-30 07:00Z"),
    ]
