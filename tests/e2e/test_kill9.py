"""kill -9 right after a 200: every accepted alert is there after a restart, on SQLite and
on PostgreSQL."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import httpx
import orjson
import pytest
from tests.support.tocsin import start_tocsin

CONFIG = """
route:
  receiver: console
receivers:
  - name: console
    log_configs: [{}]
"""

pytestmark = pytest.mark.realtime


def _write_config(tmp_path: Path) -> Path:
    path = tmp_path / "tocsin.yml"
    path.write_text(CONFIG)
    return path


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()]


def _batch(worker: int, n: int, size: int) -> list[dict[str, object]]:
    return [
        {
            "labels": {"alertname": "Kill9", "worker": str(worker), "n": str(n), "i": str(i)},
            "annotations": {"summary": f"batch {n} of worker {worker}"},
        }
        for i in range(size)
    ]


def test_every_alert_acknowledged_before_kill9_survives(
    tmp_path: Path, backend_args: list[str]
) -> None:
    config = _write_config(tmp_path)
    data = tmp_path / "data"
    server = start_tocsin(config, data, args=backend_args)
    accepted: list[dict[str, str]] = []
    lock = threading.Lock()
    stop = threading.Event()
    enough = threading.Event()

    def post(worker: int) -> None:
        with httpx.Client(base_url=server.url, timeout=5) as client:
            for n in range(10_000):
                if stop.is_set():
                    return
                batch = _batch(worker, n, 20)
                try:
                    resp = client.post(
                        "/api/v2/alerts",
                        content=orjson.dumps(batch),
                        headers={"content-type": "application/json"},
                    )
                except httpx.TransportError:
                    return
                if resp.status_code == 200:
                    with lock:
                        accepted.extend(a["labels"] for a in batch)  # type: ignore[misc]
                        if len(accepted) >= 2000:
                            enough.set()

    threads = [threading.Thread(target=post, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    writer_pids = _children(server.pid)
    assert writer_pids, "the server runs its database writer in a child process"
    try:
        assert enough.wait(30), server.log()
        server.kill9()  # while the posters are still posting
    finally:
        stop.set()
        for t in threads:
            t.join(10)
        server.stop()
    with lock:
        acknowledged = list(accepted)
    # The writer finishes the batch in hand and exits: no orphan outlives its server.
    deadline = time.monotonic() + 10
    while any(Path(f"/proc/{pid}").exists() for pid in writer_pids):
        assert time.monotonic() < deadline, "the writer process outlived its server"
        time.sleep(0.05)

    restarted = start_tocsin(config, data, args=backend_args)
    try:
        listed = httpx.get(f"{restarted.url}/api/v2/alerts", timeout=10).json()
    finally:
        restarted.stop()
    present = {(a["labels"]["worker"], a["labels"]["n"], a["labels"]["i"]) for a in listed}
    missing = [lab for lab in acknowledged if (lab["worker"], lab["n"], lab["i"]) not in present]
    assert not missing, f"{len(missing)} of {len(acknowledged)} acknowledged alerts were lost"
    # Whole or nothing: every listed alert carries its annotations.
    assert all(a["annotations"]["summary"].startswith("batch ") for a in listed)


def test_alerts_whose_end_passed_while_down_stay_firing_for_resolve_timeout(
    tmp_path: Path, backend_args: list[str]
) -> None:
    config = _write_config(tmp_path)
    data = tmp_path / "data"
    clock_file = tmp_path / "now"
    clock_file.write_text("2027-01-15T08:00:00Z")
    env = {"TOCSIN_ALLOW_TEST_CLOCK": "1", "TOCSIN_TEST_CLOCK": str(clock_file)}
    server = start_tocsin(config, data, args=backend_args, env=env)
    try:
        resp = httpx.post(
            f"{server.url}/api/v2/alerts",
            content=orjson.dumps(
                [
                    {"labels": {"alertname": "Firing"}},
                    {
                        "labels": {"alertname": "Done"},
                        "startsAt": "2027-01-15T07:00:00Z",
                        "endsAt": "2027-01-15T07:30:00Z",
                    },
                ]
            ),
            headers={"content-type": "application/json"},
        )
        assert resp.status_code == 200
    finally:
        server.kill9()
    clock_file.write_text("2027-01-15T10:00:00Z")  # two hours later: "Firing"'s end passed
    restarted = start_tocsin(config, data, args=backend_args, env=env)
    try:
        listed = httpx.get(f"{restarted.url}/api/v2/alerts").json()
        assert [a["labels"] for a in listed] == [{"alertname": "Firing"}]
        assert listed[0]["startsAt"] == "2027-01-15T08:00:00.000Z"
        assert listed[0]["endsAt"] == "2027-01-15T10:05:00.000Z"  # ready + resolve_timeout
        clock_file.write_text("2027-01-15T10:05:01Z")
        assert httpx.get(f"{restarted.url}/api/v2/alerts").json() == []
    finally:
        restarted.stop()


def test_test_clock_is_refused_without_permission(tmp_path: Path) -> None:
    config = _write_config(tmp_path)
    clock_file = tmp_path / "now"
    clock_file.write_text("2027-01-15T08:00:00Z")
    server = start_tocsin(
        config, tmp_path / "data", env={"TOCSIN_TEST_CLOCK": str(clock_file)}, wait=False
    )
    assert server.proc.wait(20) == 1
    assert "TOCSIN_ALLOW_TEST_CLOCK" in server.log()
