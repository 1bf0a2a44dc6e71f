"""``GET /api/tocsin/v1/deliveries``: the delivery log, newest first.

Query parameters (all optional): ``receiver``, ``integration`` (``slack``, ``email``…),
``outcome`` (``sent``, ``retry``, ``failed``, ``summarised``; repeat it or separate by
commas), ``group_key``, ``idempotency_key`` (also finds the notifications a message
carried), ``since`` / ``until`` (RFC 3339), ``before`` (a row id, to page back) and
``limit`` (1–1000, default 100). The answer is ``{"deliveries": [...], "next": id}``
where ``next`` is the ``before`` of the following page, or null.
"""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.responses import Response

from tocsin.api._responses import json_response
from tocsin.api.context import ApiContext
from tocsin.model.times import format_millis, parse_time
from tocsin.store import DeliveryQuery

__all__ = ["OUTCOMES", "get_deliveries"]

OUTCOMES = ("sent", "retry", "failed", "summarised")


def _error(message: str) -> Response:
    return json_response({"error": message}, 400)


async def get_deliveries(request: Request, ctx: ApiContext) -> Response:
    if ctx.delivery_log is None:
        return json_response({"error": "the delivery log is not available yet"}, 503)
    params = request.query_params
    outcomes: list[str] = []
    for value in params.getlist("outcome"):
        outcomes += [v.strip() for v in value.split(",") if v.strip()]
    unknown = [o for o in outcomes if o not in OUTCOMES]
    if unknown:
        return _error(f"unknown outcome {unknown[0]!r}; one of {', '.join(OUTCOMES)}")
    times: dict[str, float | None] = {}
    for name in ("since", "until"):
        raw = params.get(name)
        times[name] = None
        if raw:
            try:
                when = parse_time(raw)
            except ValueError:
                when = None
            if when is None:
                return _error(f"{name}: {raw!r} is not an RFC 3339 time")
            times[name] = when
    numbers: dict[str, int | None] = {"limit": 100, "before": None}
    for name in numbers:
        text = params.get(name)
        if text is None or text == "":
            continue
        try:
            numbers[name] = int(text)
        except ValueError:
            return _error(f"{name}: {text!r} is not a whole number")
    limit = numbers["limit"] or 0
    if not 1 <= limit <= 1000:
        return _error("limit: must be between 1 and 1000")
    query = DeliveryQuery(
        receiver=params.get("receiver", ""),
        integration=params.get("integration", ""),
        outcome=tuple(outcomes),
        group_key=params.get("group_key", ""),
        idempotency_key=params.get("idempotency_key", ""),
        since=times["since"],
        until=times["until"],
        before_id=numbers["before"],
        limit=limit,
    )
    rows = await asyncio.to_thread(ctx.delivery_log, query)
    items = [
        {
            "id": r["id"],
            "at": format_millis(r["at"]),
            "receiver": r["receiver"],
            "integration": r["integration"],
            "index": r["idx"],
            "group_key": r["group_key"],
            "target": r["target"],
            "attempt": r["attempt"],
            "outcome": r["outcome"],
            "status_code": r["status"],
            "latency_ms": r["latency_ms"],
            "error": r["error"],
            "idempotency_key": r["idempotency_key"],
            "carried_by": r["carried_by"] or None,
            "fallback_for": r["fallback_for"] or None,
            "alerts": r["alerts"],
        }
        for r in rows
    ]
    following = items[-1]["id"] if len(items) == limit else None
    return json_response({"deliveries": items, "next": following})
