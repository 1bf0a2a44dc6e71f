"""Time intervals evaluated as Alertmanager's ``timeinterval.ContainsTime`` does, and the
muter for a route's ``mute_time_intervals`` / ``active_time_intervals``.

Every instant is an explicit UTC time; the configs go through the real parser. Berlin's
2024 DST changes: 2024-03-31 01:00Z (CET → CEST) and 2024-10-27 01:00Z (CEST → CET).
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field
from datetime import datetime

import pytest

from tocsin.config import Config, ConfigError, TimeInterval, load_config_text
from tocsin.pipeline.muting import Muter, MuteReason
from tocsin.pipeline.time_intervals import (
    TimeIntervalMuter,
    interval_contains,
    named_interval_active,
)

RECEIVERS = """
receivers:
  - name: default
    log_configs: [{}]
"""


def utc(text: str) -> float:
    """Seconds since the epoch of an ISO 8601 UTC time such as ``2024-03-29T08:00Z``."""
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def load(text: str) -> Config:
    return load_config_text(textwrap.dedent(text) + RECEIVERS, filename="x.yml", env={})


def interval(flow: str) -> TimeInterval:
    """The one time interval written as a YAML flow mapping, through the real parser."""
    text = (
        f"route: {{receiver: default}}\ntime_intervals: [{{name: t, time_intervals: [{flow}]}}]\n"
    )
    config = load(text)
    (parsed,) = config.time_interval_map["t"]
    return parsed


# Each interval (a YAML flow mapping) with (UTC instant, contained?, what it checks).
Case = tuple[str, bool, str]
TABLE: dict[str, list[Case]] = {
    # Business hours in Berlin, both sides of both DST changes.
    "{weekdays: ['monday:friday'], times: [{start_time: '09:00', end_time: '17:00'}],"
    " location: Europe/Berlin}": [
        ("2024-03-29T08:00Z", True, "winter 09:00 CET"),
        ("2024-03-29T07:59Z", False, "winter 08:59 CET"),
        ("2024-03-29T15:59Z", True, "winter 16:59 CET"),
        ("2024-03-29T16:00Z", False, "winter 17:00 CET, the end is exclusive"),
        ("2024-04-01T07:00Z", True, "summer 09:00 CEST"),
        ("2024-04-01T06:59Z", False, "summer 08:59 CEST"),
        ("2024-04-01T14:59Z", True, "summer 16:59 CEST"),
        ("2024-04-01T15:00Z", False, "summer 17:00 CEST"),
        ("2024-10-25T07:00Z", True, "before fall-back 09:00 CEST"),
        ("2024-10-25T15:00Z", False, "before fall-back 17:00 CEST"),
        ("2024-10-28T07:00Z", False, "after fall-back 08:00 CET"),
        ("2024-10-28T08:00Z", True, "after fall-back 09:00 CET"),
        ("2024-10-28T15:59Z", True, "after fall-back 16:59 CET"),
        ("2024-03-30T10:00Z", False, "Saturday in Berlin"),
    ],
    # Wall-clock minutes on the change nights: 02:xx is skipped in spring, lived twice in
    # autumn (Go's t.Hour()/t.Minute() in the location, as datetime's fields).
    "{times: [{start_time: '02:00', end_time: '03:00'}], location: Europe/Berlin}": [
        ("2024-03-31T00:59Z", False, "spring-forward night 01:59 CET"),
        ("2024-03-31T01:00Z", False, "spring-forward night 03:00 CEST"),
        ("2024-10-27T00:30Z", True, "fall-back night 02:30 CEST"),
        ("2024-10-27T01:30Z", True, "fall-back night 02:30 CET"),
    ],
    # No location means UTC; an explicit UTC too.
    "{times: [{start_time: '09:00', end_time: '17:00'}]}": [
        ("2024-07-01T09:00Z", True, "no location 09:00 UTC"),
        ("2024-07-01T17:00Z", False, "no location 17:00 UTC"),
    ],
    "{times: [{start_time: '09:00', end_time: '10:00'}], location: UTC}": [
        ("2024-07-01T09:30Z", True, "location UTC"),
    ],
    # 24:00 end; start inclusive, end exclusive.
    "{times: [{start_time: '22:00', end_time: '24:00'}]}": [
        ("2024-07-01T23:59:59Z", True, "24:00 end includes 23:59:59"),
        ("2024-07-02T00:00Z", False, "24:00 end excludes the next midnight"),
        ("2024-07-01T22:00Z", True, "start is inclusive"),
        ("2024-07-01T21:59:59Z", False, "before the start"),
    ],
    # Several times entries.
    "{times: [{start_time: '00:00', end_time: '06:00'},"
    " {start_time: '18:00', end_time: '24:00'}]}": [
        ("2024-07-01T05:59Z", True, "two times, first entry"),
        ("2024-07-01T06:00Z", False, "two times, between them"),
        ("2024-07-01T12:00Z", False, "two times, midday"),
        ("2024-07-01T18:00Z", True, "two times, second entry"),
        ("2024-07-01T23:30Z", True, "two times, before midnight"),
    ],
    # Weekdays (Sunday = 0), ranges inclusive.
    "{weekdays: ['saturday', 'sunday']}": [
        ("2024-06-01T12:00Z", True, "weekend on Saturday"),
        ("2024-06-02T23:59Z", True, "weekend on Sunday"),
        ("2024-06-03T00:00Z", False, "weekend on Monday"),
        ("2024-05-31T23:59Z", False, "weekend on Friday"),
        ("2024-05-31T22:30Z", False, "weekend, Friday 22:30 UTC"),
    ],
    "{weekdays: ['saturday', 'sunday'], location: Europe/Berlin}": [
        ("2024-05-31T22:30Z", True, "weekend read in the location, Saturday 00:30 CEST"),
    ],
    "{weekdays: ['thursday:saturday']}": [
        ("2024-06-01T12:00Z", True, "thursday:saturday on Saturday"),
        ("2024-06-02T12:00Z", False, "thursday:saturday on Sunday"),
    ],
    "{weekdays: ['monday', 'wednesday:friday']}": [
        ("2024-06-04T12:00Z", False, "a day and a range, Tuesday"),
        ("2024-06-06T12:00Z", True, "a day and a range, Thursday"),
    ],
    # days_of_month: -1 is the month's last day.
    "{days_of_month: ['-1']}": [
        ("2024-02-29T12:00Z", True, "-1 on 29 Feb of a leap year"),
        ("2024-02-28T12:00Z", False, "-1 on 28 Feb of a leap year"),
        ("2023-02-28T12:00Z", True, "-1 on 28 Feb of a common year"),
        ("2023-02-27T12:00Z", False, "-1 on 27 Feb of a common year"),
        ("2024-04-30T12:00Z", True, "-1 on 30 April"),
        ("2024-04-29T12:00Z", False, "-1 on 29 April"),
        ("2024-05-31T12:00Z", True, "-1 on 31 May"),
        ("2024-05-30T12:00Z", False, "-1 on 30 May"),
    ],
    # Alertmanager 0.25's daysInMonth divides the month's elapsed hours by 24, so March in
    # Berlin (743 h) has 30 days there and its -1 is 30 March. That is a bug, fixed upstream
    # (prometheus/alertmanager#5447); tocsin uses the calendar length, as the fix does.
    "{days_of_month: ['-1'], location: Europe/Berlin}": [
        ("2024-03-31T12:00Z", True, "-1 on 31 March in Berlin, a spring-forward month"),
        ("2024-03-30T12:00Z", False, "-1 not on 30 March in Berlin"),
        ("2024-04-30T22:30Z", False, "-1 read in the location, 1 May 00:30 CEST"),
    ],
    "{days_of_month: ['1:5']}": [
        ("2024-04-01T00:00Z", True, "1:5 on the 1st"),
        ("2024-04-05T23:59Z", True, "1:5 on the 5th"),
        ("2024-04-06T00:00Z", False, "1:5 on the 6th"),
    ],
    "{days_of_month: ['-3:-1']}": [
        ("2023-02-26T12:00Z", True, "-3:-1 on 26 Feb 2023"),
        ("2023-02-25T12:00Z", False, "-3:-1 on 25 Feb 2023"),
        ("2024-02-27T12:00Z", True, "-3:-1 on 27 Feb 2024"),
        ("2024-02-26T12:00Z", False, "-3:-1 on 26 Feb 2024"),
        ("2024-04-28T12:00Z", True, "-3:-1 on 28 April"),
        ("2024-04-27T12:00Z", False, "-3:-1 on 27 April"),
    ],
    # Past the month's end, Alertmanager skips a range that begins after the last day and
    # clamps the others to the month (checked against ContainsTime's source).
    "{days_of_month: ['31']}": [
        ("2024-04-30T12:00Z", False, "31 never matches in April"),
        ("2024-05-31T12:00Z", True, "31 on 31 May"),
    ],
    "{days_of_month: ['29:31']}": [
        ("2023-02-28T12:00Z", False, "29:31 skipped in Feb 2023"),
        ("2024-02-29T12:00Z", True, "29:31 on 29 Feb 2024"),
    ],
    "{days_of_month: ['1:31']}": [("2023-02-28T12:00Z", True, "1:31 covers Feb 2023")],
    "{days_of_month: ['-31:-29']}": [
        ("2024-04-02T12:00Z", True, "-31:-29 is 1-2 April"),
        ("2024-04-03T12:00Z", False, "-31:-29 excludes 3 April"),
    ],
    # Months by name and by number, inclusive.
    "{months: ['may', 'october:december']}": [
        ("2024-05-15T12:00Z", True, "months by name, May"),
        ("2024-06-15T12:00Z", False, "months by name, June"),
        ("2024-11-01T00:00Z", True, "months by name, November"),
        ("2024-12-31T23:59Z", True, "months by name, last minute of December"),
        ("2025-01-01T00:00Z", False, "months by name, January"),
    ],
    "{months: ['1:3']}": [
        ("2024-03-31T23:59Z", True, "months by number, 31 March"),
        ("2024-04-01T00:00Z", False, "months by number, 1 April"),
    ],
    "{months: ['december'], location: America/New_York}": [
        ("2025-01-01T03:00Z", True, "month read in the location, 31 Dec 22:00 EST"),
    ],
    # Years.
    "{years: ['2024:2025', '2030']}": [
        ("2023-12-31T23:59Z", False, "years, the minute before"),
        ("2024-01-01T00:00Z", True, "years, first instant"),
        ("2025-12-31T23:59Z", True, "years, last day of the range"),
        ("2026-06-01T12:00Z", False, "years, between the ranges"),
        ("2030-06-01T12:00Z", True, "years, a single year"),
    ],
    "{years: ['2024'], location: Pacific/Auckland}": [
        ("2023-12-31T12:00Z", True, "year read in the location, 1 Jan 01:00 NZDT"),
    ],
    # Fields are ANDed; absent fields match everything.
    "{weekdays: ['monday'], days_of_month: ['1:7']}": [
        ("2024-04-01T12:00Z", True, "first Monday of the month"),
        ("2024-04-08T12:00Z", False, "second Monday of the month"),
        ("2024-04-02T12:00Z", False, "first Tuesday of the month"),
    ],
    "{}": [("1999-12-31T23:59:59Z", True, "no fields contains everything")],
    "{location: Asia/Tokyo}": [("2024-07-01T12:00Z", True, "only a location")],
}


@pytest.mark.parametrize(
    ("flow", "instant", "expected"),
    [
        pytest.param(flow, instant, expected, id=name)
        for flow, cases in TABLE.items()
        for instant, expected, name in cases
    ],
)
def test_interval_contains_matches_alertmanager(flow: str, instant: str, expected: bool) -> None:
    assert interval_contains(interval(flow), utc(instant)) is expected


def test_weekday_ranges_do_not_wrap_past_saturday() -> None:
    # Alertmanager rejects "saturday:sunday" (6 > 0: "start day cannot be before end day",
    # WeekdayRange.UnmarshalYAML); a weekend is written ['saturday', 'sunday'].
    with pytest.raises(ConfigError, match="start day cannot be before end day"):
        interval("{weekdays: ['saturday:sunday']}")


def test_a_named_interval_is_active_when_any_of_its_intervals_contains_the_instant() -> None:
    config = load(
        """
        route: {receiver: default}
        time_intervals:
          - name: off_hours
            time_intervals:
              - weekdays: ['saturday', 'sunday']
              - times: [{start_time: '00:00', end_time: '08:00'}]
          - name: never
        """
    )
    off_hours = config.time_interval_map["off_hours"]
    assert named_interval_active(off_hours, utc("2024-06-01T12:00Z"))  # Saturday
    assert named_interval_active(off_hours, utc("2024-06-03T07:59Z"))  # Monday early
    assert not named_interval_active(off_hours, utc("2024-06-03T08:00Z"))
    assert not named_interval_active(config.time_interval_map["never"], utc("2024-06-01T12:00Z"))


MUTER_CONFIG = """
route:
  receiver: default
  routes:
    - matchers: ['team="db"']
      mute_time_intervals: [weekend, maintenance]
    - matchers: ['team="web"']
      active_time_intervals: [business]
    - matchers: ['team="api"']
      active_time_intervals: [business]
      mute_time_intervals: [maintenance]
    - matchers: ['team="ops"']
