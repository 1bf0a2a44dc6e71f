"""The example configuration pages through its log receivers: its people have no
credentials to be reached with, so an incident of the payments team reaches the team's
channel, and the delivery log and the incident's timeline say so."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.support.tocsin import start_tocsin

pytestmark = pytest.mark.realtime

ROOT = Path(__file__).resolve().parents[2]


def _wait(condition: Callable[[], bool], timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def test_an_incident_of_the_example_reaches_the_team_channel(tmp_path: Path) -> None:
    config = tmp_path / "tocsin.yml"
    shutil.copy(ROOT / "examples" / "tocsin.yml", config)
    clock = tmp_path / "now"
    clock.write_text("2026-11-23T10:00:00Z")  # a Monday: emma (EMEA) is on call
    env = {"TOCSIN_ALLOW_TEST_CLOCK": "1", "TOCSIN_TEST_CLOCK": str(clock)}
    server = start_tocsin(config, tmp_path / "data", env=env)
    try:
        alert = {
            "labels": {"alertname": "CardsDeclined", "team": "payments", "severity": "critical"},
            "startsAt": "2026-11-23T10:00:00Z",
        }
        httpx.post(f"{server.url}/api/v2/alerts", json=[alert], timeout=10).raise_for_status()
        clock.write_text("2026-11-23T10:00:11Z")  # the route's group_wait is 10s

        def team_rows() -> list[dict[str, Any]]:
            rows = httpx.get(
                f"{server.url}/api/tocsin/v1/deliveries",
                params={"receiver": "payments-channel"},
                timeout=10,
            ).json()["deliveries"]
            return [r for r in rows if r["outcome"] == "sent"]

        assert _wait(lambda: bool(team_rows())), server.log()
        incidents = httpx.get(f"{server.url}/api/tocsin/v1/incidents", timeout=10).json()
        (incident,) = incidents["incidents"]
        assert incident["status"] == "triggered"
        assert incident["severity"] == "P0"
        assert team_rows()[0]["group_key"] == f"incident:{incident['id']}"
        assert "receiver=payments-channel" in server.log()
    finally:
        server.stop()
