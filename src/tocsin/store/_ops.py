"""Named write operations, run by the writer process.

A write crosses into the writer process as data — an operation's name and JSON-able
arguments — never as code. Each operation is a function ``(connection, args) -> result``
registered here under its name; it runs inside the writer's transaction, and its result
must be JSON-able. Modules that define operations are listed in ``OPERATION_MODULES`` so
the writer process imports them all.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import Connection

__all__ = ["OPERATIONS", "OPERATION_MODULES", "Operation", "operation"]

Operation = Callable[[Connection, Any], Any]
F = TypeVar("F", bound=Operation)

OPERATIONS: dict[str, Operation] = {}
OPERATION_MODULES = (
    "tocsin.store._alert_ops",
    "tocsin.store._silence_ops",
    "tocsin.store._dispatch_ops",
    "tocsin.store._incident_ops",
)


def operation(name: str) -> Callable[[F], F]:
    """Register a write operation under ``name``."""

    def register(fn: F) -> F:
        if name in OPERATIONS:
            raise ValueError(f"write operation {name!r} is registered twice")
        OPERATIONS[name] = fn
        return fn

    return register
