"""``/api/tocsin/v1/incidents``: list, show, acknowledge and resolve incidents.

The handlers ask the runtime's :class:`tocsin.incidents.IncidentService`
(``ctx.extra["incidents"]``) and map its refusals: not found → 404, a transition the
status does not allow → 409, a missing required comment → 422. A bad parameter or body is
a 400 whose message names the field. Errors are ``{"error": "…"}``.

``{id}`` is an incident's 12-character id or its number.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import orjson
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.requests import Request
from starlette.responses import Response

from tocsin.api._responses import json_response
from tocsin.api.context import ApiContext
from tocsin.incidents import (
    SEVERITIES,
    STATUSES,
    CommentRequired,
    Conflict,
    Incident,
    IncidentDetail,
    IncidentFilter,
    IncidentService,
    Invalid,
    InvalidTransition,
    NotFound,
    TimelineEvent,
)
from tocsin.model.times import TimeFormatError, format_millis, parse_time

__all__ = [
    "INCIDENT_ROUTES",
    "acknowledge_incident",
    "error",
    "get_incident",
    "incident_json",
    "list_incidents",
    "parse_body",
    "refusal_response",
    "resolve_incident",
]

M = TypeVar("M", bound=BaseModel)
Refused = NotFound | InvalidTransition | Conflict | CommentRequired | Invalid
_STATUS_OF = {
    NotFound: 404,
    InvalidTransition: 409,
    Conflict: 409,
    CommentRequired: 422,
    Invalid: 422,
}


def error(status: int, message: str) -> Response:
    return json_response({"error": message}, status)


def refusal_response(refusal: Refused) -> Response:
    """The answer for a service's refusal."""
    return error(_STATUS_OF[type(refusal)], refusal.message)


def _time(value: float | None) -> str | None:
    return None if value is None else format_millis(value)


def incident_json(incident: Incident) -> dict[str, Any]:
    """An incident as the API shows it, without its alerts and timeline."""
    firing = sum(1 for a in incident.alerts.values() if a.firing)
    return {
        "id": incident.id,
        "number": incident.number,
        "title": incident.title,
        "status": incident.status,
        "severity": incident.severity,
        "policy": incident.policy,
        "route_path": incident.route_path,
        "group_labels": dict(incident.group_labels),
        "opened_at": _time(incident.opened_at),
        "acknowledged_at": _time(incident.acknowledged_at),
        "acknowledged_by": incident.acknowledged_by,
        "resolved_at": _time(incident.resolved_at),
        "resolved_by": incident.resolved_by,
        "alerts_firing": firing,
        "alerts_total": len(incident.alerts),
    }


def _event_json(event: TimelineEvent) -> dict[str, Any]:
    return {
        "at": format_millis(event.at),
        "kind": event.kind,
        "actor": event.actor,
        "detail": dict(event.detail),
    }


def _detail_json(detail: IncidentDetail) -> dict[str, Any]:
    incident = detail.incident
    out = incident_json(incident)
    out["key"] = incident.key
    out["alerts"] = [
        {
            "fingerprint": a.fingerprint,
            "labels": dict(a.labels),
            "status": a.status,
            "first_seen": format_millis(a.first_seen),
            "resolved_at": _time(a.resolved_at),
        }
        for a in sorted(incident.alerts.values(), key=lambda a: (a.first_seen, a.fingerprint))
    ]
    out["timeline"] = [_event_json(e) for e in detail.timeline]
    return out


def _service(ctx: ApiContext) -> IncidentService | None:
    service: IncidentService | None = ctx.extra.get("incidents")
    return service


def _unavailable() -> Response:
    return error(503, "incidents are not available yet")


def _split(values: list[str]) -> list[str]:
    out: list[str] = []
    for value in values:
        out += [v.strip() for v in value.split(",") if v.strip()]
    return out


def _parse_filters(request: Request) -> IncidentFilter | Response:
    params = request.query_params
    statuses = _split(params.getlist("status"))
    for status in statuses:
        if status not in STATUSES:
            return error(400, f"status: unknown status {status!r}; one of {', '.join(STATUSES)}")
    severities = [s.upper() for s in _split(params.getlist("severity"))]
    for severity in severities:
        if severity not in SEVERITIES:
            return error(400, f"severity: unknown severity {severity!r}; one of P0, P1, P2, P3")
    since: float | None = None
    raw = params.get("since")
    if raw:
        try:
            since = parse_time(raw)
        except TimeFormatError:
            since = None
        if since is None:
            return error(400, f"since: {raw!r} is not an RFC 3339 time")
    limit = 100
    text = params.get("limit")
    if text:
        try:
            limit = int(text)
        except ValueError:
            return error(400, f"limit: {text!r} is not a whole number")
        if not 1 <= limit <= 1000:
            return error(400, "limit: must be between 1 and 1000")
    return IncidentFilter(tuple(statuses), tuple(severities), since, limit)


