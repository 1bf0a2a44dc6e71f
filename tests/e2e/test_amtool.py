"""amtool, unchanged, against a running tocsin."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from tests.support.binaries import require_binary
from tests.support.tocsin import start_tocsin

pytestmark = [pytest.mark.realtime, pytest.mark.external]

ROOT = Path(__file__).resolve().parents[2]


def _amtool(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    amtool = require_binary("amtool")
    return subprocess.run(
        [amtool, f"--alertmanager.url={url}", *args],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def test_amtool_adds_queries_and_shows_routes(tmp_path: Path) -> None:
    server = start_tocsin(ROOT / "examples" / "tocsin.yml", tmp_path / "data")
    try:
        added = _amtool(
            server.url,
            "alert",
            "add",
            "alertname=DiskFull",
            "severity=critical",
            "service=db",
            "--annotation=summary=Disk almost full",
        )
        assert added.returncode == 0, added.stderr
        _amtool(server.url, "alert", "add", "alertname=Slow", "severity=warning")

        queried = _amtool(server.url, "alert", "query", "-o", "json")
        assert queried.returncode == 0, queried.stderr
        alerts = {a["labels"]["alertname"]: a for a in json.loads(queried.stdout)}
        assert set(alerts) == {"DiskFull", "Slow"}
        disk = alerts["DiskFull"]
        assert disk["annotations"] == {"summary": "Disk almost full"}
        assert disk["receivers"] == [{"name": "console-urgent"}]
        assert disk["status"]["state"] == "active"
        assert not disk["startsAt"].startswith("0001")  # Go's zero time meant "unset"

        filtered = _amtool(server.url, "alert", "query", "-o", "json", "severity=warning")
        assert [a["labels"]["alertname"] for a in json.loads(filtered.stdout)] == ["Slow"]

        routes = _amtool(server.url, "config", "routes", "show")
        assert routes.returncode == 0, routes.stderr
        assert "receiver: console" in routes.stdout
        assert 'severity=~"critical|high"' in routes.stdout

        tested = _amtool(server.url, "config", "routes", "test", "severity=critical")
        assert tested.returncode == 0, tested.stderr
        assert tested.stdout.strip() == "console-urgent"
    finally:
        server.stop()
