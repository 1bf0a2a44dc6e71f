"""Bad files: every problem is reported at its file:line:col and key path, all at once."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest

from tocsin.config import ConfigError, load_config, load_config_text

BASE = """\
route:
  receiver: r
receivers:
  - name: r
"""


def errors_of(text: str, **kwargs: Any) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_config_text(textwrap.dedent(text), filename="x.yml", **kwargs)
    return [str(issue) for issue in info.value.issues]


CASES = [
    pytest.param(
        BASE + "foo: 1\n",
        ['x.yml:5:1: foo: unknown field "foo"'],
        id="unknown-top-level-key",
    ),
    pytest.param(
        "route:\n  receiver: r\n  recevier: q\nreceivers: [{name: r}]\n",
        ['x.yml:3:3: route.recevier: unknown field "recevier"'],
        id="unknown-route-key",
    ),
    pytest.param(
        "route:\n  receiver: r\n  routes:\n    - receiver: ops\nreceivers: [{name: r}]\n",
        ['x.yml:4:17: route.routes[0].receiver: undefined receiver "ops" used in route'],
        id="undefined-receiver",
    ),
    pytest.param(
        BASE + "  - name: r\n",
        ['x.yml:5:11: receivers[1].name: notification config name "r" is not unique'],
        id="duplicate-receiver",
    ),
    pytest.param(
        BASE + "  - webhook_configs: [{url: 'http://127.0.0.1/'}]\n",
        ["x.yml:5:5: receivers[1]: missing name in receiver"],
        id="receiver-without-name",
    ),
    pytest.param(
        "route: {}\nreceivers: [{name: r}]\n",
        ["x.yml:1:8: route: root route must specify a default receiver"],
        id="root-without-receiver",
    ),
    pytest.param(
        "receivers: [{name: r}]\n",
        ["x.yml:1:1: no route provided in config"],
        id="no-route",
    ),
    pytest.param(
        "",
        ["x.yml:1:1: no route provided in config"],
        id="empty-file",
    ),
    pytest.param(
        "route:\n  receiver: r\n  continue: true\n  matchers: [a=b]\nreceivers: [{name: r}]\n",
        [
            "x.yml:3:13: route.continue: cannot have continue in root route",
            "x.yml:4:13: route.matchers: root route must not have any matchers",
        ],
        id="root-continue-and-matchers",
    ),
    pytest.param(
        "route:\n  receiver: r\n  mute_time_intervals: [x]\n  active_time_intervals: [x]\n"
        "receivers: [{name: r}]\ntime_intervals: [{name: x}]\n",
        [
            "x.yml:3:24: route.mute_time_intervals: root route must not have any mute time "
            "intervals",
            "x.yml:4:26: route.active_time_intervals: root route must not have any active "
            "time intervals",
        ],
        id="root-time-intervals",
    ),
    pytest.param(
        "route:\n  receiver: r\n  routes:\n    - mute_time_intervals: [nights]\n"
        "receivers: [{name: r}]\n",
        [
            "x.yml:4:29: route.routes[0].mute_time_intervals[0]: undefined time interval "
            '"nights" used in route'
        ],
        id="undefined-time-interval",
    ),
    pytest.param(
        BASE + "mute_time_intervals: [{name: x}]\ntime_intervals: [{name: x}]\n",
        ['x.yml:6:25: time_intervals[0].name: time interval "x" is not unique'],
        id="duplicate-time-interval-across-sections",
    ),
    pytest.param(
        BASE + "time_intervals: [{time_intervals: []}]\n",
        ["x.yml:5:18: time_intervals[0]: missing name in time interval"],
        id="time-interval-without-name",
    ),
    pytest.param(
        "route:\n  receiver: r\n  group_by: ['...', job]\nreceivers: [{name: r}]\n",
        [
            "x.yml:3:13: route.group_by: cannot have wildcard group_by (`...`) and other "
            "other labels at the same time"
        ],
        id="group-by-wildcard-and-label",
    ),
    pytest.param(
        "route:\n  receiver: r\n  group_by: [ok, 'bad-label']\nreceivers: [{name: r}]\n",
        ['x.yml:3:18: route.group_by[1]: invalid label name "bad-label" in group_by list'],
        id="group-by-bad-label",
    ),
    pytest.param(
        "route:\n  receiver: r\n  group_interval: 0s\nreceivers: [{name: r}]\n",
        ["x.yml:3:19: route.group_interval: group_interval cannot be zero"],
        id="group-interval-zero",
    ),
    pytest.param(
        "route:\n  receiver: r\n  group_wait: 1h 30m\nreceivers: [{name: r}]\n",
        ['x.yml:3:15: route.group_wait: not a valid duration string: "1h 30m"'],
        id="bad-duration",
    ),
    pytest.param(
        "route:\n  receiver: r\n  routes:\n    - match_re: {job: '(x'}\nreceivers: [{name: r}]\n",
        [
            "x.yml:4:23: route.routes[0].match_re.job: error parsing regexp: missing closing ): "
            "`^(?:(x)$`"
        ],
        id="bad-match-re",
    ),
    pytest.param(
        "route:\n  receiver: r\n  routes:\n    - match: {'a-b': x}\nreceivers: [{name: r}]\n",
        ['x.yml:4:15: route.routes[0].match.a-b: invalid label name "a-b"'],
        id="bad-match-label",
    ),
    pytest.param(
        BASE + "inhibit_rules:\n  - equal: [ok, 'bad-label']\n",
        ['x.yml:6:17: inhibit_rules[0].equal[1]: "bad-label" is not a valid label name'],
        id="inhibit-equal-bad-label",
    ),
    pytest.param(
        BASE + "    webhook_configs:\n      - url: ftp://x/\n        send_resolved: 'yes'\n",
        [
            'x.yml:6:14: receivers[0].webhook_configs[0].url: unsupported scheme "ftp" for URL',
            "x.yml:7:24: receivers[0].webhook_configs[0].send_resolved: expected true or "
            'false, got the string "yes"',
        ],
        id="webhook-bad-url-and-bool",
    ),
    pytest.param(
        BASE + "    webhook_configs: [{}]\n",
        ["x.yml:5:23: receivers[0].webhook_configs[0]: missing URL in webhook config"],
        id="webhook-without-url",
    ),
    pytest.param(
        BASE + "    email_configs: [{to: a@example.org}]\n",
        ["x.yml:5:21: receivers[0].email_configs[0]: no global SMTP smarthost set"],
        id="email-without-global-smarthost",
    ),
    pytest.param(
        BASE + "    slack_configs: [{channel: '#x'}]\n",
        [
            "x.yml:5:21: receivers[0].slack_configs[0]: no global Slack API URL set either "
            "inline or in a file"
        ],
        id="slack-without-global-url",
    ),
    pytest.param(
        BASE + "    pagerduty_configs: [{}]\n",
        [
            "x.yml:5:25: receivers[0].pagerduty_configs[0]: missing service or routing key "
            "in PagerDuty config"
        ],
        id="pagerduty-without-key",
    ),
    pytest.param(
        BASE + "    webhook_configs:\n      - url: http://127.0.0.1/\n        http_config:\n"
        "          bearer_token: t\n          basic_auth: {username: u}\n",
        [
            "x.yml:8:11: receivers[0].webhook_configs[0].http_config: at most one of "
            "basic_auth, oauth2, bearer_token & bearer_token_file must be configured"
        ],
        id="http-config-exclusive-auth",
    ),
    pytest.param(
        BASE + "time_intervals:\n  - name: t\n    time_intervals:\n"
        "      - weekdays: ['friday:monday']\n        months: [jan]\n"
        "        days_of_month: ['-5:3']\n        location: Mars/Base\n",
        [
            "x.yml:8:20: time_intervals[0].time_intervals[0].weekdays[0]: start day cannot "
            "be before end day",
            "x.yml:9:18: time_intervals[0].time_intervals[0].months[0]: jan is not a valid month",
            "x.yml:10:25: time_intervals[0].time_intervals[0].days_of_month[0]: end day must "
            "be negative if start day is negative",
            "x.yml:11:19: time_intervals[0].time_intervals[0].location: unknown time zone "
            "Mars/Base",
        ],
        id="time-interval-fields",
    ),
    pytest.param(
        BASE + "time_intervals:\n  - name: t\n    time_intervals:\n"
        "      - times: [{start_time: '24:01', end_time: '25:00'}]\n",
        [
            "x.yml:8:17: time_intervals[0].time_intervals[0].times[0]: couldn't parse "
            "timestamp 24:01, invalid format"
        ],
        id="time-interval-bad-time",
    ),
    pytest.param(
        BASE + "incidents:\n  - name: sre\n",
        ["x.yml:6:3: incidents: `incidents` is not available in this version of tocsin"],
        id="reserved-section",
    ),
    pytest.param(
        BASE + "severity:\n  levels:\n    P0: [critical]\n    P1: [Critical]\n",
        [
            'x.yml:8:10: severity.levels.P1[0]: severity value "critical" is listed under '
            "both P0 and P1"
        ],
        id="severity-value-twice",
    ),
    pytest.param(
        BASE + "    opsgenie_configs: [{api_key: k}]\n",
        [
            'x.yml:5:5: receivers[0].opsgenie_configs: receiver "r" uses opsgenie_configs, '
            "which tocsin cannot send; remove it or start with --allow-unsupported-receivers"
        ],
        id="unsupported-receiver-type",
    ),
    pytest.param(
        BASE + "    twilio_configs:\n      - {account_sid: AC1, auth_token: t, from: '+1415', "
        "to: '0155'}\n",
        [
            'x.yml:6:62: receivers[0].twilio_configs[0].to: "0155" is not an E.164 phone '
            "number (such as +14155550100)"
        ],
        id="twilio-bad-number",
    ),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_it_reports_each_error_at_its_position(text: str, expected: list[str]) -> None:
    assert errors_of(text) == expected


def test_it_collects_errors_from_every_section_sorted_by_position() -> None:
    text = """\
    global:
      resolve_timeout: soon
    route:
      receiver: r
      routes:
        - receiver: nobody
          bogus: 1
    receivers:
      - name: r
        webhook_configs:
          - url: http://127.0.0.1/
            max_alerts: -1
    """
    assert errors_of(text) == [
        'x.yml:2:20: global.resolve_timeout: not a valid duration string: "soon"',
        'x.yml:6:17: route.routes[0].receiver: undefined receiver "nobody" used in route',
        'x.yml:7:7: route.routes[0].bogus: unknown field "bogus"',
        "x.yml:12:21: receivers[0].webhook_configs[0].max_alerts: must be at least 0, got "
        "the number -1",
    ]


def test_it_reports_duplicate_keys_at_the_second_key() -> None:
    assert errors_of("route:\n  receiver: r\n  receiver: q\nreceivers: [{name: r}]\n") == [
        'x.yml:3:3: route.receiver: duplicate key "receiver"'
    ]


def test_it_reports_yaml_syntax_errors_with_line_and_column() -> None:
    (error,) = errors_of("route:\n  receiver: [r\nreceivers: []\n")
    assert error.startswith("x.yml:3:10: YAML syntax error: ")


def test_error_text_has_one_issue_per_line() -> None:
    with pytest.raises(ConfigError) as info:
        load_config_text("route: {}\nfoo: 1\n", filename="x.yml")
    assert str(info.value).splitlines() == [str(issue) for issue in info.value.issues]
    assert [(i.line, i.column) for i in info.value.issues] == [(1, 8), (2, 1)]


def test_load_config_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "am.yml"
    path.write_text("route: {receiver: nobody}\nreceivers: [{name: r}]\n")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    (issue,) = info.value.issues
    assert issue.file == str(path)
    assert (issue.line, issue.column, issue.path) == (1, 19, "route.receiver")


def test_a_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read file"):
        load_config(tmp_path / "missing.yml")


@pytest.mark.parametrize(
    ("snippet", "expected"),
    [
        (
            "    msteams_configs: [{title: t}]\n",
            "x.yml:5:23: receivers[0].msteams_configs[0]: one of webhook_url or "
            "webhook_url_file must be configured",
        ),
        (
            "    msteamsv2_configs: [{webhook_url: 'https://h/', summary: s}]\n",
            'x.yml:5:53: receivers[0].msteamsv2_configs[0].summary: unknown field "summary"',
        ),
        (
            "    log_configs: [{format: xml}]\n",
            "x.yml:5:28: receivers[0].log_configs[0].format: must be one of 'text' or 'json', "
            'got the string "xml"',
        ),
        (
            "    slack_configs: [{api_url: 'https://h/', actions: [{type: button, text: t}]}]\n",
            "x.yml:5:55: receivers[0].slack_configs[0].actions[0]: missing name or url in "
            "Slack action configuration",
        ),
    ],
)
def test_tocsin_and_newer_receiver_types_are_validated(snippet: str, expected: str) -> None:
    assert errors_of(BASE + snippet) == [expected]
