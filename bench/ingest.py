"""Ingest benchmark: N distinct firing alerts posted to each server in turn, side by side.

    python -m bench.ingest --alerts 100000 --batch 100 --concurrency 8 \\
        --server "alertmanager=prometheus-alertmanager --config.file={config} \\
            --storage.path={datadir} --web.listen-address=127.0.0.1:{port} \\
            --cluster.listen-address=" \\
        --server "tocsin=.venv/bin/tocsin serve --config {config} \\
            --listen 127.0.0.1:{port} --data-dir {datadir}" \\
        --json bench/results/ingest.json

For each server: write a config (one route to a local webhook sink, long group timers),
start the server in its own process group on a free port with a fresh data dir, wait for
``GET /-/ready``, post the pre-serialised batches, check that ``GET /api/v2/alerts`` lists
N alerts, read CPU and memory of the server's process tree from /proc, stop it (SIGTERM,
SIGKILL after 5 s). Exit code 0 when every server accepted and listed every alert.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import shlex
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any

import httpx
import orjson
from rich.console import Console
from rich.table import Table

from bench._alerts import Workload, make_workload
from bench._load import CLIENTS, LoadResult, percentile, run_load
from bench._procfs import TreeStats, tree_stats
from bench._server import ServerSpec, ServerStartError, Sink, StartedServer, parse_server_spec

__all__ = ["RESULT_KEYS", "main"]

MIB = 1024 * 1024
VERIFY_WAIT_SECONDS = 10.0
CLIENT_CPU_WARNING = 0.5  # of one core
OTHER_CPU_WARNING = 0.2  # of one core, used by processes other than the server and the bench

RESULT_KEYS = (
    "name",
    "command",
    "ok",
    "error",
    "alerts",
    "requests",
    "accepted_alerts",
    "failures",
    "statuses",
    "errors",
    "not_sent",
    "timed_out",
    "listed",
    "listed_distinct",
    "elapsed_s",
    "alerts_per_s",
    "latency_ms",
    "server_cpu_s",
    "server_cpu_pct",
    "rss_idle_mib",
    "rss_mib",
    "rss_peak_mib",
    "rss_after_verify_mib",
    "rss_peak_after_verify_mib",
    "server_pids",
    "client",
    "client_cpu_s",
    "client_cpu_pct",
    "machine_busy_pct",
    "other_cpu_pct",
    "ready_s",
    "verify_s",
    "exit_code",
    "runs",
)

# (key, label, format, lower is better; None: neither)
_TABLE_ROWS: tuple[tuple[str, str, str, bool | None], ...] = (
    ("alerts_per_s", "accepted alerts/s", "{:,.0f}", False),
    ("latency_p50_ms", "request p50 (ms)", "{:.1f}", True),
    ("latency_p99_ms", "request p99 (ms)", "{:.1f}", True),
    ("elapsed_s", "wall time (s)", "{:.2f}", True),
    ("server_cpu_s", "server CPU (s)", "{:.2f}", True),
    ("server_cpu_pct", "server CPU (% of a core)", "{:.0f}", None),
    ("rss_mib", "server RSS after ingest (MiB)", "{:.1f}", True),
    ("rss_peak_mib", "server peak RSS (MiB)", "{:.1f}", True),
    ("rss_peak_after_verify_mib", "peak RSS incl. GET (MiB)", "{:.1f}", True),
    ("client_cpu_pct", "client CPU (% of a core)", "{:.0f}", True),
    ("other_cpu_pct", "other CPU on the machine (%)", "{:.0f}", None),
    ("failures", "failed requests", "{:,.0f}", True),
    ("listed", "alerts listed", "{:,.0f}", None),
)


def _mib(value: int) -> float:
    return round(value / MIB, 1)


def _latency_ms(load: LoadResult) -> dict[str, float | None]:
    values = load.latencies

    def ms(seconds: float) -> float | None:
        return None if math.isnan(seconds) else round(seconds * 1000, 3)

    return {
        "p50": ms(percentile(values, 50)),
        "p90": ms(percentile(values, 90)),
        "p99": ms(percentile(values, 99)),
        "max": ms(values[-1] if values else float("nan")),
        "mean": ms(sum(values) / len(values) if values else float("nan")),
    }


def _list_alerts(base_url: str, expected: int, timeout: float) -> tuple[int, int]:
    """(alerts listed, distinct fingerprints); polls briefly until ``expected`` are listed."""
    deadline = time.monotonic() + min(timeout, VERIFY_WAIT_SECONDS)
    with httpx.Client(timeout=max(timeout, 30.0), trust_env=False) as client:
        while True:
            response = client.get(f"{base_url}/api/v2/alerts")
            response.raise_for_status()
            alerts = orjson.loads(response.content)
            listed = len(alerts)
            distinct = len({alert.get("fingerprint") for alert in alerts})
            if listed >= expected or time.monotonic() > deadline:
                return listed, distinct
            time.sleep(0.25)


def _empty_result(spec: ServerSpec, args: argparse.Namespace) -> dict[str, Any]:
    result: dict[str, Any] = dict.fromkeys(RESULT_KEYS)
    result.update(
        name=spec.name,
        command=shlex.split(spec.template),
        ok=False,
        alerts=args.alerts,
        client=args.client,
        statuses={},
        errors=[],
        latency_ms={},
    )
    return result


def bench_server(
    spec: ServerSpec, workload: Workload, sink_port: int, args: argparse.Namespace, console: Console
) -> dict[str, Any]:
    """Run the load against one server; the figures as a JSON-ready dict."""
    result = _empty_result(spec, args)
    workdir = Path(tempfile.mkdtemp(prefix=f"tocsin-bench-{spec.name}-"))
    server = StartedServer(spec, workdir, sink_port)
    try:
        try:
            result["ready_s"] = round(server.start(args.ready_timeout), 3)
        except ServerStartError as exc:
            result["command"] = server.command or result["command"]
            result["error"] = str(exc)
            return result
        result["command"] = server.command
        console.log(
            f"[bold]{spec.name}[/] ready in {result['ready_s']:.2f} s "
            f"(pid {server.pid}, port {server.port}); posting {workload.alerts:,} alerts "
            f"in {len(workload.bodies):,} batches from {args.concurrency} connections"
        )
        idle = tree_stats(server.pid)
        load = run_load(
            host="127.0.0.1",
            port=server.port,
            bodies=workload.bodies,
            sizes=workload.sizes,
            concurrency=args.concurrency,
            timeout=args.timeout,
            client=args.client,
            use_uvloop=not args.no_uvloop,
        )
        after: TreeStats = tree_stats(server.pid)
        machine_busy = load.machine_busy
        verify_started = time.perf_counter()
        try:
            listed, distinct = _list_alerts(server.base_url, workload.alerts, args.timeout)
        except (httpx.HTTPError, orjson.JSONDecodeError) as exc:
            listed = distinct = -1
            result["error"] = f"GET /api/v2/alerts failed: {exc!r}"
        result["verify_s"] = round(time.perf_counter() - verify_started, 3)
        verified = tree_stats(server.pid)
        elapsed = load.elapsed or float("nan")
        server_cpu = after.cpu_seconds - idle.cpu_seconds
        result.update(
            requests=load.requests,
            accepted_alerts=load.accepted_alerts,
            failures=load.failures,
            statuses=dict(load.statuses),
            errors=load.errors,
            not_sent=load.not_sent,
            timed_out=load.timed_out,
            listed=listed,
            listed_distinct=distinct,
            elapsed_s=round(load.elapsed, 3),
            alerts_per_s=round(load.accepted_alerts / elapsed, 1),
            latency_ms=_latency_ms(load),
            server_cpu_s=round(server_cpu, 2),
            server_cpu_pct=round(100 * server_cpu / elapsed, 1),
            rss_idle_mib=_mib(idle.rss_bytes),
            rss_mib=_mib(after.rss_bytes),
            rss_peak_mib=_mib(after.hwm_bytes),
            rss_after_verify_mib=_mib(verified.rss_bytes),
            rss_peak_after_verify_mib=_mib(verified.hwm_bytes),
            server_pids=list(after.pids),
            client_cpu_s=round(load.client_cpu, 2),
            client_cpu_pct=round(100 * load.client_cpu / elapsed, 1),
            machine_busy_pct=round(100 * machine_busy / elapsed, 1),
            other_cpu_pct=round(100 * (machine_busy - server_cpu - load.client_cpu) / elapsed, 1),
        )
        if result["error"] is None:
            problems = []
            if load.failures or load.not_sent:
                problems.append(
                    f"{load.failures} failed requests, {load.not_sent} batches not sent"
                )
            if listed != workload.alerts:
                problems.append(f"{listed} alerts listed, expected {workload.alerts}")
            result["error"] = "; ".join(problems) or None
        result["ok"] = result["error"] is None
        return result
    finally:
        result["exit_code"] = server.stop()
        if result["error"] is not None:
            tail = server.log_tail()
            if tail:
                console.log(f"[red]{spec.name} log (last lines):[/]\n{tail}")
        if args.keep_workdir:
            console.log(f"{spec.name}: work dir kept at {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


_RUN_KEYS = (
    "alerts_per_s",
    "latency_ms",
    "server_cpu_s",
    "server_cpu_pct",
    "rss_mib",
    "rss_peak_mib",
    "client_cpu_pct",
    "other_cpu_pct",
    "failures",
    "listed",
    "error",
)


def summarise(runs: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The run with the median throughput, plus every run's main figures under ``runs``.

    ``ok`` only if every run was; ``error`` is the first run's error.
    """
    ranked = sorted(runs, key=lambda run: run["alerts_per_s"] or 0.0)
    result = dict(ranked[(len(ranked) - 1) // 2])
    result["ok"] = all(run["ok"] for run in runs)
    result["error"] = next((run["error"] for run in runs if run["error"] is not None), None)
    result["runs"] = [{key: run[key] for key in _RUN_KEYS} for run in runs]
    return result


def _flat(result: dict[str, Any]) -> dict[str, Any]:
    flat = dict(result)
    latency = result.get("latency_ms") or {}
    flat["latency_p50_ms"] = latency.get("p50")
    flat["latency_p99_ms"] = latency.get("p99")
    return flat


def _ratio(value: Any, base: Any) -> float | None:
    if not isinstance(value, int | float) or not isinstance(base, int | float) or base == 0:
        return None
    if math.isnan(value) or math.isnan(base):
        return None
    return round(value / base, 3)


def ratios(results: Sequence[dict[str, Any]]) -> dict[str, dict[str, float | None]]:
    """Each server's figures divided by the first server's (the baseline)."""
    if len(results) < 2:
        return {}
    base = _flat(results[0])
    out: dict[str, dict[str, float | None]] = {}
    for result in results[1:]:
        flat = _flat(result)
        out[f"{result['name']}/{results[0]['name']}"] = {
            key: _ratio(flat.get(key), base.get(key)) for key, *_ in _TABLE_ROWS
        }
    return out


def render_table(results: Sequence[dict[str, Any]], console: Console, title: str) -> None:
    console.print(f"[bold]{title}[/]")
    table = Table()
    table.add_column("metric")
    for result in results:
        table.add_column(result["name"], justify="right")
    ratio_table = ratios(results)
    for key in ratio_table:
        table.add_column(key, justify="right", style="cyan")
    for key, label, fmt, lower_better in _TABLE_ROWS:
        cells = [label]
        for result in results:
            value = _flat(result).get(key)
            cells.append("—" if value is None else fmt.format(value))
        for ratios_of in ratio_table.values():
            ratio = ratios_of.get(key)
            if ratio is None:
                cells.append("—")
            elif lower_better is None:
                cells.append(f"{ratio:.2f}×")
            else:
                better = ratio < 1 if lower_better else ratio > 1
                colour = "green" if better else ("red" if ratio != 1 else "")
                cells.append(f"[{colour}]{ratio:.2f}×[/]" if colour else f"{ratio:.2f}×")
        table.add_row(*cells)
    console.print(table)
    for result in results:
        status = "[green]ok[/]" if result["ok"] else f"[red]FAILED[/]: {result['error']}"
        console.print(f"{result['name']}: {status}")
        client_pct = result.get("client_cpu_pct")
        if isinstance(client_pct, int | float) and client_pct > 100 * CLIENT_CPU_WARNING:
            console.print(
                f"[yellow]{result['name']}: the client used {client_pct:.0f}% of a core; "
                "on a small machine it competes with the server[/]"
            )
        other_pct = result.get("other_cpu_pct")
        if isinstance(other_pct, int | float) and other_pct > 100 * OTHER_CPU_WARNING:
            console.print(
                f"[yellow]{result['name']}: other processes used {other_pct:.0f}% of a core "
                "during the load; its figures are disturbed[/]"
            )


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.ingest",
        description="Post N distinct firing alerts to each server in turn and compare them.",
    )
    parser.add_argument("--alerts", type=int, default=100_000, help="alerts to post (N)")
    parser.add_argument("--batch", type=int, default=100, help="alerts per request (B)")
    parser.add_argument("--concurrency", type=int, default=8, help="connections (C)")
    parser.add_argument(
        "--server",
        action="append",
        required=True,
        metavar="NAME=TEMPLATE",
        help="server to start; the template may use {config}, {port} and {datadir}; repeatable",
    )
    parser.add_argument("--json", type=Path, metavar="PATH", help="write the results here")
    parser.add_argument(
        "--timeout",
        type=float,
        default=600.0,
        help="seconds the load may take per server; batches left after it are not sent",
    )
    parser.add_argument(
        "--ready-timeout", type=float, default=60.0, help="seconds to wait for GET /-/ready"
    )
    parser.add_argument("--client", choices=CLIENTS, default="raw", help="HTTP client")
    parser.add_argument("--no-uvloop", action="store_true", help="use the default event loop")
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="runs per server, interleaved, each on a fresh server; the median run is shown",
    )
    parser.add_argument("--seed", type=int, default=1, help="seed of the alert generator")
    parser.add_argument("--keep-workdir", action="store_true", help="keep configs and data")
    args = parser.parse_args(argv)
    if min(args.alerts, args.batch, args.concurrency, args.repeat) < 1 or args.timeout <= 0:
        parser.error("--alerts, --batch, --concurrency, --repeat and --timeout must be positive")
    try:
        args.specs = [parse_server_spec(text) for text in args.server]
    except ValueError as exc:
        parser.error(str(exc))
    names = [spec.name for spec in args.specs]
    if len(set(names)) != len(names):
        parser.error("--server names must be distinct")
    return args


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse_args(argv)
    console = Console(stderr=True)
    out = Console()
    previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    sink = Sink()
    results: list[dict[str, Any]] = []
    try:
        prepared = time.perf_counter()
        workload = make_workload(args.alerts, args.batch, seed=args.seed)
        console.log(
            f"{workload.alerts:,} alerts in {len(workload.bodies):,} bodies "
            f"({workload.total_bytes / MIB:.1f} MiB) prepared in "
            f"{time.perf_counter() - prepared:.2f} s"
        )
        sink_port = sink.start()
        runs: dict[str, list[dict[str, Any]]] = {spec.name: [] for spec in args.specs}
        # Interleaved (A B A B …) so that drift of the machine hits every server alike.
        for repeat in range(args.repeat):
            for spec in args.specs:
                if args.repeat > 1:
                    console.log(f"{spec.name}: run {repeat + 1} of {args.repeat}")
                runs[spec.name].append(bench_server(spec, workload, sink_port, args, console))
        results = [summarise(runs[spec.name]) for spec in args.specs]
    except KeyboardInterrupt:
        console.log("[red]interrupted; servers stopped[/]")
        return 130
    finally:
        sink.stop()
        signal.signal(signal.SIGTERM, previous)

    title = (
        f"ingest: {args.alerts:,} alerts, batches of {args.batch}, "
        f"{args.concurrency} connections, {os.cpu_count()} CPUs"
        + (f", median of {args.repeat} runs" if args.repeat > 1 else "")
    )
    render_table(results, out, title)
    if args.json:
        report = {
            "bench": "ingest",
            "when": datetime.now(UTC).isoformat(timespec="seconds"),
            "params": {
                "alerts": args.alerts,
                "batch": args.batch,
                "concurrency": args.concurrency,
                "timeout": args.timeout,
                "client": args.client,
                "uvloop": not args.no_uvloop,
                "seed": args.seed,
                "repeat": args.repeat,
                "bytes_posted": workload.total_bytes,
            },
            "machine": {
                "cpus": os.cpu_count(),
                "python": platform.python_version(),
                "platform": platform.platform(),
            },
            "baseline": results[0]["name"] if results else None,
            "results": results,
            "ratios": ratios(results),
        }
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_bytes(orjson.dumps(report, option=orjson.OPT_INDENT_2) + b"\n")
        console.log(f"results written to {args.json}")
    return 0 if results and all(result["ok"] for result in results) else 1


if __name__ == "__main__":
    sys.exit(main())
