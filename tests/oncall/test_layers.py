"""Weights, restrictions, layers over layers, overrides, gaps and merging, by hand."""

from __future__ import annotations

from collections import Counter

import pytest
from tests.oncall.helpers import config_of, roster_of, table, utc

from tocsin.oncall import Override, Roster, UnknownName

WEIGHTED = """
schedules:
  - name: s
    layers:
      - name: l
        participants: [{user: alice, weight: 2}, {user: bob, weight: 2}, carol]
        shift: 1d
        start: "2026-01-05 00:00"
"""


def test_weights_2_2_1_give_consecutive_shifts_in_the_listed_order() -> None:
    roster = roster_of(WEIGHTED)
    shifts = roster.shifts("s", utc("2026-01-05T00:00:00Z"), utc("2026-01-15T00:00:00Z"))
    assert table(shifts) == [
        ("alice", "2026-01-05 00:00Z", "2026-01-07 00:00Z"),
        ("bob", "2026-01-07 00:00Z", "2026-01-09 00:00Z"),
        ("carol", "2026-01-09 00:00Z", "2026-01-10 00:00Z"),
        ("alice", "2026-01-10 00:00Z", "2026-01-12 00:00Z"),
        ("bob", "2026-01-12 00:00Z", "2026-01-14 00:00Z"),
        ("carol", "2026-01-14 00:00Z", "2026-01-15 00:00Z"),
    ]


def test_weights_2_2_1_share_whole_cycles_in_that_ratio() -> None:
    roster = roster_of(WEIGHTED)
    hours: Counter[str] = Counter()
    # Six whole cycles of five days.
    for shift in roster.shifts("s", utc("2026-01-05T00:00:00Z"), utc("2026-02-04T00:00:00Z")):
        assert shift.user is not None
        hours[shift.user] += int(shift.end - shift.start) // 3600
    assert hours == {"alice": 288, "bob": 288, "carol": 144}


def test_who_names_the_participant_slot_and_the_whole_weighted_turn() -> None:
    answer = roster_of(WEIGHTED).who("s", utc("2026-01-13T12:00:00Z"))
    assert (answer.user, answer.layer, answer.rotation_index, answer.override) == (
        "bob",
        "l",
        1,
        None,
    )
    assert (answer.since, answer.until) == (
        utc("2026-01-12T00:00:00Z"),
        utc("2026-01-14T00:00:00Z"),
    )


FOLLOW_THE_SUN = """
schedules:
  - name: sun
    layers:
      - name: apac
        participants: [kenji]
        shift: 1w
        start: "2026-01-05 00:00"
        time_zone: Asia/Tokyo
        restrictions: [{times: [{start_time: "09:00", end_time: "17:00"}]}]
      - name: emea
        participants: [lena]
        shift: 1w
        start: "2026-01-05 00:00"
        time_zone: Europe/London
        restrictions: [{times: [{start_time: "08:00", end_time: "16:00"}]}]
      - name: amer
        participants: [maria]
        shift: 1w
        start: "2026-01-05 00:00"
        time_zone: America/Chicago
        restrictions: [{times: [{start_time: "10:00", end_time: "18:00"}]}]
"""


def test_follow_the_sun_covers_a_winter_day_in_three_zones() -> None:
    roster = roster_of(FOLLOW_THE_SUN)
    shifts = roster.shifts("sun", utc("2026-01-14T00:00:00Z"), utc("2026-01-15T00:00:00Z"))
    assert table(shifts) == [
        ("kenji", "2026-01-14 00:00Z", "2026-01-14 08:00Z"),  # 09-17 JST
        ("lena", "2026-01-14 08:00Z", "2026-01-14 16:00Z"),  # 08-16 GMT
        ("maria", "2026-01-14 16:00Z", "2026-01-15 00:00Z"),  # 10-18 CST
    ]
    assert [s.layer for s in shifts] == ["apac", "emea", "amer"]


