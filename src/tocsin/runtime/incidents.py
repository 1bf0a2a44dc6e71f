"""Incidents at work: opened and joined by flushes, escalated on the clock, acknowledged
and resolved through the API and acknowledge links.

A flush of a group whose route names an ``escalation_policy`` opens an incident keyed by
(route path, group labels), or joins the open one; its resolved alerts resolve it when
none fires any more. On the lease holder, the escalation engine is ticked when due; every
tick's new state is saved with the incident (optimistic versions) before its pages go
out, and each page is recorded by key first, so a restart resumes at the right level and
pages nobody twice. Pages travel through the dispatcher: outbox, retries, rate limits and
the delivery log, like every notification.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from tocsin.api import AckClaim, AckSigner, Metrics
from tocsin.config import Config, EscalationPolicy, User
from tocsin.escalation import (
    AckExpired,
    AckRefused,
    Effect,
    Escalated,
    EscalationState,
    Exhausted,
    Gap,
    NotifyTeam,
    Page,
    Person,
    Repeated,
    Unreachable,
    next_due,
    open_escalation,
    person_from_config,
    resolve_escalation,
    tick,
)
from tocsin.escalation import acknowledge as escalation_ack
from tocsin.incidents import (
    Change,
    CommentRequired,
    Conflict,
    Incident,
    IncidentActions,
    InvalidTransition,
    NotFound,
    TimelineEvent,
    ack_expired,
    acknowledge,
    alert_to_row,
    alerts_resolved,
    event_to_row,
    highest_severity,
    incident_from_row,
    incident_key,
    incident_to_row,
    join,
    open_incident,
    record_escalation,
    resolve,
)
from tocsin.model import Alert, Clock
from tocsin.oncall import Roster
from tocsin.pipeline import Delivery, FlushPlan, NotifyKey, PageTarget
from tocsin.store import IncidentStore, StoreError

__all__ = ["ACK_LINK_TTL", "IncidentManager", "ManagerHooks"]

log = logging.getLogger("tocsin.incidents")

ACK_LINK_TTL = 24 * 3600.0
"""How long an acknowledge link in a page stays valid."""


@dataclass(slots=True)
class ManagerHooks:
    """What the manager needs of the dispatcher."""

    page: Callable[[Sequence[Delivery]], Awaitable[None]]
    contact_types: Callable[[], set[str]]
    receiver_kinds: Callable[[str], list[tuple[str, int]]]
    alert_of: Callable[[str], Alert | None]


class IncidentManager(IncidentActions):
    """The incident service of the API, and the escalation of open incidents."""

    def __init__(
        self,
        config: Config,
        *,
        clock: Clock,
        metrics: Metrics,
        store: IncidentStore,
        roster: Callable[[], Roster],
        hooks: ManagerHooks,
        external_url: str,
    ) -> None:
        super().__init__(store, clock, on_change=self._changed)
        self.config = config
        self.metrics = metrics
        self.store = store
        self.roster = roster
        self.hooks = hooks
        self.external_url = external_url.rstrip("/")
        self.signer: AckSigner | None = None
        self.open: dict[str, Incident] = {}  # by id
        self.holds_lease: Callable[[], bool] = lambda: False
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._lock = asyncio.Lock()

    # -- configuration and start-up ------------------------------------------------------

    def reload(self, config: Config) -> None:
        self.config = config
        self._wake.set()

    def _policy(self, name: str) -> EscalationPolicy | None:
        for policy in self.config.escalation_policies:
            if policy.name == name:
                return policy
        return None

    async def start(self) -> None:
        """Load the open incidents and the shared acknowledge-link secret."""
        self.signer = AckSigner(await self.store.get_or_create_secret("ack_links"))
        rows = await asyncio.to_thread(self.store.load_open)
        self.open = {}
        for row in rows:
            incident = incident_from_row(row, row.get("alerts", ()))
            self.open[incident.id] = incident
        self.metrics.open_incidents.set(len(self.open))
        self._wake.set()

    async def _changed(self, change: Change) -> None:
        """An incident was changed through the API: keep the open set up to date."""
        self._remember(change.incident)
        self._wake.set()

    def _remember(self, incident: Incident) -> None:
        if incident.open:
            self.open[incident.id] = incident
        else:
            self.open.pop(incident.id, None)
        self.metrics.open_incidents.set(len(self.open))

    # -- flushes -------------------------------------------------------------------------

    async def on_flushed(self, plans: list[FlushPlan]) -> None:
        for plan in plans:
            route = plan.group.route
            if not route.escalation_policy:
                continue
            try:
                async with self._lock:
                    await self._flushed(plan, route.escalation_policy, route.path or "root")
            except StoreError:
                self.metrics.store_errors.inc()
                log.exception("recording an incident for a flush failed")

    def _severity(self, alerts: Sequence[Alert]) -> str:
        levels = [self.config.severity.level_of(a.labels) for a in alerts]
        return highest_severity(*levels)

    async def _flushed(self, plan: FlushPlan, policy_name: str, path: str) -> None:
        now = plan.now
        group = plan.group
        key = incident_key(path, group.labels)
        firing = [a for a in plan.kept if a.ends_at > now]
        current = next((i for i in self.open.values() if i.key == key), None)
        if current is not None:
            await self._update(current, plan, firing)
            return
        if not firing:
            return
        policy = self._policy(policy_name)
        if policy is None:
            log.error("route %s names escalation policy %r, which is not defined", path, key)
            return
        severity = self._severity(firing)
        opened = open_incident(
            id=secrets.token_hex(6),
            route_path=path,
            group_labels=group.labels,
            alerts={a.fingerprint: a.labels for a in firing},
            severity=severity,
            policy=policy_name,
            now=now,
        )
        state = open_escalation(policy, opened.incident.severity, now)
        incident = replace(opened.incident, escalation=state.to_dict())
        number = await self.store.open(
            incident_to_row(incident),
            [alert_to_row(a) for a in incident.alerts.values()],
            [event_to_row(e) for e in opened.events],
        )
        if number is None:  # another server opened it in between: join it next time
            return
        incident = replace(incident, number=number, version=1)
        self._remember(incident)
        log.info("incident #%d opened: %s (%s)", number, incident.title, incident.severity)
        self._wake.set()

    async def _update(self, current: Incident, plan: FlushPlan, firing: list[Alert]) -> None:
        """A flush of an open incident's group: firing alerts join it (its severity only
        rises), resolved ones resolve in it, and when none fires any more it resolves and
        its escalation ends."""
        now = plan.now
        incident = current
        events: tuple[TimelineEvent, ...] = ()
        if firing:
            severity = self._severity(firing)
            joined = join(incident, {a.fingerprint: a.labels for a in firing}, severity, now)
            if isinstance(joined, Change):
                incident, events = joined.incident, joined.events
        gone = [fp for fp in plan.resolved if fp in current.alerts]
        if gone:
            resolved = alerts_resolved(incident, gone, now)
            if isinstance(resolved, Change):
                incident, events = resolved.incident, (*events, *resolved.events)
        if not events:
            return
        if not incident.open:
            state = resolve_escalation(EscalationState.from_dict(dict(incident.escalation)), now)
            incident = replace(incident, escalation=state.to_dict())
        await self._save(current, Change(incident, tuple(events)))

    async def _save(self, before: Incident, change: Change) -> Incident | None:
        saved = await self.store.save(
            incident_to_row(change.incident),
            [alert_to_row(a) for a in change.incident.alerts.values()],
            [event_to_row(e) for e in change.events],
            before.version,
        )
        if not saved:  # changed elsewhere: read it again
            row = await asyncio.to_thread(self.store.get, before.id)
            if row is not None:
                self._remember(incident_from_row(row, row.get("alerts", ())))
            return None
        stored = replace(change.incident, version=before.version + 1)
        self._remember(stored)
        return stored

    # -- the escalation loop -------------------------------------------------------------

    def _due(self) -> float | None:
        times = []
        for incident in self.open.values():
            if incident.escalation:
                due = next_due(EscalationState.from_dict(dict(incident.escalation)))
                if due is not None:
                    times.append(due)
        return min(times) if times else None

    async def run(self, max_wait: float = 0.5) -> None:
        while not self._stopping.is_set():
            if self.holds_lease():
                now = self.clock.now()
                due = self._due()
                if due is not None and due <= now:
                    try:
                        await self.step(now)
                    except Exception:  # the loop must go on; the next turn tries again
                        self.metrics.store_errors.inc()
                        log.exception("an escalation step failed; trying again")
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), max_wait)

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()

    async def step(self, now: float) -> None:
        """Tick every incident whose escalation is due at ``now``."""
        async with self._lock:
            for incident in list(self.open.values()):
                state_dict = incident.escalation
                if not state_dict:
                    continue
                state = EscalationState.from_dict(dict(state_dict))
                due = next_due(state)
                if due is None or due > now:
                    continue
                await self._tick(incident, state, now)

    def _person(self, name: str) -> Person | None:
        roster = self.roster()
        user = roster.users.get(name)
        if user is None:
            return None
        person = person_from_config(user, list(roster.teams.values()))
        usable = self.hooks.contact_types()
        contacts = tuple(c for c in person.contacts if c[1] in usable)
        return replace(person, contacts=contacts)

    def _resolve(self, kind: str, name: str, at: float) -> list[str]:
        try:
            return list(self.roster().users_on_call(kind, name, at))
        except Exception:  # an unknown name reaches nobody (config checks prevent it)
            return []

    def _team_receiver(self, team: str) -> str | None:
        found = self.roster().teams.get(team)
        return found.receiver if found is not None and found.receiver else None

    async def _tick(self, incident: Incident, state: EscalationState, now: float) -> None:
        policy = self._policy(incident.policy)
        if policy is None:
            return
        new_state, effects = tick(
            state,
            policy,
            now,
            self._resolve,
            self._person,
            team_receiver=self._team_receiver,
        )
        current = replace(incident, escalation=new_state.to_dict())
        events: list[Any] = []
        for effect in effects:
            change = self._record(current, effect, now)
            if change is not None:
                current, events = change.incident, [*events, *change.events]
        saved = await self._save(incident, Change(current, tuple(events)))
        if saved is None:
            return
        await self._send(saved, effects, now)

    def _record(self, incident: Incident, effect: Effect, now: float) -> Change | None:
        if isinstance(effect, Escalated):
            self.metrics.escalation_steps.inc()
            return record_escalation(
                incident, "escalated", {"level": effect.level, "step": effect.step}, now
            )
        if isinstance(effect, Gap):
            self.metrics.oncall_gaps.inc()
            return record_escalation(
                incident, "gap", {"level": effect.level, "step": effect.step}, now
            )
        if isinstance(effect, Unreachable):
            detail = {"user": effect.user, "reason": "no usable contact method"}
            return record_escalation(incident, "page_failed", detail, now)
        if isinstance(effect, Repeated):
            return record_escalation(incident, "escalated", {"repeat": effect.round}, now)
        if isinstance(effect, Exhausted):
            return record_escalation(incident, "escalated", {"exhausted": True}, now)
        if isinstance(effect, AckExpired):
            expired = ack_expired(incident, now)
            return expired if isinstance(expired, Change) else None
        return None

    def ack_url(self, incident: Incident, user: str, now: float) -> str:
        if self.signer is None:
            return ""
        token = self.signer.token(incident.id, user, now + ACK_LINK_TTL)
        return f"{self.external_url}/ack/{token}"

    async def _send(self, incident: Incident, effects: Sequence[Effect], now: float) -> None:
        pages: list[Delivery] = []
        # The alerts as the store holds them (annotations: summary, runbook), firing ones.
        alerts = [
            stored
            for a in incident.alerts.values()
            if a.firing and (stored := self.hooks.alert_of(a.fingerprint)) is not None
        ]
        roster = self.roster()
        for effect in effects:
            if isinstance(effect, Page):
                key = f"{incident.id}:{effect.key}"
                if not await self.store.record_page(incident.id, key, now):
                    continue  # recorded before a restart: never twice
                user = roster.users.get(effect.user)
                for i, address in enumerate(_addresses(user, effect.contact)):
                    target = PageTarget(
                        incident.id,
                        effect.user,
                        effect.contact,
                        address,
                        key,
                        self.ack_url(incident, effect.user, now),
                    )
                    pages.append(self._delivery(incident, target, alerts, i, now))
            elif isinstance(effect, NotifyTeam):
                key = f"{incident.id}:{effect.key}"
                if not await self.store.record_page(incident.id, key, now):
                    continue
                for kind, index in self.hooks.receiver_kinds(effect.receiver):
                    target = PageTarget(
                        incident.id,
                        f"team:{effect.team}",
                        kind,
                        "",
                        key,
                        self.ack_url(incident, f"team:{effect.team}", now),
                        receiver=effect.receiver,
                    )
                    pages.append(self._delivery(incident, target, alerts, index, now))
        if pages:
            await self.hooks.page(pages)

    def _delivery(
        self, incident: Incident, target: PageTarget, alerts: list[Alert], index: int, now: float
    ) -> Delivery:
        receiver = target.receiver or target.user
        return Delivery(
            NotifyKey(f"incident:{incident.id}", receiver, target.contact, index),
            f"incident:{incident.id}",
            dict(incident.group_labels),
            list(alerts),
            frozenset(),
            frozenset(),
            now,
            page=target,
        )

    async def on_page(self, delivery: Delivery, outcome: str, error: str) -> None:
        """A page ended: its outcome goes on the incident's timeline."""
        page = delivery.page
        if page is None:
            return
        await self.store.set_page_outcome(page.incident, page.key, outcome)
        kind = "paged" if outcome == "sent" else "page_failed"
        detail = {"user": page.user, "contact": page.contact, "outcome": outcome}
        if error:
            detail["error"] = error
        event = {"at": self.clock.now(), "kind": kind, "actor": "tocsin", "detail": detail}
        await self.store.append_events(page.incident, [event])

    # -- acknowledging and resolving -----------------------------------------------------

    async def acknowledge(
        self, ref: str, by: str, comment: str
    ) -> Incident | NotFound | InvalidTransition | CommentRequired | Conflict:
        async def apply(incident: Incident) -> Change | InvalidTransition | CommentRequired:
            now = self.clock.now()
            change = acknowledge(incident, by, comment, now)
            if not isinstance(change, Change):
                return change
            policy = self._policy(incident.policy)
            if policy is None or not incident.escalation:
                return change
            state = EscalationState.from_dict(dict(incident.escalation))
            acked = escalation_ack(state, policy, now, by, comment, incident.severity)
            if isinstance(acked, AckRefused):
                return CommentRequired("acknowledge")
            new_state, _ = acked
            return Change(replace(change.incident, escalation=new_state.to_dict()), change.events)

        async with self._lock:
            return await self._change(ref, apply)

    async def resolve(
        self, ref: str, by: str, comment: str
    ) -> Incident | NotFound | InvalidTransition | CommentRequired | Conflict:
        async def apply(incident: Incident) -> Change | InvalidTransition | CommentRequired:
            now = self.clock.now()
            change = resolve(incident, by, comment, now)
            if not isinstance(change, Change) or not incident.escalation:
                return change
            state = resolve_escalation(EscalationState.from_dict(dict(incident.escalation)), now)
            return Change(replace(change.incident, escalation=state.to_dict()), change.events)

        async with self._lock:
            return await self._change(ref, apply)

    async def ack_link(self, claim: AckClaim) -> tuple[int, str, str]:
        """``POST /ack/{token}``: acknowledge once, as the person paged."""
        if not await self.store.use_token(claim.nonce, self.clock.now(), claim.expires_at):
            return 409, "Already used", "This link was used already; it works once."
        result = await self.acknowledge(claim.incident, claim.user, "acknowledged by link")
        if isinstance(result, Incident):
            return 200, "Acknowledged", f"Incident #{result.number} {result.title} is acknowledged."
        message = getattr(result, "message", str(result))
        return 409, "Cannot acknowledge", str(message)

    async def describe(self, incident_id: str) -> str:
        row = await asyncio.to_thread(self.store.get, incident_id)
        if row is None:
            return incident_id
        return f"#{row['number']} {row['title']} ({row['severity']}, {row['status']})"


def _addresses(user: User | None, contact: str) -> list[str]:
    if user is None:
        return []
    return [m.address for m in user.contacts_for(contact) if m.address]
