"""Inhibition as Alertmanager 0.25 decides it (facts 15)."""

from __future__ import annotations

from tocsin.config import load_config_text
from tocsin.model import Alert, fingerprint
from tocsin.pipeline import InhibitionIndex, build_inhibition_rules

NOW = 1_800_000_000.0

CONFIG = """
route: {receiver: r}
receivers: [{name: r}]
inhibit_rules:
  - source_matchers: [severity="critical"]
    target_matchers: [severity=~"warning|critical"]
    equal: [service, zone]
  - source_match: {alertname: NodeDown}
    target_match_re: {alertname: "Disk.*"}
    equal: [instance]
"""


def alert(ends: float = NOW + 300, **labels: str) -> Alert:
    return Alert(fingerprint(labels), labels, {}, NOW - 60, ends, NOW)


def index(*alerts: Alert) -> InhibitionIndex:
    rules = build_inhibition_rules(load_config_text(CONFIG).inhibit_rules)
    return InhibitionIndex(rules, alerts, NOW)


def test_source_inhibits_target_with_equal_labels() -> None:
    source = alert(alertname="A", severity="critical", service="db")
    idx = index(source)
    assert idx.inhibited_by({"alertname": "B", "severity": "warning", "service": "db"}) == [
        source.fingerprint
    ]
    assert idx.inhibited_by({"alertname": "B", "severity": "warning", "service": "web"}) == []


def test_equal_label_absent_on_both_sides_counts_as_equal() -> None:
    source = alert(alertname="A", severity="critical", service="db")  # no zone
    assert index(source).inhibited_by({"severity": "warning", "service": "db"}) != []
    assert index(source).inhibited_by({"severity": "warning", "service": "db", "zone": "a"}) == []


def test_alerts_matching_both_sides_do_not_inhibit_each_other() -> None:
    one = alert(alertname="A", severity="critical", service="db")
    two = alert(alertname="B", severity="critical", service="db")
    idx = index(one, two)
    assert idx.inhibited_by(one.labels) == []
    assert idx.inhibited_by(two.labels) == []
    # ...but they inhibit target-only alerts.
    assert idx.inhibited_by({"severity": "warning", "service": "db"}) == [
        min(one.fingerprint, two.fingerprint)
    ]


def test_resolved_sources_do_not_inhibit() -> None:
    gone = alert(ends=NOW, alertname="A", severity="critical", service="db")
    assert index(gone).inhibited_by({"severity": "warning", "service": "db"}) == []


def test_legacy_match_forms_and_anchored_regexes() -> None:
    down = alert(alertname="NodeDown", instance="h1")
    idx = index(down)
    assert idx.inhibited_by({"alertname": "DiskFull", "instance": "h1"}) == [down.fingerprint]
    assert idx.inhibited_by({"alertname": "NoDiskFull", "instance": "h1"}) == []


def test_no_rules_inhibit_nothing() -> None:
    idx = InhibitionIndex([], [alert(alertname="A", severity="critical")], NOW)
    assert idx.inhibited_by({"severity": "warning"}) == []
    assert idx.mutes({"severity": "warning"}, None, NOW) is None
