"""The bench's parts, and ``python -m bench.ingest`` at a tiny size against real servers."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import httpx
import orjson
import pytest
from bench._alerts import ALERTNAMES, make_alerts, make_grouped_alerts, make_workload
from bench._load import percentile
from bench._procfs import descendants, tree_stats
from bench._server import (
    Sink,
    config_duration,
    kill_process_group,
    parse_server_spec,
    render_command,
    render_config,
    stop_process_group,
)
from bench._sink import clock

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
    spec = parse_server_spec("srv=server --web.listen-address=127.0.0.1:{port} --x=")
    assert spec.name == "srv"
    words = render_command(spec.template, config=Path("/c/f.yml"), port=1234, datadir=Path("/d d"))
    assert words == ["server", "--web.listen-address=127.0.0.1:1234", "--x="]
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


def test_grouped_alerts_fill_every_group_evenly() -> None:
    for count, groups in ((20_000, 500), (200, 5), (120, 7)):
        alerts = make_grouped_alerts(count, groups)
        assert len({tuple(sorted(a["labels"].items())) for a in alerts}) == count
        keys = Counter((a["labels"]["alertname"], a["labels"]["service"]) for a in alerts)
        assert len(keys) == groups
        assert max(keys.values()) - min(keys.values()) <= 1


def test_config_renders_group_options() -> None:
    assert config_duration(1) == "1s"
    assert config_duration(0) == "0s"
    assert config_duration(1.5) == "1500ms"
    text = render_config(
        "http://127.0.0.1:1/runs/3", group_by=("...",), group_wait="0s", group_interval="10s"
    )
    assert "group_by: ['...']" in text
    assert "group_wait: 0s" in text
    assert "group_interval: 10s" in text
    assert "url: http://127.0.0.1:1/runs/3" in text


def test_alertmanager_template_must_turn_gossip_off() -> None:
    with pytest.raises(ValueError, match=r"--cluster\.listen-address="):
        parse_server_spec("am=/usr/bin/prometheus-alertmanager --web.listen-address=:{port}")
    spec = parse_server_spec("am=prometheus-alertmanager :{port} --cluster.listen-address=")
    assert spec.name == "am"


def test_sink_records_notifications_per_path_with_a_shared_clock() -> None:
    sink = Sink()
    sink.start()
    try:
        payload = {
            "groupKey": '{}:{alertname="A"}',
            "status": "firing",
            "groupLabels": {"alertname": "A"},
            "alerts": [{"fingerprint": "f1", "labels": {}}, {"labels": {"b": "2", "a": "1"}}],
        }
        before = clock()
        with httpx.Client(trust_env=False) as client:
            for path in ("/runs/1", "/runs/1", "/runs/2"):
                client.post(sink.url(path), json=payload).raise_for_status()
            client.post(sink.url("/runs/2"), content=b"not json").raise_for_status()
        after = clock()
        first = sink.notifications("/runs/1")
        assert len(first) == 2
        assert before <= first[0].t <= first[1].t <= after
        assert first[0].group_key == '{}:{alertname="A"}'
        assert first[0].status == "firing"
        assert first[0].group_labels == {"alertname": "A"}
        assert first[0].alerts == ("f1", '{"a":"1","b":"2"}')
        assert len(sink.notifications("/runs/1", start=1)) == 1
        second = sink.notifications("/runs/2")
        assert [n.group_key for n in second] == ['{}:{alertname="A"}', None]
        sink.forget("/runs/1")
        assert sink.notifications("/runs/1") == []
        assert len(sink.notifications("/runs/2")) == 2
    finally:
        sink.stop()


def _gone(pid: int) -> bool:
    """Dead: no process, or a zombie waiting for init to reap it."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return True
    return stat[stat.rindex(")") + 2] in "ZX"


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


def test_kill_process_group_kills_every_member_at_once() -> None:
    proc = subprocess.Popen(
        ["sh", "-c", 'trap "" TERM; sleep 30 & sleep 30 & wait'], start_new_session=True
    )
    try:
        deadline = time.monotonic() + 5
        while len(descendants(proc.pid)) < 3 and time.monotonic() < deadline:
            time.sleep(0.02)
        tree = descendants(proc.pid)
        kill_process_group(proc, grace=2)
        assert proc.returncode == -signal.SIGKILL
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


# --- python -m bench.ingest against real servers -----------------------------------------


@pytest.mark.external
def test_ingest_shorthand_side_by_side(tmp_path: Path) -> None:
    out = tmp_path / "ingest.json"
    command = [sys.executable, "-m", "bench.ingest", "--alerts", "200", "--batch", "50"]
    command += ["--concurrency", "2", "--json", str(out)]
    command += ["--server", f"first={ALERTMANAGER_TEMPLATE}"]
    command += ["--server", f"second={TOCSIN_TEMPLATE}"]
    proc = subprocess.run(
        command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=120, check=False
    )
    assert out.exists(), f"no JSON written:\n{proc.stdout}\n{proc.stderr}"
    report = orjson.loads(out.read_bytes())
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert report["baseline"] == "first"
    assert list(report["scenarios"]) == ["ingest"]
    ingest = report["scenarios"]["ingest"]
    assert ingest["params"] == {"alerts": 200, "batch": 50, "concurrency": 2}
    assert set(ingest["ratios"]) == {"second/first"}
    assert ingest["ratios"]["second/first"]["listed"] == 1.0
    for name in ("first", "second"):
        result = ingest["results"][name]
        assert result["ok"] is True, result["problems"]
        metrics = result["metrics"]
        assert metrics["accepted_alerts"] == 200
        assert metrics["listed"] == metrics["listed_distinct"] == 200
        assert metrics["failures"] == 0
        assert metrics["statuses"] == {"200": 4}
        assert 0 < metrics["latency_p50_ms"] <= metrics["latency_p99_ms"]
        assert 0 < metrics["rss_mib"] <= metrics["rss_peak_mib"]
        assert metrics["alerts_per_s"] > 0
    assert "second/first" in proc.stdout
