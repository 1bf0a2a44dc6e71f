"""The ``log`` channel: notifications printed on the server's output.

Useful to try tocsin without any vendor account, and as the example configuration's only
receiver. ``format: text`` writes one line per notification and one per alert;
``format: json`` writes the notification as one JSON object per line.
"""

from __future__ import annotations

import logging

import orjson

from tocsin.channels.base import Message
from tocsin.model.times import format_millis

__all__ = ["LogChannel"]


class LogChannel:
    """Writes notifications to a logger (``tocsin.notify`` unless given another)."""

    def __init__(self, fmt: str = "text", logger: logging.Logger | None = None) -> None:
        if fmt not in ("text", "json"):
            raise ValueError(f"unknown log format {fmt!r}")
        self._format = fmt
        self._log = logger or logging.getLogger("tocsin.notify")

    def render(self, target: str, message: Message, idempotency_key: str) -> list[str]:
        """The lines a notification is written as."""
        firing = [a for a in message.alerts if a.ends_at > message.now]
        resolved = [a for a in message.alerts if a.ends_at <= message.now]
        if self._format == "json":
            payload = {
                "receiver": message.receiver,
                "target": target,
                "status": message.status,
                "groupKey": message.group_key,
                "groupLabels": dict(message.group_labels),
                "idempotencyKey": idempotency_key,
                "alerts": [
                    {
                        "status": "firing" if a.ends_at > message.now else "resolved",
                        "labels": a.labels,
                        "annotations": a.annotations,
                        "startsAt": format_millis(a.starts_at),
                        "endsAt": format_millis(a.ends_at),
                        "fingerprint": a.fingerprint,
                    }
                    for a in message.alerts
                ],
            }
            return [orjson.dumps(payload, option=orjson.OPT_SORT_KEYS).decode()]
        group = ", ".join(f"{k}={v}" for k, v in sorted(message.group_labels.items()))
        lines = [
            f"[{message.status.upper()}] receiver={message.receiver} group={{{group}}} "
            f"firing={len(firing)} resolved={len(resolved)} key={idempotency_key}"
        ]
        for alert in message.alerts:
            state = "firing" if alert.ends_at > message.now else "resolved"
            labels = ", ".join(f'{k}="{v}"' for k, v in sorted(alert.labels.items()))
            summary = alert.annotations.get("summary", "")
            tail = f" summary={summary!r}" if summary else ""
            lines.append(f"  - {state} {{{labels}}} since {format_millis(alert.starts_at)}{tail}")
        return lines

    async def send(self, target: str, message: Message, idempotency_key: str) -> None:
        for line in self.render(target, message, idempotency_key):
            self._log.info("%s", line)
