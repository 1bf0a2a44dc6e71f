"""iCalendar feeds, parsed back."""

from __future__ import annotations

from datetime import UTC, datetime

from icalendar import Calendar
from tests.oncall.helpers import roster_of, utc

from tocsin.oncall import schedule_ical, user_ical

SCHEDULES = """
schedules:
  - name: payments-primary
    time_zone: America/Chicago
    layers:
      - {name: daily, participants: [alice, bob], shift: 1d, start: "2026-03-06 09:00"}
    overrides:
      - {user: dave, start: "2026-03-07T18:00:00Z", end: "2026-03-07T20:00:00Z"}
  - name: secondary
    layers:
      - {name: l, participants: [bob, alice], shift: 1d, start: "2026-03-06 00:00"}
"""


def _events(body: bytes) -> list[tuple[str, datetime, datetime, str]]:
    calendar = Calendar.from_ical(body)
    assert calendar["VERSION"] == "2.0"
    return [
        (
            str(event["SUMMARY"]),
            event.decoded("DTSTART"),
            event.decoded("DTEND"),
            str(event["UID"]),
        )
        for event in calendar.walk("VEVENT")
    ]


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_a_schedule_feed_has_one_event_per_shift_in_utc() -> None:
    roster = roster_of(SCHEDULES)
    body = schedule_ical(
        roster, "payments-primary", utc("2026-03-07T00:00:00Z"), utc("2026-03-09T00:00:00Z")
    )
    assert b"DTSTART:20260307T150000Z" in body  # UTC, not a local time with TZID
    events = [(summary, start, end) for summary, start, end, _ in _events(body)]
    assert events == [
        # Cut by the range, still exported whole: 09:00 CST on the 6th to the 7th.
        ("On call: payments-primary (alice)", _at("2026-03-06 15:00"), _at("2026-03-07 15:00")),
        ("On call: payments-primary (bob)", _at("2026-03-07 15:00"), _at("2026-03-07 18:00")),
        ("On call: payments-primary (dave)", _at("2026-03-07 18:00"), _at("2026-03-07 20:00")),
        ("On call: payments-primary (bob)", _at("2026-03-07 20:00"), _at("2026-03-08 14:00")),
        ("On call: payments-primary (alice)", _at("2026-03-08 14:00"), _at("2026-03-09 14:00")),
    ]


def test_uids_are_stable_when_the_range_moves() -> None:
    roster = roster_of(SCHEDULES)
    first = _events(
        schedule_ical(
            roster, "payments-primary", utc("2026-03-07T00:00:00Z"), utc("2026-03-09T00:00:00Z")
        )
    )
    later = _events(
        schedule_ical(
            roster, "payments-primary", utc("2026-03-08T12:00:00Z"), utc("2026-03-10T00:00:00Z")
        )
    )
    uids = [uid for *_, uid in first]
    assert len(set(uids)) == len(uids)
    assert all(uid.endswith("@tocsin") for uid in uids)
    by_start = {start: uid for _, start, _, uid in later}
    assert by_start[_at("2026-03-07 20:00")] == first[3][3]  # bob, cut differently
    assert by_start[_at("2026-03-08 14:00")] == first[4][3]


def test_a_user_feed_gathers_the_users_shifts_of_every_schedule() -> None:
    roster = roster_of(SCHEDULES)
    body = user_ical(roster, "alice", utc("2026-03-06T00:00:00Z"), utc("2026-03-08T00:00:00Z"))
    events = [(summary, start, end) for summary, start, end, _ in _events(body)]
    assert events == [
        ("On call: payments-primary (alice)", _at("2026-03-06 15:00"), _at("2026-03-07 15:00")),
        ("On call: secondary (alice)", _at("2026-03-07 00:00"), _at("2026-03-08 00:00")),
    ]


def test_a_gap_is_not_an_event_and_the_output_is_deterministic() -> None:
    roster = roster_of(SCHEDULES)
    window = (utc("2026-03-01T00:00:00Z"), utc("2026-03-06T15:00:00Z"))
    body = schedule_ical(roster, "payments-primary", *window)
    assert _events(body) == []
    assert body == schedule_ical(roster, "payments-primary", *window)
