"""``/api/v2/alerts``: posting alerts (the hot path) and listing them."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from tocsin.api._responses import empty_ok, json_response, swagger_error, text_error
from tocsin.api.context import ApiContext
from tocsin.intake import IntakeRejected, decode_postable_alerts
from tocsin.model import Alert, Matcher, MatcherError, compile_matcher_regex, parse_matcher
from tocsin.model.times import format_millis
from tocsin.store import StoreError

__all__ = ["get_alerts", "not_ready", "post_alerts", "query_bool"]

_TRUE = frozenset({"true", "1", "yes", "y", "on", "selected", "checked"})


def not_ready() -> Response:
    return swagger_error(503, 503, "tocsin is starting: stored state is not loaded yet")


def query_bool(request: Request, name: str, default: bool = True) -> bool:
    """A boolean query parameter read as Alertmanager's API framework reads it."""
    value = request.query_params.get(name)
    if value is None:
        return default
    return value.strip().lower() in _TRUE


def _media_type_ok(request: Request) -> str | None:
    content_type = request.headers.get("content-type", "")
    media = content_type.split(";", 1)[0].strip().lower()
    if media in ("application/json", ""):
        return None if media else "application/x-www-form-urlencoded"
    return media


async def post_alerts(request: Request, ctx: ApiContext) -> Response:
    """Validate, merge and commit a batch of alerts; 200 only once they are durable."""
    if not ctx.ready or ctx.alerts is None:
        return not_ready()
    bad_media = _media_type_ok(request)
    if bad_media is not None:
        return swagger_error(
            415, 415, f'unsupported media type "{bad_media}", only [application/json] are allowed'
        )
    started = time.perf_counter()
    body = await request.body()
    now = ctx.clock.now()
    metrics = ctx.metrics
    try:
        batch = decode_postable_alerts(body, now, ctx.config.resolve_timeout)
    except IntakeRejected as exc:
        return swagger_error(exc.status, exc.code, exc.message)
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
            return text_error(500, f"failed to store alerts: {exc}")
        metrics.alerts_written.inc(result.written)
        metrics.alerts_refreshed.inc(result.refreshed)
    metrics.intake_latency.observe(time.perf_counter() - started)
    if batch.errors:
        return text_error(400, batch.error_message)
    return empty_ok()


def _parse_filters(request: Request) -> list[Matcher]:
    return [parse_matcher(text) for text in request.query_params.getlist("filter")]


def gettable_alert(alert: Alert, receivers: list[str], state: str = "active") -> dict[str, Any]:
    """An alert as Alertmanager's API lists it (same keys, same order)."""
    out: dict[str, Any] = {
        "annotations": alert.annotations,
        "endsAt": format_millis(alert.ends_at),
        "fingerprint": alert.fingerprint,
        "receivers": [{"name": name} for name in receivers],
        "startsAt": format_millis(alert.starts_at),
        "status": {"inhibitedBy": [], "silencedBy": [], "state": state},
        "updatedAt": format_millis(alert.updated_at),
    }
    if alert.generator_url:
        out["generatorURL"] = alert.generator_url
    out["labels"] = alert.labels
    return out


def _receiver_filter(request: Request) -> Callable[[list[str]], bool] | Response:
    text = request.query_params.get("receiver")
    if not text:
        return lambda _names: True
    try:
        pattern = compile_matcher_regex(text)
    except MatcherError as exc:
        return text_error(400, f"failed to parse receiver param: {exc}")
    return lambda names: any(pattern.match(name) for name in names)


async def get_alerts(request: Request, ctx: ApiContext) -> Response:
    """List alerts that are not resolved, filtered as Alertmanager filters them."""
    if not ctx.ready or ctx.alerts is None:
        return not_ready()
    try:
        matchers = _parse_filters(request)
    except MatcherError as exc:
        return text_error(400, str(exc))
    receiver_ok = _receiver_filter(request)
    if isinstance(receiver_ok, Response):
        return receiver_ok
    show_active = query_bool(request, "active")
    # Silences and inhibition arrive with their stages; until then every alert is active.
    now = ctx.clock.now()
    receivers_for = ctx.config.receivers_for
    out = []
    for alert in sorted(ctx.alerts.firing(now), key=lambda a: a.fingerprint):
        labels = alert.labels
        if matchers and not all(m.matches(labels.get(m.name, "")) for m in matchers):
            continue
        receivers = receivers_for(labels)
        if not receiver_ok(receivers):
            continue
        if not show_active:
            continue
        out.append(gettable_alert(alert, receivers))
    return json_response(out)
