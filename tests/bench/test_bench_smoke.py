"""The ingest bench: its parts, and a tiny run against real servers (``external``)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import orjson
import pytest
from bench._alerts import ALERTNAMES, make_alerts, make_workload
from bench._load import percentile
from bench._procfs import descendants, tree_stats
from bench._server import parse_server_spec, render_command, stop_process_group
from bench.ingest import RESULT_KEYS, summarise

REPO_ROOT = Path(__file__).resolve().parents[2]
ALERTMANAGER = Path("/usr/bin/prometheus-alertmanager")
TOCSIN = REPO_ROOT / ".venv" / "bin" / "tocsin"

ALERTMANAGER_TEMPLATE = (
    f"{ALERTMANAGER} --config.file={{config}} --storage.path={{datadir}} "
    "--web.listen-address=127.0.0.1:{port} --cluster.listen-address="
)
TOCSIN_TEMPLATE = (
    f"{TOCSIN} serve --config {{config}} --listen 127.0.0.1:{{port}} --data-dir {{datadir}}"
)
TOP_KEYS = {"bench", "when", "params", "machine", "baseline", "results", "ratios"}


# --- the parts, no server needed -------------------------------------------------------


def test_alerts_are_distinct_and_realistic() -> None:
    alerts = make_alerts(5_000)
    label_sets = {tuple(sorted(alert["labels"].items())) for alert in alerts}
    assert len(label_sets) == 5_000
    assert 45 <= len(ALERTNAMES) <= 55
    assert len(set(ALERTNAMES)) == len(ALERTNAMES)
    assert {alert["labels"]["alertname"] for alert in alerts} == set(ALERTNAMES)
    for alert in alerts[:200]:
        labels = alert["labels"]
        assert set(labels) == {"alertname", "job", "instance", "service", "team", "severity", "env"}
        host, _, port = labels["instance"].rpartition(":")
        assert host
        assert port.isdigit()
        assert labels["severity"] in {"critical", "warning", "info"}
        assert set(alert["annotations"]) == {"summary", "description", "runbook_url"}
        assert 20 <= len(alert["annotations"]["summary"]) <= 120
        assert 60 <= len(alert["annotations"]["description"]) <= 400
        assert alert["annotations"]["runbook_url"].startswith("https://")
        assert alert["startsAt"].endswith("Z")
        assert "endsAt" not in alert
    severities = Counter(alert["labels"]["severity"] for alert in alerts)
    assert severities["critical"]
    assert severities["warning"]


def test_workload_bodies_hold_every_alert_once() -> None:
    workload = make_workload(1_050, 100)
    assert workload.sizes == (100,) * 10 + (50,)
    decoded = [alert for body in workload.bodies for alert in orjson.loads(body)]
    assert len(decoded) == 1_050
    expected = orjson.loads(orjson.dumps(make_alerts(1_050)))
    assert [alert["labels"] for alert in decoded] == [alert["labels"] for alert in expected]
    assert len({orjson.dumps(alert["labels"]) for alert in decoded}) == 1_050


def test_percentile_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == 50.0
    assert percentile(values, 99) == 99.0
    assert percentile(values, 100) == 100.0
    assert percentile([7.0], 99) == 7.0


def test_server_spec_and_template() -> None:
    spec = parse_server_spec("am=alertmanager --web.listen-address=127.0.0.1:{port} --x=")
    assert spec.name == "am"
    words = render_command(spec.template, config=Path("/c/f.yml"), port=1234, datadir=Path("/d d"))
    assert words == ["alertmanager", "--web.listen-address=127.0.0.1:1234", "--x="]
    words = render_command(
        "srv --config {config} --data-dir '{datadir}'",
        config=Path("/c"),
        port=1,
        datadir=Path("/d d"),
    )
    assert words == ["srv", "--config", "/c", "--data-dir", "/d d"]
    for bad in ("noequals", "=cmd {port}", "name=", "name=cmd without port"):
        with pytest.raises(ValueError, match="--server"):
            parse_server_spec(bad)


def test_summarise_takes_the_median_run() -> None:
    runs = [
        dict.fromkeys(RESULT_KEYS) | {"name": "x", "ok": True, "alerts_per_s": rate}
        for rate in (30.0, 10.0, 20.0)
    ]
    runs[1]["ok"] = False
    runs[1]["error"] = "boom"
    summary = summarise(runs)
    assert summary["alerts_per_s"] == 20.0
    assert summary["ok"] is False
    assert summary["error"] == "boom"
    assert [run["alerts_per_s"] for run in summary["runs"]] == [30.0, 10.0, 20.0]


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


@pytest.mark.parametrize("ignore_term", [False, True], ids=["sigterm", "sigkill"])
def test_stop_process_group_stops_the_whole_group(ignore_term: bool) -> None:
    trap = 'trap "" TERM; ' if ignore_term else ""
    proc = subprocess.Popen(
        ["sh", "-c", f"{trap}sleep 30 & sleep 30 & wait"], start_new_session=True
    )
    try:
        deadline = time.monotonic() + 5
        while len(descendants(proc.pid)) < 3 and time.monotonic() < deadline:
            time.sleep(0.02)
        tree = descendants(proc.pid)
        assert len(tree) == 3
        assert tree_stats(proc.pid).rss_bytes > 0
        started = time.monotonic()
        stop_process_group(proc, grace=0.5)
        assert proc.returncode == (-signal.SIGKILL if ignore_term else -signal.SIGTERM)
        assert time.monotonic() - started < 3
        deadline = time.monotonic() + 2
        while not all(_gone(pid) for pid in tree) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert all(_gone(pid) for pid in tree)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def test_tree_stats_of_this_process() -> None:
    stats = tree_stats(os.getpid())
    assert os.getpid() in stats.pids
    assert stats.rss_bytes > 0
    assert stats.hwm_bytes >= stats.rss_bytes
    assert stats.cpu_seconds > 0


# --- tiny runs against real servers ----------------------------------------------------


def _run_bench(tmp_path: Path, *servers: str, alerts: int = 500) -> tuple[int, dict[str, object]]:
    out = tmp_path / "ingest.json"
    command = [sys.executable, "-m", "bench.ingest", "--alerts", str(alerts)]
    command += ["--batch", "50", "--concurrency", "2", "--timeout", "60", "--json", str(out)]
    for server in servers:
        command += ["--server", server]
    proc = subprocess.run(
        command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=240, check=False
    )
    assert out.exists(), f"no JSON written:\n{proc.stdout}\n{proc.stderr}"
    report: dict[str, object] = orjson.loads(out.read_bytes())
    return proc.returncode, report


def _check_result(result: dict[str, object], alerts: int) -> None:
    assert set(RESULT_KEYS) <= set(result)
    assert result["error"] is None, result["error"]
    assert result["ok"] is True
    assert result["failures"] == 0
    assert result["not_sent"] == 0
    assert result["requests"] == alerts // 50
    assert result["statuses"] == {"200": alerts // 50}
    assert result["accepted_alerts"] == alerts
    assert result["listed"] == alerts
    assert result["listed_distinct"] == alerts
    latency = result["latency_ms"]
    assert isinstance(latency, dict)
    assert 0 < latency["p50"] <= latency["p99"] <= latency["max"]
    for key in ("alerts_per_s", "rss_mib", "rss_peak_mib", "elapsed_s"):
        value = result[key]
        assert isinstance(value, int | float)
        assert value > 0, key
    assert isinstance(result["server_cpu_s"], int | float)
    assert result["server_cpu_s"] >= 0
    assert isinstance(result["rss_peak_mib"], int | float)
    assert isinstance(result["rss_mib"], int | float)
    assert result["rss_peak_mib"] >= result["rss_mib"]
    assert result["server_pids"]
    assert result["exit_code"] is not None


SERVERS = [
    pytest.param(f"alertmanager={ALERTMANAGER_TEMPLATE}", id="alertmanager"),
    pytest.param(f"tocsin={TOCSIN_TEMPLATE}", id="tocsin"),
]


@pytest.mark.external
@pytest.mark.parametrize("server", SERVERS)
def test_ingest_smoke(server: str, tmp_path: Path) -> None:
    code, report = _run_bench(tmp_path, server)
    assert set(report) >= TOP_KEYS
    results = report["results"]
    assert isinstance(results, list)
    assert len(results) == 1
    _check_result(results[0], 500)
    assert report["ratios"] == {}
    assert code == 0


@pytest.mark.external
def test_ingest_side_by_side(tmp_path: Path) -> None:
    code, report = _run_bench(
        tmp_path,
        f"first={ALERTMANAGER_TEMPLATE}",
        f"second={ALERTMANAGER_TEMPLATE}",
        alerts=200,
    )
    results = report["results"]
    assert isinstance(results, list)
    assert [result["name"] for result in results] == ["first", "second"]
    for result in results:
        _check_result(result, 200)
    ratios = report["ratios"]
    assert isinstance(ratios, dict)
    assert set(ratios) == {"second/first"}
    assert ratios["second/first"]["listed"] == 1.0
    assert ratios["second/first"]["alerts_per_s"] > 0
    assert code == 0
