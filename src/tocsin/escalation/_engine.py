"""The escalation engine: pure functions of (state, event, now) → (new state, effects).

An escalation walks the incident's level list: each step pages a level's targets, then
waits the level's ``delay``; a level that notifies nobody (a gap) is passed at once. After
the last level the list runs again while ``repeat`` rounds remain, then the ``ultimate``
targets are paged once and the escalation is exhausted.

Times are seconds since the epoch. Steps are anchored to the time they were due, not to
the moment :func:`tick` runs: a late tick performs every step that fell due in between,
each as it would have been performed on time, which makes the effects of a replay the
same. The runtime calls :func:`tick` at :func:`next_due` (or later) and executes the
effects; it never reads the engine's clock because there is none.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Literal

from tocsin.config import EscalationPolicy, EscalationTarget
from tocsin.escalation._effects import (
    ULTIMATE,
    AckExpired,
    AckRefused,
    Effect,
    Escalated,
    Exhausted,
    Gap,
    NotifyTeam,
    Page,
    Repeated,
    Unreachable,
)
from tocsin.escalation._people import Person
from tocsin.escalation._state import EscalationState, PendingContact, StepRecord

__all__ = [
    "People",
    "Resolve",
    "TeamReceiver",
    "acknowledge",
    "next_due",
    "open_escalation",
    "resolve_escalation",
    "tick",
]

Resolve = Callable[[str, str, float], Sequence[str]]
"""``resolve(kind, name, at)``: the users a target reaches at ``at`` — a schedule's on-call
user (none in a gap), a team's members, or the user itself."""

People = Callable[[str], Person | None]
"""``people(name)``: a user's contact rules and teams (``None``: no such user)."""

TeamReceiver = Callable[[str], str | None]
"""``team_receiver(team)``: the receiver of a team's channel (``None`` or ``""``: none)."""

_INF = float("inf")


def _no_receiver(team: str) -> str | None:
    return None


def open_escalation(policy: EscalationPolicy, severity: str, now: float) -> EscalationState:
    """A new escalation for an incident of ``severity`` (``"P0"`` … ``"P3"``), opened at
    ``now``: the level list is chosen by the severity once, and the first step is due at
    once."""
    return EscalationState(
        policy=policy.name,
        levels=policy.levels_key(severity),
        severity=severity,
        opened_at=now,
        due=now,
    )


def next_due(state: EscalationState) -> float | None:
    """When :func:`tick` must next be called (``None``: nothing is left to do)."""
    if state.resolved:
        return None
    if state.acknowledged:
        return state.acknowledged_until
    times = [c.at for c in state.contacts]
    if state.due is not None:
        times.append(state.due)
    return min(times) if times else None


def acknowledge(
    state: EscalationState,
    policy: EscalationPolicy,
    now: float,
    user: str,
    comment: str | None = None,
    severity: str | None = None,
) -> tuple[EscalationState, tuple[Effect, ...]] | AckRefused:
    """``user`` acknowledges at ``now``: escalation stops and scheduled contacts are
    cancelled. With the policy's ``ack_timeout`` the acknowledgement expires at ``now +
    ack_timeout``. Refused when the incident's ``severity`` (default: the one it opened
    with) requires a comment and ``comment`` is empty. A resolved escalation is left as
    it is."""
    _check_policy(state, policy)
    if state.resolved:
        return state, ()
    level = severity if severity is not None else state.severity
    if policy.requires_comment(level) and not (comment and comment.strip()):
        return AckRefused(f"acknowledging a {level} incident needs a comment")
    timeout = policy.ack_timeout
    new = replace(
        state,
        acknowledged=True,
        acknowledged_by=user,
        acknowledged_until=now + timeout.seconds if timeout else None,
        due=None,
        contacts=(),
    )
    return new, ()


def resolve_escalation(state: EscalationState, now: float) -> EscalationState:
    """The incident is resolved at ``now``: the escalation ends and every scheduled
    contact is cancelled."""
    if state.resolved:
        return state
    return replace(state, resolved=True, resolved_at=now, due=None, contacts=())


def tick(
    state: EscalationState,
    policy: EscalationPolicy,
    now: float,
    resolve: Resolve,
    people: People,
    *,
    team_receiver: TeamReceiver = _no_receiver,
) -> tuple[EscalationState, tuple[Effect, ...]]:
    """Everything due by ``now``, in time order: scheduled contacts, an expired
    acknowledgement, and the escalation steps."""
    _check_policy(state, policy)
    if state.resolved:
        return state, ()
    run = _Run(state, policy, resolve, people, team_receiver)
    while True:
        contact_at = run.contacts[0].at if run.contacts else _INF
        if run.acknowledged:
            event_at = run.acknowledged_until if run.acknowledged_until is not None else _INF
        else:
            event_at = run.due if run.due is not None else _INF
        if min(contact_at, event_at) > now:
            break
        if contact_at <= event_at:
            run.send_contact(run.contacts.pop(0))
        elif run.acknowledged:
            run.expire_ack(event_at)
        else:
            run.step_at(event_at)
    return run.state(), tuple(run.effects)


def _check_policy(state: EscalationState, policy: EscalationPolicy) -> None:
    if state.policy != policy.name:
        raise ValueError(
            f'escalation state of policy "{state.policy}" used with policy "{policy.name}"'
        )


@dataclass(frozen=True)
class _Position:
    kind: Literal["level", "ultimate", "exhausted"]
    level: int
    round: int


