"""Two tocsin servers on one PostgreSQL database: only the lease holder sends; when it stops
the other takes over within seconds and sends nothing twice."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from tests.support.postgres import PostgresCluster
from tests.support.sink import Sink
from tests.support.tocsin import TocsinProcess, start_tocsin

pytestmark = [pytest.mark.realtime, pytest.mark.external]


def _lease_held(server: TocsinProcess) -> bool:
    text = httpx.get(f"{server.url}/metrics").text
    return "tocsin_dispatch_lease_held 1.0" in text


def _wait(predicate: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_only_the_holder_sends_and_the_other_takes_over(
    tmp_path: Path,
    webhook_sink: Sink,
    postgres_cluster: PostgresCluster,
) -> None:
    url = postgres_cluster.create_database()
    config = tmp_path / "tocsin.yml"
    config.write_text(
        f"""
route:
  receiver: hook
  group_by: [alertname]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: hook
    webhook_configs:
      - url: http://127.0.0.1:{webhook_sink.port}/
"""
    )
    args = ["--database-url", url]
    first = start_tocsin(config, tmp_path / "a", args=args)
    second = start_tocsin(config, tmp_path / "b", args=args)
    try:
        assert _wait(lambda: _lease_held(first), 5), first.log()
        assert not _lease_held(second)
        # Posted to the server that does not hold the lease: the holder reads it from the
        # database and notifies.
        resp = httpx.post(f"{second.url}/api/v2/alerts", json=[{"labels": {"alertname": "One"}}])
        assert resp.status_code == 200
        assert _wait(lambda: len(webhook_sink.received) == 1, 6), first.log()
        listed = httpx.get(f"{first.url}/api/v2/alerts").json()
        assert [a["labels"]["alertname"] for a in listed] == ["One"]
        time.sleep(1.5)  # the holder's ticks send nothing more; the other sends nothing
        assert len(webhook_sink.received) == 1

        first.stop()  # SIGTERM: the lease is released
        stopped = time.monotonic()
        assert _wait(lambda: _lease_held(second), 5), second.log()
        taken_over = time.monotonic() - stopped
        # The new holder read the alerts, groups and log: nothing is sent twice …
        time.sleep(2.5)
        assert len(webhook_sink.received) == 1, [p["alerts"] for _, p in webhook_sink.received]
        # … and a new alert (posted to it) is notified by it.
        resp = httpx.post(f"{second.url}/api/v2/alerts", json=[{"labels": {"alertname": "Two"}}])
        assert resp.status_code == 200
        assert _wait(lambda: len(webhook_sink.received) == 2, 5), second.log()
        assert webhook_sink.received[1][1]["groupLabels"] == {"alertname": "Two"}
        assert taken_over < 3.0
    finally:
        first.stop()
        second.stop()
