"""``/api/v2/alerts``: posting alerts (the hot path) and listing them."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from tocsin.api._responses import json_response, swagger_error, text_error
from tocsin.api.context import ApiContext
from tocsin.intake import IntakeRejected, decode_postable_alerts
from tocsin.model import (
    Alert,
    Matcher,
    MatcherError,
    compile_matcher_regex,
    matchers_match,
    parse_matcher,
)
from tocsin.model.times import format_millis
from tocsin.pipeline import InhibitionIndex
from tocsin.store import StoreError

__all__ = [
    "AlertStatus",
    "accept_alerts",
    "alert_filters",
    "bad_media_type",
    "get_alerts",
    "not_ready",
    "post_alerts",
    "post_alerts_asgi",
    "query_bool",
    "receiver_filter",
    "state_filter",
]

# go-openapi's swag.ConvertBool: these (any case) are true, anything else false.
_TRUE = frozenset({"true", "1", "yes", "ok", "y", "on", "selected", "checked", "t", "enabled"})


_NOT_READY_MESSAGE = "tocsin is starting: stored state is not loaded yet"
_NOT_READY = orjson.dumps({"code": 503, "message": _NOT_READY_MESSAGE})


def not_ready() -> Response:
    return swagger_error(503, 503, _NOT_READY_MESSAGE)


def query_bool(request: Request, name: str, default: bool = True) -> bool:
    """A boolean query parameter read as Alertmanager's API framework reads it."""
    value = request.query_params.get(name)
    if not value:  # absent or empty: the default
        return default
    return value.lower() in _TRUE


def bad_media_type(content_type: str) -> str | None:
    """The refused media type, or ``None`` when the body may be read as JSON."""
    media = content_type.split(";", 1)[0].strip().lower()
    if media == "application/json":
        return None
    return media or "application/octet-stream"


async def accept_alerts(
    ctx: ApiContext, content_type: str, body: bytes
) -> tuple[int, bytes, str | None]:
    """Validate, merge and commit a batch of alerts: (status, body, content type).

    The answer is 200 only once the accepted alerts are durable.
    """
    if not ctx.ready or ctx.alerts is None:
        return 503, _NOT_READY, "application/json"
    bad_media = bad_media_type(content_type)
    if bad_media is not None:
        message = f'unsupported media type "{bad_media}", only [application/json] are allowed'
        return 415, orjson.dumps({"code": 415, "message": message}), "application/json"
    started = time.perf_counter()
    now = ctx.clock.now()
    metrics = ctx.metrics
    try:
        batch = decode_postable_alerts(body, now, ctx.config.resolve_timeout)
    except IntakeRejected as exc:
        return exc.status, exc.body, "application/json"
    firing = sum(1 for a in batch.alerts if a.ends_at > now)
    metrics.alerts_received.labels("firing").inc(firing)
    metrics.alerts_received.labels("resolved").inc(len(batch.alerts) - firing)
    if batch.errors:
        metrics.alerts_invalid.inc(len(batch.errors))
    if batch.alerts:
        try:
            result = await ctx.alerts.put(batch.alerts, now)
        except StoreError as exc:
            metrics.store_errors.inc()
            return 500, orjson.dumps(f"failed to store alerts: {exc}") + b"\n", "application/json"
        metrics.alerts_written.inc(result.written)
        metrics.alerts_refreshed.inc(result.refreshed)
        if ctx.on_alerts is not None:
            ctx.on_alerts(result.changed, result.refreshed_fingerprints, now)
    metrics.intake_latency.observe(time.perf_counter() - started)
    if batch.errors:
        return 400, orjson.dumps(batch.error_message) + b"\n", "application/json"
    return 200, b"", None


async def post_alerts(request: Request, ctx: ApiContext) -> Response:
    """``POST /api/v2/alerts`` through Starlette (the server takes the raw fast path)."""
    status, body, media_type = await accept_alerts(
        ctx, request.headers.get("content-type", ""), await request.body()
    )
    return Response(body, status_code=status, media_type=media_type)


