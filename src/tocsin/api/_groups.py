"""``GET /api/v2/alerts/groups``: the dispatcher's aggregation groups, as Alertmanager lists them.

Groups whose receiver does not match ``receiver`` are left out; so are alerts that are
resolved, fail the ``filter`` matchers or the ``active`` / ``silenced`` / ``inhibited``
flags, and groups left without alerts. Groups are ordered by their labels (fewer first),
then by receiver; alerts as in notifications. Each alert's ``receivers`` names the
receivers of the groups returned that hold it.
"""

from __future__ import annotations

import functools
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from tocsin.api._alerts import (
    AlertStatus,
    alert_filters,
    gettable_alert,
    not_ready,
    state_filter,
)
from tocsin.api._responses import json_response
from tocsin.api.context import ApiContext
from tocsin.channels.webhook import compare_label_sets, sort_alerts
from tocsin.model import Alert, matchers_match

__all__ = ["get_alert_groups"]


async def get_alert_groups(request: Request, ctx: ApiContext) -> Response:
    if not ctx.ready or ctx.alerts is None or ctx.groups is None:
        return not_ready()
    filters = alert_filters(request)
    if isinstance(filters, Response):
        return filters
    matchers, receiver_ok = filters
    shown = state_filter(request)
    now = ctx.clock.now()
    store = ctx.alerts
    status_of = AlertStatus(ctx, store.firing(now), now)

    def keep(alert: Alert) -> bool:
        if alert.ends_at <= now or not shown(*status_of(alert)):
            return False
        return not matchers or matchers_match(matchers, alert.labels)

    found: list[tuple[dict[str, str], str, list[Alert]]] = []
    receivers: dict[str, list[str]] = {}
    for group in ctx.groups():
        if not receiver_ok([group.receiver]):
            continue
        alerts = []
        for fp in group.members:
            alert = store.get(fp)
            if alert is not None and keep(alert):
                alerts.append(alert)
                receivers.setdefault(fp, []).append(group.receiver)
        if alerts:
            found.append((group.labels, group.receiver, alerts))

    def order(x: tuple[dict[str, str], str, Any], y: tuple[dict[str, str], str, Any]) -> int:
        by_labels = compare_label_sets(x[0], y[0])
        if by_labels:
            return by_labels
        return (x[1] > y[1]) - (x[1] < y[1])

    found.sort(key=functools.cmp_to_key(order))
    out = []
    for labels, receiver, alerts in found:
        listed = []
        for alert in sort_alerts(alerts):
            state, silenced, inhibited = status_of(alert)
            names = sorted(receivers[alert.fingerprint])
            listed.append(gettable_alert(alert, names, state, silenced, inhibited))
        out.append({"alerts": listed, "labels": labels, "receiver": {"name": receiver}})
    return json_response(out)
