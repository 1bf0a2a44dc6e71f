"""The incident lifecycle: one transition table and the pure functions that apply it.

::

    triggered ──acknowledge──► acknowledged ──resolve / alerts_resolved──► resolved
        ▲                          │  ▲
        └────────ack_expired───────┘  └─ acknowledge (again: renews the acknowledgement)
    triggered ──resolve / alerts_resolved──► resolved

Every function takes the incident and ``now`` and returns a :class:`Change` (the new
incident and the events to append to its timeline) or a refusal value; nothing here reads a
clock, a store or a random source. A resolved incident is final: alerts of its group that
fire again open a new incident.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any, Final

from tocsin.incidents.errors import CommentRequired, InvalidTransition
from tocsin.incidents.record import (
    ALERT_FIRING,
    ALERT_RESOLVED,
    Change,
    Incident,
    IncidentAlert,
    Status,
    TimelineEvent,
    highest_severity,
    incident_key,
    incident_title,
)

__all__ = [
    "ESCALATION_EVENT_KINDS",
    "TRANSITIONS",
    "ack_expired",
    "acknowledge",
    "add_comment",
    "alerts_resolved",
    "join",
    "open_incident",
    "record_escalation",
    "resolve",
]

TRANSITIONS: Final[Mapping[str, Mapping[Status, Status]]] = {
    "join": {"triggered": "triggered", "acknowledged": "acknowledged"},
    "acknowledge": {"triggered": "acknowledged", "acknowledged": "acknowledged"},
    "ack_expired": {"acknowledged": "triggered"},
    "resolve": {"triggered": "resolved", "acknowledged": "resolved"},
    "alerts_resolved": {"triggered": "resolved", "acknowledged": "resolved"},
}
"""transition → {status it may start from → status it leads to}."""

ESCALATION_EVENT_KINDS: Final = ("escalated", "paged", "page_failed", "gap")
ALERTS_ACTOR: Final = "alerts"


def _target(incident: Incident, transition: str) -> Status | InvalidTransition:
    target = TRANSITIONS[transition].get(incident.status)
    if target is None:
        return InvalidTransition(incident.id, transition, incident.status)
    return target


def _fired(fingerprint: str, labels: Mapping[str, str], now: float, **extra: Any) -> TimelineEvent:
    detail: dict[str, Any] = {"fingerprint": fingerprint, "labels": dict(labels), **extra}
    return TimelineEvent(now, "alert_fired", ALERTS_ACTOR, detail)


def open_incident(
    *,
    id: str,
    route_path: str,
    group_labels: Mapping[str, str],
    alerts: Mapping[str, Mapping[str, str]],
    severity: str,
    policy: str,
    now: float,
    number: int = 0,
) -> Change:
    """A new incident for a flush of the group ``group_labels`` of route ``route_path``.

    ``alerts`` maps the fingerprints of the group's firing alerts to their labels;
    ``severity`` is the highest of theirs. ``id`` is 12 hexadecimal characters chosen by
    the caller; ``number`` is given by the store when it keeps the incident (0 until then).
    """
    title = incident_title(group_labels, list(alerts.values()))
    incident = Incident(
        id=id,
        number=number,
        key=incident_key(route_path, group_labels),
        route_path=route_path,
        group_labels=dict(group_labels),
        title=title,
        severity=highest_severity(severity),
        status="triggered",
        policy=policy,
        opened_at=now,
        alerts={
            fp: IncidentAlert(fp, dict(labels), ALERT_FIRING, now) for fp, labels in alerts.items()
        },
    )
    events = [
        TimelineEvent(
            now,
            "opened",
            ALERTS_ACTOR,
            {"title": title, "severity": incident.severity, "policy": policy},
        )
    ]
    events += [_fired(fp, labels, now) for fp, labels in sorted(alerts.items())]
    return Change(incident, tuple(events))


def join(
    incident: Incident, alerts: Mapping[str, Mapping[str, str]], severity: str, now: float
) -> Change | InvalidTransition:
    """Firing alerts of the incident's group flushed again: new ones join, resolved ones
    fire again, and the severity rises to the highest seen (it never falls)."""
    target = _target(incident, "join")
    if isinstance(target, InvalidTransition):
        return target
    raised = highest_severity(incident.severity, severity)
    merged = dict(incident.alerts)
    events: list[TimelineEvent] = []
    for fp, labels in sorted(alerts.items()):
        known = merged.get(fp)
        if known is not None and known.firing:
            continue
        first_seen = now if known is None else known.first_seen
        merged[fp] = IncidentAlert(fp, dict(labels), ALERT_FIRING, first_seen)
        extra: dict[str, Any] = {} if known is None else {"again": True}
        events.append(_fired(fp, labels, now, **extra))
    if raised != incident.severity and events:
        events[-1] = replace(
            events[-1], detail={**events[-1].detail, "severity": raised, "was": incident.severity}
        )
    elif raised != incident.severity:
        events.append(
            TimelineEvent(
                now, "alert_fired", ALERTS_ACTOR, {"severity": raised, "was": incident.severity}
            )
        )
    return Change(replace(incident, alerts=merged, severity=raised), tuple(events))


def alerts_resolved(
    incident: Incident, fingerprints: list[str] | tuple[str, ...] | set[str], now: float
) -> Change | InvalidTransition:
    """Alerts of the incident resolved; when none fires any more, the incident is resolved
    by ``"alerts"``. Fingerprints the incident does not hold are ignored."""
    target = _target(incident, "alerts_resolved")
    if isinstance(target, InvalidTransition):
        return target
    merged = dict(incident.alerts)
    events: list[TimelineEvent] = []
    for fp in sorted(set(fingerprints)):
        known = merged.get(fp)
        if known is None or not known.firing:
            continue
        merged[fp] = replace(known, status=ALERT_RESOLVED, resolved_at=now)
        events.append(
            TimelineEvent(
                now,
                "alert_resolved",
                ALERTS_ACTOR,
                {"fingerprint": fp, "labels": dict(known.labels)},
            )
        )
    updated = replace(incident, alerts=merged)
    if events and not any(a.firing for a in merged.values()):
        updated = replace(updated, status=target, resolved_at=now, resolved_by=ALERTS_ACTOR)
        events.append(TimelineEvent(now, "resolved", ALERTS_ACTOR, {"by": ALERTS_ACTOR}))
    return Change(updated, tuple(events))


def acknowledge(
    incident: Incident, by: str, comment: str, now: float
) -> Change | InvalidTransition:
    """``by`` acknowledges: escalation stops until the acknowledgement expires. Acknowledging
    an acknowledged incident renews the acknowledgement."""
    target = _target(incident, "acknowledge")
    if isinstance(target, InvalidTransition):
        return target
    detail: dict[str, Any] = {"comment": comment} if comment else {}
    if incident.status == "acknowledged":
        detail["renewed"] = True
    updated = replace(incident, status=target, acknowledged_at=now, acknowledged_by=by)
    return Change(updated, (TimelineEvent(now, "acknowledged", by, detail),))


def ack_expired(incident: Incident, now: float) -> Change | InvalidTransition:
    """The acknowledgement ran out: the incident is triggered again and escalation resumes."""
    target = _target(incident, "ack_expired")
    if isinstance(target, InvalidTransition):
        return target
    event = TimelineEvent(
        now,
        "ack_expired",
        "tocsin",
        {"acknowledged_by": incident.acknowledged_by, "acknowledged_at": incident.acknowledged_at},
    )
    updated = replace(incident, status=target, acknowledged_at=None, acknowledged_by=None)
    return Change(updated, (event,))


def resolve(
    incident: Incident, by: str, comment: str, now: float, *, require_comment: bool = False
) -> Change | InvalidTransition | CommentRequired:
    """``by`` resolves the incident, whatever its alerts do; it is never reopened."""
    target = _target(incident, "resolve")
    if isinstance(target, InvalidTransition):
        return target
    if require_comment and not comment.strip():
        return CommentRequired("resolve")
    detail: dict[str, Any] = {"by": by}
    if comment:
        detail["comment"] = comment
    updated = replace(incident, status=target, resolved_at=now, resolved_by=by)
    return Change(updated, (TimelineEvent(now, "resolved", by, detail),))


def add_comment(incident: Incident, by: str, text: str, now: float) -> Change:
    """A comment on the timeline, in any status (also after the incident is resolved)."""
    return Change(incident, (TimelineEvent(now, "comment", by, {"comment": text}),))


def record_escalation(
    incident: Incident,
    kind: str,
    detail: Mapping[str, Any],
    now: float,
    escalation: Mapping[str, Any] | None = None,
) -> Change:
    """What the escalation did (``escalated``, ``paged``, ``page_failed``, ``gap``), with
    the engine's new state when it changed. Raises ``ValueError`` for another kind: that is
    a programming error, not a refusal."""
    if kind not in ESCALATION_EVENT_KINDS:
        raise ValueError(f"{kind!r} is not an escalation event; one of {ESCALATION_EVENT_KINDS}")
    updated = incident if escalation is None else replace(incident, escalation=dict(escalation))
    return Change(updated, (TimelineEvent(now, kind, "tocsin", dict(detail)),))