async def post_alerts_asgi(scope: Scope, receive: Receive, send: Send, ctx: ApiContext) -> None:
    """``POST /api/v2/alerts`` as a raw ASGI handler: no routing, middleware or objects.

    This is the ingest hot path; its answers are exactly those of ``post_alerts``.
    """
    content_type = ""
    for name, value in scope["headers"]:
        if name == b"content-type":
            content_type = value.decode("latin-1")
            break
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    body = chunks[0] if len(chunks) == 1 else b"".join(chunks)
    status, answer, media_type = await accept_alerts(ctx, content_type, body)
    headers = [(b"content-length", str(len(answer)).encode())]
    if media_type is not None:
        headers.append((b"content-type", media_type.encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": answer})


def alert_filters(
    request: Request,
) -> tuple[list[Matcher], Callable[[list[str]], bool]] | Response:
    """The ``filter`` matchers and the ``receiver`` test of a listing, or its 400 answer."""
    try:
        matchers = [parse_matcher(text) for text in request.query_params.getlist("filter")]
    except MatcherError as exc:
        return text_error(400, str(exc))
    receiver_ok = receiver_filter(request)
    if isinstance(receiver_ok, Response):
        return receiver_ok
    return matchers, receiver_ok


def gettable_alert(
    alert: Alert,
    receivers: list[str],
    state: str = "active",
    silenced_by: list[str] | None = None,
    inhibited_by: list[str] | None = None,
) -> dict[str, Any]:
    """An alert as Alertmanager's API lists it (same keys, same order)."""
    out: dict[str, Any] = {
        "annotations": alert.annotations,
        "endsAt": format_millis(alert.ends_at),
        "fingerprint": alert.fingerprint,
        "receivers": [{"name": name} for name in receivers],
        "startsAt": format_millis(alert.starts_at),
        "status": {
            "inhibitedBy": inhibited_by or [],
            "silencedBy": silenced_by or [],
            "state": state,
        },
        "updatedAt": format_millis(alert.updated_at),
    }
    if alert.generator_url:
        out["generatorURL"] = alert.generator_url
    out["labels"] = alert.labels
    return out


def receiver_filter(request: Request) -> Callable[[list[str]], bool] | Response:
    text = request.query_params.get("receiver")
    if not text:
        return lambda _names: True
    try:
        pattern = compile_matcher_regex(text)
    except MatcherError as exc:
        return text_error(400, f"failed to parse receiver param: {exc}")
    return lambda names: any(pattern.match(name) for name in names)


Status = tuple[str, list[str], list[str]]  # state, silencedBy, inhibitedBy


class AlertStatus:
    """An alert's ``state``, ``silencedBy`` and ``inhibitedBy`` at ``now``, from the same
    muters the pipeline applies (time intervals are not shown, as in Alertmanager);
    computed once per alert and request."""

    def __init__(self, ctx: ApiContext, firing: Iterable[Alert], now: float) -> None:
        rules = ctx.config.inhibition_rules
        self._silencer = ctx.silencer
        self._inhibition = InhibitionIndex(rules, firing, now) if rules else None
        self._now = now
        self._known: dict[str, Status] = {}

    def __call__(self, alert: Alert) -> Status:
        known = self._known.get(alert.fingerprint)
        if known is None:
            labels = alert.labels
            silencer, inhibition = self._silencer, self._inhibition
            silenced = silencer.silenced_by(labels, self._now) if silencer is not None else []
            inhibited = inhibition.inhibited_by(labels) if inhibition is not None else []
            state = "suppressed" if silenced or inhibited else "active"
            known = self._known[alert.fingerprint] = (state, silenced, inhibited)
        return known


def state_filter(request: Request) -> Callable[[str, list[str], list[str]], bool]:
    """The ``active``, ``silenced``, ``inhibited`` and ``unprocessed`` flags as one test."""
    active = query_bool(request, "active")
    silenced = query_bool(request, "silenced")
    inhibited = query_bool(request, "inhibited")
    unprocessed = query_bool(request, "unprocessed")

    def shown(state: str, silenced_by: list[str], inhibited_by: list[str]) -> bool:
        if state == "active" and not active:
            return False
        if state == "unprocessed" and not unprocessed:
            return False
        if silenced_by and not silenced:
            return False
        return not (inhibited_by and not inhibited)

    return shown


async def get_alerts(request: Request, ctx: ApiContext) -> Response:
    """List alerts that are not resolved, filtered as Alertmanager filters them."""
    if not ctx.ready or ctx.alerts is None:
        return not_ready()
    filters = alert_filters(request)
    if isinstance(filters, Response):
        return filters
    matchers, receiver_ok = filters
    shown = state_filter(request)
    now = ctx.clock.now()
    receivers_for = ctx.config.receivers_for
    firing = sorted(ctx.alerts.firing(now), key=lambda a: a.fingerprint)
    status_of = AlertStatus(ctx, firing, now)
    out = []
    for alert in firing:
        labels = alert.labels
        if matchers and not matchers_match(matchers, labels):
            continue
        receivers = receivers_for(labels)
        if not receiver_ok(receivers):
            continue
        state, silenced_by, inhibited_by = status_of(alert)
        if shown(state, silenced_by, inhibited_by):
            out.append(gettable_alert(alert, receivers, state, silenced_by, inhibited_by))
    return json_response(out)
