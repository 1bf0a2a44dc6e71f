"""What every channel implements, and the one error a channel raises.

A channel turns a message into a delivery to one target. The notification pipeline decides
when to send; a channel only renders and sends. ``idempotency_key`` identifies the delivery
across retries and restarts, so a vendor that supports it can drop a repeat.

    send(target, message, idempotency_key) -> SendResult | None
    DeliveryError(retryable, status=None, retry_after=None)   the only exception raised

One policy judges every channel's answer (:func:`judge_status`): timeouts, connection
errors, 5xx and 429 may succeed on a retry (429 with the ``Retry-After`` it gave); every
other 4xx will not.

``Message.state`` is what the channel returned in ``SendResult.state`` the last time it
delivered for the same group and integration (kept with the notification log, so it
survives restarts and lease changes): a Slack thread's ``ts``, for instance.
``Message.extra`` carries what the runtime adds to a notification: ``summary`` (the number
of notifications and alerts a rate limit held back and this message carries), and, for
pages, ``ack_url``.
"""

from __future__ import annotations

import email.utils
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC
from typing import Any, Protocol

from tocsin.model import Alert

__all__ = [
    "Channel",
    "DeliveryError",
    "Message",
    "SendResult",
    "Summary",
    "judge_status",
    "parse_retry_after",
]


class DeliveryError(Exception):
    """A delivery failed; ``retryable`` says whether trying again may help.

    ``status`` is the vendor's answer code when there was one (HTTP status, SMTP reply
    code); ``retry_after`` the seconds the vendor asked to wait (HTTP 429 ``Retry-After``).
    """

    def __init__(
        self,
        message: str,
        *,
        retryable: bool,
        status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.status = status
        self.retry_after = retry_after


@dataclass(frozen=True, slots=True)
class SendResult:
    """What a successful delivery reports: the answer's code, a vendor reference (a
    Twilio SID, a PagerDuty dedup key, a Slack ``ts``) and state to keep for the next
    message of the same group (see ``Message.state``)."""

    status: int | None = None
    reference: str = ""
    state: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Summary:
    """What a rate limit held back and this message carries."""

    notifications: int
    alerts: int


@dataclass(frozen=True, slots=True)
class Message:
    """One notification of a group: what is firing and resolved, with its context.

    An alert is firing when its ``ends_at`` is after ``now``. ``status`` is "firing" when
    any alert fires, else "resolved".
    """

    receiver: str
    status: str  # "firing" or "resolved"
    group_key: str
    group_labels: Mapping[str, str]
    alerts: Sequence[Alert]
    now: float
    extra: Mapping[str, Any] = field(default_factory=dict)
    state: Mapping[str, Any] = field(default_factory=dict)

    @property
    def summary(self) -> Summary | None:
        value = self.extra.get("summary")
        return value if isinstance(value, Summary) else None


class Channel(Protocol):
    """An integration that delivers messages to targets."""

    async def send(self, target: str, message: Message, idempotency_key: str) -> SendResult | None:
        """Deliver ``message`` to ``target``; raises ``DeliveryError``."""
        ...


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (seconds or an HTTP date), or None."""
    if not value:
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = when.timestamp() - now
    if not math.isfinite(seconds):
        return None
    return max(seconds, 0.0)


def judge_status(
    status: int, what: str, *, now: float, detail: str = "", retry_after: str | None = None
) -> DeliveryError | None:
    """The error for an HTTP answer (None for a 2xx), by the one policy of every channel.

    ``now`` (seconds since the epoch, from the clock; ``message.now`` will do) reads a
    ``Retry-After`` given as a date.
    """
    if status // 100 == 2:
        return None
    tail = f": {detail}" if detail else ""
    retryable = status // 100 == 5 or status == 429
    after = parse_retry_after(retry_after, now)
    return DeliveryError(
        f"{what} answered {status}{tail}",
        retryable=retryable,
        status=status,
        retry_after=after if status in (429, 503) else None,
    )
