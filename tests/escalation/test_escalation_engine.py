"""The escalation engine on a fake clock: who is paged when, and what stops it."""

from __future__ import annotations

import pytest
from tests.escalation.helpers import T0, Directory, at, level, policy

from tocsin.escalation import (
    ULTIMATE,
    AckExpired,
    AckRefused,
    Escalated,
    Exhausted,
    Gap,
    NotifyTeam,
    Page,
    Person,
    Repeated,
    Unreachable,
    acknowledge,
    next_due,
    open_escalation,
    resolve_escalation,
)

PAYMENTS_LEVELS = [
    level("schedule:payments-primary", delay="15m"),
    level("schedule:payments-secondary", "user:carol", delay="15m"),
    level("team:payments", delay="30m"),
]
PAYMENTS = policy(levels=PAYMENTS_LEVELS)


def payments_directory() -> Directory:
    d = Directory(
        schedules={"payments-primary": ["alice"], "payments-secondary": ["bob"]},
        teams={"payments": ["dave", "erin"]},
    )
    for name in ("alice", "bob", "carol", "dave", "erin", "manager"):
        d.person(name)
    return d


def pages(events: list[tuple[float, object]]) -> list[tuple[float, str, str]]:
    return [(t, e.user, e.contact) for t, e in events if isinstance(e, Page)]


def test_three_levels_page_at_0_15_and_30_minutes_then_exhaust_at_60() -> None:
    d = payments_directory()
    state = open_escalation(PAYMENTS, "P1", T0)
    assert next_due(state) == T0
    state, events = d.drive(state, PAYMENTS, at(600))
    assert pages(events) == [
        (T0, "alice", "slack"),
        (T0 + 900, "bob", "slack"),
        (T0 + 900, "carol", "slack"),
        (T0 + 1800, "dave", "slack"),
        (T0 + 1800, "erin", "slack"),
    ]
    assert [(t, e) for t, e in events if not isinstance(e, Page)] == [
        (T0, Escalated(0, 0)),
        (T0 + 900, Escalated(1, 1)),
        (T0 + 1800, Escalated(2, 2)),
        (T0 + 3600, Exhausted()),
    ]
    assert state.exhausted
    assert next_due(state) is None
    assert [(s.level, s.at, s.users) for s in state.steps] == [
        (0, T0, ("alice",)),
        (1, T0 + 900, ("bob", "carol")),
        (2, T0 + 1800, ("dave", "erin")),
    ]


def test_the_step_keys_are_step_user_contact_and_delay() -> None:
    d = payments_directory()
    _state, effects = d.tick(open_escalation(PAYMENTS, "P1", T0), PAYMENTS, T0)
    assert effects == (Escalated(0, 0), Page("alice", "slack", 0, 0, "0:alice:slack:0"))


def test_ticking_every_minute_gives_the_same_pages_as_ticking_when_due() -> None:
    d = payments_directory()
    state = open_escalation(PAYMENTS, "P1", T0)
    every_minute = []
    for minute in range(0, 120):
        state, effects = d.tick(state, PAYMENTS, at(minute))
        every_minute += [(at(minute), e) for e in effects]
    _, on_time = payments_directory().drive(open_escalation(PAYMENTS, "P1", T0), PAYMENTS, at(120))
    assert every_minute == on_time


def test_a_late_tick_performs_every_step_that_fell_due_at_its_own_time() -> None:
    d = payments_directory()
    state, effects = d.tick(open_escalation(PAYMENTS, "P1", T0), PAYMENTS, at(45))
    assert [e for e in effects if not isinstance(e, Page)] == [
        Escalated(0, 0),
        Escalated(1, 1),
        Escalated(2, 2),
    ]
    assert [s.at for s in state.steps] == [T0, at(15), at(30)]
    assert ("schedule", "payments-secondary", at(15)) in d.calls
    assert next_due(state) == at(60)


