"""Sample data: what a template is tried on when it is loaded."""

from __future__ import annotations

from functools import lru_cache

from tocsin.model import Alert
from tocsin.templates.data import TemplateData, template_data

__all__ = ["sample_data"]

_NOW = 1_700_000_000.0


def _alert(name: str, instance: str, ends_at: float, fingerprint: str) -> Alert:
    return Alert(
        fingerprint=fingerprint,
        labels={
            "alertname": name,
            "severity": "critical",
            "service": "api",
            "job": "api",
            "instance": instance,
        },
        annotations={
            "summary": f"{name} on {instance}",
            "description": "Latency is above 1s.",
            "runbook_url": "https://runbooks.example/high-latency",
        },
        starts_at=_NOW - 600,
        ends_at=ends_at,
        updated_at=_NOW,
        generator_url="http://prometheus.example:9090/graph?g0.expr=up",
    )


@lru_cache(maxsize=1)
def _cached() -> TemplateData:
    return template_data(
        receiver="sample",
        group_key='{}:{alertname="HighLatency"}',
        group_labels={"alertname": "HighLatency"},
        alerts=[
            _alert("HighLatency", "api-1:9090", _NOW + 300, "1c2a5e3b0f9d8a71"),
            _alert("HighLatency", "api-2:9090", _NOW - 60, "9e4f7a2c6b1d3e58"),
        ],
        now=_NOW,
        external_url="http://tocsin.example:9093",
        severity="P0",
        extra={"ack_url": "http://tocsin.example:9093/ack/sample"},
    )


def sample_data() -> TemplateData:
    """A notification of two alerts of one group, one firing and one resolved."""
    return _cached()
