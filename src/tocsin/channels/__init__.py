"""Integrations that deliver notifications, one folder each, behind one protocol."""

from tocsin.channels.base import (
    Channel,
    DeliveryError,
    Message,
    SendResult,
    Summary,
    judge_status,
    parse_retry_after,
)
from tocsin.channels.http_client import build_http_client
from tocsin.channels.log import LogChannel
from tocsin.channels.webhook import WebhookChannel, webhook_target

__all__ = [
    "Channel",
    "DeliveryError",
    "LogChannel",
    "Message",
    "SendResult",
    "Summary",
    "WebhookChannel",
    "build_http_client",
    "judge_status",
    "parse_retry_after",
    "webhook_target",
]
