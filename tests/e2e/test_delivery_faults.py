"""Faults end to end, through a running server and a vendor fake: retries, then the
fallback, with the delivery log telling the story; kill -9 in the middle of retries sends
the notification exactly once afterwards."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest
from tests.support.fakes.twilio import FakeTwilio
from tests.support.sink import Sink
from tests.support.tocsin import start_tocsin

pytestmark = pytest.mark.realtime

PHONE = "+14155550199"


def _story(url: str) -> list[tuple[str, str]]:
    rows = httpx.get(f"{url}/api/tocsin/v1/deliveries", params={"limit": 100}, timeout=10)
    return [(r["receiver"], r["outcome"]) for r in reversed(rows.json()["deliveries"])]


def _wait(condition: object, timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(0.1)
    return False


def test_retries_then_fallback_with_the_delivery_log_telling_the_story(
    tmp_path: Path, webhook_sink: Sink
) -> None:
    with FakeTwilio() as twilio:
        twilio.fail_next(500, times=100)
        config = tmp_path / "tocsin.yml"
        config.write_text(
            f"""
global: {twilio.global_yaml()}
route:
  receiver: oncall-sms
  group_by: [alertname]
  group_wait: 1s
  group_interval: 1h
receivers:
  - name: oncall-sms
    fallback: [team-hook]
    retry: {{deadline: 3s}}
    twilio_configs: [{{to: "{PHONE}"}}]
  - name: team-hook
    webhook_configs: [{{url: "http://127.0.0.1:{webhook_sink.port}/"}}]
"""
        )
        server = start_tocsin(config, tmp_path / "data")
        try:
            httpx.post(
                f"{server.url}/api/v2/alerts", json=[{"labels": {"alertname": "Down"}}], timeout=10
            ).raise_for_status()
            assert _wait(lambda: webhook_sink.received), server.log()
            time.sleep(1.0)
            story = _story(server.url)
        finally:
            server.stop()
        attempts = [o for r, o in story if r == "oncall-sms"]
        assert attempts[:-1] == ["retry"] * (len(attempts) - 1)
        assert attempts[-1] == "failed"
        assert len(attempts) >= 2
        assert story[-1] == ("team-hook", "sent")
        payload = webhook_sink.received[0][1]
        assert payload["receiver"] == "oncall-sms"  # the fallback speaks for its primary
        assert [a["labels"]["alertname"] for a in payload["alerts"]] == ["Down"]
        assert twilio.messages_to(PHONE) == []
        assert len(webhook_sink.received) == 1


def test_kill9_in_the_middle_of_retries_sends_exactly_once_after(tmp_path: Path) -> None:
    with FakeTwilio() as twilio:
        twilio.fail_next(503, times=1000)
        config = tmp_path / "tocsin.yml"
        config.write_text(
            f"""
global: {twilio.global_yaml()}
route:
  receiver: oncall-sms
  group_by: [alertname]
  group_wait: 1s
  group_interval: 1h
receivers:
  - name: oncall-sms
    twilio_configs: [{{to: "{PHONE}"}}]
"""
        )
        server = start_tocsin(config, tmp_path / "data")
        try:
            httpx.post(
                f"{server.url}/api/v2/alerts", json=[{"labels": {"alertname": "Down"}}], timeout=10
            ).raise_for_status()
            assert _wait(lambda: len(twilio.requests) >= 2), server.log()
        finally:
            server.kill9()
        twilio.reset()  # the vendor is back
        server = start_tocsin(config, tmp_path / "data")
        try:
            assert twilio.wait_for(1, timeout=20), server.log()
            time.sleep(3.0)
            assert len(twilio.messages_to(PHONE)) == 1
            assert "Down" in twilio.messages_to(PHONE)[0].body
            assert _story(server.url)[-1] == ("oncall-sms", "sent")
        finally:
            server.stop()