@pytest.mark.parametrize(
    ("ack_minute", "paged"),
    [
        pytest.param(5, ["alice"], id="level-0"),
        pytest.param(20, ["alice", "bob", "carol"], id="level-1"),
        pytest.param(40, ["alice", "bob", "carol", "dave", "erin"], id="level-2"),
    ],
)
def test_an_acknowledgement_at_any_level_stops_what_follows(
    ack_minute: int, paged: list[str]
) -> None:
    d = payments_directory()
    state, before = d.drive(open_escalation(PAYMENTS, "P1", T0), PAYMENTS, at(ack_minute))
    result = acknowledge(state, PAYMENTS, at(ack_minute), "alice", None, "P1")
    assert not isinstance(result, AckRefused)
    state, effects = result
    assert effects == ()
    assert state.acknowledged
    assert state.acknowledged_by == "alice"
    assert next_due(state) is None
    state, after = d.drive(state, PAYMENTS, at(24 * 60))
    assert after == []
    state, late = d.tick(state, PAYMENTS, at(24 * 60))
    assert late == ()
    assert [u for _, u, _ in pages(before)] == paged


def test_an_expired_acknowledgement_resumes_at_the_next_level() -> None:
    pol = policy(ack_timeout="30m", levels=PAYMENTS_LEVELS)
    d = payments_directory()
    state, _ = d.drive(open_escalation(pol, "P1", T0), pol, at(5))
    result = acknowledge(state, pol, at(5), "alice")
    assert not isinstance(result, AckRefused)
    state = result[0]
    assert state.acknowledged_until == at(35)
    assert next_due(state) == at(35)
    state, nothing = d.tick(state, pol, at(34))
    assert nothing == ()
    state, events = d.drive(state, pol, at(600))
    assert events[:4] == [
        (at(35), AckExpired("alice")),
        (at(35), Escalated(1, 1)),
        (at(35), Page("bob", "slack", 1, 1, "1:bob:slack:0")),
        (at(35), Page("carol", "slack", 1, 1, "1:carol:slack:0")),
    ]
    assert pages(events)[2:] == [(at(50), "dave", "slack"), (at(50), "erin", "slack")]
    assert events[-1] == (at(80), Exhausted())
    assert not state.acknowledged


def test_an_acknowledgement_without_timeout_never_expires() -> None:
    d = payments_directory()
    state, _ = d.drive(open_escalation(PAYMENTS, "P1", T0), PAYMENTS, T0)
    result = acknowledge(state, PAYMENTS, at(1), "alice")
    assert not isinstance(result, AckRefused)
    assert result[0].acknowledged_until is None
    assert d.tick(result[0], PAYMENTS, at(10_000))[1] == ()


def test_repeat_runs_the_levels_again_then_pages_the_ultimate_once_then_exhausts() -> None:
    pol = policy(
        repeat=2,
        levels=[level("user:alice", delay="10m"), level("user:bob", delay="10m")],
        ultimate=[{"user": "manager"}],
    )
    d = payments_directory()
    state, events = d.drive(open_escalation(pol, "P1", T0), pol, at(24 * 60))
    assert pages(events) == [
        (at(0), "alice", "slack"),
        (at(10), "bob", "slack"),
        (at(20), "alice", "slack"),
        (at(30), "bob", "slack"),
        (at(40), "alice", "slack"),
        (at(50), "bob", "slack"),
        (at(60), "manager", "slack"),
    ]
    assert [(t, e) for t, e in events if not isinstance(e, Page)] == [
        (at(0), Escalated(0, 0)),
        (at(10), Escalated(1, 1)),
        (at(20), Repeated(1)),
        (at(20), Escalated(0, 2)),
        (at(30), Escalated(1, 3)),
        (at(40), Repeated(2)),
        (at(40), Escalated(0, 4)),
        (at(50), Escalated(1, 5)),
        (at(60), Escalated(ULTIMATE, 6)),
        (at(60), Exhausted()),
    ]
    assert state.exhausted
    assert state.round == 2
    assert next_due(state) is None


def test_without_ultimate_the_last_level_gets_its_delay_before_exhaustion() -> None:
    pol = policy(repeat=1, levels=[level("user:alice", delay="5m")])
    _state, events = payments_directory().drive(open_escalation(pol, "P1", T0), pol, at(60))
    assert pages(events) == [(at(0), "alice", "slack"), (at(5), "alice", "slack")]
    assert events[-1] == (at(10), Exhausted())


