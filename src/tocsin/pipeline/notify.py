"""Flushing a group: suppress, deduplicate against the notification log, plan deliveries.

``plan_flush`` is a pure function of the group's alerts, the muters, the receiver's
integrations, the notification log and ``now``; the runtime stores what it returns (the
outbox rows and log entries) before it sends anything. In Alertmanager's order:

1. every alert is read as of ``now`` (resolved when its end is not after ``now``);
2. suppression: inhibition, the route's active and mute time intervals, silences — muted
   alerts are left out of this notification but stay in the group;
3. per integration, the dedup stage (``needs_update``); with ``send_resolved: false``
   resolved alerts are not sent, and a notification left with nothing firing is only
   written to the log;
4. once every delivery of the flush succeeded, resolved alerts that were part of it leave
   the group (``FlushPlan.resolved``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from tocsin.config import Receiver
from tocsin.model import Alert
from tocsin.pipeline.groups import AggregationGroup
from tocsin.pipeline.muting import Muter
from tocsin.pipeline.nflog import NotificationLog, NotifyEntry, NotifyKey, needs_update

__all__ = [
    "Delivery",
    "FlushPlan",
    "Integration",
    "PageTarget",
    "plan_flush",
    "receiver_integrations",
]

NFLOG_RETENTION = 120 * 3600.0


@dataclass(frozen=True, slots=True)
class Integration:
    """One ``*_configs`` item of a receiver: its type, index and ``send_resolved``."""

    receiver: str
    kind: str  # "webhook", "log", …
    index: int
    send_resolved: bool
    config: Any = None


@dataclass(frozen=True, slots=True)
class PageTarget:
    """A page: one contact attempt to reach a person about an incident."""

    incident: str  # the incident's id
    user: str
    contact: str  # email, slack, sms or voice
    address: str  # the person's address for that contact
    key: str  # the escalation's key of this page (recorded once sent)
    ack_url: str = ""
    receiver: str = ""  # a team's channel: sent through this receiver's integration


@dataclass(slots=True)
class Delivery:
    """One notification to send to one integration: the outbox row's content."""

    key: NotifyKey
    group_id: str
    group_labels: dict[str, str]
    alerts: list[Alert]  # what is sent, as of ``now``
    firing: frozenset[str]  # what the log records once it is delivered
    resolved: frozenset[str]
    now: float
    id: int | None = None  # the outbox row id, once stored
    first_failed_at: float | None = None  # first failure of this key's notification
    fallback_for: NotifyKey | None = None  # a fallback's primary receiver
    page: PageTarget | None = None  # a page to a person, not a receiver's notification

    def entry(self, sent_at: float, extra: dict[str, Any] | None = None) -> NotifyEntry:
        return NotifyEntry(
            self.firing, self.resolved, sent_at, sent_at + NFLOG_RETENTION, extra or {}
        )


@dataclass(slots=True)
class FlushPlan:
    """What one flush decided."""

    group: AggregationGroup
    now: float
    deliveries: list[Delivery] = field(default_factory=list)
    logged: list[tuple[NotifyKey, NotifyEntry]] = field(default_factory=list)
    resolved: dict[str, float] = field(default_factory=dict)  # fingerprint -> endsAt
    muted: int = 0
    kept: list[Alert] = field(default_factory=list)  # the alerts no muter held back


def plan_flush(
    group: AggregationGroup,
    alerts: Sequence[Alert],
    integrations: Sequence[Integration],
    muters: Sequence[Muter],
    nflog: NotificationLog,
    now: float,
) -> FlushPlan:
    """Decide what a flush of ``group`` at ``now`` sends (see the module's docstring)."""
    plan = FlushPlan(group, now)
    plan.resolved = {a.fingerprint: a.ends_at for a in alerts if a.ends_at <= now}
    route = group.route
    # Muters whose answer depends on the route only (time intervals) are asked once.
    if any(m.mutes({}, route, now) is not None for m in muters if getattr(m, "per_route", False)):
        plan.muted = len(alerts)
        return plan
    per_alert = [m for m in muters if not getattr(m, "per_route", False)]
    kept: list[Alert] = []
    for alert in alerts:
        labels = alert.labels
        for muter in per_alert:
            if muter.mutes(labels, route, now) is not None:
                plan.muted += 1
                break
        else:
            kept.append(alert)
    if not kept:
        return plan
    plan.kept = kept
    firing = frozenset(a.fingerprint for a in kept if a.ends_at > now)
    resolved = frozenset(a.fingerprint for a in kept if a.ends_at <= now)
    for integration in integrations:
        key = NotifyKey(group.key, integration.receiver, integration.kind, integration.index)
        entry = nflog.get(key)
        if not needs_update(
            entry, firing, resolved, integration.send_resolved, route.repeat_interval, now
        ):
            continue
        if integration.send_resolved:
            sent = kept
        elif firing:
            sent = [a for a in kept if a.ends_at > now]
        else:  # only resolved alerts, which this integration does not send: log them
            plan.logged.append(
                (key, NotifyEntry(firing, resolved, now, now + NFLOG_RETENTION, _extra(entry)))
            )
            continue
        plan.deliveries.append(
            Delivery(key, group.id, dict(group.labels), list(sent), firing, resolved, now)
        )
    return plan


def _extra(entry: NotifyEntry | None) -> dict[str, Any]:
    return dict(entry.extra) if entry is not None else {}


def receiver_integrations(receivers: Sequence[Receiver]) -> dict[str, list[Integration]]:
    """Each receiver's integrations, indexed per type as Alertmanager's notification log is."""
    out: dict[str, list[Integration]] = {}
    for receiver in receivers:
        counts: dict[str, int] = {}
        items = out.setdefault(receiver.name, [])
        for type_key, config in receiver.integrations():
            kind = type_key.removesuffix("_configs")
            index = counts.get(kind, 0)
            counts[kind] = index + 1
            items.append(Integration(receiver.name, kind, index, config.send_resolved, config))
    return out
