# ruff: noqa: E501
"""Real-world Alertmanager receiver texts, translated from Go and rendered on fixed data.

Each expected text was worked out from Go's text/template rules and Alertmanager's data:
labels sort with ``alertname`` first, a missing label prints "", maps range in key order.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.templates.helpers import alert, data, render

from tocsin.templates import Templates

D = data(
    alert(
        {
            "alertname": "HighCPU",
            "severity": "critical",
            "instance": "node-1:9100",
            "job": "node",
            "namespace": "prod",
        },
        {
            "summary": "CPU high on node-1",
            "description": "CPU usage is 95%",
            "runbook_url": "https://rb/cpu",
        },
    ),
    alert(
        {
            "alertname": "HighCPU",
            "severity": "critical",
            "instance": "node-2:9100",
            "job": "node",
            "namespace": "prod",
        },
        {
            "summary": "CPU high on node-2",
            "description": "CPU usage is 91%",
            "runbook_url": "https://rb/cpu",
        },
        firing=False,
    ),
    group={"alertname": "HighCPU"},
    receiver="slack-prod",
)

SLACK_DETAILS = """{{ range .Alerts }}*Alert:* {{ .Annotations.summary }} - `{{ .Labels.severity }}`
*Description:* {{ .Annotations.description }}
*Details:*
{{ range .Labels.SortedPairs }} • *{{ .Name }}:* `{{ .Value }}`
{{ end }}{{ end }}"""

SLACK_DETAILS_OUT = "".join(
    f"*Alert:* CPU high on node-{n} - `critical`\n*Description:* CPU usage is {pct}%\n*Details:*\n"
    f" • *alertname:* `HighCPU`\n • *instance:* `node-{n}:9100`\n • *job:* `node`\n"
    " • *namespace:* `prod`\n • *severity:* `critical`\n"
    for n, pct in ((1, 95), (2, 91))
)

TELEGRAM = """{{ define "telegram.msg" }}{{ if eq .Status "firing" }}🔥{{ else }}✅{{ end }} <b>{{ .CommonLabels.alertname }}</b>
{{ range .Alerts }}• {{ .Annotations.summary }}
{{ end }}{{ end }}{{ template "telegram.msg" . }}"""

TRIMMED = """{{- range .Alerts.Firing }}
  - {{ .Labels.instance }}
{{- end }}"""

JIRA_PRIORITY = """{{- $p := "" }}
{{- range .Alerts.Firing }}
  {{- if eq (index .Labels "severity") "critical" }}{{- $p = "High" }}{{- end }}
{{- end }}
{{- $p -}}"""

CORPUS: list[tuple[str, str]] = [
    (
        '[{{ .Status | toUpper }}{{ if eq .Status "firing" }}:{{ .Alerts.Firing | len }}{{ end }}] '
        "{{ .CommonLabels.alertname }}",
        "[FIRING:1] HighCPU",
    ),
    (SLACK_DETAILS, SLACK_DETAILS_OUT),
    ("{{ .CommonAnnotations.summary }}", ""),
    ("[{{ .CommonLabels.nonexistent }}]", "[]"),
    ('{{ index .CommonLabels "namespace" }}', "prod"),
    ("{{ len .Alerts }} alerts", "2 alerts"),
    ("{{ .Alerts.Resolved | len }}", "1"),
    ("{{ range .Alerts.Firing }}{{ .Labels.instance }} {{ end }}", "node-1:9100 "),
    (
        "{{ range $i, $a := .Alerts }}{{ if $i }}, {{ end }}{{ $a.Labels.instance }}{{ end }}",
        "node-1:9100, node-2:9100",
    ),
    (
        "{{ with .CommonAnnotations.runbook_url }}Runbook: {{ . }}{{ end }}",
        "Runbook: https://rb/cpu",
    ),
    ("{{ with .CommonAnnotations.nope }}x{{ else }}no runbook{{ end }}", "no runbook"),
    (
        '{{ if eq .CommonLabels.severity "critical" }}:red_circle:{{ else if eq .CommonLabels.severity'
        ' "warning" }}:warning:{{ else }}:information_source:{{ end }}',
        ":red_circle:",
    ),
    ('{{ .GroupLabels.SortedPairs.Values | join ", " }}', "HighCPU"),
    ('{{ .CommonLabels.Names | join "," }}', "alertname,job,namespace,severity"),
    ('{{ (.CommonLabels.Remove .GroupLabels.Names).Values | join " " }}', "node prod critical"),
    (
        '{{ printf "%s has %d alerts" .CommonLabels.alertname (len .Alerts) }}',
        "HighCPU has 2 alerts",
    ),
    ('{{ printf "%q" .Receiver }}', '"slack-prod"'),
    (
        '{{ .CommonLabels.severity | toUpper }} / {{ "MiXed" | toLower }} / {{ title "hello world" }}',
        "CRITICAL / mixed / Hello World",
    ),
    ('{{ reReplaceAll ":[0-9]+" "" (index .Alerts 0).Labels.instance }}', "node-1"),
    ('{{ reReplaceAll "node-([0-9]+):.*" "host $1" (index .Alerts 1).Labels.instance }}', "host 2"),
    ('{{ if match "^node-" (index .Alerts 0).Labels.instance }}node{{ end }}', "node"),
    (
        '{{ range .Alerts }}{{ .StartsAt.Format "2006-01-02 15:04:05 MST" }};{{ end }}',
        "2023-11-14 21:13:20 UTC;2023-11-14 21:13:20 UTC;",
    ),
    (TELEGRAM, "🔥 <b>HighCPU</b>\n• CPU high on node-1\n• CPU high on node-2\n"),
    (TRIMMED, "\n  - node-1:9100"),
    ("a{{/* hidden */}}b {{- /* trimmed */ -}} c", "abc"),
    (
        '[{{ .Status | toUpper }}{{ if eq .Status "firing" }}:{{ .Alerts.Firing | len }}{{ end }}] '
        "{{ .CommonLabels.alertname }} in {{ .CommonLabels.namespace }}",
        "[FIRING:1] HighCPU in prod",
    ),
    ('{{ template "__subject" . }}', "[FIRING:1] HighCPU (node prod critical)"),
    (
        "{{ range .Alerts }}**{{ .Labels.alertname }}** ({{ .Status }}): {{ .Annotations.description }}\n\n{{ end }}",
        "**HighCPU** (firing): CPU usage is 95%\n\n**HighCPU** (resolved): CPU usage is 91%\n\n",
    ),
    (
        "{{ range .Alerts }}{{ if .Annotations.runbook_url }}<{{ .Annotations.runbook_url }}|:notebook:>"
        "{{ end }} {{ .Annotations.summary }}\n{{ end }}",
        "<https://rb/cpu|:notebook:> CPU high on node-1\n<https://rb/cpu|:notebook:> CPU high on node-2\n",
    ),
    (
        "{{ $severity := .CommonLabels.severity }}{{ range .Alerts }}{{ $severity }}/{{ .Labels.instance }} {{ end }}",
        "critical/node-1:9100 critical/node-2:9100 ",
    ),
    (JIRA_PRIORITY, "High"),
    (
        "{{ .ExternalURL }}/#/alerts?receiver={{ .Receiver | urlquery }}",
        "http://am.example:9093/#/alerts?receiver=slack-prod",
    ),
    (
        "{{ range .CommonLabels.SortedPairs }}{{ .Name }}={{ .Value }} {{ end }}",
        "alertname=HighCPU job=node namespace=prod severity=critical ",
    ),
    ("{{ .CommonLabels }}", "alertname=HighCPU, job=node, namespace=prod, severity=critical"),
    (
        "{{ range $k, $v := .CommonLabels }}{{ $k }}:{{ $v }};{{ end }}",
        "alertname:HighCPU;job:node;namespace:prod;severity:critical;",
    ),
    ('{{ .Alerts.Firing | len | printf "%d firing" }}', "1 firing"),
    (
        '{{ if and (gt (len .Alerts.Firing) 0) (eq .CommonLabels.namespace "prod") }}PAGE{{ end }}',
        "PAGE",
    ),
    ('{{ stringSlice "a" "b" | join "-" }}', "a-b"),
    ("{{ .Alerts.Firing | len }}{{ if not .Alerts.Resolved }} none resolved{{ end }}", "1"),
    ('{{ (index .Alerts 1).EndsAt.Format "15:04" }}', "22:12"),
    ("{{ .TruncatedAlerts }}", "0"),
    ('{{ trimSpace "  x  " }}|{{ "<b>" | html }}', "x|&lt;b&gt;"),
    ("{{ $.Status }}{{ range .Alerts }}{{ $.Receiver }}{{ end }}", "firingslack-prodslack-prod"),
    ("{{ (index .Alerts 0).Fingerprint }}", "0000000000000000"),
    ('{{ eq .Status "resolved" "firing" }} {{ ne 1 2 }} {{ lt 1.5 2 }}', "true true true"),
]


@pytest.mark.parametrize(
    ("text", "expected"), CORPUS, ids=[f"snippet-{i}" for i in range(len(CORPUS))]
)
def test_alertmanager_snippets_render_as_in_alertmanager(text: str, expected: str) -> None:
    assert render(text, D) == expected


def test_the_corpus_is_large() -> None:
    assert len(CORPUS) >= 30


NOTIFICATION_EXAMPLES = """
{{ define "slack.myorg.text" }}https://internal.myorg.net/wiki/alerts/{{ .GroupLabels.app }}/{{ .GroupLabels.alertname }}{{ end}}

