"""The incident record: what an incident is, its alerts, and the events of its timeline.

An incident is opened when an aggregation group of a route with an escalation policy
flushes. It is keyed by the route's path and the group's labels, so a later flush of the
same group joins it while it is open; once resolved it stays resolved, and the group firing
again opens a new incident. Records are immutable: the lifecycle functions return new ones.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from tocsin.model.goquote import go_quote

__all__ = [
    "ALERT_FIRING",
    "ALERT_RESOLVED",
    "EVENT_KINDS",
    "SEVERITIES",
    "STATUSES",
    "Change",
    "EventKind",
    "Incident",
    "IncidentAlert",
    "Status",
    "TimelineEvent",
    "highest_severity",
    "incident_key",
    "incident_title",
]

Status = Literal["triggered", "acknowledged", "resolved"]
STATUSES: Final[tuple[Status, ...]] = ("triggered", "acknowledged", "resolved")
SEVERITIES: Final[tuple[str, ...]] = ("P0", "P1", "P2", "P3")  # P0 is the highest
ALERT_FIRING: Final = "firing"
ALERT_RESOLVED: Final = "resolved"

EventKind = Literal[
    "opened",
    "alert_fired",
    "alert_resolved",
    "escalated",
    "paged",
    "page_failed",
    "gap",
    "acknowledged",
    "ack_expired",
    "resolved",
    "comment",
]
EVENT_KINDS: Final[tuple[str, ...]] = (
    "opened",
    "alert_fired",
    "alert_resolved",
    "escalated",
    "paged",
    "page_failed",
    "gap",
    "acknowledged",
    "ack_expired",
    "resolved",
    "comment",
)


@dataclass(frozen=True, slots=True)
class IncidentAlert:
    """One alert of an incident: its labels, whether it fires, and when it was first seen."""

    fingerprint: str
    labels: Mapping[str, str]
    status: str  # "firing" or "resolved"
    first_seen: float
    resolved_at: float | None = None

    @property
    def firing(self) -> bool:
        return self.status == ALERT_FIRING


@dataclass(frozen=True, slots=True)
class TimelineEvent:
    """One line of an incident's timeline. ``actor`` is a user's name, ``"alerts"`` for
    what the alerts did, or ``"tocsin"`` for what the escalation did; ``detail`` holds the
    kind's facts (``level``/``step``, ``user``/``contact``/``outcome``, ``comment``…)."""

    at: float
    kind: str
    actor: str = "tocsin"
    detail: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Incident:
    """One incident. ``escalation`` is the escalation engine's state, kept with the incident
    and never read here; ``version`` counts stored changes (optimistic updates)."""

    id: str
    number: int
    key: str
    route_path: str
    group_labels: Mapping[str, str]
    title: str
    severity: str
    status: Status
    policy: str
    opened_at: float
    alerts: Mapping[str, IncidentAlert] = field(default_factory=dict)
    acknowledged_at: float | None = None
    acknowledged_by: str | None = None
    resolved_at: float | None = None
    resolved_by: str | None = None
    escalation: Mapping[str, Any] = field(default_factory=dict)
    version: int = 0

    @property
    def open(self) -> bool:
        return self.status != "resolved"

    def firing_alerts(self) -> list[IncidentAlert]:
        return [a for a in self.alerts.values() if a.firing]


@dataclass(frozen=True, slots=True)
class Change:
    """An accepted transition: the incident as it now is, and the events to append."""

    incident: Incident
    events: tuple[TimelineEvent, ...]


def incident_key(route_path: str, group_labels: Mapping[str, str]) -> str:
    """``route_path:{name="value", …}``: the identity of the group an incident belongs to."""
    pairs = sorted(f"{name}={go_quote(value)}" for name, value in group_labels.items())
    return f"{route_path}:{{{', '.join(pairs)}}}"


def highest_severity(*levels: str) -> str:
    """The highest of ``levels`` (``P0`` is highest); anything unknown counts as ``P3``."""
    known = [lv for lv in levels if lv in SEVERITIES] or ["P3"]
    return min(known, key=SEVERITIES.index)


def _common(values: list[str]) -> str:
    return values[0] if values and all(v == values[0] for v in values) else ""


def incident_title(
    group_labels: Mapping[str, str], alert_labels: Sequence[Mapping[str, str]]
) -> str:
    """``"HighLatency on api"``: the alertname, and the ``service`` its alerts share."""
    name = group_labels.get("alertname") or _common([a.get("alertname", "") for a in alert_labels])
    service = group_labels.get("service") or _common([a.get("service", "") for a in alert_labels])
    if not name:
        names = sorted({a.get("alertname", "") for a in alert_labels} - {""})
        name = f"{names[0]} and {len(names) - 1} more" if len(names) > 1 else "Incident"
    return f"{name} on {service}" if service else name
