"""Random runs of tick / acknowledge / resolve / persist at increasing times."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from tests.escalation.helpers import T0, Directory, level, policy

from tocsin.escalation import (
    AckExpired,
    AckRefused,
    EscalationState,
    NotifyTeam,
    Page,
    Person,
    acknowledge,
    next_due,
    open_escalation,
    resolve_escalation,
)

TARGETS = ["schedule:day", "schedule:empty", "team:ops", "team:ghosts", "user:alice", "user:bob"]
RULES = [(0, "slack"), (120, "email"), (300, "sms"), (600, "voice")]


def _directory(rules: dict[str, list[tuple[int, str]]]) -> Directory:
    d = Directory(
        schedules={
            "day": lambda t: ["alice"] if (t - T0) % 3600 < 1800 else ["carol"],
            "empty": [],
        },
        teams={"ops": ["bob", "carol", "nomad"], "ghosts": []},
        receivers={"ops": "ops-channel"},
    )
    for name, person_rules in rules.items():
        d.person(name, *[(float(a), c) for a, c in person_rules], teams=["ops"])
    d.people["nomad"] = Person("nomad", (), ("ops",))
    return d


policies = st.builds(
    lambda levels, repeat, timeout, ultimate, comment: policy(
        levels=levels,
        repeat=repeat,
        ack_timeout=timeout,
        ultimate=[{"user": "bob"}] if ultimate else [],
        require_ack_comment=["P0"] if comment else [],
    ),
    st.lists(
        st.builds(
            lambda targets, delay: level(*targets, delay=delay),
            st.lists(st.sampled_from(TARGETS), min_size=1, max_size=3),
            st.sampled_from(["1m", "5m", "15m"]),
        ),
        min_size=1,
        max_size=3,
    ),
    st.integers(0, 2),
    st.sampled_from([None, "3m", "30m"]),
    st.booleans(),
    st.booleans(),
)
people_rules = st.fixed_dictionaries(
    {
        name: st.lists(st.sampled_from(RULES), min_size=1, max_size=4, unique=True)
        for name in ("alice", "bob", "carol")
    }
)
actions = st.lists(
    st.tuples(
        st.floats(0, 40 * 60, allow_nan=False),
        st.sampled_from(["tick", "tick", "tick", "ack", "ack-no-comment", "resolve", "persist"]),
    ),
    max_size=25,
)


@settings(derandomize=True, max_examples=300, deadline=None)
@given(policies, people_rules, st.sampled_from(["P0", "P2"]), actions)
def test_random_runs_never_page_after_resolve_nor_send_a_key_twice(
    pol: Any, rules: dict[str, list[tuple[int, str]]], severity: str, steps: list[Any]
) -> None:
    d = _directory(rules)
    now = T0
    state = open_escalation(pol, severity, now)
    sent: set[str] = set()
    resolved = False
    acknowledged = False
    for gap, action in [*steps, (10 * 3600.0, "tick")]:
        now += gap
        if action == "tick":
            state, effects = d.tick(state, pol, now)
            for effect in effects:
                if isinstance(effect, AckExpired):
                    acknowledged = False
                if isinstance(effect, (Page, NotifyTeam)):
                    assert not resolved, effect
                    assert not acknowledged, effect
                    assert effect.key not in sent, effect
                    sent.add(effect.key)
            due = next_due(state)
            assert due is None or due > now
        elif action in ("ack", "ack-no-comment"):
            comment = "on it" if action == "ack" else None
            result = acknowledge(state, pol, now, "alice", comment)
            if isinstance(result, AckRefused):
                assert severity == "P0"
                assert comment is None
                continue
            state, effects = result
            assert effects == ()
            acknowledged = acknowledged or not resolved
        elif action == "resolve":
            state = resolve_escalation(state, now)
            resolved = True
            assert next_due(state) is None
        else:
            restored = EscalationState.from_dict(json.loads(json.dumps(state.to_dict())))
            assert restored == state
            state = restored
        assert state.sent == frozenset(sent)
