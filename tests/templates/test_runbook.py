"""tocsin's runbook templates."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from tests.templates.helpers import alert, data, render

from tocsin.templates import RUNBOOK_TEMPLATES, TemplateData

RUNBOOK = "https://runbooks.example/latency"


def _latency(*services: str, firing: bool = True, more: int = 0, ack: str = "") -> TemplateData:
    extra: dict[str, object] = {"summary": SimpleNamespace(alerts=more, notifications=1)}
    if ack:
        extra["ack_url"] = ack
    return data(
        *(
            alert(
                {
                    "alertname": "HighLatency",
                    "severity": "critical",
                    "service": s,
                    "instance": f"{s}-{i}",
                },
                {"summary": "p99 above 1s", "runbook_url": RUNBOOK},
                firing=firing,
            )
            for i, s in enumerate(services)
        ),
        severity="P0",
        extra=extra,
    )


ONE_SERVICE = _latency("api", "api", "api")
THREE_SERVICES = _latency("api", "web", "db", more=37, ack="http://am.example:9093/ack/t0k3n")
RESOLVED = _latency("api", firing=False)


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (ONE_SERVICE, "CRITICAL Alert: HighLatency on api"),
        (THREE_SERVICES, "CRITICAL Alert: HighLatency on 3 services"),
        (RESOLVED, "RESOLVED: CRITICAL Alert: HighLatency on api"),
        (
            data(alert({"alertname": "Disk", "service": "db"}), severity="P2"),
            "P2 Alert: Disk on db",
        ),
        (
            data(alert({"alertname": "Disk"}), alert({"alertname": "Cpu"}), group={}),
            "P3 Alert: 2 alerts",
        ),
    ],
)
def test_the_email_subject_names_level_alert_and_service(
    values: TemplateData, expected: str
) -> None:
    assert render('{% include "runbook.email.subject" %}', values) == expected


def test_the_sms_is_one_line_with_what_a_rate_limit_held_back() -> None:
    sms = render('{% include "runbook.sms" %}', THREE_SERVICES)
    assert sms == f"[P0 FIRING:3] HighLatency on 3 services: {RUNBOOK} (+37 more alerts)"
    assert (
        render('{% include "runbook.sms" %}', RESOLVED)
        == f"[P0 RESOLVED] HighLatency on api: {RUNBOOK}"
    )
    multiline = data(alert({"alertname": "X"}, {"summary": "line one\nline two\r\n"}))
    assert "\n" not in render('{% include "runbook.sms" %}', multiline)


def test_the_voice_text_is_a_sentence_without_links() -> None:
    voice = render('{% include "runbook.voice" %}', THREE_SERVICES)
    assert voice == (
        "This is tocsin. CRITICAL alert: HighLatency on 3 services, 3 alerts firing. "
        "p99 above 1s. And 37 more alerts."
    )
    linked = data(alert({"alertname": "X"}, {"summary": "see https://x.example/a?b=1 now"}))
    spoken = render('{% include "runbook.voice" %}', linked)
    assert "://" not in spoken
    assert "see link now" in spoken


def test_the_email_bodies_say_what_fires_and_what_to_do() -> None:
    for name in ("runbook.email.text", "runbook.email.html"):
        body = render(f'{{% include "{name}" %}}', THREE_SERVICES)
        assert RUNBOOK in body
        assert "http://am.example:9093/ack/t0k3n" in body
        assert "http://am.example:9093/#/silences/new" in body
        assert "instance" in body
        assert "web-1" in body
        assert "2023-11-14 21:13:20 UTC" in body
        assert "+37 more alerts" in body
    assert "Acknowledge" not in render('{% include "runbook.email.text" %}', ONE_SERVICE)


def test_the_html_email_escapes_values() -> None:
    values = data(alert({"alertname": "A<script>", "service": "x&y"}))
    html = render('{% include "runbook.email.html" %}', values)
    assert "<script>" not in html
    assert "A&lt;script&gt;" in html


@pytest.mark.parametrize("name", sorted(RUNBOOK_TEMPLATES))
@pytest.mark.parametrize(
    "values", [ONE_SERVICE, THREE_SERVICES, RESOLVED], ids=["one", "three", "resolved"]
)
def test_every_runbook_template_renders(name: str, values: TemplateData) -> None:
    out = render(f'{{% include "{name}" %}}', values)
    if name not in ("runbook.more", "runbook.level", "runbook.state"):
        assert out.strip()


def test_chat_and_pager_texts() -> None:
    assert render('{% include "runbook.slack.title" %}', THREE_SERVICES) == (
        "[FIRING:3] CRITICAL: HighLatency on 3 services"
    )
    assert render('{% include "runbook.pagerduty.summary" %}', ONE_SERVICE) == (
        "[P0] HighLatency on api: p99 above 1s"
    )
    slack = render('{% include "runbook.slack.text" %}', THREE_SERVICES)
    assert f"<{RUNBOOK}|Runbook>" in slack
    teams = render('{% include "runbook.teams.text" %}', THREE_SERVICES)
    assert f"[Runbook]({RUNBOOK})" in teams
