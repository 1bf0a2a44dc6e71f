"""The persisted state: JSON round trips at any point, and replays send nothing twice."""

from __future__ import annotations

import json

import pytest
from tests.escalation.helpers import T0, Directory, at, level, policy

from tocsin.escalation import (
    AckRefused,
    EscalationState,
    Page,
    acknowledge,
    next_due,
    open_escalation,
    resolve_escalation,
)

RICH = policy(
    repeat=1,
    ack_timeout="20m",
    levels=[
        level("schedule:primary", delay="15m"),
        level("team:payments", "user:carol", delay="15m"),
    ],
    ultimate=[{"user": "manager"}],
)


def directory() -> Directory:
    d = Directory(
        schedules={"primary": lambda t: ["alice"] if t < at(40) else []},
        teams={"payments": ["dave", "carol"]},
        receivers={"payments": "payments-channel"},
    )
    d.person("alice", (0, "slack"), (300, "sms"), (600, "voice"))
    d.person("carol", (0, "email"), (120, "sms"))
    d.person("dave")
    d.person("manager", (0, "voice"))
    return d


def through_json(state: EscalationState) -> EscalationState:
    return EscalationState.from_dict(json.loads(json.dumps(state.to_dict())))


# (minutes, action): a run with contacts pending, an ack that expires, a gap and a repeat
SCRIPT: list[tuple[float, str]] = [
    (0, "tick"),
    (3, "tick"),
    (5, "tick"),
    (6, "ack"),
    (20, "tick"),
    (26, "tick"),
    (27, "tick"),
    (40, "tick"),
    (45, "tick"),
    (58, "tick"),
    (75, "tick"),
    (90, "tick"),
    (95, "resolve"),
    (120, "tick"),
]


def run(state: EscalationState, d: Directory, script: list[tuple[float, str]]) -> list[object]:
    effects: list[object] = []
    for minute, action in script:
        if action == "tick":
            state, out = d.tick(state, RICH, at(minute))
            effects.extend(out)
        elif action == "ack":
            result = acknowledge(state, RICH, at(minute), "alice")
            assert not isinstance(result, AckRefused)
            state = result[0]
        else:
            state = resolve_escalation(state, at(minute))
    return effects


def states_along_the_script() -> list[tuple[int, EscalationState]]:
    d = directory()
    state = open_escalation(RICH, "P1", T0)
    out = [(0, state)]
    for i in range(len(SCRIPT)):
        state = _apply(state, d, SCRIPT[i])
        out.append((i + 1, state))
    return out


def _apply(state: EscalationState, d: Directory, item: tuple[float, str]) -> EscalationState:
    minute, action = item
    if action == "tick":
        return d.tick(state, RICH, at(minute))[0]
    if action == "ack":
        result = acknowledge(state, RICH, at(minute), "alice")
        assert not isinstance(result, AckRefused)
        return result[0]
    return resolve_escalation(state, at(minute))


def test_the_scripted_run_exercises_contacts_acks_gaps_and_repeats() -> None:
    effects = run(open_escalation(RICH, "P1", T0), directory(), SCRIPT)
    names = {type(e).__name__ for e in effects}
    assert {"Page", "NotifyTeam", "Escalated", "Gap", "Repeated", "AckExpired"} <= names
    assert [(e.user, e.contact) for e in effects if isinstance(e, Page)] == [
        ("alice", "slack"),
        ("alice", "sms"),
        ("dave", "slack"),
        ("carol", "email"),
        ("carol", "sms"),
        ("dave", "slack"),
        ("carol", "email"),
        ("carol", "sms"),
        ("manager", "voice"),
    ]


@pytest.mark.parametrize("index", range(len(SCRIPT) + 1))
def test_the_state_round_trips_through_json_at_every_point(index: int) -> None:
    _, state = states_along_the_script()[index]
    restored = through_json(state)
    assert restored == state
    assert next_due(restored) == next_due(state)


@pytest.mark.parametrize("index", range(len(SCRIPT) + 1))
def test_a_restored_state_continues_exactly_as_the_original(index: int) -> None:
    _, state = states_along_the_script()[index]
    rest = SCRIPT[index:]
    assert run(through_json(state), directory(), rest) == run(state, directory(), rest)


@pytest.mark.parametrize("index", range(1, len(SCRIPT) + 1))
def test_ticking_a_restored_state_again_at_the_same_time_sends_nothing(index: int) -> None:
    _, state = states_along_the_script()[index]
    minute = SCRIPT[index - 1][0]
    _, effects = directory().tick(through_json(state), RICH, at(minute))
    assert effects == ()


def test_every_key_sent_is_in_the_state() -> None:
    d = directory()
    state = open_escalation(RICH, "P1", T0)
    sent = []
    for minute in range(0, 60):
        state, effects = d.tick(state, RICH, at(minute))
        sent += [e.key for e in effects if hasattr(e, "key")]
    assert sorted(sent) == sorted(state.sent)
    assert len(sent) == len(set(sent))


def test_the_json_form_is_plain_and_versioned() -> None:
    d = directory()
    state, _ = d.tick(open_escalation(RICH, "P1", T0), RICH, at(1))
    data = state.to_dict()
    assert data["version"] == 1
    assert data["policy"] == "payments"
    assert data["levels"] == "default"
    assert data["sent"] == ["0:alice:slack:0"]
    assert data["contacts"] == [
        {"at": at(5), "user": "alice", "contact": "sms", "level": 0, "step": 0,
         "key": "0:alice:sms:300"},
        {"at": at(10), "user": "alice", "contact": "voice", "level": 0, "step": 0,
         "key": "0:alice:voice:600"},
    ]  # fmt: skip
    assert data["steps"] == [
        {"step": 0, "level": 0, "round": 0, "at": T0, "users": ["alice"], "teams": []}
    ]
    assert data["due"] == at(15)


def test_an_unknown_version_is_refused() -> None:
    data = open_escalation(RICH, "P1", T0).to_dict()
    data["version"] = 99
    with pytest.raises(ValueError, match="unknown escalation state version 99"):
        EscalationState.from_dict(data)
