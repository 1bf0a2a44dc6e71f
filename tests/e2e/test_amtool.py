"""amtool, unchanged, against a running tocsin."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import httpx
import pytest
from tests.config.test_config_production_example import ENV
from tests.support.binaries import require_binary
from tests.support.tocsin import start_tocsin

from tocsin.config import alertmanager_yaml, load_config

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


def test_amtool_silences_add_query_expire_import(tmp_path: Path) -> None:
    server = start_tocsin(ROOT / "examples" / "tocsin.yml", tmp_path / "data")
    try:
        _amtool(server.url, "alert", "add", "alertname=DiskFull", "service=db")
        _amtool(server.url, "alert", "add", "alertname=Slow", "service=web")
        added = _amtool(
            server.url,
            "silence",
            "add",
            "alertname=DiskFull",
            "--comment=disk swap",
            "--author=ops",
            "--duration=2h",
        )
        assert added.returncode == 0, added.stderr
        silence_id = added.stdout.strip()
        stored = httpx.get(f"{server.url}/api/v2/silence/{silence_id}").json()
        assert stored["comment"] == "disk swap"
        assert stored["createdBy"] == "ops"
        assert stored["status"]["state"] == "active"
        assert stored["matchers"] == [
            {"isEqual": True, "isRegex": False, "name": "alertname", "value": "DiskFull"}
        ]

        quiet = _amtool(server.url, "silence", "query", "-q")
        assert quiet.stdout.split() == [silence_id]
        exported = _amtool(server.url, "silence", "query", "-o", "json")
        assert [s["id"] for s in json.loads(exported.stdout)] == [silence_id]

        # Explicit state flags replace amtool's default of "active only".
        silenced = _amtool(server.url, "alert", "query", "--silenced", "-o", "json")
        assert [a["labels"]["alertname"] for a in json.loads(silenced.stdout)] == ["DiskFull"]
        active = _amtool(server.url, "alert", "query", "--active", "-o", "json")
        assert [a["labels"]["alertname"] for a in json.loads(active.stdout)] == ["Slow"]

        expired = _amtool(server.url, "silence", "expire", silence_id)
        assert expired.returncode == 0, expired.stderr
        assert _amtool(server.url, "silence", "query", "-q").stdout.split() == []
        again = _amtool(server.url, "silence", "query", "--expired", "-q")
        assert again.stdout.split() == [silence_id]

        # import re-creates silences from an export (new ids, same matchers).
        export_file = tmp_path / "silences.json"
        export_file.write_text(exported.stdout)
        imported = _amtool(server.url, "silence", "import", str(export_file))
        assert imported.returncode == 0, imported.stderr
        active_ids = _amtool(server.url, "silence", "query", "-q").stdout.split()
        assert len(active_ids) == 1
        assert active_ids[0] != silence_id
        restored = httpx.get(f"{server.url}/api/v2/silence/{active_ids[0]}").json()
        assert restored["matchers"] == stored["matchers"]
        assert restored["comment"] == "disk swap"
    finally:
        server.stop()


def test_amtool_check_config_accepts_the_alertmanager_example() -> None:
    amtool = require_binary("amtool")
    result = subprocess.run(
        [amtool, "check-config", str(ROOT / "examples" / "alertmanager.yml")],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_amtool_check_config_accepts_the_dump_of_the_production_example(tmp_path: Path) -> None:
    """tocsin's channels and keys (Web API Slack, Twilio, fallbacks, rate limits) stay out
    of what ``/api/v2/status`` shows amtool."""
    amtool = require_binary("amtool")
    dumped = tmp_path / "original.yml"
    dumped.write_text(alertmanager_yaml(load_config(ROOT / "examples" / "production.yml", env=ENV)))
    result = subprocess.run(
        [amtool, "check-config", str(dumped)],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
