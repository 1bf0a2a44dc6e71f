"""The PagerDuty events tocsin sends, built as Alertmanager 0.25 builds them.

Events API v2 (``routing_key``)::

    {"routing_key", "dedup_key", "event_action": "trigger" | "resolve",
     "payload": {"summary", "source", "severity", "class", "component", "group",
                 "custom_details"},
     "client", "client_url", "images", "links"}

Events API v1 (``service_key``)::

    {"service_key", "incident_key", "event_type": "trigger" | "resolve", "description",
     "event_action": "", "payload": null, "client", "client_url", "details"}

Like Alertmanager's Go encoder: empty optional strings, lists and maps are left out, v1
events carry ``"event_action": ""`` and ``"payload": null``, ``client`` and ``client_url``
of a v1 event are sent on trigger only, map keys are sorted, ``<``, ``>`` and ``&`` are
escaped and the document ends with a newline. The dedup key (v1: incident key) is the hex
SHA-256 of the group key, the same for every notification of a group, so PagerDuty keeps
one incident per group and a resolve closes it. The summary (v1: description) is cut to
1024 characters, ending in ``...``. An event larger than 512000 bytes has its custom
details (v1: details) replaced by one ``error`` entry saying so.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import orjson

__all__ = [
    "MAX_EVENT_BYTES",
    "MAX_SUMMARY_CHARS",
    "TOO_LARGE_DETAILS",
    "Image",
    "Link",
    "dedup_key",
    "encode_event",
    "truncate",
    "v1_event",
    "v2_event",
]

MAX_EVENT_BYTES = 512_000
MAX_SUMMARY_CHARS = 1024
TOO_LARGE_DETAILS = (
    "Custom details have been removed because the original event exceeds the maximum size of 512KB"
)

_GO_ESCAPES = (
    (b"<", b"\\u003c"),
    (b">", b"\\u003e"),
    (b"&", b"\\u0026"),
    ("\u2028".encode(), b"\\u2028"),
    ("\u2029".encode(), b"\\u2029"),
)


@dataclass(frozen=True, slots=True)
class Image:
    """A rendered ``images`` entry (sent only when ``src`` is not empty)."""

    src: str
    alt: str = ""
    href: str = ""


@dataclass(frozen=True, slots=True)
class Link:
    """A rendered ``links`` entry (sent only when ``href`` is not empty)."""

    href: str
    text: str = ""


def dedup_key(group_key: str) -> str:
    """The key PagerDuty deduplicates a group's events by: hex SHA-256 of the group key."""
    return hashlib.sha256(group_key.encode()).hexdigest()


def truncate(text: str, limit: int = MAX_SUMMARY_CHARS) -> tuple[str, bool]:
    """``text`` cut to ``limit`` characters, the last three replaced by ``...``; and
    whether it was cut."""
    if len(text) <= limit:
        return text, False
    if limit <= 3:
        return text[:limit], True
    return text[: limit - 3] + "...", True


def _present(items: Mapping[str, Any]) -> dict[str, Any]:
    """``items`` without the empty values Go's ``omitempty`` leaves out."""
    return {k: v for k, v in items.items() if v not in ("", None, [], {})}


def v2_event(
    *,
    routing_key: str,
    group_key: str,
    resolved: bool,
    summary: str,
    source: str,
    severity: str,
    class_: str = "",
    component: str = "",
    group: str = "",
    details: Mapping[str, str] | None = None,
    client: str = "",
    client_url: str = "",
    images: Sequence[Image] = (),
    links: Sequence[Link] = (),
) -> dict[str, Any]:
    """An Events API v2 event; ``summary`` is truncated here."""
    payload = {
        "summary": truncate(summary)[0],
        "source": source,
        "severity": severity,
    }
    payload.update(_present({"class": class_, "component": component, "group": group}))
    custom = dict(sorted((details or {}).items()))
    event: dict[str, Any] = {
        "routing_key": routing_key,
        "dedup_key": dedup_key(group_key),
        "event_action": "resolve" if resolved else "trigger",
        "payload": {**payload, **_present({"custom_details": custom})},
    }
    event.update(
        _present(
            {
                "client": client,
                "client_url": client_url,
                "images": [{"src": i.src, "alt": i.alt, "href": i.href} for i in images if i.src],
                "links": [{"href": link.href, "text": link.text} for link in links if link.href],
            }
        )
    )
    return event


def v1_event(
    *,
    service_key: str,
    group_key: str,
    resolved: bool,
    description: str,
    details: Mapping[str, str] | None = None,
    client: str = "",
    client_url: str = "",
) -> dict[str, Any]:
    """An Events API v1 event; ``description`` is truncated here."""
    event: dict[str, Any] = {
        "service_key": service_key,
        "incident_key": dedup_key(group_key),
        "event_type": "resolve" if resolved else "trigger",
    }
    event.update(_present({"description": truncate(description)[0]}))
    event["event_action"] = ""
    event["payload"] = None
    if not resolved:
        event.update(_present({"client": client, "client_url": client_url}))
    event.update(_present({"details": dict(sorted((details or {}).items()))}))
    return event


def _go_json(document: Mapping[str, Any]) -> bytes:
    data = orjson.dumps(document)
    for raw, escaped in _GO_ESCAPES:
        if raw in data:
            data = data.replace(raw, escaped)
    return data + b"\n"


def encode_event(event: dict[str, Any]) -> tuple[bytes, int]:
    """The request body for ``event``, and the size of the original when its details had
    to be replaced to stay within :data:`MAX_EVENT_BYTES` (else 0). Changes ``event``'s
    details in that case."""
    body = _go_json(event)
    if len(body) <= MAX_EVENT_BYTES:
        return body, 0
    replacement = {"error": TOO_LARGE_DETAILS}
    if isinstance(event.get("payload"), dict):
        event["payload"]["custom_details"] = replacement
    else:
        event["details"] = replacement
    return _go_json(event), len(body)
