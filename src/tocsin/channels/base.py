"""What every channel implements, and the one error a channel raises.

A channel turns a rendered message into a delivery to one target. The notification
pipeline decides when to send; a channel only sends. ``idempotency_key`` identifies the
delivery across retries and restarts, so a vendor that supports it can drop a repeat.

    DeliveryError(retryable: bool)   the only exception a channel raises
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from tocsin.model import Alert

__all__ = ["Channel", "DeliveryError", "Message"]


class DeliveryError(Exception):
    """A delivery failed; ``retryable`` says whether trying again may help."""

    def __init__(self, message: str, *, retryable: bool) -> None:
        super().__init__(message)
        self.retryable = retryable


@dataclass(frozen=True, slots=True)
class Message:
    """One notification of a group: what is firing and resolved, with its context."""

    receiver: str
    status: str  # "firing" or "resolved"
    group_key: str
    group_labels: Mapping[str, str]
    alerts: Sequence[Alert]
    now: float
    extra: Mapping[str, Any] = field(default_factory=dict)


class Channel(Protocol):
    """An integration that delivers messages to targets."""

    async def send(self, target: str, message: Message, idempotency_key: str) -> None:
        """Deliver ``message`` to ``target``; raises ``DeliveryError``."""
        ...
