"""The data a template sees: what Alertmanager gives its templates, plus tocsin's own.

Jinja2 names (Alertmanager's Go names in brackets, which translated Go templates use):

    receiver (.Receiver)          status (.Status) "firing" | "resolved"
    alerts (.Alerts)              a list with .firing / .resolved (.Firing / .Resolved)
      alert.status  .labels  .annotations  .startsAt  .endsAt  .generatorURL  .fingerprint
    groupLabels (.GroupLabels)    commonLabels (.CommonLabels)
    commonAnnotations (.CommonAnnotations)                     externalURL (.ExternalURL)
    groupKey (.GroupKey)          truncatedAlerts (.TruncatedAlerts)

    tocsin: severity ("P0".."P3"), severity_name ("critical"…), runbook_url, ack_url,
            silence_url, alerts_url, more_alerts, more_notifications

Label and annotation maps are :class:`KV`: a dict (``labels["job"]``, ``labels.job`` in
Jinja2) with Alertmanager's ``SortedPairs``, ``Names``, ``Values`` and ``Remove``.
``startsAt`` / ``endsAt`` are aware UTC datetimes (Go's zero time for an open end).
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tocsin.model import Alert

__all__ = ["KV", "AlertData", "AlertList", "Pair", "TemplateData", "template_data"]

_GO_ZERO = datetime(1, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Pair:
    """One label or annotation (``.Name`` / ``.Value`` in Go templates)."""

    Name: str
    Value: str

    @property
    def name(self) -> str:
        return self.Name

    @property
    def value(self) -> str:
        return self.Value


class KV(dict[str, str]):
    """Labels or annotations, with Alertmanager's template methods.

    As in Alertmanager, the sorted order puts ``alertname`` first, and a missing key reads
    as the empty string (Alertmanager's templates run with ``missingkey=zero``).
    """

    def __missing__(self, key: str) -> str:
        return ""

    def _sorted(self) -> list[str]:
        keys = sorted(k for k in self if k != "alertname")
        return ["alertname", *keys] if "alertname" in self else keys

    def SortedPairs(self) -> list[Pair]:
        return [Pair(k, self[k]) for k in self._sorted()]

    def Names(self) -> list[str]:
        return self._sorted()

    def Values(self) -> list[str]:
        return [self[k] for k in self._sorted()]

    def Remove(self, names: Iterable[str]) -> KV:
        drop = set(names)
        return KV({k: v for k, v in self.items() if k not in drop})

    def __getattr__(self, name: str) -> str:
        if name.startswith("_") or name not in self:
            raise AttributeError(name)
        return self[name]


@dataclass(frozen=True, slots=True)
class AlertData:
    status: str
    labels: KV
    annotations: KV
    startsAt: datetime
    endsAt: datetime
    generatorURL: str
    fingerprint: str


class AlertList(list[AlertData]):
    """Alerts of a notification, with the firing and resolved ones apart."""

    @property
    def firing(self) -> AlertList:
        return AlertList(a for a in self if a.status == "firing")

    @property
    def resolved(self) -> AlertList:
        return AlertList(a for a in self if a.status == "resolved")


class TemplateData(dict[str, Any]):
    """The context of a template: a dict of the names above (also readable as attributes)."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


_QUOTE_META = re.compile(r"([\\.+*?()|\[\]{}^$])")


def quote_meta(text: str) -> str:
    """Go's ``regexp.QuoteMeta``: Alertmanager gives templates the receiver name quoted so."""
    return _QUOTE_META.sub(r"\\\1", text)


def _time(epoch: float) -> datetime:
    if epoch <= -62135596800.0:  # Go's zero time
        return _GO_ZERO
    return datetime.fromtimestamp(epoch, UTC)


def _common(maps: Sequence[Mapping[str, str]]) -> KV:
    if not maps:
        return KV()
    first = dict(maps[0])
    for other in maps[1:]:
        first = {k: v for k, v in first.items() if other.get(k) == v}
    return KV(first)


def _alerts_url(external_url: str, receiver: str, group_labels: Mapping[str, str]) -> str:
    """Alertmanager's ``slack.default.titlelink``-style link to the group's alerts."""
    filters = ",".join(f'{k}="{v}"' for k, v in sorted(group_labels.items()))
    query = urllib.parse.urlencode({"receiver": receiver, "filter": "{" + filters + "}"})
    return f"{external_url.rstrip('/')}/#/alerts?{query}"


def template_data(
    *,
    receiver: str,
    group_key: str,
    group_labels: Mapping[str, str],
    alerts: Sequence[Alert],
    now: float,
    external_url: str,
    severity: str = "P3",
    severity_label: str = "severity",
    extra: Mapping[str, Any] | None = None,
    truncated: int = 0,
) -> TemplateData:
    """The data of one notification (``now`` decides which alerts fire)."""
    items = AlertList()
    for a in alerts:
        items.append(
            AlertData(
                status="firing" if a.ends_at > now else "resolved",
                labels=KV(a.labels),
                annotations=KV(a.annotations),
                startsAt=_time(a.starts_at),
                endsAt=_time(a.ends_at) if a.ends_at <= now else _GO_ZERO,
                generatorURL=a.generator_url,
                fingerprint=a.fingerprint,
            )
        )
    firing = any(item.status == "firing" for item in items)
    common_labels = _common([a.labels for a in alerts])
    common_annotations = _common([a.annotations for a in alerts])
    extra = dict(extra or {})
    summary = extra.get("summary")
    base = external_url.rstrip("/")
    return TemplateData(
        receiver=quote_meta(receiver),
        status="firing" if firing else "resolved",
        alerts=items,
        groupLabels=KV(group_labels),
        commonLabels=common_labels,
        commonAnnotations=common_annotations,
        externalURL=external_url,
        groupKey=group_key,
        truncatedAlerts=truncated,
        severity=severity,
        severity_name=common_labels.get(severity_label, "")
        or (alerts[0].labels.get(severity_label, "") if alerts else ""),
        runbook_url=common_annotations.get("runbook_url", "")
        or common_annotations.get("runbook", ""),
        ack_url=str(extra.get("ack_url", "")),
        silence_url=str(extra.get("silence_url", "") or f"{base}/#/silences/new"),
        alerts_url=_alerts_url(external_url, receiver, group_labels),
        more_alerts=getattr(summary, "alerts", 0),
        more_notifications=getattr(summary, "notifications", 0),
    )
