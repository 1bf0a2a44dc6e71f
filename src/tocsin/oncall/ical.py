"""iCalendar export: a schedule's shifts, or a user's shifts in every schedule.

One ``VEVENT`` per shift with someone on call, ``DTSTART``/``DTEND`` in UTC, ``SUMMARY``
``On call: <schedule> (<user>)``. A shift cut by the range is exported whole, and its
``UID`` comes from the schedule, the user and the shift's true start, so a calendar that
fetches the feed again sees the same events (a shift longer than the search horizon
before the range has the open start in its ``UID``). ``DTSTAMP`` is ``stamp``
(default: the start of the range), so the output is a function of its inputs.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import UTC, datetime

from icalendar import Calendar, Event

from tocsin.oncall.model import Shift
from tocsin.oncall.roster import Roster

__all__ = ["schedule_ical", "user_ical"]

_PRODID = "-//tocsin//on-call//EN"


def _utc(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def _event(roster: Roster, shift: Shift, start: float, end: float, stamp: float) -> Event:
    since, until = shift.start, shift.end
    true_since: float | None = since
    if since <= start:
        true_since, true_until = roster.shift_extent(shift.schedule, start)
        since = true_since if true_since is not None else since
    if until >= end:
        _, true_until = roster.shift_extent(shift.schedule, until - 1e-3)
        until = true_until if true_until is not None else until
    opening = "open" if true_since is None else repr(true_since)
    digest = hashlib.sha256(f"{shift.schedule}\n{shift.user}\n{opening}".encode()).hexdigest()
    event = Event()
    event.add("uid", f"{digest[:32]}@tocsin")
    event.add("dtstamp", _utc(stamp))
    event.add("dtstart", _utc(since))
    event.add("dtend", _utc(until))
    event.add("summary", f"On call: {shift.schedule} ({shift.user})")
    how = f"override {shift.override.id}" if shift.override else f"layer {shift.layer}"
    event.add("description", f"{shift.user} is on call for {shift.schedule} ({how}).")
    return event


def _calendar(
    roster: Roster, name: str, shifts: Iterable[Shift], start: float, end: float, stamp: float
) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", _PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    for shift in shifts:
        if shift.user is not None:
            calendar.add_component(_event(roster, shift, start, end, stamp))
    return bytes(calendar.to_ical())


def schedule_ical(
    roster: Roster, schedule: str, start: float, end: float, *, stamp: float | None = None
) -> bytes:
    """The shifts of ``schedule`` over ``[start, end)`` as an iCalendar file."""
    shifts = roster.shifts(schedule, start, end)
    when = start if stamp is None else stamp
    return _calendar(roster, f"On call: {schedule}", shifts, start, end, when)


def user_ical(
    roster: Roster, user: str, start: float, end: float, *, stamp: float | None = None
) -> bytes:
    """The shifts of ``user`` over ``[start, end)`` in every schedule, as iCalendar."""
    shifts = roster.user_shifts(user, start, end)
    when = start if stamp is None else stamp
    return _calendar(roster, f"On call: {user}", shifts, start, end, when)
