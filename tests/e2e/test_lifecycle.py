"""Start-up, reload, shutdown and the single-server lock of a real process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from tests.support.ports import free_port
from tests.support.processes import stop_process, wait_http_ready
from tests.support.tocsin import start_tocsin

pytestmark = pytest.mark.realtime

CONFIG = """
route:
  receiver: {receiver}
receivers:
  - name: {receiver}
    log_configs: [{{}}]
"""


def _receivers(url: str) -> list[str]:
    return [r["name"] for r in httpx.get(f"{url}/api/v2/receivers").json()]


def _metric(url: str, name: str) -> float:
    for line in httpx.get(f"{url}/metrics").text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    raise AssertionError(f"metric {name} not exported")


def test_reload_applies_a_valid_file_and_refuses_an_invalid_one(tmp_path: Path) -> None:
    config = tmp_path / "tocsin.yml"
    config.write_text(CONFIG.format(receiver="first"))
    server = start_tocsin(config, tmp_path / "data")
    try:
        assert _receivers(server.url) == ["first"]
        config.write_text(CONFIG.format(receiver="second"))
        resp = httpx.post(f"{server.url}/-/reload")
        assert resp.status_code == 200
        assert _receivers(server.url) == ["second"]
        assert _metric(server.url, "tocsin_config_last_reload_successful") == 1

        config.write_text("route:\n  receiver: nowhere\nreceivers:\n  - name: x\n")
        resp = httpx.post(f"{server.url}/-/reload")
        assert resp.status_code == 400
        assert "undefined receiver" in resp.text
        assert "tocsin.yml:2:" in resp.text  # file:line of the error
        assert _receivers(server.url) == ["second"]  # the old config stays
        assert _metric(server.url, "tocsin_config_last_reload_successful") == 0

        config.write_text(CONFIG.format(receiver="third"))
        server.proc.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 10
        while _receivers(server.url) != ["third"] and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _receivers(server.url) == ["third"]
    finally:
        assert server.stop() == 0


def test_invalid_config_refuses_to_start_with_positions(tmp_path: Path) -> None:
    config = tmp_path / "bad.yml"
    config.write_text("route:\n  receiver: a\n  bogus: 1\nreceivers:\n  - name: a\n")
    server = start_tocsin(config, tmp_path / "data", wait=False)
    assert server.proc.wait(20) == 1
    assert "bad.yml:3:3" in server.log()


def test_second_server_on_the_same_sqlite_file_refuses_to_start(tmp_path: Path) -> None:
    config = tmp_path / "tocsin.yml"
    config.write_text(CONFIG.format(receiver="r"))
    first = start_tocsin(config, tmp_path / "data")
    try:
        second = start_tocsin(config, tmp_path / "data", wait=False)
        assert second.proc.wait(20) == 1
        assert f"another tocsin server (pid {first.pid})" in second.log()
        assert httpx.get(f"{first.url}/-/ready").status_code == 200
    finally:
        first.stop()


def test_sigterm_stops_gracefully_and_keeps_state(tmp_path: Path) -> None:
    config = tmp_path / "tocsin.yml"
    config.write_text(CONFIG.format(receiver="r"))
    server = start_tocsin(config, tmp_path / "data")
    try:
        resp = httpx.post(
            f"{server.url}/api/v2/alerts",
            json=[{"labels": {"alertname": "Kept"}}],
        )
        assert resp.status_code == 200
    finally:
        assert server.stop() == 0
    assert "stopped" in server.log()
    again = start_tocsin(config, tmp_path / "data")
    try:
        listed = httpx.get(f"{again.url}/api/v2/alerts").json()
        assert [a["labels"]["alertname"] for a in listed] == ["Kept"]
    finally:
        again.stop()


def test_sigterm_to_the_whole_process_group_stops_cleanly(tmp_path: Path) -> None:
    """As systemd and Ctrl-C do: the writer process gets the signal too, and must let the
    server finish its last writes."""
    config = tmp_path / "tocsin.yml"
    config.write_text(CONFIG.format(receiver="r"))
    port = free_port()
    log_path = tmp_path / "server.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tocsin",
                "serve",
                "--config",
                str(config),
                "--listen",
                f"127.0.0.1:{port}",
                "--data-dir",
                str(tmp_path / "data"),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_http_ready(
            proc,
            f"http://127.0.0.1:{port}/-/ready",
            log_path,
            name="tocsin",
            error=RuntimeError,
            timeout=20,
        )
        resp = httpx.post(
            f"http://127.0.0.1:{port}/api/v2/alerts", json=[{"labels": {"alertname": "Kept"}}]
        )
        assert resp.status_code == 200
        os.killpg(proc.pid, signal.SIGTERM)
        assert proc.wait(15) == 0
    finally:
        stop_process(proc)
    text = log_path.read_text()
    assert "stopped" in text
    assert "writer process failed" not in text, text
    assert "Traceback" not in text, text


def test_a_taken_port_is_a_clear_error(tmp_path: Path) -> None:
    import socket

    config = tmp_path / "tocsin.yml"
    config.write_text(CONFIG.format(receiver="r"))
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        server = start_tocsin(config, tmp_path / "data", port=port, wait=False)
        assert server.proc.wait(20) == 1
    assert f"cannot listen on 127.0.0.1:{port}" in server.log()
    assert "Traceback" not in server.log()