class _Run:
    """One call of :func:`tick`: the state being changed and the effects so far."""

    def __init__(
        self,
        state: EscalationState,
        policy: EscalationPolicy,
        resolve: Resolve,
        people: People,
        team_receiver: TeamReceiver,
    ) -> None:
        self.original = state
        self.policy = policy
        self.levels = policy.levels_for(state.levels)
        self.resolve = resolve
        self.people = people
        self.team_receiver = team_receiver
        self.level = state.level
        self.round = state.round
        self.step = state.step
        self.due = state.due
        self.acknowledged = state.acknowledged
        self.acknowledged_by = state.acknowledged_by
        self.acknowledged_until = state.acknowledged_until
        self.exhausted = state.exhausted
        self.steps = list(state.steps)
        self.contacts = sorted(state.contacts, key=lambda c: c.at)
        self.sent = set(state.sent)
        self.effects: list[Effect] = []

    def state(self) -> EscalationState:
        return replace(
            self.original,
            level=self.level,
            round=self.round,
            step=self.step,
            due=self.due,
            acknowledged=self.acknowledged,
            acknowledged_by=self.acknowledged_by,
            acknowledged_until=self.acknowledged_until,
            exhausted=self.exhausted,
            steps=tuple(self.steps),
            contacts=tuple(self.contacts),
            sent=frozenset(self.sent),
        )

    def send_contact(self, contact: PendingContact) -> None:
        if contact.key in self.sent:
            return
        self.sent.add(contact.key)
        self.effects.append(
            Page(contact.user, contact.contact, contact.level, contact.step, contact.key)
        )

    def expire_ack(self, at: float) -> None:
        self.effects.append(AckExpired(self.acknowledged_by or ""))
        self.acknowledged = False
        self.acknowledged_by = None
        self.acknowledged_until = None
        self.due = None if self.exhausted else at

    def next_position(self) -> _Position:
        if self.exhausted or self.level == ULTIMATE:
            return _Position("exhausted", ULTIMATE, self.round)
        if self.level is None:
            return _Position("level", 0, self.round)
        if self.level + 1 < len(self.levels):
            return _Position("level", self.level + 1, self.round)
        if self.round < self.policy.repeat:
            return _Position("level", 0, self.round + 1)
        if self.policy.ultimate:
            return _Position("ultimate", ULTIMATE, self.round)
        return _Position("exhausted", ULTIMATE, self.round)

    def step_at(self, at: float) -> None:
        position = self.next_position()
        if position.kind == "exhausted":
            self.effects.append(Exhausted())
            self.exhausted = True
            self.due = None
            return
        if position.round > self.round:
            self.effects.append(Repeated(position.round))
        if position.kind == "level":
            targets: Sequence[EscalationTarget] = self.levels[position.level].targets
            delay = self.levels[position.level].delay.seconds
        else:
            targets, delay = self.policy.ultimate, 0.0
        step = _Step(self, position.level, self.step, at)
        step.notify(targets)
        self.effects.append(
            Escalated(position.level, self.step) if step.reached else Gap(position.level, self.step)
        )
        self.effects.extend(step.effects)
        self.steps.append(
            StepRecord(
                step=self.step,
                level=position.level,
                round=position.round,
                at=at,
                users=tuple(step.paged),
                teams=tuple(step.teams),
            )
        )
        self.step += 1
        self.level = position.level
        self.round = position.round
        self.due = at + delay if step.reached else at


class _Step:
    """The notifications of one step: each person once, each team channel once."""

    def __init__(self, run: _Run, level: int, step: int, at: float) -> None:
        self.run = run
        self.level = level
        self.step = step
        self.at = at
        self.paged: list[str] = []
        self.teams: list[str] = []
        self.effects: list[Effect] = []

    @property
    def reached(self) -> bool:
        return bool(self.paged or self.teams)

    def notify(self, targets: Sequence[EscalationTarget]) -> None:
        users: list[str] = []
        for target in targets:
            for user in self.run.resolve(target.kind, target.name, self.at):
                if user not in users:
                    users.append(user)
            if target.kind == "team":
                self.notify_team(target.name)
        unreachable: list[Effect] = []
        for user in users:
            person = self.run.people(user)
            if person is not None and person.contacts:
                self.page(person)
                continue
            teams = person.teams if person is not None else ()
            reached = [team for team in teams if self.notify_team(team)]
            if not reached:
                unreachable.append(Unreachable(user, self.level, self.step))
        self.effects.extend(unreachable)

    def notify_team(self, team: str) -> bool:
        if team in self.teams:
            return True
        receiver = self.run.team_receiver(team)
        if not receiver:
            return False
        self.teams.append(team)
        effect = NotifyTeam(team, receiver, self.level, self.step, f"{self.step}:team:{team}")
        if effect.key not in self.run.sent:
            self.run.sent.add(effect.key)
            self.effects.append(effect)
        return True

    def page(self, person: Person) -> None:
        run = self.run
        self.paged.append(person.name)
        # a person paged again starts their notification rules over
        run.contacts = [c for c in run.contacts if c.user != person.name]
        for after, contact in person.contacts:
            key = f"{self.step}:{person.name}:{contact}:{after:g}"
            if key in run.sent:
                continue
            if after <= 0:
                run.sent.add(key)
                self.effects.append(Page(person.name, contact, self.level, self.step, key))
            else:
                pending = PendingContact(
                    self.at + after, person.name, contact, self.level, self.step, key
                )
                run.contacts.append(pending)
        run.contacts.sort(key=lambda c: c.at)