mute_time_intervals:  # the legacy top-level key names intervals too
  - name: weekend
    time_intervals: [{weekdays: ['saturday', 'sunday']}]
time_intervals:
  - name: business
    time_intervals:
      - weekdays: ['monday:friday']
        times: [{start_time: '09:00', end_time: '17:00'}]
        location: Europe/Berlin
  - name: maintenance
    time_intervals:
      - days_of_month: ['1']
        times: [{start_time: '07:00', end_time: '08:00'}]
"""


def time_reason(*names: str) -> MuteReason:
    return MuteReason("time_interval", names)


@pytest.mark.parametrize(
    ("route_index", "instant", "expected"),
    [
        # mute_time_intervals: muted while any of them is active.
        pytest.param(0, "2024-06-01T12:00Z", time_reason("weekend"), id="mute-weekend"),
        pytest.param(0, "2024-06-03T12:00Z", None, id="mute-weekday-not-muted"),
        pytest.param(
            0, "2024-06-01T07:30Z", time_reason("weekend", "maintenance"), id="mute-both-active"
        ),
        pytest.param(0, "2024-07-01T07:30Z", time_reason("maintenance"), id="mute-maintenance"),
        # active_time_intervals: muted while none of them is active.
        pytest.param(1, "2024-06-03T08:00Z", None, id="active-10-cest"),
        pytest.param(1, "2024-06-03T16:00Z", time_reason("business"), id="active-18-cest"),
        pytest.param(1, "2024-06-01T10:00Z", time_reason("business"), id="active-saturday"),
        pytest.param(1, "2024-12-02T08:00Z", None, id="active-09-cet"),
        pytest.param(1, "2024-12-02T07:59Z", time_reason("business"), id="active-0859-cet"),
        # Both: the active intervals are checked first, as Alertmanager's stages run.
        pytest.param(2, "2024-07-01T07:30Z", time_reason("maintenance"), id="both-in-maint"),
        pytest.param(2, "2024-07-01T09:00Z", None, id="both-business-no-maint"),
        pytest.param(2, "2024-07-01T05:30Z", time_reason("business"), id="both-outside"),
        # A route without time intervals is never muted by them.
        pytest.param(3, "2024-06-01T07:30Z", None, id="no-intervals"),
    ],
)
def test_the_muter_applies_a_routes_mute_and_active_intervals(
    route_index: int, instant: str, expected: MuteReason | None
) -> None:
    config = load(MUTER_CONFIG)
    muter: Muter = TimeIntervalMuter(config.time_interval_map)
    route = config.route.routes[route_index]
    assert muter.mutes({"team": "x"}, route, utc(instant)) == expected


@dataclass
class PlainRoute:
    mute_time_intervals: list[str] = field(default_factory=list)
    active_time_intervals: list[str] = field(default_factory=list)


def test_the_muter_accepts_any_route_with_the_interval_attributes() -> None:
    muter = TimeIntervalMuter(load(MUTER_CONFIG).time_interval_map)
    saturday = utc("2024-06-01T12:00Z")
    assert muter.mutes({}, PlainRoute(mute_time_intervals=["weekend"]), saturday) == time_reason(
        "weekend"
    )
    assert muter.mutes({}, PlainRoute(), saturday) is None


def test_the_muter_ignores_a_missing_route_or_one_without_intervals() -> None:
    muter = TimeIntervalMuter(load(MUTER_CONFIG).time_interval_map)
    saturday = utc("2024-06-01T12:00Z")
    assert muter.mutes({}, None, saturday) is None
    assert muter.mutes({}, object(), saturday) is None
