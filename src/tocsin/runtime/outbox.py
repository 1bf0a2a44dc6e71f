"""Outbox rows and notification-log rows: how pipeline objects are stored and read back."""

from __future__ import annotations

import dataclasses
import hashlib
import math
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import orjson

from tocsin.model import Alert
from tocsin.pipeline import AggregationGroup, Delivery, NotifyEntry, NotifyKey, PageTarget

__all__ = [
    "delivery_body",
    "delivery_from_body",
    "group_row",
    "idempotency_key",
    "nflog_entry",
    "nflog_row",
]


def delivery_body(d: Delivery) -> str:
    """An outbox row's content. Alerts are named by fingerprint with the end they had at
    the flush (which decides their status); the rest of them is read back from the alert
    store, so a flush of many large groups writes little."""
    return orjson.dumps(
        {
            "key": d.key.as_list(),
            "labels": d.group_labels,
            "alerts": [[a.fingerprint, a.ends_at] for a in d.alerts],
            "firing": sorted(d.firing),
            "resolved": sorted(d.resolved),
            "now": d.now,
            "ff": d.first_failed_at,
            "fb": d.fallback_for.as_list() if d.fallback_for is not None else None,
            "pg": dataclasses.asdict(d.page) if d.page is not None else None,
        }
    ).decode()


def delivery_from_body(
    delivery_id: int, group_id: str, body: str, alert_of: Callable[[str], Alert | None]
) -> Delivery:
    """A stored delivery, its alerts read from the store as they are now (an alert
    forgotten since is left out), each with the end it had at the flush."""
    data = orjson.loads(body)
    gk, receiver, kind, index = data["key"]
    alerts = []
    for fp, ends_at in data["alerts"]:
        alert = alert_of(fp)
        if alert is not None:
            alerts.append(alert if alert.ends_at == ends_at else replace(alert, ends_at=ends_at))
    fallback_for = data.get("fb")
    page = data.get("pg")
    return Delivery(
        NotifyKey(gk, receiver, kind, int(index)),
        group_id,
        data["labels"],
        alerts,
        frozenset(data["firing"]),
        frozenset(data["resolved"]),
        float(data["now"]),
        delivery_id,
        data.get("ff"),
        NotifyKey(fallback_for[0], fallback_for[1], fallback_for[2], int(fallback_for[3]))
        if fallback_for
        else None,
        PageTarget(**page) if page else None,
    )


def nflog_row(key: NotifyKey, entry: NotifyEntry) -> dict[str, Any]:
    return {
        "group_key": key.group_key,
        "receiver": key.receiver,
        "integration": key.integration,
        "idx": key.index,
        "firing": orjson.dumps(sorted(entry.firing)).decode(),
        "resolved": orjson.dumps(sorted(entry.resolved)).decode(),
        "sent_at": entry.sent_at,
        "expires_at": entry.expires_at,
        "extra": orjson.dumps(entry.extra).decode(),
    }


def nflog_entry(row: dict[str, Any]) -> tuple[NotifyKey, NotifyEntry]:
    key = NotifyKey(row["group_key"], row["receiver"], row["integration"], int(row["idx"]))
    entry = NotifyEntry(
        frozenset(orjson.loads(row["firing"])),
        frozenset(orjson.loads(row["resolved"])),
        float(row["sent_at"]),
        float(row["expires_at"]),
        orjson.loads(row["extra"]),
    )
    return key, entry


def group_row(group: AggregationGroup) -> dict[str, Any]:
    return {
        "id": group.id,
        "group_key": group.key,
        "receiver": group.receiver,
        "labels": orjson.dumps(group.labels).decode(),
        "created_at": group.created_at,
        "first_flush_at": group.first_flush_at,
        "cutoff": None if math.isinf(group.cutoff) else group.cutoff,
    }


def idempotency_key(d: Delivery) -> str:
    """The same for every attempt of one delivery, different for every delivery."""
    text = f"{d.key.group_key}\x00{d.key.receiver}\x00{d.key.integration}\x00{d.key.index}"
    return hashlib.sha256(f"{text}\x00{d.id}\x00{d.now!r}".encode()).hexdigest()[:32]
