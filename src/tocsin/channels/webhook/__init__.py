"""The ``webhook`` channel (``webhook_configs``): Alertmanager's version 4 payload."""

from tocsin.channels.webhook.channel import ClientFactory, WebhookChannel, webhook_target
from tocsin.channels.webhook.payload import (
    GO_ZERO_TIME,
    compare_label_sets,
    quote_meta,
    sort_alerts,
    webhook_payload,
)

__all__ = [
    "GO_ZERO_TIME",
    "ClientFactory",
    "WebhookChannel",
    "compare_label_sets",
    "quote_meta",
    "sort_alerts",
    "webhook_payload",
    "webhook_target",
]
