"""Hand-built notification data for template tests."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from tocsin.model import Alert
from tocsin.templates import TemplateData, Templates, template_data

NOW = 1_700_000_000.0  # 2023-11-14T22:13:20Z
STARTS = NOW - 3600  # 2023-11-14T21:13:20Z
EXTERNAL = "http://am.example:9093"

AlertSpec = tuple[Mapping[str, str], Mapping[str, str], bool]


def alert(
    labels: Mapping[str, str], annotations: Mapping[str, str] | None = None, *, firing: bool = True
) -> AlertSpec:
    return (labels, annotations or {}, firing)


def data(
    *alerts: AlertSpec,
    group: Mapping[str, str] | None = None,
    receiver: str = "team-x",
    extra: Mapping[str, Any] | None = None,
    severity: str = "P3",
) -> TemplateData:
    items = [
        Alert(
            fingerprint=f"{i:016x}",
            labels=dict(labels),
            annotations=dict(annotations),
            starts_at=STARTS,
            ends_at=NOW + 300 if firing else NOW - 60,
            updated_at=NOW,
            generator_url=f"http://prom.example:9090/graph?g0.expr=up&i={i}",
        )
        for i, (labels, annotations, firing) in enumerate(alerts)
    ]
    return template_data(
        receiver=receiver,
        group_key="{}:{}",
        group_labels=group if group is not None else {"alertname": alerts[0][0]["alertname"]},
        alerts=items,
        now=NOW,
        external_url=EXTERNAL,
        severity=severity,
        extra=extra,
    )


def render(text: str, values: TemplateData, templates: Templates | None = None) -> str:
    """Render ``text`` as a field; fails the test on any warning or render failure."""
    engine = templates or Templates()
    field = engine.field(text, default="DEFAULT", source="test")
    assert engine.warnings == [], engine.warnings
    out = engine.render(field, values)
    assert engine.render_failures == 0
    return out


FIRING = data(
    alert(
        {"alertname": "HighLatency", "service": "api", "severity": "critical", "instance": "api-1"},
        {"summary": "p99 above 1s", "runbook_url": "https://runbooks.example/latency"},
    ),
    alert(
        {"alertname": "HighLatency", "service": "api", "severity": "critical", "instance": "api-2"},
        {"summary": "p99 above 1s", "runbook_url": "https://runbooks.example/latency"},
    ),
)

RESOLVED = data(
    alert(
        {"alertname": "DiskFull", "job": "node", "instance": "db-1"},
        {"summary": "disk full"},
        firing=False,
    ),
)

MIXED = data(
    alert({"alertname": "HighLatency", "service": "api", "instance": "api-1"}, {"summary": "slow"}),
    alert(
        {"alertname": "HighLatency", "service": "web", "instance": "web-1"},
        {"summary": "slow"},
        firing=False,
    ),
)

SEQUENCES: Sequence[TemplateData] = (FIRING, RESOLVED, MIXED)