def test_resolving_mid_way_stops_everything_including_scheduled_sms_and_voice() -> None:
    d = payments_directory()
    d.person("alice", (0, "slack"), (300, "sms"), (600, "voice"))
    state, events = d.drive(open_escalation(PAYMENTS, "P1", T0), PAYMENTS, at(3))
    assert pages(events) == [(T0, "alice", "slack")]
    assert next_due(state) == at(5)
    state = resolve_escalation(state, at(3))
    assert state.resolved
    assert state.resolved_at == at(3)
    assert state.contacts == ()
    assert next_due(state) is None
    assert d.tick(state, PAYMENTS, at(600)) == (state, ())
    assert acknowledge(state, PAYMENTS, at(601), "alice") == (state, ())


def test_personal_rules_slack_at_once_sms_at_5m_voice_at_10m() -> None:
    d = payments_directory()
    d.person("alice", (0, "slack"), (300, "sms"), (600, "voice"))
    _, events = d.drive(open_escalation(PAYMENTS, "P1", T0), PAYMENTS, at(14))
    assert [(t, e) for t, e in events if isinstance(e, Page)] == [
        (at(0), Page("alice", "slack", 0, 0, "0:alice:slack:0")),
        (at(5), Page("alice", "sms", 0, 0, "0:alice:sms:300")),
        (at(10), Page("alice", "voice", 0, 0, "0:alice:voice:600")),
    ]


def test_an_acknowledgement_at_7m_cancels_the_voice_call() -> None:
    d = payments_directory()
    d.person("alice", (0, "slack"), (300, "sms"), (600, "voice"))
    state, events = d.drive(open_escalation(PAYMENTS, "P1", T0), PAYMENTS, at(7))
    assert pages(events) == [(at(0), "alice", "slack"), (at(5), "alice", "sms")]
    assert [c.contact for c in state.contacts] == ["voice"]
    result = acknowledge(state, PAYMENTS, at(7), "alice")
    assert not isinstance(result, AckRefused)
    assert result[0].contacts == ()
    assert d.drive(result[0], PAYMENTS, at(120))[1] == []


def test_later_contacts_go_on_after_the_next_level_is_paged() -> None:
    pol = policy(levels=[level("user:alice", delay="5m"), level("user:bob", delay="30m")])
    d = payments_directory()
    d.person("alice", (0, "slack"), (600, "voice"))
    _, events = d.drive(open_escalation(pol, "P1", T0), pol, at(20))
    assert pages(events) == [
        (at(0), "alice", "slack"),
        (at(5), "bob", "slack"),
        (at(10), "alice", "voice"),
    ]


def test_a_person_paged_again_starts_their_rules_over() -> None:
    pol = policy(repeat=1, levels=[level("user:alice", delay="5m")])
    d = payments_directory()
    d.person("alice", (0, "slack"), (420, "sms"))
    _, events = d.drive(open_escalation(pol, "P1", T0), pol, at(30))
    assert [(t, e.key) for t, e in events if isinstance(e, Page)] == [
        (at(0), "0:alice:slack:0"),
        (at(5), "1:alice:slack:0"),
        (at(12), "1:alice:sms:420"),
    ]


def test_a_gap_in_the_schedule_skips_to_the_next_level_at_once() -> None:
    d = payments_directory()
    d.schedules["payments-primary"] = []
    state, events = d.drive(open_escalation(PAYMENTS, "P1", T0), PAYMENTS, at(20))
    assert events == [
        (T0, Gap(0, 0)),
        (T0, Escalated(1, 1)),
        (T0, Page("bob", "slack", 1, 1, "1:bob:slack:0")),
        (T0, Page("carol", "slack", 1, 1, "1:carol:slack:0")),
        (at(15), Escalated(2, 2)),
        (at(15), Page("dave", "slack", 2, 2, "2:dave:slack:0")),
        (at(15), Page("erin", "slack", 2, 2, "2:erin:slack:0")),
    ]
    assert state.steps[0].users == ()


def test_the_schedule_is_asked_who_is_on_call_when_the_step_is_due() -> None:
    pol = policy(repeat=1, levels=[level("schedule:payments-primary", delay="1h")])
    d = payments_directory()
    d.schedules["payments-primary"] = lambda t: ["alice"] if t < at(30) else ["bob"]
    _, events = d.drive(open_escalation(pol, "P1", T0), pol, at(90))
    assert pages(events) == [(at(0), "alice", "slack"), (at(60), "bob", "slack")]


