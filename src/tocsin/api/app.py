"""The ASGI application: routes, error shapes, and the operational endpoints."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from tocsin.api._acklinks import ack_confirm_page, ack_submit
from tocsin.api._alerts import get_alerts, post_alerts, post_alerts_asgi
from tocsin.api._deliveries import get_deliveries
from tocsin.api._groups import get_alert_groups
from tocsin.api._incidents import INCIDENT_ROUTES
from tocsin.api._oncall import get_oncall, get_schedule_ical, get_shifts, get_user_ical
from tocsin.api._people import PEOPLE_ROUTES
from tocsin.api._responses import swagger_error, text_error
from tocsin.api._silences import delete_silence, get_silence, get_silences, post_silences
from tocsin.api._status import get_receivers, get_status, get_tocsin_status
from tocsin.api.context import ApiContext

__all__ = ["create_app"]

Handler = Callable[[Request, ApiContext], Awaitable[Response]]


def _bind(handler: Handler, ctx: ApiContext) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        return await handler(request, ctx)

    endpoint.__name__ = handler.__name__
    return endpoint


async def _healthy(_request: Request, _ctx: ApiContext) -> Response:
    return PlainTextResponse("OK")


async def _ready(_request: Request, ctx: ApiContext) -> Response:
    if ctx.ready:
        return PlainTextResponse("OK")
    return PlainTextResponse("Service Unavailable: loading stored state", status_code=503)


async def _reload(_request: Request, ctx: ApiContext) -> Response:
    """Reload the configuration; an invalid file is refused with 400 and the old one kept."""
    from tocsin.config import ConfigError

    try:
        await ctx.reload()
    except ConfigError as exc:
        return PlainTextResponse(f"failed to reload config: {exc}\n", status_code=400)
    return PlainTextResponse("")


async def _metrics(_request: Request, ctx: ApiContext) -> Response:
    if ctx.alerts is not None:
        now = ctx.clock.now()
        firing = sum(1 for _ in ctx.alerts.firing(now))
        ctx.metrics.alerts.labels("active").set(firing)
        ctx.metrics.alerts.labels("resolved").set(len(ctx.alerts) - firing)
    ctx.metrics.ready.set(1 if ctx.ready else 0)
    return Response(generate_latest(ctx.metrics.registry), media_type=CONTENT_TYPE_LATEST)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    path = request.url.path
    if path.startswith("/api/"):
        if exc.status_code == 405:
            return swagger_error(405, 405, f"method {request.method} is not allowed for {path}")
        if exc.status_code == 404:
            return swagger_error(404, 404, f"path {path} was not found")
        return text_error(exc.status_code, str(exc.detail))
    return PlainTextResponse(str(exc.detail), status_code=exc.status_code)


class _IntakeFastPath:
    """Sends ``POST /api/v2/alerts`` straight to its raw handler, everything else on."""

    def __init__(self, app: ASGIApp, ctx: ApiContext) -> None:
        self.app = app
        self.ctx = ctx
        self.routes = getattr(app, "routes", [])

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["method"] == "POST"
            and scope["path"] == "/api/v2/alerts"
        ):
            await post_alerts_asgi(scope, receive, send, self.ctx)
            return
        await self.app(scope, receive, send)


def create_app(ctx: ApiContext) -> ASGIApp:
    """The application serving one running server's state."""
    routes = [
        Route("/api/v2/alerts", _bind(post_alerts, ctx), methods=["POST"]),
        Route("/api/v2/alerts", _bind(get_alerts, ctx), methods=["GET"]),
        Route("/api/v2/alerts/groups", _bind(get_alert_groups, ctx), methods=["GET"]),
        Route("/api/v2/silences", _bind(post_silences, ctx), methods=["POST"]),
        Route("/api/v2/silences", _bind(get_silences, ctx), methods=["GET"]),
        Route("/api/v2/silence/{silence_id}", _bind(get_silence, ctx), methods=["GET"]),
        Route("/api/v2/silence/{silence_id}", _bind(delete_silence, ctx), methods=["DELETE"]),
        Route("/api/v2/status", _bind(get_status, ctx), methods=["GET"]),
        Route("/api/v2/receivers", _bind(get_receivers, ctx), methods=["GET"]),
        Route("/api/tocsin/v1/status", _bind(get_tocsin_status, ctx), methods=["GET"]),
        Route("/api/tocsin/v1/deliveries", _bind(get_deliveries, ctx), methods=["GET"]),
        Route("/api/tocsin/v1/oncall", _bind(get_oncall, ctx), methods=["GET"]),
        Route("/api/tocsin/v1/schedules/{name}/shifts", _bind(get_shifts, ctx), methods=["GET"]),
        Route(
            "/api/tocsin/v1/schedules/{name}.ics", _bind(get_schedule_ical, ctx), methods=["GET"]
        ),
        Route("/api/tocsin/v1/users/{name}.ics", _bind(get_user_ical, ctx), methods=["GET"]),
        *(
            Route(path, _bind(handler, ctx), methods=list(methods))
            for path, handler, methods in (*INCIDENT_ROUTES, *PEOPLE_ROUTES)
        ),
        Route("/ack/{token}", _bind(ack_confirm_page, ctx), methods=["GET"]),
        Route("/ack/{token}", _bind(ack_submit, ctx), methods=["POST"]),
        Route("/-/healthy", _bind(_healthy, ctx), methods=["GET", "HEAD"]),
        Route("/-/ready", _bind(_ready, ctx), methods=["GET", "HEAD"]),
        Route("/-/reload", _bind(_reload, ctx), methods=["POST", "PUT"]),
        Route("/metrics", _bind(_metrics, ctx), methods=["GET"]),
    ]
    app = Starlette(routes=routes, exception_handlers={HTTPException: _http_error})
    return _IntakeFastPath(app, ctx)
