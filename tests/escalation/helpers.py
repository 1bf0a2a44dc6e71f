"""A fake directory of people, schedules and teams, and a driver that ticks on time."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from tocsin.config._escalation import EscalationPolicy
from tocsin.escalation import Effect, EscalationState, Person, next_due, tick

T0 = 1_700_000_000.0  # 2023-11-14T22:13:20Z
MIN = 60.0

OnCall = Sequence[str] | Callable[[float], Sequence[str]]


def policy(**data: Any) -> EscalationPolicy:
    data.setdefault("name", "payments")
    return EscalationPolicy.model_validate(data)


def level(*targets: str, delay: str = "15m") -> dict[str, Any]:
    """``level("schedule:primary", "user:carol", delay="15m")``."""
    out = []
    for target in targets:
        kind, name = target.split(":", 1)
        out.append({kind: name})
    return {"targets": out, "delay": delay}


@dataclass
class Directory:
    people: dict[str, Person] = field(default_factory=dict)
    schedules: dict[str, OnCall] = field(default_factory=dict)
    teams: dict[str, list[str]] = field(default_factory=dict)
    receivers: dict[str, str] = field(default_factory=dict)
    calls: list[tuple[str, str, float]] = field(default_factory=list)

    def person(self, name: str, *contacts: tuple[float, str], teams: Sequence[str] = ()) -> None:
        self.people[name] = Person(name, tuple(contacts) or ((0.0, "slack"),), tuple(teams))

    def resolve(self, kind: str, name: str, at: float) -> list[str]:
        self.calls.append((kind, name, at))
        if kind == "user":
            return [name]
        if kind == "team":
            return list(self.teams.get(name, []))
        on_call = self.schedules.get(name, [])
        return list(on_call(at) if callable(on_call) else on_call)

    def lookup(self, name: str) -> Person | None:
        return self.people.get(name)

    def receiver(self, team: str) -> str | None:
        return self.receivers.get(team)

    def tick(
        self, state: EscalationState, pol: EscalationPolicy, now: float
    ) -> tuple[EscalationState, tuple[Effect, ...]]:
        return tick(state, pol, now, self.resolve, self.lookup, team_receiver=self.receiver)

    def drive(
        self, state: EscalationState, pol: EscalationPolicy, until: float
    ) -> tuple[EscalationState, list[tuple[float, Effect]]]:
        """Tick at every :func:`next_due` up to ``until``, as the runtime does."""
        out: list[tuple[float, Effect]] = []
        while True:
            due = next_due(state)
            if due is None or due > until:
                return state, out
            state, effects = self.tick(state, pol, due)
            out.extend((due, effect) for effect in effects)


def at(minutes: float) -> float:
    return T0 + minutes * MIN
