"""Incidents as plain dictionaries, the form in which the store keeps them.

The store knows no incident type: it takes and gives rows (``dict``) whose JSON-able
values it encodes itself. These functions are the one place that maps between the two.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, cast

from tocsin.incidents.record import STATUSES, Incident, IncidentAlert, Status, TimelineEvent

__all__ = [
    "alert_from_row",
    "alert_to_row",
    "event_from_row",
    "event_to_row",
    "incident_from_row",
    "incident_to_row",
]


def incident_to_row(incident: Incident) -> dict[str, Any]:
    """The ``incidents`` row of ``incident`` (its alerts go to :func:`alert_to_row`)."""
    return {
        "id": incident.id,
        "number": incident.number,
        "key": incident.key,
        "route_path": incident.route_path,
        "group_labels": dict(incident.group_labels),
        "title": incident.title,
        "severity": incident.severity,
        "status": incident.status,
        "policy": incident.policy,
        "opened_at": incident.opened_at,
        "acknowledged_at": incident.acknowledged_at,
        "acknowledged_by": incident.acknowledged_by,
        "resolved_at": incident.resolved_at,
        "resolved_by": incident.resolved_by,
        "escalation": dict(incident.escalation),
        "version": incident.version,
    }


def _status(value: Any) -> Status:
    if value not in STATUSES:
        raise ValueError(f"unknown incident status {value!r}")
    return cast(Status, value)


def incident_from_row(row: Mapping[str, Any], alerts: Iterable[Mapping[str, Any]] = ()) -> Incident:
    """The incident of a stored row and its alert rows."""
    held = [alert_from_row(a) for a in alerts]
    return Incident(
        id=str(row["id"]),
        number=int(row["number"]),
        key=str(row["key"]),
        route_path=str(row["route_path"]),
        group_labels=dict(row["group_labels"]),
        title=str(row["title"]),
        severity=str(row["severity"]),
        status=_status(row["status"]),
        policy=str(row["policy"]),
        opened_at=float(row["opened_at"]),
        alerts={a.fingerprint: a for a in held},
        acknowledged_at=row.get("acknowledged_at"),
        acknowledged_by=row.get("acknowledged_by"),
        resolved_at=row.get("resolved_at"),
        resolved_by=row.get("resolved_by"),
        escalation=dict(row.get("escalation") or {}),
        version=int(row.get("version", 0)),
    )


def alert_to_row(alert: IncidentAlert) -> dict[str, Any]:
    return {
        "fingerprint": alert.fingerprint,
        "labels": dict(alert.labels),
        "status": alert.status,
        "first_seen": alert.first_seen,
        "resolved_at": alert.resolved_at,
    }


def alert_from_row(row: Mapping[str, Any]) -> IncidentAlert:
    return IncidentAlert(
        fingerprint=str(row["fingerprint"]),
        labels=dict(row["labels"]),
        status=str(row["status"]),
        first_seen=float(row["first_seen"]),
        resolved_at=row.get("resolved_at"),
    )


def event_to_row(event: TimelineEvent) -> dict[str, Any]:
    return {"at": event.at, "kind": event.kind, "actor": event.actor, "detail": dict(event.detail)}


def event_from_row(row: Mapping[str, Any]) -> TimelineEvent:
    return TimelineEvent(
        at=float(row["at"]),
        kind=str(row["kind"]),
        actor=str(row["actor"]),
        detail=dict(row.get("detail") or {}),
    )
