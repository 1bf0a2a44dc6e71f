"""Environment substitution, ``*_file`` secrets, defaults, and the shape of a loaded Config."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest

from tocsin.config import (
    Config,
    ConfigError,
    Duration,
    Secret,
    load_config,
    load_config_text,
)
from tocsin.config.receivers import SlackConfig, WebhookConfig

WEBHOOK = """\
route:
  receiver: r
receivers:
  - name: r
    webhook_configs:
      - url: {url}
"""


def load(text: str, **kwargs: Any) -> Config:
    return load_config_text(textwrap.dedent(text), filename="x.yml", **kwargs)


def webhook_url(text: str, env: dict[str, str]) -> str:
    config = load(WEBHOOK.format(url=text), env=env)
    (item,) = config.receivers[0].webhook_configs
    assert item.url is not None
    return item.url.get_secret_value()


@pytest.mark.parametrize(
    ("text", "env", "expected"),
    [
        ("http://${HOST}/", {"HOST": "127.0.0.1:5001"}, "http://127.0.0.1:5001/"),
        ("http://${HOST:-localhost}/", {}, "http://localhost/"),
        ("http://${HOST:-localhost}/", {"HOST": ""}, "http://localhost/"),
        ("http://${HOST:-localhost}/", {"HOST": "h"}, "http://h/"),
        ("'http://h/$${NOT_A_VAR}'", {}, "http://h/${NOT_A_VAR}"),
        ("'http://h/{{ $labels }}'", {}, "http://h/{{ $labels }}"),
    ],
)
def test_it_substitutes_environment_variables(
    text: str, env: dict[str, str], expected: str
) -> None:
    assert webhook_url(text, env) == expected


def test_an_unset_variable_without_default_is_an_error_naming_it() -> None:
    with pytest.raises(ConfigError) as info:
        load(WEBHOOK.format(url="http://${WEBHOOK_HOST}/"), env={})
    (issue,) = info.value.issues
    assert (issue.line, issue.column, issue.path) == (6, 14, "receivers[0].webhook_configs[0].url")
    assert 'environment variable "WEBHOOK_HOST" is not set' in issue.message


def test_substitution_retypes_plain_scalars_but_not_quoted_ones() -> None:
    text = WEBHOOK.format(url="http://h/") + "        max_alerts: ${MAX:-7}\n"
    config = load(text, env={})
    assert config.receivers[0].webhook_configs[0].max_alerts == 7
    with pytest.raises(ConfigError, match="expected an integer"):
        load(text.replace("${MAX:-7}", '"${MAX:-7}"'), env={})


def test_keys_are_not_substituted() -> None:
    with pytest.raises(ConfigError, match=r'unknown field "\$\{KEY\}"'):
        load("route: {receiver: r}\nreceivers: [{name: r}]\n${KEY}: 1\n", env={"KEY": "x"})


def test_env_defaults_to_the_process_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOCSIN_TEST_HOOK", "127.0.0.9")
    config = load(WEBHOOK.format(url="http://${TOCSIN_TEST_HOOK}/"))
    url = config.receivers[0].webhook_configs[0].url
    assert url is not None
    assert url.get_secret_value() == "http://127.0.0.9/"


def test_it_reads_secret_files_relative_to_the_config_file(tmp_path: Path) -> None:
    (tmp_path / "secrets").mkdir()
    (tmp_path / "secrets" / "slack").write_text("https://hooks.slack.com/services/T/B/X\n")
    (tmp_path / "secrets" / "pd").write_text("routing-key-123\n")
    path = tmp_path / "am.yml"
    path.write_text(
        textwrap.dedent(
            """\
            global:
              slack_api_url_file: secrets/slack
            route: {receiver: r}
            receivers:
              - name: r
                slack_configs: [{channel: '#a'}]
                pagerduty_configs: [{routing_key_file: secrets/pd}]
            """
        )
    )
    config = load_config(path)
    slack = config.receivers[0].slack_configs[0]
    assert isinstance(slack, SlackConfig)
    assert slack.api_url == Secret("https://hooks.slack.com/services/T/B/X")
    assert slack.api_url_file == "secrets/slack"
    pagerduty = config.receivers[0].pagerduty_configs[0]
    assert pagerduty.routing_key == Secret("routing-key-123")
    assert pagerduty.routing_key_file == "secrets/pd"


def test_a_missing_secret_file_is_an_error_at_its_key(tmp_path: Path) -> None:
    path = tmp_path / "am.yml"
    path.write_text(
        "route: {receiver: r}\nreceivers:\n  - name: r\n"
        "    pagerduty_configs:\n      - routing_key_file: nope.txt\n"
    )
    with pytest.raises(ConfigError) as info:
        load_config(path)
    (issue,) = info.value.issues
    assert (issue.line, issue.column) == (5, 27)
    assert issue.path == "receivers[0].pagerduty_configs[0].routing_key_file"
    assert issue.message.startswith("unable to read routing_key_file")
    assert str(tmp_path / "nope.txt") in issue.message


@pytest.mark.parametrize(
    ("snippet", "message"),
    [
        (
            "global: {slack_api_url: 'https://h/', slack_api_url_file: f}\n",
            "global.slack_api_url_file: at most one of slack_api_url & slack_api_url_file "
            "must be configured",
        ),
        (
            "global: {opsgenie_api_key: k, opsgenie_api_key_file: f}\n",
            "global.opsgenie_api_key_file: at most one of opsgenie_api_key & "
            "opsgenie_api_key_file must be configured",
        ),
    ],
)
def test_setting_a_secret_and_its_file_is_alertmanagers_error(
    tmp_path: Path, snippet: str, message: str
) -> None:
    (tmp_path / "f").write_text("x")
    text = snippet + "route: {receiver: r}\nreceivers: [{name: r}]\n"
    with pytest.raises(ConfigError) as info:
        load(text, base_dir=tmp_path, allow_unsupported_receivers=True)
    assert any(message in str(issue) for issue in info.value.issues), str(info.value)


def test_receiver_secret_and_file_both_set(tmp_path: Path) -> None:
    (tmp_path / "key").write_text("from-file")
    text = (
        "route: {receiver: r}\nreceivers:\n  - name: r\n    pagerduty_configs:\n"
        "      - {routing_key: inline, routing_key_file: key}\n"
    )
    with pytest.raises(ConfigError) as info:
        load(text, base_dir=tmp_path)
    (issue,) = info.value.issues
    assert issue.path == "receivers[0].pagerduty_configs[0].routing_key_file"
    assert issue.message == "at most one of routing_key & routing_key_file must be configured"


def test_secrets_never_show_in_repr() -> None:
    config = load(
        "global: {smtp_auth_password: hunter2, smtp_smarthost: 'h:25', smtp_from: a@b}\n"
        "route: {receiver: r}\nreceivers:\n  - name: r\n    email_configs: [{to: x@y}]\n"
    )
    assert "hunter2" not in repr(config)
    assert "hunter2" not in str(config.global_.smtp_auth_password)
    email = config.receivers[0].email_configs[0]
    assert email.auth_password is not None
    assert email.auth_password.get_secret_value() == "hunter2"


def test_defaults_are_alertmanagers() -> None:
    config = load("route: {receiver: r}\nreceivers: [{name: r}]\n")
    glob = config.global_
    assert glob.resolve_timeout == Duration.parse("5m")
    assert glob.resolve_timeout.seconds == 300.0
    assert glob.smtp_hello == "localhost"
    assert glob.smtp_require_tls is True
    assert glob.pagerduty_url == "https://events.pagerduty.com/v2/enqueue"
    assert glob.http_config.follow_redirects is True
    assert glob.http_config.enable_http2 is True
    assert config.templates == []
    assert config.route.group_wait is None
    assert config.route.continue_ is False


def test_receivers_inherit_global_values() -> None:
    config = load(
        """\
        global:
          smtp_smarthost: smtp.example.org:587
          smtp_from: am@example.org
          slack_api_url: https://hooks.slack.com/services/T/B/X
          http_config: {proxy_url: 'http://127.0.0.1:3128/'}
        route: {receiver: r}
        receivers:
          - name: r
            email_configs: [{to: ops@example.org}]
            slack_configs: [{}]
            webhook_configs: [{url: 'http://127.0.0.1:5001/', http_config: {}}]
        """
    )
    receiver = config.receivers[0]
    email = receiver.email_configs[0]
    assert (email.smarthost, email.from_, email.hello, email.require_tls) == (
        "smtp.example.org:587",
        "am@example.org",
        "localhost",
        True,
    )
    assert email.send_resolved is False
    slack = receiver.slack_configs[0]
    assert slack.api_url == Secret("https://hooks.slack.com/services/T/B/X")
    assert slack.http_config is not None
    assert slack.http_config.proxy_url == "http://127.0.0.1:3128/"
    webhook = receiver.webhook_configs[0]
    assert isinstance(webhook, WebhookConfig)
    assert webhook.http_config is not None
    assert webhook.http_config.proxy_url == ""  # its own http_config wins
    assert webhook.send_resolved is True


def test_config_keeps_source_and_matchers(tmp_path: Path) -> None:
    path = tmp_path / "am.yml"
    text = (
        "route:\n  receiver: r\n  routes:\n    - matchers: ['b=~\"x|y\"', a=1]\n"
        "      group_by: ['...']\n"
        "templates: ['tmpl/*.tmpl']\nreceivers: [{name: r}]\n"
    )
    path.write_text(text)
    config = load_config(path)
    assert config.source_path == path
    assert config.source_text == text
    child = config.route.routes[0]
    assert [str(m) for m in child.matchers] == ['a="1"', 'b=~"x|y"']
    assert child.group_by_all
    assert config.templates == [str(tmp_path.resolve() / "tmpl/*.tmpl")]


def test_yaml_11_base_60_numbers_stay_strings() -> None:
    config = load(
        "route:\n  receiver: r\n  routes: [{match: {window: 10:30}}]\nreceivers: [{name: r}]\n"
    )
    assert config.route.routes[0].match == {"window": "10:30"}


def test_unsupported_receivers_are_listed_when_allowed() -> None:
    config = load(
        "route: {receiver: r}\nreceivers:\n  - name: r\n"
        "    opsgenie_configs: [{api_key: k}]\n    webhook_configs: [{url: 'http://h/'}]\n",
        allow_unsupported_receivers=True,
    )
    assert config.unsupported_integrations == [("r", "opsgenie_configs")]


def test_channel_credentials_come_from_files_and_the_environment(tmp_path: Path) -> None:
    (tmp_path / "bot").write_text("xoxb-from-a-file\n")
    (tmp_path / "twilio").write_text("twilio-from-a-file\n")
    path = tmp_path / "tocsin.yml"
    path.write_text(
        textwrap.dedent(
            """\
            global:
              slack_bot_token_file: bot
              twilio_account_sid: AC0123
              twilio_auth_token: ${TWILIO_TOKEN}
              twilio_from: "+14155550100"
            route: {receiver: r}
            receivers:
              - name: r
                slack_configs: [{channel: '#a'}]
                twilio_configs:
                  - {to: "+14155550199"}
                  - {to: "+14155550198", auth_token_file: twilio}
            """
        )
    )
    config = load_config(path, env={"TWILIO_TOKEN": "twilio-from-env"})
    slack = config.receivers[0].slack_configs[0]
    assert slack.uses_web_api
    assert slack.bot_token == Secret("xoxb-from-a-file")
    first, second = config.receivers[0].twilio_configs
    assert first.auth_token == Secret("twilio-from-env")
    assert second.auth_token == Secret("twilio-from-a-file")
    assert first.account_sid == "AC0123"