def test_follow_the_sun_in_summer_overlaps_where_the_later_layer_wins_and_leaves_a_gap() -> None:
    roster = roster_of(FOLLOW_THE_SUN)
    shifts = roster.shifts("sun", utc("2026-07-15T00:00:00Z"), utc("2026-07-16T00:00:00Z"))
    assert table(shifts) == [
        ("kenji", "2026-07-15 00:00Z", "2026-07-15 07:00Z"),  # JST has no DST
        ("lena", "2026-07-15 07:00Z", "2026-07-15 15:00Z"),  # 08-16 BST, beats APAC 07-08Z
        ("maria", "2026-07-15 15:00Z", "2026-07-15 23:00Z"),  # 10-18 CDT
        (None, "2026-07-15 23:00Z", "2026-07-16 00:00Z"),
    ]
    gap = roster.who("sun", utc("2026-07-15T23:30:00Z"))
    assert (gap.user, gap.layer, gap.rotation_index, gap.override) == (None, None, None, None)
    assert (gap.since, gap.until) == (utc("2026-07-15T23:00:00Z"), utc("2026-07-16T00:00:00Z"))
    assert roster.users_on_call("schedule", "sun", utc("2026-07-15T23:30:00Z")) == []


BUSINESS_HOURS = """
schedules:
  - name: biz
    time_zone: America/Chicago
    layers:
      - {name: base, participants: [alice, bob], shift: 1w, start: "2026-03-02 09:00"}
      - name: office
        participants: [carol]
        shift: 1d
        start: "2026-03-02 00:00"
        restrictions:
          - weekdays: ["monday:friday"]
            times: [{start_time: "09:00", end_time: "17:00"}]
"""


def test_a_business_hours_layer_sits_over_the_base_layer() -> None:
    roster = roster_of(BUSINESS_HOURS)
    shifts = roster.shifts("biz", utc("2026-03-06T00:00:00Z"), utc("2026-03-10T00:00:00Z"))
    assert table(shifts) == [
        ("alice", "2026-03-06 00:00Z", "2026-03-06 15:00Z"),
        ("carol", "2026-03-06 15:00Z", "2026-03-06 23:00Z"),  # Friday 09-17 CST
        ("alice", "2026-03-06 23:00Z", "2026-03-09 14:00Z"),  # the weekend, then 09:00 CDT
        ("carol", "2026-03-09 14:00Z", "2026-03-09 22:00Z"),  # Monday 09-17 CDT
        ("bob", "2026-03-09 22:00Z", "2026-03-10 00:00Z"),  # base handed off at 09:00 CDT
    ]
    assert [s.layer for s in shifts] == ["base", "office", "base", "office", "base"]


def test_a_restricted_rotation_keeps_turning_outside_its_windows() -> None:
    roster = roster_of("""
schedules:
  - name: s
    layers:
      - name: weekdays
        participants: [carol, dave, erin]
        shift: 1d
        start: "2026-03-02 00:00"
        restrictions: [{weekdays: ["monday:friday"]}]
""")
    shifts = roster.shifts("s", utc("2026-03-05T00:00:00Z"), utc("2026-03-10T00:00:00Z"))
    assert table(shifts) == [
        ("carol", "2026-03-05 00:00Z", "2026-03-06 00:00Z"),  # Thursday: shift 3
        ("dave", "2026-03-06 00:00Z", "2026-03-07 00:00Z"),  # Friday: shift 4
        (None, "2026-03-07 00:00Z", "2026-03-09 00:00Z"),  # erin's and carol's turns hidden
        ("dave", "2026-03-09 00:00Z", "2026-03-10 00:00Z"),  # Monday: shift 7
    ]


OVERRIDES = """
schedules:
  - name: s
    layers:
      - {name: daily, participants: [alice, bob], shift: 1d, start: "2026-01-01 00:00"}
    overrides:
      - {user: dave, start: "2026-01-02T10:00:00Z", end: "2026-01-02T12:00:00Z"}
      - {user: erin, start: "2026-01-03T20:00:00Z", end: "2026-01-04T04:00:00Z"}
"""


