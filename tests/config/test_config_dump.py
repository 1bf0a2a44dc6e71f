"""``alertmanager_yaml`` (Alertmanager's own re-marshalling) and ``redacted_dict``."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import textwrap
import time
import urllib.request
from pathlib import Path

import pytest
import yaml

from tocsin.config import Config, alertmanager_yaml, load_config, load_config_text, redacted_dict

EXAMPLES = Path(__file__).parent / "examples"
REPO = Path(__file__).parents[2]
AMTOOL = "/usr/bin/amtool"
ALERTMANAGER = "/usr/bin/prometheus-alertmanager"

SECRETS = ("hunter2", "s3cr3t-smtp", "XXXXXXXX", "0123456789abcdef", "twilio-auth-token")

FULL = """\
global:
  smtp_smarthost: smtp.example.org:587
  smtp_from: am@example.org
  smtp_auth_password: s3cr3t-smtp
  slack_api_url: https://hooks.slack.com/services/T000/B000/XXXXXXXX
route:
  receiver: default
  group_by: [alertname]
  group_wait: 90s
  routes:
    - receiver: pager
      matchers: ['severity=~"critical|page"', 'team="db"']
      match_re: {service: 'mysql|pg'}
      continue: true
      repeat_interval: 1w
      mute_time_intervals: [nights]
inhibit_rules:
  - source_matchers: [severity="critical"]
    target_match: {severity: warning}
    equal: [alertname]
receivers:
  - name: default
    webhook_configs:
      - url: http://127.0.0.1:5001/
        http_config:
          basic_auth: {username: am, password: hunter2}
          tls_config: {min_version: TLS12}
    email_configs: [{to: ops@example.org}]
    slack_configs: [{channel: '#ops'}]
  - name: pager
    pagerduty_configs: [{routing_key: 0123456789abcdef}]
  - name: teams-only
    msteams_configs: [{webhook_url: 'https://example.webhook.office.com/x'}]
    twilio_configs:
      - {account_sid: AC1, auth_token: twilio-auth-token, from: '+14155550100', to: '+14155550101'}
time_intervals:
  - name: nights
    time_intervals:
      - times: [{start_time: '00:00', end_time: '06:00'}]
        weekdays: ['monday:friday']
        months: [january, 'july:august']
mute_time_intervals:
  - name: legacy
    time_intervals: [{weekdays: [saturday, sunday]}]
severity:
  label: priority
