"""What every receiver integration has: ``send_resolved``, tocsin's ``template`` and
``rate_limit``, and (for HTTP ones) ``http_config``.

``rate_limit`` is a pair of token buckets, ``per_target`` and ``per_integration``, each
written ``N/DURATION`` (``1/1m``: one message a minute, a burst of one; ``5/10m``: a burst
of five, refilled at one every two minutes). Twilio (SMS and voice) has ``per_target:
1/1m`` unless set; ``rate_limit: {}`` or ``per_target: none`` turns a limit off.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, Field

from tocsin.config._base import Model
from tocsin.config._duration import parse_duration
from tocsin.config._http import HTTPClientConfig
from tocsin.config._types import fail

__all__ = ["HTTPNotifierConfig", "NotifierConfig", "Rate", "RateLimit", "set_default"]

_RATE = re.compile(r"^\s*([0-9]+)\s*/\s*(\S+)\s*$")


class Rate(Model):
    """``count`` messages per ``seconds``, in a burst of at most ``count``."""

    count: int
    seconds: float

    def __str__(self) -> str:
        return f"{self.count}/{self.seconds:g}s"


def _rate(value: Any) -> Any:
    if value is None or isinstance(value, (Rate, dict)):
        return value
    if isinstance(value, str):
        if value.strip().lower() in ("none", "off", ""):
            return None
        m = _RATE.match(value)
        if m is not None:
            count = int(m.group(1))
            try:
                millis = parse_duration(m.group(2))
            except ValueError as exc:
                fail(f'rate "{value}": {exc}')
            if count < 1 or millis <= 0:
                fail(f'rate "{value}" must allow at least one message in a positive duration')
            return Rate(count=count, seconds=millis / 1000)
    fail(f'"{value}" is not a rate such as 1/1m or 10/1h')
    return None  # unreachable: fail raises
    return None


RateValue = Annotated[Rate | None, BeforeValidator(_rate)]


class RateLimit(Model):
    per_target: RateValue = None
    per_integration: RateValue = None


class NotifierConfig(Model):
    """Base of every ``*_configs`` item. Subclasses set the ``send_resolved`` default."""

    send_resolved: bool = True
    template: Literal["", "default", "runbook"] = ""
    rate_limit: RateLimit | None = None


class HTTPNotifierConfig(NotifierConfig):
    """A notifier that talks HTTP. ``http_config`` is filled from ``global`` at load."""

    http_config: HTTPClientConfig | None = Field(default=None)


def set_default(model: BaseModel, name: str, value: Any) -> None:
    """Fill ``name`` with ``value`` when the file left it empty."""
    if not getattr(model, name):
        setattr(model, name, value)
