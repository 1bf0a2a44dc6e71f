"""``tocsin oncall who`` and ``shifts``: from a file, and from a server (the handlers on a
small application served on 127.0.0.1)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer
import uvicorn
from tests.oncall.helpers import PEOPLE, roster_of, utc
from tests.oncall.test_oncall_api import build_app, make_context
from tests.support.ports import free_port
from typer.testing import CliRunner, Result

from tocsin.cli._oncall import oncall_app
from tocsin.model import FakeClock

SCHEDULES = """
schedules:
  - name: primary
    time_zone: America/Chicago
    layers:
      - {name: daily, participants: [alice, bob], shift: 1d, start: "2026-03-06 09:00"}
    overrides:
      - {user: dave, start: "2026-03-08T16:00:00Z", end: "2026-03-08T18:00:00Z"}
  - name: nights
    layers:
      - name: l
        participants: [carol]
        shift: 1d
        start: "2026-03-01 00:00"
        restrictions: [{times: [{start_time: "00:00", end_time: "08:00"}]}]
"""

runner = CliRunner()
app = typer.Typer()
app.add_typer(oncall_app, name="oncall")


def invoke(*args: str, env: dict[str, str] | None = None) -> Result:
    return runner.invoke(app, ["oncall", *args], env=env)


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "tocsin.yml"
    path.write_text(PEOPLE + SCHEDULES)
    return path


def test_who_from_a_file_at_a_given_time(config_file: Path) -> None:
    result = invoke(
        "who", "--config", str(config_file), "--at", "2026-03-08T10:00:00Z", "-o", "json"
    )
    assert result.exit_code == 0, result.output
    answers = json.loads(result.stdout)
    assert [(a["schedule"], a["user"], a["layer"], a["override"]) for a in answers] == [
        ("primary", "bob", "daily", None),
        ("nights", None, None, None),
    ]
    one = invoke(
        "who", "--config", str(config_file), "--schedule", "nights",
        "--at", "2026-03-08T07:59:00Z", "-o", "json",
    )  # fmt: skip
    assert json.loads(one.stdout) == {
        "schedule": "nights",
        "user": "carol",
        "layer": "l",
        "rotation_index": 0,
        "override": None,
        "since": "2026-03-08T00:00:00.000Z",
        "until": "2026-03-08T08:00:00.000Z",
    }


def test_who_from_a_file_now_reads_the_injected_clock(config_file: Path, tmp_path: Path) -> None:
    clock = tmp_path / "now"
    clock.write_text("2026-03-08T17:00:00Z")
    env = {"TOCSIN_ALLOW_TEST_CLOCK": "1", "TOCSIN_TEST_CLOCK": str(clock)}
    result = invoke("who", "--config", str(config_file), "--schedule", "primary", env=env)
    assert result.exit_code == 0, result.output
    header, row = result.stdout.splitlines()[:2]
    assert header.split() == ["Schedule", "User", "Layer", "Override", "Since", "Until"]
    assert row.split()[:3] == ["primary", "dave", "config-0"]


def test_shifts_from_a_file(config_file: Path) -> None:
    result = invoke(
        "shifts", "--config", str(config_file), "--schedule", "primary",
        "--from", "2026-03-08T12:00:00Z", "--to", "2026-03-08T20:00:00Z", "-o", "json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert [(s["user"], s["start"], s["end"]) for s in json.loads(result.stdout)] == [
        ("bob", "2026-03-08T12:00:00.000Z", "2026-03-08T14:00:00.000Z"),
        ("alice", "2026-03-08T14:00:00.000Z", "2026-03-08T16:00:00.000Z"),
        ("dave", "2026-03-08T16:00:00.000Z", "2026-03-08T18:00:00.000Z"),
        ("alice", "2026-03-08T18:00:00.000Z", "2026-03-08T20:00:00.000Z"),
    ]
    table = invoke(
        "shifts", "--config", str(config_file), "--schedule", "nights",
        "--from", "2026-03-08T06:00:00Z", "--to", "2026-03-08T10:00:00Z",
    )  # fmt: skip
    rows = [line.split()[6:] for line in table.stdout.splitlines()[1:]]  # after the times
    assert rows == [["carol", "l"], ["-"]]  # 00:00-08:00 UTC, then a gap


def test_mistakes_are_reported(config_file: Path, tmp_path: Path) -> None:
    unknown = invoke("who", "--config", str(config_file), "--schedule", "nope")
    assert (unknown.exit_code, unknown.stderr.strip()) == (1, 'error: unknown schedule "nope"')
    bad_time = invoke("who", "--config", str(config_file), "--at", "noon")
    assert bad_time.exit_code == 2
    assert "--at" in bad_time.stderr
    backwards = invoke(
        "shifts", "--config", str(config_file), "--schedule", "primary",
        "--from", "2026-03-08T12:00:00Z", "--to", "2026-03-08T11:00:00Z",
    )  # fmt: skip
    assert backwards.exit_code == 2
    broken = tmp_path / "broken.yml"
    broken.write_text(PEOPLE + "schedules: [{name: s, layers: [{participants: [zed], "
                      'shift: 1d, start: "2026-01-01 00:00"}]}]\n')  # fmt: skip
    failed = invoke("who", "--config", str(broken))
    assert failed.exit_code == 1
    assert 'undefined user "zed"' in failed.stderr


@pytest.fixture(scope="module")
def server_url() -> Iterator[str]:
    clock = FakeClock(utc("2026-03-08T17:00:00Z"))
    roster = roster_of(SCHEDULES)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            build_app(make_context(clock, roster)),
            host="127.0.0.1",
            port=port,
            log_level="warning",
            lifespan="off",
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "the test server did not start"
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_who_and_shifts_from_a_server(server_url: str, config_file: Path) -> None:
    remote = invoke("who", "--url", server_url, "-o", "json")
    assert remote.exit_code == 0, remote.output
    local = invoke(
        "who", "--config", str(config_file), "--at", "2026-03-08T17:00:00Z", "-o", "json"
    )
    assert json.loads(remote.stdout) == json.loads(local.stdout)
    one = invoke("who", "--url", server_url, "--schedule", "primary", "-o", "json")
    assert json.loads(one.stdout)["user"] == "dave"
    window = ("--from", "2026-03-08T12:00:00Z", "--to", "2026-03-08T20:00:00Z")
    remote_shifts = invoke(
        "shifts", "--url", server_url, "--schedule", "primary", *window, "-o", "json"
    )
    local_shifts = invoke(
        "shifts", "--config", str(config_file), "--schedule", "primary", *window, "-o", "json"
    )
    assert remote_shifts.exit_code == 0, remote_shifts.output
    assert json.loads(remote_shifts.stdout) == json.loads(local_shifts.stdout)
    missing = invoke("who", "--url", server_url, "--schedule", "nope")
    assert missing.exit_code == 1
    assert missing.stderr.strip() == 'error: tocsin answered 404: unknown schedule "nope"'
