"""Answers in the shapes Alertmanager's API gives them."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.responses import Response

__all__ = ["json_response", "swagger_error", "text_error"]


def json_response(data: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(data), status_code=status, media_type="application/json")


def swagger_error(status: int, code: int, message: str) -> Response:
    """``{"code": …, "message": …}``: the errors Alertmanager's API framework raises."""
    return json_response({"code": code, "message": message}, status)


def text_error(status: int, message: str) -> Response:
    """A JSON string followed by a newline: the errors Alertmanager's handlers return."""
    return Response(
        orjson.dumps(message) + b"\n", status_code=status, media_type="application/json"
    )
