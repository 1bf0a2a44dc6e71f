"""The on-call API: who is on call, a schedule's shifts, and iCalendar feeds.

``GET /api/tocsin/v1/oncall?schedule=S&at=T`` answers one object for ``schedule`` (a list
over every schedule without it); ``at`` defaults to now.
``GET /api/tocsin/v1/schedules/{name}/shifts?from=…&to=…`` lists the merged timeline
(``from`` defaults to now, ``to`` to seven days later; at most 366 days).
``GET /api/tocsin/v1/schedules/{name}.ics`` and ``/api/tocsin/v1/users/{name}.ics`` are
iCalendar feeds (default range: from 7 days ago to 90 days ahead).
The roster is ``ctx.extra["roster"]()``. An unknown name is a 404, a bad time a 400 that
names its parameter; both as ``{"code": …, "message": …}``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from tocsin.api._responses import json_response, swagger_error
from tocsin.api.context import ApiContext
from tocsin.model.times import TimeFormatError, parse_time
from tocsin.oncall import Roster, UnknownName, schedule_ical, user_ical

__all__ = ["get_oncall", "get_schedule_ical", "get_shifts", "get_user_ical"]

_DAY = 86400.0
MAX_RANGE_SECONDS = 366 * _DAY


class _BadRequest(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _roster(ctx: ApiContext) -> Roster | None:
    factory: Callable[[], Roster] | None = ctx.extra.get("roster")
    return None if factory is None else factory()


def _unavailable() -> Response:
    return swagger_error(503, 503, "on-call schedules are not available")


def _time(request: Request, name: str, default: float) -> float:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    try:
        when = parse_time(raw)
    except TimeFormatError:
        when = None
    if when is None:
        raise _BadRequest(f"{name}: {raw!r} is not an RFC 3339 time")
    return when


def _range(request: Request, before: float, after: float, now: float) -> tuple[float, float]:
    start = _time(request, "from", now - before)
    end = _time(request, "to", start + after + before)
    if end <= start:
        raise _BadRequest("to: must be after from")
    if end - start > MAX_RANGE_SECONDS:
        raise _BadRequest("to: the range is limited to 366 days")
    return start, end


async def get_oncall(request: Request, ctx: ApiContext) -> Response:
    roster = _roster(ctx)
    if roster is None:
        return _unavailable()
    try:
        at = _time(request, "at", ctx.clock.now())
    except _BadRequest as exc:
        return swagger_error(400, 400, exc.message)
    schedule = request.query_params.get("schedule")
    try:
        if schedule:
            return json_response(roster.who(schedule, at).as_json())
        return json_response([roster.who(name, at).as_json() for name in roster.schedules])
    except UnknownName as exc:
        return swagger_error(404, 404, str(exc))
    except (OverflowError, ValueError):
        return swagger_error(400, 400, "at: out of range")


async def get_shifts(request: Request, ctx: ApiContext) -> Response:
    roster = _roster(ctx)
    if roster is None:
        return _unavailable()
    name = request.path_params["name"]
    try:
        start, end = _range(request, 0.0, 7 * _DAY, ctx.clock.now())
        shifts: list[dict[str, Any]] = [s.as_json() for s in roster.shifts(name, start, end)]
    except _BadRequest as exc:
        return swagger_error(400, 400, exc.message)
    except UnknownName as exc:
        return swagger_error(404, 404, str(exc))
    except (OverflowError, ValueError):
        return swagger_error(400, 400, "from: out of range")
    return json_response(shifts)


def _calendar(body: bytes, name: str) -> Response:
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": f'inline; filename="{name}.ics"'},
    )


async def get_schedule_ical(request: Request, ctx: ApiContext) -> Response:
    roster = _roster(ctx)
    if roster is None:
        return _unavailable()
    name = request.path_params["name"]
    now = ctx.clock.now()
    try:
        start, end = _range(request, 7 * _DAY, 90 * _DAY, now)
        return _calendar(schedule_ical(roster, name, start, end, stamp=now), name)
    except _BadRequest as exc:
        return swagger_error(400, 400, exc.message)
    except UnknownName as exc:
        return swagger_error(404, 404, str(exc))
    except (OverflowError, ValueError):
        return swagger_error(400, 400, "from: out of range")


async def get_user_ical(request: Request, ctx: ApiContext) -> Response:
    roster = _roster(ctx)
    if roster is None:
        return _unavailable()
    name = request.path_params["name"]
    now = ctx.clock.now()
    try:
        start, end = _range(request, 7 * _DAY, 90 * _DAY, now)
        return _calendar(user_ical(roster, name, start, end, stamp=now), name)
    except _BadRequest as exc:
        return swagger_error(400, 400, exc.message)
    except UnknownName as exc:
        return swagger_error(404, 404, str(exc))
    except (OverflowError, ValueError):
        return swagger_error(400, 400, "from: out of range")
