"""Alertmanager's default templates render what Alertmanager 0.25 renders."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.support.binaries import require_binary
from tests.templates.helpers import FIRING, MIXED, RESOLVED, SEQUENCES, alert, data, render

from tocsin.templates import DEFAULT_TEMPLATES, Templates, translate

URL = "http://am.example:9093/#/alerts?receiver=team-x"

RESOLVED_LIST = (
    "Labels:\n - alertname = DiskFull\n - instance = db-1\n - job = node\n"
    "Annotations:\n - summary = disk full\n"
    "Source: http://prom.example:9090/graph?g0.expr=up&i=0\n"
)
MIXED_FIRING_LIST = (
    "Labels:\n - alertname = HighLatency\n - instance = api-1\n - service = api\n"
    "Annotations:\n - summary = slow\n"
    "Source: http://prom.example:9090/graph?g0.expr=up&i=0\n"
)
MIXED_RESOLVED_LIST = (
    "Labels:\n - alertname = HighLatency\n - instance = web-1\n - service = web\n"
    "Annotations:\n - summary = slow\n"
    "Source: http://prom.example:9090/graph?g0.expr=up&i=1\n"
)


@pytest.mark.parametrize(
    ("text", "values", "expected"),
    [
        ('{{ template "slack.default.title" . }}', FIRING, "[FIRING:2] HighLatency (api critical)"),
        ('{{ template "slack.default.title" . }}', RESOLVED, "[RESOLVED] DiskFull (db-1 node)"),
        ('{{ template "slack.default.title" . }}', MIXED, "[FIRING:1] HighLatency "),
        ('{{ template "email.default.subject" . }}', RESOLVED, "[RESOLVED] DiskFull (db-1 node)"),
        ('{{ template "slack.default.username" . }}', FIRING, "Alertmanager"),
        ('{{ template "slack.default.titlelink" . }}', FIRING, URL),
        (
            '{{ template "slack.default.fallback" . }}',
            FIRING,
            f"[FIRING:2] HighLatency (api critical) | {URL}",
        ),
        ('{{ template "slack.default.text" . }}', FIRING, ""),
        ('{{ template "slack.default.pretext" . }}', FIRING, ""),
        (
            '{{ template "pagerduty.default.description" .}}',
            FIRING,
            "[FIRING:2] HighLatency (api critical)",
        ),
        ('{{ template "pagerduty.default.client" . }}', FIRING, "Alertmanager"),
        ('{{ template "pagerduty.default.clientURL" . }}', FIRING, URL),
        ('{{ template "pagerduty.default.instances" .Alerts.Resolved }}', RESOLVED, RESOLVED_LIST),
        ('{{ template "pagerduty.default.instances" .Alerts.Firing }}', RESOLVED, ""),
        (
            '{{ template "__text_alert_list" .Alerts }}',
            MIXED,
            MIXED_FIRING_LIST + MIXED_RESOLVED_LIST,
        ),
        (
            '{{ template "opsgenie.default.description" . }}',
            MIXED,
            "slow\nAlerts Firing:\n"
            + MIXED_FIRING_LIST
            + "\nAlerts Resolved:\n"
            + MIXED_RESOLVED_LIST,
        ),
        (
            '{{ template "pushover.default.message" . }}',
            RESOLVED,
            "disk full\n\n\nAlerts Resolved:\n" + RESOLVED_LIST + "\n\n",
        ),
        (
            '{{ template "telegram.default.message" . }}',
            MIXED,
            "\n\nAlerts Firing:\n"
            + MIXED_FIRING_LIST
            + "\n\n\nAlerts Resolved:\n"
            + MIXED_RESOLVED_LIST
            + "\n\n",
        ),
        (
            '{{ template "wechat.default.message" . }}',
            RESOLVED,
            "[RESOLVED] DiskFull (db-1 node)\ndisk full\n\nAlerts Resolved:\n"
            + RESOLVED_LIST
            + f"\nAlertmanagerUrl:\n{URL}",
        ),
        (
            '{{ template "msteams.default.text" . }}',
            RESOLVED,
            "\n\n\n# Alerts Resolved:\n\nLabels:\n  - alertname = DiskFull\n  - instance = db-1\n"
            "  - job = node\n\nAnnotations:\n  - summary = disk full\n\n"
            "Source: http://prom.example:9090/graph?g0.expr=up&i=0\n\n\n\n",
        ),
        ('{{ template "msteamsv2.default.title" . }}', MIXED, "[FIRING:1] HighLatency "),
        ('{% include "slack.default.title" %}', FIRING, "[FIRING:2] HighLatency (api critical)"),
    ],
)
def test_default_templates_render_as_alertmanager(text: str, values: object, expected: str) -> None:
    assert render(text, values) == expected  # type: ignore[arg-type]


def test_the_subject_puts_alertname_first_and_quotes_the_receiver() -> None:
    values = data(
        alert({"alertname": "Z", "zone": "eu", "app": "x"}),
        group={"zone": "eu", "alertname": "Z"},
        receiver="ops.team+1",
    )
    assert render('{{ template "slack.default.title" . }}', values) == "[FIRING:1] Z eu (x)"
    assert render('{{ template "__alertmanagerURL" . }}', values) == (
        "http://am.example:9093/#/alerts?receiver=ops%5C.team%5C%2B1"
    )


@pytest.mark.parametrize("name", sorted(DEFAULT_TEMPLATES))
@pytest.mark.parametrize("which", [0, 1, 2], ids=["firing", "resolved", "mixed"])
def test_every_default_template_renders(name: str, which: int) -> None:
    values = SEQUENCES[which]
    if name in ("__text_alert_list", "__text_alert_list_markdown", "pagerduty.default.instances"):
        text = f'{{{{ template "{name}" .Alerts }}}}'
    else:
        text = f'{{{{ template "{name}" . }}}}'
    out = render(text, values)
    says_what = name.endswith((".title", ".subject", ".description", ".message", ".html"))
    if says_what or name == "msteams.default.text":
        assert "HighLatency" in out or "DiskFull" in out


def test_the_email_html_is_alertmanagers_with_its_escaping() -> None:
    values = data(
        alert({"alertname": "A<b>", "team": "r&d"}, {"summary": "x + y"}),
        group={"alertname": "A<b>"},
    )
    html = render('{{ template "email.default.html" . }}', values)
    assert html.startswith("\n<!--\nStyle and HTML derived from")
    assert html.endswith("</body>\n</html>\n\n")
    assert "<title>[FIRING:1] A&lt;b&gt; (r&amp;d)</title>" in html
    assert "alertname=A&lt;b&gt;" in html
    assert "summary = x &#43; y<br" in html
    assert 'href="http://prom.example:9090/graph?g0.expr=up&amp;i=0"' in html
    assert f'href="{URL}" class="btn-primary"' in html
    assert "1 alert for " in html
    assert "[1] Firing</strong>" in html
    assert "Resolved</strong>" not in html


def test_a_user_definition_overrides_a_default(tmp_path: Path) -> None:
    (tmp_path / "my.tmpl").write_text(
        '{{ define "slack.default.title" }}mine {{ .Status }}{{ end }}'
    )
    templates = Templates([str(tmp_path / "*.tmpl")])
    assert render('{{ template "slack.default.title" . }}', FIRING, templates) == "mine firing"
    assert render('{{ template "email.default.subject" . }}', FIRING, templates).startswith(
        "[FIRING:2]"
    )


ALERTMANAGER_TEMPLATES = Path("/usr/share/prometheus/alertmanager")


@pytest.mark.external
@pytest.mark.parametrize("which", [0, 1, 2], ids=["firing", "resolved", "mixed"])
def test_the_port_agrees_with_alertmanagers_own_files_translated(which: int) -> None:
    """Alertmanager's Go files, through the translator, give what the port gives
    (``make test`` installs prometheus-alertmanager, which ships them)."""
    require_binary("prometheus-alertmanager")
    sources: dict[str, str] = {}
    for file in ("default.tmpl", "email.tmpl"):
        translation = translate((ALERTMANAGER_TEMPLATES / file).read_text(), isolate_defines=True)
        assert translation.define_errors == {}
        sources.update(translation.defines)
    values = SEQUENCES[which]
    ported = Templates()
    original = Templates()
    original._sources.update(sources)
    checked = 0
    for name in sorted(sources):
        if name == "email.default.html":
            continue  # html/template escapes it; the port escapes as Go does (tested above)
        arg = ".Alerts" if name in ("__text_alert_list", "pagerduty.default.instances") else "."
        text = f'{{{{ template "{name}" {arg} }}}}'
        assert render(text, values, original) == render(text, values, ported), name
        checked += 1
    assert checked >= 40
