"""Paging end to end, on the server's test clock, with the Slack and Twilio fakes: an alert
routed to an escalation policy opens an incident and pages the on-call person by Slack at
once and by SMS five minutes later, per their rules; a GET of the acknowledge link changes
nothing, a POST acknowledges and stops the next level; kill -9 between two steps resumes at
the right level and pages nobody twice."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.support.fakes.slack import BOT_TOKEN, FakeSlack
from tests.support.fakes.twilio import FakeTwilio
from tests.support.tocsin import TocsinProcess, start_tocsin

pytestmark = pytest.mark.realtime

T0 = datetime(2027, 3, 1, 10, 0, tzinfo=UTC)
ALICE_SLACK = "U012ABCDEF"
ALICE_PHONE = "+14155550101"
BOB_PHONE = "+14155550102"


def _config(tmp: Path, slack: FakeSlack, twilio: FakeTwilio) -> Path:
    path = tmp / "tocsin.yml"
    path.write_text(
        f"""
global:
  slack_bot_token: {BOT_TOKEN}
  slack_web_api_url: '{slack.api_url}'
  {twilio.global_yaml().strip("{}").replace(", ", chr(10) + "  ")}
route:
  receiver: log
  group_by: [alertname]
  group_wait: 1s
  group_interval: 1h
  repeat_interval: 4h
  escalation_policy: payments
receivers:
  - name: log
    log_configs: [{{}}]
users:
  - name: alice
    slack_user_id: {ALICE_SLACK}
    phone: "{ALICE_PHONE}"
    notification_rules:
      - {{after: 0m, contact: slack}}
      - {{after: 5m, contact: sms}}
  - name: bob
    phone: "{BOB_PHONE}"
    notification_rules: [{{after: 0m, contact: sms}}]
schedules:
  - name: primary
    time_zone: UTC
    layers:
      - participants: [alice]
        shift: 1w
        start: "2027-01-04 00:00"
escalation_policies:
  - name: payments
    levels:
      - targets: [{{schedule: primary}}]
        delay: 15m
      - targets: [{{user: bob}}]
        delay: 15m
