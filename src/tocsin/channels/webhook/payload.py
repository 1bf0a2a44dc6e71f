"""Alertmanager's webhook payload, version 4, built exactly as Alertmanager builds it.

- alerts are ordered by ``job``, then ``instance`` (alerts lacking the label after those
  with it), then by label set (fewer labels first, then by the sorted names and values);
- ``max_alerts`` keeps the first N in that order and counts the rest in
  ``truncatedAlerts``; ``status``, ``commonLabels`` and ``commonAnnotations`` come from the
  alerts that are sent;
- a firing alert's ``endsAt`` is Go's zero time, whatever it really is;
- ``receiver`` is the receiver name regex-quoted (Go's ``regexp.QuoteMeta``).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from typing import Any

from tocsin.model import Alert
from tocsin.model.times import format_nanos

__all__ = [
    "GO_ZERO_TIME",
    "compare_label_sets",
    "label_set_key",
    "quote_meta",
    "sort_alerts",
    "webhook_payload",
]

GO_ZERO_TIME = "0001-01-01T00:00:00Z"
_SPECIAL = re.compile(r"([\\.+*?()|\[\]{}^$])")


def quote_meta(text: str) -> str:
    """Go's ``regexp.QuoteMeta``."""
    return _SPECIAL.sub(r"\\\1", text)


def compare_label_sets(a: Mapping[str, str], b: Mapping[str, str]) -> int:
    """Go's ``LabelSet.Before`` as a comparison: fewer labels first, then by name/value."""
    if len(a) != len(b):
        return -1 if len(a) < len(b) else 1
    for name in sorted([*a, *b]):
        if name not in a:
            return -1
        if name not in b:
            return 1
        if a[name] != b[name]:
            return -1 if a[name] < b[name] else 1
    return 0


@functools.lru_cache(maxsize=4096)
def _name_key(name: str) -> tuple[int, ...]:
    """Orders names backwards: at the first name two label sets do not share, the set that
    has the smaller name sorts after the other (``LabelSet.Before``)."""
    return (*(-ord(c) for c in name), 1)


def label_set_key(labels: Mapping[str, str]) -> tuple[object, ...]:
    """A sort key that orders label sets as :func:`compare_label_sets` does."""
    return (len(labels), tuple([(_name_key(n), v) for n, v in sorted(labels.items())]))


def _job_instance(alert: Alert) -> tuple[bool, str, bool, str]:
    labels = alert.labels
    job = labels.get("job")
    instance = labels.get("instance")
    return (job is None, job or "", instance is None, instance or "")


def _alert_key(alert: Alert) -> tuple[object, ...]:
    return (*_job_instance(alert), label_set_key(alert.labels))


def sort_alerts(alerts: Sequence[Alert]) -> list[Alert]:
    """The order Alertmanager sends a group's alerts in: by ``job``, then ``instance``
    (alerts lacking the label after those with it), then by label set."""
    primary = [_job_instance(a) for a in alerts]
    if len(set(primary)) == len(primary):  # no ties: the label sets are not needed
        order = sorted(range(len(alerts)), key=primary.__getitem__)
        return [alerts[i] for i in order]
    return sorted(alerts, key=_alert_key)


def _common(maps: Sequence[Mapping[str, str]]) -> dict[str, str]:
    if not maps:
        return {}
    common = dict(maps[0])
    for other in maps[1:]:
        if not common:
            break
        common = {k: v for k, v in common.items() if other.get(k) == v}
    return common


def webhook_payload(
    *,
    receiver: str,
    group_key: str,
    group_labels: Mapping[str, str],
    alerts: Sequence[Alert],
    now: float,
    external_url: str,
    max_alerts: int = 0,
) -> dict[str, Any]:
    """The JSON object a webhook receives for one notification of a group.

    It shares the alerts' label and annotation maps (serialise it, do not change it)."""
    ordered = sort_alerts(alerts)
    truncated = 0
    if max_alerts and len(ordered) > max_alerts:
        truncated = len(ordered) - max_alerts
        ordered = ordered[:max_alerts]
    entries = []
    any_firing = False
    for alert in ordered:
        resolved = alert.ends_at <= now
        any_firing = any_firing or not resolved
        entries.append(
            {
                "status": "resolved" if resolved else "firing",
                "labels": alert.labels,
                "annotations": alert.annotations,
                "startsAt": format_nanos(alert.starts_at),
                "endsAt": format_nanos(alert.ends_at) if resolved else GO_ZERO_TIME,
                "generatorURL": alert.generator_url,
                "fingerprint": alert.fingerprint,
            }
        )
    return {
        "receiver": quote_meta(receiver),
        "status": "firing" if any_firing else "resolved",
        "alerts": entries,
        "groupLabels": dict(group_labels),
        "commonLabels": _common([a.labels for a in ordered]),
        "commonAnnotations": _common([a.annotations for a in ordered]),
        "externalURL": external_url,
        "version": "4",
        "groupKey": group_key,
        "truncatedAlerts": truncated,
    }