def test_a_level_of_gaps_everywhere_reaches_the_ultimate_at_once() -> None:
    pol = policy(
        repeat=1,
        levels=[level("schedule:empty"), level("schedule:empty")],
        ultimate=[{"user": "manager"}],
    )
    _, events = payments_directory().drive(open_escalation(pol, "P1", T0), pol, T0)
    assert [e for _, e in events] == [
        Gap(0, 0),
        Gap(1, 1),
        Repeated(1),
        Gap(0, 2),
        Gap(1, 3),
        Escalated(ULTIMATE, 4),
        Page("manager", "slack", ULTIMATE, 4, "4:manager:slack:0"),
        Exhausted(),
    ]


def test_a_person_reached_by_two_targets_of_one_level_is_paged_once() -> None:
    pol = policy(
        levels=[
            level("schedule:payments-primary", "user:alice", "team:payments"),
            level("user:alice"),
        ]
    )
    d = payments_directory()
    d.teams["payments"] = ["alice", "dave"]
    d.receivers["payments"] = "payments-slack"
    _, events = d.drive(open_escalation(pol, "P1", T0), pol, at(15))
    assert events == [
        (T0, Escalated(0, 0)),
        (T0, NotifyTeam("payments", "payments-slack", 0, 0, "0:team:payments")),
        (T0, Page("alice", "slack", 0, 0, "0:alice:slack:0")),
        (T0, Page("dave", "slack", 0, 0, "0:dave:slack:0")),
        (at(15), Escalated(1, 1)),
        (at(15), Page("alice", "slack", 1, 1, "1:alice:slack:0")),
    ]


def test_a_team_target_pages_its_members_and_notifies_its_receiver() -> None:
    d = payments_directory()
    d.receivers["payments"] = "payments-channel"
    _, events = d.drive(open_escalation(PAYMENTS, "P1", T0), PAYMENTS, at(30))
    assert [e for t, e in events if t == at(30)] == [
        Escalated(2, 2),
        NotifyTeam("payments", "payments-channel", 2, 2, "2:team:payments"),
        Page("dave", "slack", 2, 2, "2:dave:slack:0"),
        Page("erin", "slack", 2, 2, "2:erin:slack:0"),
    ]


def test_a_team_with_a_receiver_and_no_members_is_not_a_gap() -> None:
    pol = policy(levels=[level("team:empty", delay="10m"), level("user:bob")])
    d = payments_directory()
    d.receivers["empty"] = "empty-channel"
    _, events = d.drive(open_escalation(pol, "P1", T0), pol, at(5))
    assert [e for _, e in events] == [
        Escalated(0, 0),
        NotifyTeam("empty", "empty-channel", 0, 0, "0:team:empty"),
    ]


def test_a_person_without_contact_methods_is_reached_through_their_teams_channels() -> None:
    pol = policy(levels=[level("user:nomad")])
    d = payments_directory()
    d.people["nomad"] = Person("nomad", (), ("payments", "ops", "infra"))
    d.receivers.update({"payments": "payments-channel", "infra": "infra-channel"})
    _, events = d.drive(open_escalation(pol, "P1", T0), pol, T0)
    assert [e for _, e in events] == [
        Escalated(0, 0),
        NotifyTeam("payments", "payments-channel", 0, 0, "0:team:payments"),
        NotifyTeam("infra", "infra-channel", 0, 0, "0:team:infra"),
    ]


def test_an_unreachable_person_alone_on_a_level_is_a_gap() -> None:
    pol = policy(levels=[level("user:ghost", "user:nomad"), level("user:bob")])
    d = payments_directory()
    d.people["nomad"] = Person("nomad", (), ())
    _, events = d.drive(open_escalation(pol, "P1", T0), pol, T0)
    assert [e for _, e in events] == [
        Gap(0, 0),
        Unreachable("ghost", 0, 0),
        Unreachable("nomad", 0, 0),
        Escalated(1, 1),
        Page("bob", "slack", 1, 1, "1:bob:slack:0"),
    ]


SEVERE_LEVELS = {
    "levels": [level("user:alice", delay="15m"), level("user:bob", delay="15m")],
    "severities": {
        "P2": {"levels": [level("user:carol", delay="30m"), level("user:dave", delay="60m")]}
    },
}
SEVERE = policy(**SEVERE_LEVELS)


