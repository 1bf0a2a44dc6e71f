"""Go-template detection and translation."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.templates.helpers import FIRING, alert, data, render

from tocsin.templates import Templates, UntranslatableTemplate, is_go_template, translate


@pytest.mark.parametrize(
    "text",
    [
        "{{ .Status }}",
        "{{ range .Alerts }}{{ end }}",
        '{{ template "x" . }}',
        "{{- .X -}}",
        "{{ $x := 1 }}",
        "{{/* note */}}",
        "{{ toUpper .Status }}",
        "{{ end }}",
        "{{ . }}",
    ],
)
def test_go_text_is_recognised(text: str) -> None:
    assert is_go_template(text)


@pytest.mark.parametrize(
    "text",
    [
        "plain",
        "{{ status }}",
        "{% if x %}{{ .y }}{% endif %}",
        "{{ labels.job | upper }}",
        "{# c #}",
    ],
)
def test_jinja_and_plain_text_are_not_go(text: str) -> None:
    assert not is_go_template(text)


def test_fields_of_the_data_become_jinja_names() -> None:
    body = translate("{{ .Status }} {{ .CommonLabels.team }} {{ .ExternalURL }}").body
    assert "status" in body
    assert "commonLabels" in body
    assert "externalURL" in body


def test_a_label_called_like_a_dict_method_is_a_label() -> None:
    values = data(alert({"alertname": "A", "items": "3", "keys": "k", "get": "g"}))
    assert (
        render("{{ .CommonLabels.items }} {{ .CommonLabels.keys }} {{ .CommonLabels.get }}", values)
        == "3 k g"
    )


def test_dot_follows_range_and_with() -> None:
    text = (
        "{{ with .CommonLabels }}{{ .alertname }}{{ end }}|"
        "{{ range .Alerts }}{{ .Status }}{{ end }}"
    )
    assert render(text, FIRING) == "HighLatency|firingfiring"


def test_template_passes_any_value_as_dot() -> None:
    text = (
        '{{ define "n" }}{{ len . }}{{ end }}'
        '{{ template "n" .Alerts.Firing }}/{{ template "n" .CommonLabels }}'
    )
    assert render(text, FIRING) == "2/3"


def test_range_else_and_break() -> None:
    text = (
        "{{ range .Alerts.Resolved }}x{{ else }}none{{ end }}"
        "{{ range $i, $a := .Alerts }}{{ if eq $i 1 }}{{ break }}{{ end }}{{ $i }}{{ end }}"
    )
    assert render(text, FIRING) == "none0"


def test_values_print_as_go_prints_them() -> None:
    text = (
        "{{ true }} {{ 1.5 }} {{ 100000000.0 }} {{ .Alerts.Firing | len }} "
        "{{ (index .Alerts 0).StartsAt }}"
    )
    assert render(text, FIRING) == "true 1.5 1e+08 2 2023-11-14 21:13:20 +0000 UTC"


def test_printf_verbs() -> None:
    text = '{{ printf "%s|%d|%v|%q|%5s|%-3d|%x|%%" "a" 42 true "b\\"c" "r" 7 255 }}'
    assert render(text, FIRING) == 'a|42|true|"b\\"c"|    r|7  |ff|%'


def test_html_mode_escapes_printed_values() -> None:
    templates = Templates()
    field = templates.field(
        '<p>{{ .CommonLabels.alertname }} {{ "<&>" }}</p>', html=True, source="t"
    )
    assert templates.render(field, FIRING) == "<p>HighLatency &lt;&amp;&gt;</p>"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("{{ call .X }}", "the call function is not supported"),
        ("{{ humanize 3 }}", 'function "humanize" not defined'),
        ("{{ range .Alerts }}x", "missing {{ end }}"),
        ("{{ if .X }}a{{ else with .Y }}b{{ end }}", "else with is not supported"),
        ("{{ .Status", "unclosed action"),
        ("{{ $nope }}", "undefined variable $nope"),
        ('{{ "unterminated }}', "unterminated quoted string"),
        ("{{ end }}", "unexpected {{end}}"),
        ("{{ range $i, $x := .Alerts }}{{ $x = 1 }}{{ end }}", "assigning to $x"),
    ],
)
def test_untranslatable_text_says_why(text: str, reason: str) -> None:
    with pytest.raises(UntranslatableTemplate) as caught:
        translate(text)
    assert reason in caught.value.reason


def test_untranslatable_field_warns_with_its_source_and_renders_the_default() -> None:
    templates = Templates()
    field = templates.field(
        "{{ call .X }}", default='{{ template "slack.default.title" . }}', source="am.yml:12:7"
    )
    assert templates.warnings == [
        "am.yml:12:7: cannot translate this Go template (the call function is not supported); "
        "the channel's default text is used"
    ]
    assert templates.render(field, FIRING) == "[FIRING:2] HighLatency (api critical)"
    assert templates.render_failures == 0


GO_PIECES = st.sampled_from(
    [
        "{{",
        "}}",
        "{{-",
        "-}}",
        " ",
        ".",
        ".Status",
        "$x",
        ":=",
        "=",
        "|",
        "(",
        ")",
        "range",
        "if",
        "else",
        "end",
        "with",
        "template",
        "define",
        '"x"',
        "`r`",
        "'c'",
        "1",
        "-2.5",
        "/*",
        "*/",
        "len",
        "printf",
        "toUpper",
        "index",
        ",",
        "\n",
        "{",
        "}",
        "%",
        "#",
        "{%",
        "break",
        "nil",
        "true",
        "\\",
        '"',
    ]
)


@settings(
    max_examples=600, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(st.one_of(st.lists(GO_PIECES, max_size=25).map("".join), st.text(max_size=60)))
def test_translation_raises_nothing_but_untranslatable(text: str) -> None:
    try:
        result = translate(text)
    except UntranslatableTemplate:
        return
    templates = Templates()
    field = templates.field(text, default="fallback", source="fuzz")
    out = templates.render(field, FIRING)  # never raises
    assert isinstance(out, str)
    assert isinstance(result.body, str)
