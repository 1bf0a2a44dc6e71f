"""Every channel through a running server and its vendor's fake: the notification arrives
once in the vendor's format after the vendor failed twice (a 429 with ``Retry-After``, then
a 5xx; 4xx replies for SMTP), and the delivery log tells the story. Slack's thread survives
a restart."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.support.fakes.msteams import FakeTeams
from tests.support.fakes.pagerduty import ROUTING_KEY, FakePagerDuty
from tests.support.fakes.slack import BOT_TOKEN, FakeSlack
from tests.support.fakes.smtp import FakeSMTP
from tests.support.fakes.twilio import FakeTwilio
from tests.support.tocsin import TocsinProcess, start_tocsin

pytestmark = pytest.mark.realtime


@dataclass
class Vendor:
    receiver: str  # the *_configs block
    globals: str
    received: Callable[[], int]
    fail_twice: Callable[[], None]  # the next two deliveries fail
    recover: Callable[[], None]  # called once two failures were seen
    what: Callable[[], Any]  # what arrived, for a look at its content


@contextlib.contextmanager
def vendor(kind: str) -> Iterator[Vendor]:
    if kind in ("slack-webhook", "slack-bot"):
        with FakeSlack() as slack:
            if kind == "slack-webhook":
                block = f"slack_configs: [{{api_url: '{slack.webhook_url()}', channel: '#alerts'}}]"
            else:
                block = (
                    f"slack_configs: [{{bot_token: {BOT_TOKEN}, web_api_url: '{slack.api_url}', "
                    "channel: '#alerts'}]"
                )

            def fail_slack() -> None:
                slack.fail_next(429, headers={"Retry-After": "1"})
                slack.fail_next(503)

            yield Vendor(
                block,
                "",
                lambda: len(slack.messages),
                fail_slack,
                lambda: None,
                lambda: slack.messages[0].attachments[0]["title"],
            )
    elif kind == "pagerduty":
        with FakePagerDuty() as pd:

            def fail_pd() -> None:
                pd.fail_next(429, headers={"Retry-After": "1"})
                pd.fail_next(502)

            yield Vendor(
                f"pagerduty_configs: [{{routing_key: {ROUTING_KEY}, url: '{pd.url}'}}]",
                "",
                lambda: len(pd.events),
                fail_pd,
                lambda: None,
                lambda: pd.events[0]["payload"]["summary"],
            )
    elif kind == "msteamsv2":
        with FakeTeams() as teams:

            def fail_teams() -> None:
                teams.fail_next(429, headers={"Retry-After": "1"})
                teams.fail_next(500)

            yield Vendor(
                f"msteamsv2_configs: [{{webhook_url: '{teams.webhook_url}'}}]",
                "",
                lambda: len(teams.cards),
                fail_teams,
                lambda: None,
                lambda: teams.cards[0]["body"][0]["text"],
            )
    elif kind == "twilio":
        with FakeTwilio() as twilio:

            def fail_twilio() -> None:
                twilio.fail_next(429, headers={"Retry-After": "1"})
                twilio.fail_next(503)

            yield Vendor(
                "twilio_configs: [{to: '+14155550199'}]",
                f"global: {twilio.global_yaml()}",
                lambda: len(twilio.messages),
                fail_twilio,
                lambda: None,
                lambda: twilio.messages[0].body,
            )
    else:
        with FakeSMTP() as smtp:
            yield Vendor(
                "email_configs: [{to: oncall@example.org, from: tocsin@example.org, "
                f"smarthost: '{smtp.address}', require_tls: false}}]",
                "",
                lambda: len(smtp.mails),
                lambda: smtp.fail("DATA", 451, "try again later"),
                smtp.clear,
                lambda: smtp.mails[0].message["Subject"],
            )


def _config(tmp_path: Path, v: Vendor, wait: str = "1s") -> Path:
    path = tmp_path / "tocsin.yml"
    path.write_text(
        f"""
{v.globals}
route:
  receiver: team
  group_by: [alertname]
  group_wait: {wait}
  group_interval: 1h
  repeat_interval: 4h
receivers:
  - name: team
    {v.receiver}
"""
    )
    return path


def _rows(server: TocsinProcess) -> list[dict[str, Any]]:
    answer = httpx.get(f"{server.url}/api/tocsin/v1/deliveries", params={"limit": 50}, timeout=10)
    rows: list[dict[str, Any]] = answer.json()["deliveries"]
    return list(reversed(rows))


def _wait(condition: Callable[[], bool], timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def _post(server: TocsinProcess, name: str) -> None:
    alert = {
        "labels": {"alertname": name, "severity": "critical", "service": "api"},
        "annotations": {"summary": f"{name} is failing"},
    }
    httpx.post(f"{server.url}/api/v2/alerts", json=[alert], timeout=10).raise_for_status()


KINDS = ["email", "slack-webhook", "slack-bot", "pagerduty", "msteamsv2", "twilio"]


@pytest.mark.parametrize("kind", KINDS)
def test_delivered_once_after_two_failures(tmp_path: Path, kind: str) -> None:
    with vendor(kind) as v:
        v.fail_twice()
        server = start_tocsin(_config(tmp_path, v), tmp_path / "data")
        try:
            _post(server, "HighLatency")
            retries = lambda: [r for r in _rows(server) if r["outcome"] == "retry"]  # noqa: E731
            assert _wait(lambda: len(retries()) >= 2), server.log()
            v.recover()
            assert _wait(lambda: v.received() >= 1), server.log()
            time.sleep(0.5)
            rows = _rows(server)
        finally:
            server.stop()
        assert v.received() == 1
        assert "HighLatency" in str(v.what())
        story = [(r["outcome"], r["attempt"]) for r in rows]
        assert story == [("retry", 1), ("retry", 2), ("sent", 3)], story
        if kind != "email":  # the vendor's Retry-After was honoured
            assert rows[0]["status_code"] == 429
            first, second = (datetime.fromisoformat(r["at"]) for r in rows[:2])
            assert (second - first).total_seconds() >= 1.0 - 0.3
        else:
            assert rows[0]["status_code"] == 451
        assert {r["integration"] for r in rows} == {kind.split("-", maxsplit=1)[0]}


def test_a_slack_thread_survives_a_restart(tmp_path: Path) -> None:
    """The thread's ``ts`` is kept with the notification log: after a restart, the group's
    next notification replies in the thread the first one opened."""
    with FakeSlack() as slack:
        path = tmp_path / "tocsin.yml"
        path.write_text(
            f"""
route:
  receiver: team
  group_by: [service]
  group_wait: 1s
  group_interval: 2s
  repeat_interval: 4h
receivers:
  - name: team
    slack_configs:
      - {{bot_token: {BOT_TOKEN}, web_api_url: '{slack.api_url}', channel: '#alerts'}}
"""
        )
        server = start_tocsin(path, tmp_path / "data")
        try:
            _post(server, "First")
            assert _wait(lambda: len(slack.messages) >= 1), server.log()
        finally:
            server.stop()
        server = start_tocsin(path, tmp_path / "data")
        try:
            _post(server, "Second")
            assert _wait(lambda: len(slack.messages) >= 2), server.log()
        finally:
            server.stop()
        parent, reply = slack.messages[:2]
        assert parent.thread_ts == ""
        assert reply.thread_ts == parent.ts
        assert slack.top_level("#alerts") == [parent]