async def list_incidents(request: Request, ctx: ApiContext) -> Response:
    """``GET /api/tocsin/v1/incidents``: newest first, filtered by ``status``,
    ``severity`` (both repeatable or comma-separated), ``since`` and ``limit``."""
    service = _service(ctx)
    if service is None:
        return _unavailable()
    filters = _parse_filters(request)
    if isinstance(filters, Response):
        return filters
    found = await service.list(filters)
    return json_response({"incidents": [incident_json(i) for i in found]})


def _ref(request: Request) -> str:
    return str(request.path_params.get("id", ""))


async def get_incident(request: Request, ctx: ApiContext) -> Response:
    """``GET /api/tocsin/v1/incidents/{id}``: the incident, its alerts and its timeline."""
    service = _service(ctx)
    if service is None:
        return _unavailable()
    found = await service.get(_ref(request))
    if isinstance(found, NotFound):
        return refusal_response(found)
    return json_response(_detail_json(found))


class _ByBody(BaseModel):
    """``{"by": "alice", "comment": "…"}``."""

    model_config = ConfigDict(extra="forbid", strict=True)

    by: str = Field(min_length=1, max_length=200)
    comment: str = Field(default="", max_length=10_000)


def _field_message(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first["loc"])
    message = str(first["msg"])
    if first["type"] == "extra_forbidden":
        message = "unknown field"
    elif first["type"] == "missing":
        message = "required"
    elif first["type"] == "value_error" and "error" in first.get("ctx", {}):
        message = str(first["ctx"]["error"])
    if not where:  # a check of the whole body: its message names the field
        return message
    return f"{where}: {message}"


async def parse_body(request: Request, model: type[M]) -> M | Response:
    """The request's JSON body as ``model``, or a 400 naming the field."""
    raw = await request.body()
    try:
        data = orjson.loads(raw) if raw.strip() else None
    except orjson.JSONDecodeError:
        return error(400, "body: not valid JSON")
    if not isinstance(data, dict):
        return error(400, "body: expected a JSON object")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        return error(400, _field_message(exc))


async def _transition(
    request: Request,
    ctx: ApiContext,
    act: Callable[[IncidentService, str, _ByBody], Awaitable[Incident | Refused]],
) -> Response:
    service = _service(ctx)
    if service is None:
        return _unavailable()
    body = await parse_body(request, _ByBody)
    if isinstance(body, Response):
        return body
    result = await act(service, _ref(request), body)
    if not isinstance(result, Incident):
        return refusal_response(result)
    return json_response(incident_json(result))


async def acknowledge_incident(request: Request, ctx: ApiContext) -> Response:
    """``POST /api/tocsin/v1/incidents/{id}/ack`` with ``{"by": …, "comment": …}``."""

    async def act(service: IncidentService, ref: str, body: _ByBody) -> Incident | Refused:
        return await service.acknowledge(ref, body.by, body.comment)

    return await _transition(request, ctx, act)


async def resolve_incident(request: Request, ctx: ApiContext) -> Response:
    """``POST /api/tocsin/v1/incidents/{id}/resolve`` with ``{"by": …, "comment": …}``."""

    async def act(service: IncidentService, ref: str, body: _ByBody) -> Incident | Refused:
        return await service.resolve(ref, body.by, body.comment)

    return await _transition(request, ctx, act)


Handler = Callable[[Request, ApiContext], Awaitable[Response]]

INCIDENT_ROUTES: tuple[tuple[str, Handler, tuple[str, ...]], ...] = (
    ("/api/tocsin/v1/incidents", list_incidents, ("GET",)),
    ("/api/tocsin/v1/incidents/{id}", get_incident, ("GET",)),
    ("/api/tocsin/v1/incidents/{id}/ack", acknowledge_incident, ("POST",)),
    ("/api/tocsin/v1/incidents/{id}/resolve", resolve_incident, ("POST",)),
)
"""(path, handler, methods) of every route of this module, for ``create_app``."""
