"""What every receiver integration has: ``send_resolved`` and (for HTTP ones) ``http_config``."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from tocsin.config._base import Model
from tocsin.config._http import HTTPClientConfig

__all__ = ["HTTPNotifierConfig", "NotifierConfig", "set_default"]


class NotifierConfig(Model):
    """Base of every ``*_configs`` item. Subclasses set the ``send_resolved`` default."""

    send_resolved: bool = True


class HTTPNotifierConfig(NotifierConfig):
    """A notifier that talks HTTP. ``http_config`` is filled from ``global`` at load."""

    http_config: HTTPClientConfig | None = Field(default=None)


def set_default(model: BaseModel, name: str, value: Any) -> None:
    """Fill ``name`` with ``value`` when the file left it empty."""
    if not getattr(model, name):
        setattr(model, name, value)
