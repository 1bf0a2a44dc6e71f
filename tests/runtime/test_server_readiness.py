"""The server listens first, and reports ready only once stored state is loaded."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import httpx
import pytest
from tests.support.ports import free_port

from tocsin.model import FakeClock
from tocsin.runtime import ServeOptions, Server
from tocsin.store import AlertStore

CONFIG = """
route:
  receiver: r
receivers:
  - name: r
    log_configs: [{}]
"""


def test_ready_only_after_stored_alerts_are_loaded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "tocsin.yml"
    config.write_text(CONFIG)
    release = threading.Event()
    original_load = AlertStore.load

    def slow_load(self: AlertStore, ready_at: float, resolve_timeout: float) -> int:
        assert release.wait(20)
        return original_load(self, ready_at, resolve_timeout)

    monkeypatch.setattr(AlertStore, "load", slow_load)
    port = free_port()
    options = ServeOptions(config_path=config, port=port, data_dir=tmp_path / "data")

    async def scenario() -> list[tuple[str, int]]:
        server = Server(options, FakeClock())
        task = asyncio.create_task(server.serve())
        seen: list[tuple[str, int]] = []
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            for _ in range(500):
                try:
                    await client.get("/-/healthy")
                    break
                except httpx.TransportError:
                    await asyncio.sleep(0.01)
            seen.append(("healthy", (await client.get("/-/healthy")).status_code))
            seen.append(("ready", (await client.get("/-/ready")).status_code))
            seen.append(("alerts", (await client.get("/api/v2/alerts")).status_code))
            release.set()
            for _ in range(500):
                if (await client.get("/-/ready")).status_code == 200:
                    break
                await asyncio.sleep(0.01)
            seen.append(("ready", (await client.get("/-/ready")).status_code))
            seen.append(("alerts", (await client.get("/api/v2/alerts")).status_code))
        server.stop()
        await asyncio.wait_for(task, 20)
        return seen

    seen = asyncio.run(scenario())
    assert seen == [
        ("healthy", 200),
        ("ready", 503),
        ("alerts", 503),
        ("ready", 200),
        ("alerts", 200),
    ]
