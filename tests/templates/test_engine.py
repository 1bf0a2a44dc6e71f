"""Templates: fields, checks at load, failures at send time, user template files."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.templates.helpers import FIRING, RESOLVED, render

from tocsin.templates import Templates

TITLE = '{{ template "slack.default.title" . }}'


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("{{ .CommonLabel.team }}", "'CommonLabel' is not in the template data"),
        ("{{ nope }}", "'nope' is not in the template data"),
        ("{% if %}", "Expected an expression"),
        ('{% include "no.such.template" %}', 'no template named "no.such.template"'),
        ("{{ range .Alerts }}{{ .Labls }}{{ end }}", "can't evaluate field Labls"),
    ],
)
def test_a_bad_field_warns_at_load_and_renders_the_default(text: str, problem: str) -> None:
    templates = Templates()
    field = templates.field(text, default=TITLE, source="am.yml:3:9")
    (warning,) = templates.warnings
    assert warning.startswith("am.yml:3:9: ")
    assert problem in warning
    assert warning.endswith("the channel's default text is used")
    assert templates.render(field, FIRING) == "[FIRING:2] HighLatency (api critical)"


def test_a_template_failing_at_send_time_falls_back_and_is_counted() -> None:
    failed: list[str] = []
    templates = Templates(on_render_failure=failed.append)
    field = templates.field("{{ (index .Alerts 5).Status }}", default="fallback", source="s.yml:1")
    assert templates.warnings == []  # depends on the data: not a load-time problem
    assert templates.render(field, RESOLVED) == "fallback"
    assert templates.render_failures == 1
    assert failed == ["s.yml:1"]


def test_a_failure_is_logged_without_the_data(caplog: pytest.LogCaptureFixture) -> None:
    templates = Templates()
    field = templates.field("{{ 1 / (commonLabels.secret | length - 6) }}", default="d", source="x")
    secret_data = FIRING.__class__({**FIRING, "commonLabels": {"secret": "hunter"}})
    assert templates.render(field, secret_data) == "d"
    assert "hunter" not in caplog.text
    assert "ZeroDivisionError" in caplog.text


def test_templates_cannot_reach_python_internals() -> None:
    templates = Templates()
    field = templates.field("{{ status.__class__.__mro__ }}", default="safe", source="x")
    assert templates.render(field, FIRING) == "safe"
    field = templates.field("{{ commonLabels.clear() }}", default="safe", source="y")
    assert templates.render(field, FIRING) == "safe"
    assert FIRING["commonLabels"]  # untouched


def test_jinja_fields_include_named_templates() -> None:
    assert render('{% include "slack.default.title" %} / {{ status }}', RESOLVED) == (
        "[RESOLVED] DiskFull (db-1 node) / resolved"
    )


def test_a_missing_label_is_empty_in_jinja_too() -> None:
    assert render("[{{ commonLabels.nope }}][{{ commonLabels['nope'] }}]", FIRING) == "[][]"


def test_go_template_files_define_named_templates(tmp_path: Path) -> None:
    (tmp_path / "a.tmpl").write_text(
        '{{ define "myorg.title" }}{{ .CommonLabels.alertname }} ({{ .Status }}){{ end }}\n'
        '{{ define "myorg.list" }}{{ range . }}{{ .Labels.instance }};{{ end }}{{ end }}\n'
    )
    templates = Templates([str(tmp_path / "*.tmpl"), str(tmp_path / "nothing-*.tmpl")])
    assert templates.warnings == []
    assert "myorg.title" in templates.names
    assert render('{{ template "myorg.title" . }}', FIRING, templates) == "HighLatency (firing)"
    assert render('{% include "myorg.title" %}', FIRING, templates) == "HighLatency (firing)"
    assert render('{{ template "myorg.list" .Alerts }}', FIRING, templates) == "api-1;api-2;"


def test_problems_in_template_files_are_warnings_with_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "bad.tmpl").write_text(
        '{{ define "good" }}ok{{ end }}\n\n{{ define "bad" }}{{ humanize 1 }}{{ end }}\n'
    )
    (tmp_path / "broken.tmpl").write_text('{{ define "x" }}\n{{ if .Status }}\n')
    (tmp_path / "broken.j2").write_text("{% macro title() %}\n{% if %}{% endmacro %}")
    templates = Templates([str(tmp_path / "*")])
    bad, broken_j2, broken = sorted(templates.warnings)
    assert bad.startswith(f"{tmp_path / 'bad.tmpl'}:3: ")
    assert 'template "bad"' in bad
    assert broken.startswith(f"{tmp_path / 'broken.tmpl'}:")
    assert broken_j2.startswith(f"{tmp_path / 'broken.j2'}:2: ")
    good = templates.field('{{ template "good" . }}', default="default", source="f")
    assert templates.render(good, FIRING) == "ok"
    bad_field = templates.field('{{ template "bad" . }}', default="default", source="g")
    assert templates.render(bad_field, FIRING) == "default"
    assert (
        templates.warnings[-1] == 'g: no template named "bad"; the channel\'s default text is used'
    )


def test_jinja_template_files_define_macros_as_named_templates(tmp_path: Path) -> None:
    (tmp_path / "myorg.j2").write_text(
        "{% macro title() %}{{ status | upper }}: {{ commonLabels.alertname }}{% endmacro %}\n"
        "{% macro helper(x) %}{{ x }}{% endmacro %}\n"
    )
    templates = Templates([str(tmp_path / "*.j2")])
    assert templates.warnings == []
    assert "myorg.title" in templates.names
    assert "myorg.helper" not in templates.names
    assert render('{% include "myorg.title" %}', FIRING, templates) == "FIRING: HighLatency"
    assert render('{{ template "myorg.title" . }}', RESOLVED, templates) == "RESOLVED: DiskFull"


def test_later_files_override_earlier_ones(tmp_path: Path) -> None:
    (tmp_path / "1.tmpl").write_text('{{ define "t" }}one{{ end }}')
    (tmp_path / "2.tmpl").write_text('{{ define "t" }}two{{ end }}')
    templates = Templates([str(tmp_path / "*.tmpl")])
    assert render('{{ template "t" . }}', FIRING, templates) == "two"
