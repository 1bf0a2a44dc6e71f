"""``/api/v2/status``, ``/api/v2/receivers`` and tocsin's own status."""

from __future__ import annotations

import platform
import sys

from starlette.requests import Request
from starlette.responses import Response

from tocsin.api._responses import json_response
from tocsin.api.context import ApiContext
from tocsin.model.times import format_millis

__all__ = ["get_receivers", "get_status", "get_tocsin_status"]


async def get_status(_request: Request, ctx: ApiContext) -> Response:
    """Alertmanager's status: cluster disabled, the Alertmanager subset of the config."""
    return json_response(
        {
            "cluster": {"peers": [], "status": "disabled"},
            "config": {"original": ctx.config.alertmanager_yaml},
            "uptime": format_millis(ctx.started_at),
            "versionInfo": {
                "branch": "main",
                "buildDate": "",
                "buildUser": "tocsin",
                "goVersion": f"python{platform.python_version()}",
                "revision": ctx.version,
                "version": ctx.version,
            },
        }
    )


async def get_receivers(_request: Request, ctx: ApiContext) -> Response:
    return json_response([{"name": name} for name in ctx.config.receiver_names])


async def get_tocsin_status(_request: Request, ctx: ApiContext) -> Response:
    """The full configuration (secrets redacted), version, store backend and uptime."""
    now = ctx.clock.now()
    return json_response(
        {
            "version": ctx.version,
            "python": sys.version.split()[0],
            "store": {"backend": ctx.store_backend},
            "started_at": format_millis(ctx.started_at),
            "uptime_seconds": round(now - ctx.started_at, 3),
            "ready": ctx.ready,
            "external_url": ctx.external_url,
            "config": ctx.config.redacted,
        }
    )
