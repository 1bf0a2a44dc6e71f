"""kill -9 around flushes: the notifications that follow are those Alertmanager would send
without a restart — a pending group_wait flush still comes, nothing notified is repeated
before its repeat interval. On SQLite and on PostgreSQL."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest
from tests.support.sink import Sink
from tests.support.tocsin import start_tocsin

pytestmark = pytest.mark.realtime


def _config(tmp_path: Path, port: int, wait: str, interval: str, repeat: str) -> Path:
    path = tmp_path / "tocsin.yml"
    path.write_text(
        f"""
route:
  receiver: hook
  group_by: [alertname]
  group_wait: {wait}
  group_interval: {interval}
  repeat_interval: {repeat}
receivers:
  - name: hook
    webhook_configs:
      - url: http://127.0.0.1:{port}/
"""
    )
    return path


def _post(url: str, name: str) -> float:
    """Post one alert; returns the moment of the request."""
    sent = time.monotonic()
    resp = httpx.post(f"{url}/api/v2/alerts", json=[{"labels": {"alertname": name}}])
    assert resp.status_code == 200, resp.text
    return sent


def test_kill9_before_group_wait_still_flushes_once(
    tmp_path: Path, webhook_sink: Sink, backend_args: list[str]
) -> None:
    config = _config(tmp_path, webhook_sink.port, "3s", "2s", "1h")
    server = start_tocsin(config, tmp_path / "data", args=backend_args)
    port = server.port
    try:
        posted = _post(server.url, "Pending")
        time.sleep(0.3)
        server.kill9()
        server = start_tocsin(config, tmp_path / "data", port=port, args=backend_args)
        time.sleep(max(0.0, posted + 7.5 - time.monotonic()))
    finally:
        server.stop()
    times = webhook_sink.times(posted)
    assert len(times) == 1, (times, server.log())
    # On time (3 s) when the restart was quick; at once on start-up otherwise (PostgreSQL
    # waits for the killed server's lease to lapse).
    assert 2.7 <= times[0] <= 7.0, times
    assert [a["labels"]["alertname"] for a in webhook_sink.received[0][1]["alerts"]] == ["Pending"]


def test_kill9_after_flush_repeats_only_when_due(tmp_path: Path, webhook_sink: Sink) -> None:
    # repeat_interval is not a multiple of group_interval: with 4s, a tick that runs a
    # few tens of milliseconds late would already find the repeat due (a race that
    # Alertmanager has too), and a loaded machine makes it flaky.
    config = _config(tmp_path, webhook_sink.port, "1s", "1s", "4s500ms")
    server = start_tocsin(config, tmp_path / "data")
    port = server.port
    try:
        posted = _post(server.url, "Notified")
        deadline = time.monotonic() + 5
        while not webhook_sink.received and time.monotonic() < deadline:
            time.sleep(0.02)
        assert webhook_sink.received, server.log()
        # Killed once the delivery is recorded (a send in flight at the moment of a crash
        # may repeat: delivery is at least once).
        time.sleep(0.3)
        server.kill9()
        server = start_tocsin(config, tmp_path / "data", port=port)
        time.sleep(max(0.0, posted + 7.6 - time.monotonic()))
    finally:
        server.stop()
    times = webhook_sink.times(posted)
    # Alertmanager without a restart: at 1 s, then the repeat on the first tick at least
    # 4.5 s after it (ticks every second from the first flush): 6 s.
    assert len(times) == 2, (times, server.log())
    assert abs(times[0] - 1.0) <= 0.3
    # Ticks count from the first flush, so a first notification that came a little late
    # moves the repeat with it.
    assert abs(times[1] - times[0] - 5.0) <= 0.3, times