"""


def full_config() -> Config:
    return load_config_text(FULL, filename="full.yml", env={})


def test_it_fills_defaults_and_redacts_secrets() -> None:
    text = alertmanager_yaml(full_config())
    for secret in SECRETS:
        assert secret not in text
    data = yaml.safe_load(text)
    assert list(data) == [
        "global",
        "route",
        "inhibit_rules",
        "receivers",
        "templates",
        "mute_time_intervals",
        "time_intervals",
    ]
    assert data["global"]["resolve_timeout"] == "5m"
    assert data["global"]["smtp_auth_password"] == "<secret>"
    assert data["global"]["http_config"] == {"follow_redirects": True, "enable_http2": True}
    route = data["route"]
    assert route["group_wait"] == "1m30s"
    assert route["continue"] is False
    child = route["routes"][0]
    assert child["matchers"] == ['severity=~"critical|page"', 'team="db"']
    assert child["repeat_interval"] == "1w"
    default, pager, teams_only = data["receivers"]
    webhook = default["webhook_configs"][0]
    assert webhook["http_config"]["basic_auth"] == {"username": "am", "password": "<secret>"}
    assert webhook["http_config"]["tls_config"]["min_version"] == "TLS12"
    assert webhook["max_alerts"] == 0
    email = default["email_configs"][0]
    assert email["smarthost"] == "smtp.example.org:587"
    assert email["auth_password"] == "<secret>"
    assert email["headers"]["To"] == "ops@example.org"
    assert default["slack_configs"][0]["api_url"] == "<secret>"
    assert pager["pagerduty_configs"][0]["url"] == "https://events.pagerduty.com/v2/enqueue"
    assert teams_only == {"name": "teams-only"}
    assert data["time_intervals"][0]["time_intervals"][0]["months"] == ["1", "7:8"]
    assert "severity" not in data


def test_secret_files_show_the_path_not_the_secret(tmp_path: Path) -> None:
    (tmp_path / "pd").write_text("very-secret-key")
    (tmp_path / "am.yml").write_text(
        "route: {receiver: r}\nreceivers:\n  - name: r\n"
        "    pagerduty_configs: [{routing_key_file: pd}]\n"
    )
    config = load_config(tmp_path / "am.yml")
    text = alertmanager_yaml(config)
    assert "very-secret-key" not in text
    pagerduty = yaml.safe_load(text)["receivers"][0]["pagerduty_configs"][0]
    assert pagerduty["routing_key_file"] == "pd"
    assert "routing_key" not in pagerduty
    assert "very-secret-key" not in json.dumps(redacted_dict(config))


def test_redacted_dict_has_everything_as_json() -> None:
    data = redacted_dict(full_config())
    text = json.dumps(data)
    for secret in SECRETS:
        assert secret not in text
    assert data["severity"]["label"] == "priority"
    teams_only = data["receivers"][2]
    assert teams_only["twilio_configs"][0]["auth_token"] == "<secret>"
    assert teams_only["msteams_configs"][0]["webhook_url"] == "<secret>"
    assert data["global"]["resolve_timeout"] == "5m"


def _amtool_check(text: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "dump.yml"
    path.write_text(text)
    return subprocess.run(
        [AMTOOL, "check-config", str(path)], capture_output=True, text=True, check=False
    )


@pytest.mark.external
@pytest.mark.parametrize(
    "name",
    ["full", "repository-example", *sorted(p.stem for p in EXAMPLES.glob("*.yml"))],
)
def test_amtool_accepts_the_dump(name: str, tmp_path: Path) -> None:
    assert shutil.which(AMTOOL)
    config: Config
    if name == "full":
        config = full_config()
    elif name == "repository-example":
        config = load_config(REPO / "examples" / "alertmanager.yml", env={})
    else:
        config = load_config(EXAMPLES / f"{name}.yml", env={}, allow_unsupported_receivers=True)
    result = _amtool_check(alertmanager_yaml(config), tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _alertmanager_original(config_path: Path) -> str:
    port = _free_port()
    with tempfile.TemporaryDirectory() as storage:
        proc = subprocess.Popen(
            [
                ALERTMANAGER,
                f"--config.file={config_path}",
                f"--storage.path={storage}",
                f"--web.listen-address=127.0.0.1:{port}",
                "--cluster.listen-address=",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 15
            while True:
                try:
                    url = f"http://127.0.0.1:{port}/api/v2/status"
                    with urllib.request.urlopen(url, timeout=1) as response:
                        status = json.load(response)
                    return str(status["config"]["original"])
                except OSError:
                    if time.monotonic() > deadline or proc.poll() is not None:
                        raise
                    time.sleep(0.05)
        finally:
            os.kill(proc.pid, signal.SIGTERM)
            proc.wait(timeout=10)


@pytest.mark.external
def test_the_dump_has_alertmanagers_structure(tmp_path: Path) -> None:
    am_only = textwrap.dedent(
        """\
        global:
          smtp_smarthost: smtp.example.org:587
          smtp_from: am@example.org
          slack_api_url: https://hooks.slack.com/services/T000/B000/XXXXXXXX
          opsgenie_api_key: k
          victorops_api_key: v
        route:
          receiver: r
          group_by: ['...']
          routes:
            - matchers: ['b=~"x"', a="1"]
              match: {z: "1"}
              group_wait: 90s
        inhibit_rules: [{source_matchers: [a="1"], equal: [x]}]
        receivers:
          - name: r
            email_configs: [{to: a@example.org}]
            slack_configs: [{}]
            pagerduty_configs: [{routing_key: k}]
            opsgenie_configs: [{responders: [{name: n, type: Team}]}]
            pushover_configs: [{user_key: u, token: t}]
            victorops_configs: [{routing_key: r}]
            sns_configs: [{topic_arn: t}]
            telegram_configs: [{bot_token: b, chat_id: 5}]
            discord_configs: [{webhook_url: 'https://discord.com/api/webhooks/1/x'}]
            webex_configs: [{room_id: r, http_config: {authorization: {credentials: c}}}]
        time_intervals:
          - name: t
            time_intervals: [{weekdays: [monday], days_of_month: ['-3:-1'], years: ['2024']}]
        """
    )
    path = tmp_path / "am.yml"
    path.write_text(am_only)
    theirs = yaml.safe_load(_alertmanager_original(path))
    ours = yaml.safe_load(
        alertmanager_yaml(load_config(path, env={}, allow_unsupported_receivers=True))
    )
    assert ours == theirs
