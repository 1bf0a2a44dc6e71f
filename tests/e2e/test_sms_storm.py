"""A storm of thousands of alerts for one person's SMS: the rate limit holds, summaries go
out, and the delivery log accounts for every notification held back."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest
from tests.support.fakes.twilio import FakeTwilio
from tests.support.tocsin import start_tocsin

pytestmark = pytest.mark.realtime

ALERTS = 2000
PHONE = "+14155550199"


def _deliveries(url: str) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    before: object = None
    while True:
        params: dict[str, object] = {"limit": 1000}
        if before is not None:
            params["before"] = before
        page = httpx.get(f"{url}/api/tocsin/v1/deliveries", params=params, timeout=10).json()
        rows += page["deliveries"]
        before = page["next"]
        if before is None:
            return rows


def test_a_storm_to_one_phone_is_held_and_summarised(tmp_path: Path) -> None:
    with FakeTwilio() as twilio:
        config = tmp_path / "tocsin.yml"
        config.write_text(
            f"""
global: {twilio.global_yaml()}
route:
  receiver: oncall-sms
  group_by: [alertname]
  group_wait: 1s
  group_interval: 1h
  repeat_interval: 4h
receivers:
  - name: oncall-sms
    twilio_configs:
      - to: "{PHONE}"
        rate_limit: {{per_target: 1/4s}}
"""
        )
        server = start_tocsin(config, tmp_path / "data")
        try:
            batch = [
                {"labels": {"alertname": f"Storm{i:04d}", "severity": "critical"}}
                for i in range(ALERTS)
            ]
            for start in range(0, ALERTS, 250):
                answer = httpx.post(
                    f"{server.url}/api/v2/alerts", json=batch[start : start + 250], timeout=30
                )
                assert answer.status_code == 200
            deadline = time.monotonic() + 30
            accounted = 0
            rows: list[dict[str, object]] = []
            while time.monotonic() < deadline:
                rows = _deliveries(server.url)
                done = [r for r in rows if r["outcome"] in ("sent", "summarised")]
                accounted = len({r["group_key"] for r in done})
                if accounted == ALERTS:
                    break
                time.sleep(0.5)
            assert accounted == ALERTS, f"{accounted} of {ALERTS} notifications accounted for"
            messages = twilio.messages_to(PHONE)
            sent = [r for r in rows if r["outcome"] == "sent"]
            summarised = [r for r in rows if r["outcome"] == "summarised"]
            # the limit held: one message, then one per 4 s at most
            assert len(messages) == len(sent) <= 3
            assert len(summarised) == ALERTS - len(sent)
            carriers = {r["idempotency_key"] for r in sent}
            assert {r["carried_by"] for r in summarised} <= carriers
            assert any("more alerts" in m.body for m in messages[1:])
            assert all("\n" not in m.body and len(m.body) <= 1600 for m in messages)
            metrics = httpx.get(f"{server.url}/metrics", timeout=10).text
            assert "tocsin_notifications_summarised_total" in metrics
            assert not twilio.rejected
        finally:
            server.stop()
