"""One channel per configured integration, and the target it sends to."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from tocsin.channels import Channel, DeliveryError, LogChannel, Message
from tocsin.channels.webhook import WebhookChannel, webhook_target
from tocsin.config import NotifierConfig
from tocsin.config.receivers.log import LogConfig
from tocsin.config.receivers.webhook import WebhookConfig
from tocsin.pipeline import Integration

__all__ = ["BrokenChannel", "Endpoint", "UnsupportedChannel", "build_endpoint"]

log = logging.getLogger("tocsin.dispatch")


@dataclass(frozen=True, slots=True)
class Endpoint:
    """Where an integration's notifications go: a channel and a target."""

    channel: Channel
    target: str
    supported: bool = True


class BrokenChannel:
    """An integration whose client could not be built (e.g. an unreadable CA file)."""

    def __init__(self, reason: str) -> None:
        self.reason = reason

    async def send(self, target: str, message: Message, idempotency_key: str) -> None:
        raise DeliveryError(self.reason, retryable=False)


class UnsupportedChannel:
    """An integration tocsin cannot send (allowed by ``--allow-unsupported-receivers``)."""

    def __init__(self, kind: str) -> None:
        self.kind = kind

    async def send(self, target: str, message: Message, idempotency_key: str) -> None:
        raise DeliveryError(f"tocsin cannot send {self.kind} notifications", retryable=False)


def build_endpoint(
    integration: Integration, external_url: str, base_dir: Path | None = None
) -> Endpoint:
    """The endpoint of one integration; ``base_dir`` resolves relative TLS file paths."""
    config: NotifierConfig | None = integration.config
    if isinstance(config, WebhookConfig):
        try:
            channel = WebhookChannel(config, external_url, base_dir=base_dir)
        except ValueError as exc:
            reason = (
                f"receiver {integration.receiver!r} {integration.kind}[{integration.index}]: {exc}"
            )
            log.error("%s; its notifications will fail", reason)
            return Endpoint(BrokenChannel(reason), "")
        return Endpoint(channel, webhook_target(config))
    if isinstance(config, LogConfig):
        return Endpoint(LogChannel(config.format), integration.receiver)
    return Endpoint(UnsupportedChannel(integration.kind), "", supported=False)
