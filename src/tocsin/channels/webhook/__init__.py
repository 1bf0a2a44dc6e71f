"""The ``webhook`` channel (``webhook_configs``): Alertmanager's version 4 payload."""

from tocsin.channels.webhook.payload import GO_ZERO_TIME, quote_meta, sort_alerts, webhook_payload

__all__ = ["GO_ZERO_TIME", "quote_meta", "sort_alerts", "webhook_payload"]