def test_overrides_inside_a_shift_and_across_a_handoff() -> None:
    roster = roster_of(OVERRIDES)
    shifts = roster.shifts("s", utc("2026-01-02T00:00:00Z"), utc("2026-01-05T00:00:00Z"))
    assert table(shifts) == [
        ("bob", "2026-01-02 00:00Z", "2026-01-02 10:00Z"),
        ("dave", "2026-01-02 10:00Z", "2026-01-02 12:00Z"),
        ("bob", "2026-01-02 12:00Z", "2026-01-03 00:00Z"),
        ("alice", "2026-01-03 00:00Z", "2026-01-03 20:00Z"),
        ("erin", "2026-01-03 20:00Z", "2026-01-04 04:00Z"),  # across the 00:00 handoff
        ("bob", "2026-01-04 04:00Z", "2026-01-05 00:00Z"),
    ]
    assert [s.override.id if s.override else None for s in shifts] == [
        None, "config-0", None, None, "config-1", None,
    ]  # fmt: skip
    answer = roster.who("s", utc("2026-01-03T23:00:00Z"))
    assert (answer.user, answer.layer, answer.rotation_index) == ("erin", None, None)
    assert answer.override == Override(
        "s", "erin", utc("2026-01-03T20:00:00Z"), utc("2026-01-04T04:00:00Z"), "config-1"
    )
    assert (answer.since, answer.until) == (
        utc("2026-01-03T20:00:00Z"),
        utc("2026-01-04T04:00:00Z"),
    )


def test_the_latest_override_wins_and_api_overrides_come_after_configured_ones() -> None:
    roster = roster_of(
        OVERRIDES
        + '      - {user: frank, start: "2026-01-02T11:00:00Z", end: "2026-01-02T13:00:00Z"}\n'
    )
    window = (utc("2026-01-02T09:00:00Z"), utc("2026-01-02T14:00:00Z"))
    assert table(roster.shifts("s", *window)) == [
        ("bob", "2026-01-02 09:00Z", "2026-01-02 10:00Z"),
        ("dave", "2026-01-02 10:00Z", "2026-01-02 11:00Z"),
        ("frank", "2026-01-02 11:00Z", "2026-01-02 13:00Z"),
        ("bob", "2026-01-02 13:00Z", "2026-01-02 14:00Z"),
    ]
    gina = Override("s", "gina", utc("2026-01-02T10:30:00Z"), utc("2026-01-02T11:30:00Z"), "api-1")
    with_api = roster.with_overrides([gina])
    assert table(with_api.shifts("s", *window)) == [
        ("bob", "2026-01-02 09:00Z", "2026-01-02 10:00Z"),
        ("dave", "2026-01-02 10:00Z", "2026-01-02 10:30Z"),
        ("gina", "2026-01-02 10:30Z", "2026-01-02 11:30Z"),
        ("frank", "2026-01-02 11:30Z", "2026-01-02 13:00Z"),
        ("bob", "2026-01-02 13:00Z", "2026-01-02 14:00Z"),
    ]
    assert with_api.overrides("s")[-1] == gina
    # A new set of API overrides replaces the previous one.
    assert with_api.with_overrides([]).overrides("s") == roster.overrides("s")
    with pytest.raises(UnknownName, match='unknown schedule "nope"'):
        roster.with_overrides([Override("nope", "gina", 0.0, 1.0)])
    with pytest.raises(UnknownName, match='unknown user "zed"'):
        roster.with_overrides([Override("s", "zed", 0.0, 1.0)])