"""
    )
    return path


def _set(clock: Path, at: datetime) -> None:
    clock.write_text(at.strftime("%Y-%m-%dT%H:%M:%SZ"))


def _wait(condition: Callable[[], bool], timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def _incidents(server: TocsinProcess) -> list[dict[str, Any]]:
    answer = httpx.get(f"{server.url}/api/tocsin/v1/incidents", timeout=10)
    answer.raise_for_status()
    data = answer.json()
    return list(data["incidents"] if isinstance(data, dict) else data)


def _start(tmp: Path, config: Path, clock: Path, args: list[str] | None = None) -> TocsinProcess:
    env = {"TOCSIN_ALLOW_TEST_CLOCK": "1", "TOCSIN_TEST_CLOCK": str(clock)}
    return start_tocsin(config, tmp / "data", env=env, args=args)


def _post(server: TocsinProcess, *, starts: datetime = T0, ends: datetime | None = None) -> None:
    alert: dict[str, Any] = {
        "labels": {"alertname": "PaymentsDown", "severity": "critical", "service": "payments"},
        "annotations": {"summary": "payments are failing"},
        "startsAt": starts.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    if ends is not None:
        alert["endsAt"] = ends.strftime("%Y-%m-%dT%H:%M:%SZ")
    answer = httpx.post(f"{server.url}/api/v2/alerts", json=[alert], timeout=10)
    assert answer.status_code == 200, answer.text


def _ack_link(slack: FakeSlack) -> str:
    text = repr(slack.messages[0].request)
    found = re.search(r"https?://[^'\"\s]+/ack/[A-Za-z0-9_.\-]+", text)
    assert found, text
    return found.group(0)


def test_pages_by_the_persons_rules_and_the_ack_link_stops_escalation(tmp_path: Path) -> None:
    clock = tmp_path / "now"
    _set(clock, T0)
    with FakeSlack() as slack, FakeTwilio() as twilio:
        server = _start(tmp_path, _config(tmp_path, slack, twilio), clock)
        try:
            _post(server)
            _set(clock, T0 + timedelta(seconds=2))  # group_wait passes: the incident opens
            assert _wait(lambda: len(slack.messages) >= 1), server.log()
            assert slack.messages[0].channel.startswith("D")  # a direct message to alice
            # the page carries the alert as stored, annotations included
            assert "payments are failing" in repr(slack.messages[0].request)
            assert twilio.messages_to(ALICE_PHONE) == []
            (incident,) = _incidents(server)
            assert incident["status"] == "triggered"
            assert incident["severity"] == "P0"

            _set(clock, T0 + timedelta(minutes=5, seconds=3))  # alice's SMS rule
            assert _wait(lambda: len(twilio.messages_to(ALICE_PHONE)) == 1), server.log()

            link = _ack_link(slack)
            local = re.sub(r"^https?://[^/]+", server.url, link)
            page = httpx.get(local, timeout=10)  # a link scanner: nothing changes
            assert page.status_code == 200
            assert "<form method='post'>" in page.text
            assert _incidents(server)[0]["status"] == "triggered"

            done = httpx.post(local, timeout=10)
            assert done.status_code == 200, done.text
            assert _incidents(server)[0]["status"] == "acknowledged"
            assert httpx.post(local, timeout=10).status_code == 409  # single use

            _set(clock, T0 + timedelta(minutes=40))  # level 2 would have paged bob
            time.sleep(1.5)
            assert twilio.messages_to(BOB_PHONE) == []
            detail = httpx.get(
                f"{server.url}/api/tocsin/v1/incidents/{incident['id']}", timeout=10
            ).json()
            kinds = [e["kind"] for e in detail["timeline"]]
            assert "acknowledged" in kinds
            assert kinds.count("paged") >= 2

            # the alert resolves: at the group's next tick the incident resolves with it
            _post(server, ends=T0 + timedelta(minutes=41))
            _set(clock, T0 + timedelta(hours=1, seconds=5))
            assert _wait(lambda: _incidents(server)[0]["status"] == "resolved"), server.log()
            # firing again after that opens a new incident (at the group's next tick)
            _post(server, starts=T0 + timedelta(hours=1), ends=T0 + timedelta(hours=5))
            _set(clock, T0 + timedelta(hours=2, seconds=5))
            assert _wait(lambda: len(_incidents(server)) == 2), server.log()
            statuses = sorted(i["status"] for i in _incidents(server))
            assert statuses == ["resolved", "triggered"]
        finally:
            server.stop()


def test_kill9_between_steps_resumes_at_the_right_level(
    tmp_path: Path, backend_args: list[str]
) -> None:
    clock = tmp_path / "now"
    _set(clock, T0)
    with FakeSlack() as slack, FakeTwilio() as twilio:
        config = _config(tmp_path, slack, twilio)
        server = _start(tmp_path, config, clock, backend_args)
        try:
            _post(server)
            _set(clock, T0 + timedelta(seconds=2))
            assert _wait(lambda: len(slack.messages) >= 1), server.log()
            _set(clock, T0 + timedelta(minutes=5, seconds=3))
            assert _wait(lambda: len(twilio.messages_to(ALICE_PHONE)) == 1), server.log()
        finally:
            server.kill9()
        _set(clock, T0 + timedelta(minutes=16))  # level 2 came due while tocsin was down
        server = _start(tmp_path, config, clock, backend_args)
        try:
            assert _wait(lambda: len(twilio.messages_to(BOB_PHONE)) == 1), server.log()
            time.sleep(1.5)
            # alice was paged once by each contact, before the crash; not again after it
            assert len(slack.messages) == 1
            assert len(twilio.messages_to(ALICE_PHONE)) == 1
            assert len(twilio.messages_to(BOB_PHONE)) == 1
        finally:
            server.stop()


def test_an_acknowledgement_expires_and_escalation_resumes(tmp_path: Path) -> None:
    """``ack_timeout``: acknowledged with the CLI, the incident goes back to triggered
    when the acknowledgement expires, and the next level is paged."""
    from typer.testing import CliRunner

    from tocsin.cli import app

    clock = tmp_path / "now"
    _set(clock, T0)
    with FakeSlack() as slack, FakeTwilio() as twilio:
        config = _config(tmp_path, slack, twilio)
        config.write_text(
            config.read_text().replace(
                "  - name: payments\n", "  - name: payments\n    ack_timeout: 10m\n"
            )
        )
        server = _start(tmp_path, config, clock)
        try:
            _post(server)
            _set(clock, T0 + timedelta(seconds=2))
            assert _wait(lambda: len(slack.messages) >= 1), server.log()
            (incident,) = _incidents(server)
            acked = CliRunner().invoke(
                app,
                [
                    "incidents",
                    "ack",
                    str(incident["number"]),
                    "--by",
                    "alice",
                    "--comment",
                    "looking",
                    "--url",
                    server.url,
                ],
            )
            assert acked.exit_code == 0, acked.output
            assert _incidents(server)[0]["status"] == "acknowledged"
            _set(clock, T0 + timedelta(minutes=11))  # the acknowledgement expired
            assert _wait(lambda: len(twilio.messages_to(BOB_PHONE)) == 1), server.log()
            assert _incidents(server)[0]["status"] == "triggered"
            assert twilio.messages_to(ALICE_PHONE) == []  # her SMS was cancelled by the ack
        finally:
            server.stop()