{{ define "__single_message_title" }}{{ range .Alerts.Firing }}{{ .Labels.alertname }} @ {{ .Annotations.identifier }}{{ end }}{{ range .Alerts.Resolved }}{{ .Labels.alertname }} @ {{ .Annotations.identifier }}{{ end }}{{ end }}

{{ define "custom_title" }}[{{ .Status | toUpper }}{{ if eq .Status "firing" }}:{{ .Alerts.Firing | len }}{{ end }}] {{ if or (and (eq (len .Alerts.Firing) 1) (eq (len .Alerts.Resolved) 0)) (and (eq (len .Alerts.Firing) 0) (eq (len .Alerts.Resolved) 1)) }}{{ template "__single_message_title" . }}{{ end }}{{ end }}

{{ define "custom_slack_message" }}
{{ if or (and (eq (len .Alerts.Firing) 1) (eq (len .Alerts.Resolved) 0)) (and (eq (len .Alerts.Firing) 0) (eq (len .Alerts.Resolved) 1)) }}
{{ range .Alerts.Firing }}{{ .Annotations.description }}{{ end }}{{ range .Alerts.Resolved }}{{ .Annotations.description }}{{ end }}
{{ else }}
{{ if gt (len .Alerts.Firing) 0 }}
*Alerts Firing:*
{{ range .Alerts.Firing }}- {{ .Annotations.identifier }}: {{ .Annotations.description }}
{{ end }}{{ end }}
{{ if gt (len .Alerts.Resolved) 0 }}
*Alerts Resolved:*
{{ range .Alerts.Resolved }}- {{ .Annotations.identifier }}: {{ .Annotations.description }}
{{ end }}{{ end }}
{{ end }}
{{ end }}
"""


@pytest.fixture
def examples(tmp_path: Path) -> Templates:
    (tmp_path / "myorg.tmpl").write_text(NOTIFICATION_EXAMPLES)
    templates = Templates([str(tmp_path / "*.tmpl")])
    assert templates.warnings == []
    return templates


def test_the_runbook_link_example_of_prometheus_docs(examples: Templates) -> None:
    text = '{{ template "slack.myorg.text" . }}'
    assert render(text, D, examples) == "https://internal.myorg.net/wiki/alerts//HighCPU"


def test_the_ranging_example_of_prometheus_docs(examples: Templates) -> None:
    assert render('{{ template "custom_title" . }}', D, examples) == "[FIRING:1] "
    assert render('{{ template "custom_slack_message" . }}', D, examples) == (
        "\n\n\n*Alerts Firing:*\n- : CPU usage is 95%\n\n\n*Alerts Resolved:*\n- : CPU usage is 91%\n\n\n"
    )
    single = data(alert({"alertname": "Down"}, {"identifier": "db-1", "description": "db is down"}))
    assert render('{{ template "custom_title" . }}', single, examples) == "[FIRING:1] Down @ db-1"
    assert (
        render('{{ template "custom_slack_message" . }}', single, examples) == "\n\ndb is down\n\n"
    )
