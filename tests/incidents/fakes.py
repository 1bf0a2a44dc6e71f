"""In-memory services over the real store, and an app serving the incident and people
routes, for the API and CLI tests."""

from __future__ import annotations

import asyncio
from typing import Any, Literal

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tocsin import __version__
from tocsin.api import ApiContext, Metrics
from tocsin.api._incidents import INCIDENT_ROUTES
from tocsin.api._people import PEOPLE_ROUTES
from tocsin.config import load_config_text
from tocsin.incidents import (
    Change,
    Incident,
    IncidentActions,
    alert_to_row,
    event_to_row,
    incident_from_row,
    incident_to_row,
    open_incident,
)
from tocsin.model import FakeClock
from tocsin.runtime import config_view
from tocsin.runtime.people import StorePeople
from tocsin.store.incidents import IncidentStore

CONFIG = "route: {receiver: r}\nreceivers: [{name: r}]\n"
Kind = Literal["user", "team"]


async def store_opened(store: IncidentStore, change: Change) -> Incident:
    inc = change.incident
    number = await store.open(
        incident_to_row(inc),
        [alert_to_row(a) for a in inc.alerts.values()],
        [event_to_row(e) for e in change.events],
    )
    assert number is not None
    row = await asyncio.to_thread(store.get, inc.id)
    assert row is not None
    return incident_from_row(row, row["alerts"])


def open_sample(
    store: IncidentStore,
    incident_id: str,
    alertname: str,
    now: float,
    *,
    severity: str = "P1",
    service: str = "api",
) -> Incident:
    change = open_incident(
        id=incident_id,
        route_path="/0",
        group_labels={"alertname": alertname},
        alerts={f"fp-{incident_id}": {"alertname": alertname, "service": service}},
        severity=severity,
        policy="web-oncall",
        now=now,
    )
    return asyncio.run(store_opened(store, change))


def build_app(
    store: IncidentStore,
    clock: FakeClock,
    people: StorePeople | None = None,
    *,
    require_resolve_comment: bool = False,
    services: bool = True,
) -> Starlette:
    """The incident and people routes over ``store``, as the server registers them."""

    async def reload() -> None:
        return None

    ctx = ApiContext(
        clock=clock,
        metrics=Metrics(),
        config=config_view(load_config_text(CONFIG)),
        reload=reload,
        version=__version__,
        started_at=clock.now(),
        external_url="http://127.0.0.1:9093",
        store_backend=store.dialect,
        ready=True,
    )
    if services:
        ctx.extra["incidents"] = IncidentActions(
            store, clock, require_resolve_comment=require_resolve_comment
        )
        ctx.extra["people"] = people or StorePeople(store, clock)

    def bind(handler: Any) -> Any:
        async def endpoint(request: Request) -> Response:
            response: Response = await handler(request, ctx)
            return response

        return endpoint

    routes = [
        Route(path, bind(handler), methods=list(methods))
        for path, handler, methods in (*INCIDENT_ROUTES, *PEOPLE_ROUTES)
    ]
    return Starlette(routes=routes)
