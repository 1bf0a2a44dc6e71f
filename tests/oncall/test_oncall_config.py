"""The users, teams and schedules sections: defaults, and errors at their file:line:col."""

from __future__ import annotations

import pytest

from tocsin.config import ConfigError, load_config_text

HEAD = """\
route: {receiver: chat}
receivers: [{name: chat}]
"""


def _issues(text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_config_text(HEAD + text)
    return [str(issue) for issue in caught.value.issues]


def test_the_documented_example_loads_with_its_defaults() -> None:
    config = load_config_text(
        HEAD
        + """\
users:
  - name: alice
    full_name: Alice Liddell
    email: alice@example.org
    phone: "+14155550101"
    slack_user_id: U012ABCDEF
    time_zone: Europe/Berlin
    notification_rules:
      - {after: 0m, contact: slack}
      - {after: 5m, contact: sms}
      - {after: 10m, contact: voice}
  - name: bob
    email: bob@example.org
    contact_methods:
      - {name: work-email, type: email, address: bob@example.org}
      - {name: pager, type: sms, address: "+14155550102"}
teams:
  - {name: payments, members: [alice, bob], receiver: chat}
schedules:
  - name: payments-primary
    time_zone: America/Chicago
    layers:
      - name: weekly
        participants: [alice, {user: bob, weight: 2}]
        shift: 1w
        start: "2026-03-02 09:00"
        time_zone: Europe/Berlin
        restrictions:
          - weekdays: ['monday:friday']
            times: [{start_time: '09:00', end_time: '17:00'}]
      - {participants: [bob], shift: 12h, start: 2026-03-02}
    overrides:
      - {user: bob, start: "2026-03-08T00:00:00Z", end: "2026-03-09T00:00:00Z"}
"""
    )
    alice, bob = config.users
    assert [(m.name, m.type, m.address) for m in alice.contact_methods] == [
        ("email", "email", "alice@example.org"),
        ("slack", "slack", "U012ABCDEF"),
        ("sms", "sms", "+14155550101"),
        ("voice", "voice", "+14155550101"),
    ]
    assert [(after, m.name) for after, m in alice.notification_steps()] == [
        (0.0, "slack"),
        (300.0, "sms"),
        (600.0, "voice"),
    ]
    assert [(after, m.name) for after, m in bob.notification_steps()] == [
        (0.0, "work-email"),
        (0.0, "pager"),
    ]
    assert bob.time_zone == "UTC"
    schedule = config.schedules[0]
    assert [layer.name for layer in schedule.layers] == ["weekly", "layer-2"]
    assert schedule.layer_zone(schedule.layers[0]) == "Europe/Berlin"
    assert schedule.layer_zone(schedule.layers[1]) == "America/Chicago"
    assert str(schedule.layers[1].start_local) == "2026-03-02 00:00:00"
    assert schedule.overrides[0].starts_at == 1772928000.0


CASES = [
    pytest.param(
        """\
users: [{name: alice}]
schedules:
  - name: s
    layers:
      - name: l
        participants: [alice, zed, {user: yan}]
        shift: 1d
        start: "2026-01-01 00:00"
    overrides:
      - {user: xavier, start: "2026-01-01T00:00:00Z", end: "2026-01-02T00:00:00Z"}
""",
        [
            '<string>:8:31: schedules[0].layers[0].participants[1]: undefined user "zed" in '
            "layer participants",
            '<string>:8:43: schedules[0].layers[0].participants[2].user: undefined user "yan" '
            "in layer participants",
            '<string>:12:16: schedules[0].overrides[0].user: undefined user "xavier" in override',
        ],
        id="unknown-users-in-a-schedule",
    ),
    pytest.param(
        """\
users: [{name: alice}, {name: alice}]
teams:
  - {name: t, members: [alice, bob], receiver: nowhere}
  - {name: t}
""",
        [
            '<string>:3:31: users[1].name: user "alice" is defined more than once',
            '<string>:5:32: teams[0].members[1]: undefined user "bob" in team',
            '<string>:5:48: teams[0].receiver: undefined receiver "nowhere" used in team',
            '<string>:6:12: teams[1].name: team "t" is defined more than once',
        ],
        id="duplicates-and-team-references",
    ),
    pytest.param(
        """\
users:
  - {name: Alice}
  - {name: bob, time_zone: Mars/Olympus, phone: "555-0100", email: bob}
""",
        [
            '<string>:4:12: users[0].name: invalid name "Alice": use lower-case letters, '
            'digits, ".", "_" and "-"',
            '<string>:5:28: users[1].time_zone: unknown time zone "Mars/Olympus"',
            '<string>:5:49: users[1].phone: "555-0100" is not an E.164 phone number (such as '
            "+14155550100)",
            '<string>:5:68: users[1].email: "bob" is not an e-mail address',
        ],
        id="user-fields",
    ),
    pytest.param(
        """\
users:
  - name: alice
    email: alice@example.org
    notification_rules: [{after: 5m, contact: sms}]
""",
        [
            "<string>:6:47: users[0].notification_rules[0].contact: undefined contact method "
            '"sms" for user "alice" (a contact method name, or one of email, slack, sms, voice '
            "that the user has)",
        ],
        id="notification-rule-for-a-missing-contact",
    ),
    pytest.param(
        """\
users: [{name: alice}]
schedules:
  - name: s
    time_zone: Nowhere/City
    layers:
      - {participants: [{user: alice, weight: 0}], shift: 90m, start: "2026-01-01 00:00"}
      - {participants: [alice], shift: 0h, start: "2026-01-01T09:00:00Z"}
      - {participants: [], shift: 1d, start: "2026-01-01 00:00"}
""",
        [
            '<string>:6:16: schedules[0].time_zone: unknown time zone "Nowhere/City"',
            "<string>:8:47: schedules[0].layers[0].participants[0].weight: weight must be at "
            "least 1, got 0",
            "<string>:8:59: schedules[0].layers[0].shift: shift must be a whole number of "
            'hours, days or weeks (12h, 1d, 1w), got "90m"',
            '<string>:9:40: schedules[0].layers[1].shift: shift must be greater than 0, got "0h"',
            '<string>:9:51: schedules[0].layers[1].start: "2026-01-01T09:00:00Z" is not a local '
            'date and time such as "2026-03-02 09:00" (no zone: the layer\'s time_zone '
            "applies)",
            "<string>:10:24: schedules[0].layers[2].participants: a layer needs at least one "
            "participant",
        ],
        id="layer-fields",
    ),
    pytest.param(
        """\
users: [{name: alice}]
schedules:
  - name: s
    layers:
      - {name: a, participants: [alice], shift: 1d, start: "2026-01-01 00:00"}
      - {name: a, participants: [alice], shift: 1d, start: "2026-01-01 00:00",
         restrictions: [{location: Local}]}
    overrides:
      - {user: alice, start: "2026-01-02T00:00:00Z", end: "2026-01-01T00:00:00Z"}
      - {user: alice, start: "yesterday", end: "2026-01-01T00:00:00Z"}
""",
        [
            "<string>:9:36: schedules[0].layers[1].restrictions[0].location: a restriction "
            "cannot use the server's zone (Local): name a zone, or leave location out for the "
            "layer's",
            "<string>:11:59: schedules[0].overrides[0].end: an override's end must be after its "
            "start",
            '<string>:12:30: schedules[0].overrides[1].start: "yesterday" is not an RFC 3339 '
            'time: parsing time "yesterday" as "2006-01-02 15:04:05": cannot parse '
            '"yesterday" as "2006"',
        ],
        id="restrictions-and-overrides",
    ),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_errors_point_at_the_offending_value(text: str, expected: list[str]) -> None:
    assert _issues(text) == expected
