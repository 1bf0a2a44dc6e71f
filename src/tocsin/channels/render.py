"""The template data of a :class:`Message`, as every channel renders it."""

from __future__ import annotations

from tocsin.channels.base import Message
from tocsin.channels.webhook.payload import sort_alerts
from tocsin.templates import TemplateData, template_data

__all__ = ["message_data"]


def message_data(message: Message, external_url: str, *, truncated: int = 0) -> TemplateData:
    """Template data of ``message``, its alerts in the order Alertmanager gives them to
    templates. ``message.extra`` may give ``severity`` (``P0``…), ``severity_label``,
    ``ack_url``, ``silence_url`` and ``summary``."""
    extra = message.extra
    return template_data(
        receiver=message.receiver,
        group_key=message.group_key,
        group_labels=message.group_labels,
        alerts=sort_alerts(message.alerts),
        now=message.now,
        external_url=external_url,
        severity=str(extra.get("severity", "P3")),
        severity_label=str(extra.get("severity_label", "severity")),
        extra=extra,
        truncated=truncated,
    )
