"""``python -m bench``: every scenario, at a tiny size, against real tocsin and Alertmanager.

Only the counts are asserted, never a timing: the figures of a tiny run mean nothing. One
test runs the bench once (about 30 s) and checks each scenario in turn, so that parallel
workers never run it twice.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
ALERTMANAGER = (
    "alertmanager=/usr/bin/prometheus-alertmanager --config.file={config} "
    "--storage.path={datadir} --web.listen-address=127.0.0.1:{port} --cluster.listen-address="
)
TOCSIN = (
    f"tocsin={REPO_ROOT / '.venv' / 'bin' / 'tocsin'} serve --config {{config}} "
    "--listen 127.0.0.1:{port} --data-dir {datadir}"
)
SIZES = {
    "--ingest-alerts": "200",
    "--storm-alerts": "200",
    "--storm-groups": "5",
    "--latency-rate": "10",
    "--latency-seconds": "1",
    "--steady-alerts": "200",
    "--steady-interval": "1",
    "--steady-duration": "2",
    "--restart-alerts": "500",
    "--restart-settle": "1",
    "--settle": "0.5",
}
SERVERS = ("tocsin", "alertmanager")


def _run_bench(tmp_path: Path) -> tuple[subprocess.CompletedProcess[str], Any]:
    out = tmp_path / "report.json"
    command = [sys.executable, "-m", "bench", "--server", TOCSIN, "--server", ALERTMANAGER]
    for flag, value in SIZES.items():
        command += [flag, value]
    command += ["--json", str(out)]
    proc = subprocess.run(
        command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=180, check=False
    )
    assert out.exists(), f"no JSON written:\n{proc.stdout}\n{proc.stderr}"
    return proc, orjson.loads(out.read_bytes())


def _metrics(report: Any, scenario: str, server: str) -> Any:
    result = report["scenarios"][scenario]["results"][server]
    assert result["ok"] is True, result["problems"]
    assert len(result["runs"]) == 1
    return result["metrics"]


@pytest.mark.external
@pytest.mark.realtime
def test_every_scenario_against_tocsin_and_alertmanager(tmp_path: Path) -> None:
    proc, report = _run_bench(tmp_path)
    _check_layout(proc, report)
    _check_ingest(report)
    _check_storm(report)
    _check_latency(report)
    _check_steady(report)
    _check_restart(report)


def _check_layout(proc: subprocess.CompletedProcess[str], report: Any) -> None:
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert report["ok"] is True
    assert report["baseline"] == "alertmanager"
    assert [server["name"] for server in report["servers"]] == list(SERVERS)
    assert list(report["scenarios"]) == ["ingest", "storm", "latency", "steady", "restart"]
    for name, scenario in report["scenarios"].items():
        assert set(scenario) == {"title", "params", "rows", "results", "ratios"}, name
        assert set(scenario["results"]) == set(SERVERS)
        keys = [row["key"] for row in scenario["rows"]]
        assert set(scenario["ratios"]) == {"tocsin/alertmanager"}
        assert list(scenario["ratios"]["tocsin/alertmanager"]) == keys
        for server in SERVERS:
            metrics = _metrics(report, name, server)
            assert set(keys) <= set(metrics), (name, server)
            run_record = scenario["results"][server]["runs"][0]
            assert run_record["command"]
            assert run_record["ready_s"] > 0
    assert "tocsin/alertmanager" in proc.stdout


def _check_ingest(report: Any) -> None:
    for server in SERVERS:
        metrics = _metrics(report, "ingest", server)
        assert metrics["accepted_alerts"] == metrics["listed"] == 200
        assert metrics["failures"] == 0
        assert metrics["alerts_per_s"] > 0
        assert 0 < metrics["rss_mib"] <= metrics["rss_peak_mib"]


def _check_storm(report: Any) -> None:
    for server in SERVERS:
        metrics = _metrics(report, "storm", server)
        assert metrics["groups"] == 5
        assert metrics["groups_notified"] == metrics["notifications"] == 5
        assert metrics["alerts_notified"] == 200
        assert metrics["all_notified_s"] >= 0.9  # group_wait is 1 s


def _check_latency(report: Any) -> None:
    for server in SERVERS:
        metrics = _metrics(report, "latency", server)
        assert metrics["alerts"] == metrics["posted"] == 10
        assert metrics["notified"] == metrics["notifications"] == 10
        assert metrics["delay_p50_ms"] <= metrics["delay_p99_ms"] <= metrics["delay_max_ms"]


def _check_steady(report: Any) -> None:
    for server in SERVERS:
        metrics = _metrics(report, "steady", server)
        assert metrics["reposts"] == 2
        assert metrics["notifications_during"] == 0
        assert metrics["cpu_pct"] >= 0
    assert isinstance(_metrics(report, "steady", "tocsin")["rows_written"], int)
    assert _metrics(report, "steady", "alertmanager")["rows_written"] is None
    assert report["scenarios"]["steady"]["ratios"]["tocsin/alertmanager"]["rows_written"] is None


def _check_restart(report: Any) -> None:
    tocsin = _metrics(report, "restart", "tocsin")
    assert tocsin["listed_before"] == tocsin["listed_after"] == 500
    assert tocsin["all_listed_s"] >= tocsin["ready_s"] > 0
    alertmanager = _metrics(report, "restart", "alertmanager")
    assert alertmanager["listed_before"] == 500
    assert alertmanager["listed_after"] == 0
    assert alertmanager["all_listed_s"] is None
    result = report["scenarios"]["restart"]["results"]["alertmanager"]
    assert result["notes"] == {"all_listed_s": "lists 0 of 500 (not durable)"}
    ratios = report["scenarios"]["restart"]["ratios"]["tocsin/alertmanager"]
    assert ratios["all_listed_s"] is None
    assert ratios["listed_after"] is None