@pytest.mark.parametrize(
    ("severity", "expected"),
    [
        pytest.param("P0", [(at(0), "alice"), (at(15), "bob")], id="default-levels"),
        pytest.param("P1", [(at(0), "alice"), (at(15), "bob")], id="default-levels-p1"),
        pytest.param("P2", [(at(0), "carol"), (at(30), "dave")], id="p2-levels"),
    ],
)
def test_the_level_list_follows_the_severity_at_opening(
    severity: str, expected: list[tuple[float, str]]
) -> None:
    state, events = payments_directory().drive(
        open_escalation(SEVERE, severity, T0), SEVERE, at(120)
    )
    assert [(t, u) for t, u, _ in pages(events)] == expected
    assert state.levels == ("P2" if severity == "P2" else "default")


def test_a_later_severity_change_keeps_the_level_list() -> None:
    pol = policy(ack_timeout="10m", **SEVERE_LEVELS)
    d = payments_directory()
    state, _ = d.drive(open_escalation(pol, "P2", T0), pol, T0)
    result = acknowledge(state, pol, at(1), "carol", "looking", "P0")
    assert not isinstance(result, AckRefused)
    _, events = d.drive(result[0], pol, at(60))
    assert pages(events) == [(at(11), "dave", "slack")]


COMMENTED = policy(require_ack_comment=["P0", "P1"], levels=[level("user:alice")])


@pytest.mark.parametrize(
    ("severity", "comment", "refused"),
    [
        ("P0", None, True),
        ("P0", "", True),
        ("P0", "   ", True),
        ("P0", "rolling back", False),
        ("P1", None, True),
        ("P2", None, False),
        ("P3", "", False),
    ],
)
def test_a_comment_is_required_to_acknowledge_the_listed_severities(
    severity: str, comment: str | None, refused: bool
) -> None:
    state = open_escalation(COMMENTED, "P3", T0)
    result = acknowledge(state, COMMENTED, T0, "alice", comment, severity)
    if refused:
        assert result == AckRefused(f"acknowledging a {severity} incident needs a comment")
    else:
        assert not isinstance(result, AckRefused)
        assert result[0].acknowledged


def test_the_comment_requirement_uses_the_opening_severity_by_default() -> None:
    state = open_escalation(COMMENTED, "P0", T0)
    assert isinstance(acknowledge(state, COMMENTED, T0, "alice"), AckRefused)


def test_a_state_of_another_policy_is_refused() -> None:
    state = open_escalation(COMMENTED, "P0", T0)
    other = policy(name="other", levels=[level("user:alice")])
    with pytest.raises(ValueError, match='policy "payments" used with policy "other"'):
        payments_directory().tick(state, other, T0)


DOCUMENTED = policy(
    repeat=2, ack_timeout="30m", levels=PAYMENTS_LEVELS, ultimate=[{"user": "manager"}]
)


def test_the_documented_timeline_from_10_00_to_13_00() -> None:
    _, events = payments_directory().drive(
        open_escalation(DOCUMENTED, "P1", T0), DOCUMENTED, at(600)
    )
    steps = [(t, e.level) for t, e in events if isinstance(e, Escalated)]
    assert steps == [
        (at(0), 0), (at(15), 1), (at(30), 2),
        (at(60), 0), (at(75), 1), (at(90), 2),
        (at(120), 0), (at(135), 1), (at(150), 2),
        (at(180), ULTIMATE),
    ]  # fmt: skip
    assert events[-1] == (at(180), Exhausted())


def test_the_documented_ack_expiry_pages_level_2_at_10_50_and_repeats_at_11_20() -> None:
    d = payments_directory()
    state, _ = d.drive(open_escalation(DOCUMENTED, "P1", T0), DOCUMENTED, at(20))
    result = acknowledge(state, DOCUMENTED, at(20), "bob")
    assert not isinstance(result, AckRefused)
    _, events = d.drive(result[0], DOCUMENTED, at(80))
    assert [(t, e) for t, e in events if not isinstance(e, Page)] == [
        (at(50), AckExpired("bob")),
        (at(50), Escalated(2, 2)),
        (at(80), Repeated(1)),
        (at(80), Escalated(0, 3)),
    ]