def test_shifts_merge_adjacent_equal_answers_only() -> None:
    roster = roster_of("""
schedules:
  - name: solo
    layers:
      - {name: l, participants: [alice], shift: 1w, start: "2026-01-05 00:00"}
    overrides:
      - {user: alice, start: "2026-01-10T00:00:00Z", end: "2026-01-11T00:00:00Z"}
""")
    shifts = roster.shifts("solo", utc("2026-01-05T00:00:00Z"), utc("2026-01-26T00:00:00Z"))
    # Three weekly handoffs to the same person are one shift; an override by the same
    # person is a shift of its own (the reason differs).
    assert table(shifts) == [
        ("alice", "2026-01-05 00:00Z", "2026-01-10 00:00Z"),
        ("alice", "2026-01-10 00:00Z", "2026-01-11 00:00Z"),
        ("alice", "2026-01-11 00:00Z", "2026-01-26 00:00Z"),
    ]
    assert [(s.layer, s.override is not None) for s in shifts] == [
        ("l", False), (None, True), ("l", False),
    ]  # fmt: skip
    later = roster.who("solo", utc("2026-02-01T00:00:00Z"))
    assert (later.user, later.since, later.until) == ("alice", utc("2026-01-11T00:00:00Z"), None)


def test_gaps_before_a_layer_starts_and_without_layers() -> None:
    roster = roster_of("""
schedules:
  - name: later
    layers:
      - {name: l, participants: [alice, bob], shift: 1d, start: "2026-06-01 00:00"}
  - name: empty
""")
    before = roster.who("later", utc("2026-05-31T12:00:00Z"))
    assert (before.user, before.layer, before.until) == (None, None, utc("2026-06-01T00:00:00Z"))
    shifts = roster.shifts("later", utc("2026-05-31T00:00:00Z"), utc("2026-06-02T12:00:00Z"))
    assert table(shifts) == [
        (None, "2026-05-31 00:00Z", "2026-06-01 00:00Z"),
        ("alice", "2026-06-01 00:00Z", "2026-06-02 00:00Z"),
        ("bob", "2026-06-02 00:00Z", "2026-06-02 12:00Z"),
    ]
    nobody = roster.who("empty", utc("2026-05-31T12:00:00Z"))
    assert (nobody.user, nobody.since, nobody.until) == (None, None, None)
    assert roster.shifts("empty", utc("2026-05-31T00:00:00Z"), utc("2026-05-31T00:00:00Z")) == []


def test_users_on_call_for_each_target_kind() -> None:
    roster = roster_of(OVERRIDES)
    at = utc("2026-01-02T11:00:00Z")
    assert roster.users_on_call("schedule", "s", at) == ["dave"]
    assert roster.users_on_call("schedule", "s", utc("2026-01-02T13:00:00Z")) == ["bob"]
    assert roster.users_on_call("team", "payments", at) == ["alice", "bob"]
    assert roster.users_on_call("user", "carol", at) == ["carol"]
    for kind, name in (("schedule", "x"), ("team", "x"), ("user", "x"), ("robot", "x")):
        with pytest.raises(UnknownName):
            roster.users_on_call(kind, name, at)


def test_people_added_beside_the_configuration() -> None:
    from tocsin.config._people import Team, User

    roster = roster_of(OVERRIDES)
    added = roster.with_people([User(name="zoe")], [Team(name="night", members=["zoe", "bob"])])
    at = utc("2026-01-02T11:00:00Z")
    assert added.users_on_call("team", "night", at) == ["zoe", "bob"]
    assert added.users_on_call("user", "zoe", at) == ["zoe"]
    assert "zoe" in added.users
    assert "zoe" not in roster.users
    zoe = Override("s", "zoe", utc("2026-01-02T13:00:00Z"), utc("2026-01-02T14:00:00Z"))
    assert added.with_overrides([zoe]).users_on_call("schedule", "s", zoe.start) == ["zoe"]
    with pytest.raises(Exception, match='user "alice" is defined more than once'):
        roster.with_people([User(name="alice")], [])
    with pytest.raises(UnknownName, match='unknown user "nobody"'):
        roster.with_people([], [Team(name="t", members=["nobody"])])


def test_from_config_keeps_the_schedule_order() -> None:
    config = config_of(OVERRIDES + FOLLOW_THE_SUN.replace("schedules:\n", ""))
    assert Roster.from_config(config).schedules == ("s", "sun")
