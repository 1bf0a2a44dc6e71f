"""Scenario ``ingest``: N distinct firing alerts posted as fast as the server takes them.

The bodies (batches of B alerts) are serialised once, before any clock starts, and posted
from C keep-alive connections. Figures: accepted alerts/s, request latency, the server's CPU
and the RSS of its whole process tree after the load (current and peak), then the peak again
after one ``GET /api/v2/alerts`` that must list all N.

``python -m bench.ingest`` is kept as a shorthand for ``python -m bench --scenarios ingest``
with the flags it always had (``--alerts`` for ``--ingest-alerts``).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any, ClassVar

import httpx

from bench._alerts import Workload, make_workload
from bench._api import list_alerts, ms_summary
from bench._procfs import tree_stats
from bench._scenario import Outcome, Row, RunContext, ScenarioKind, load_problems
from bench._server import render_config

__all__ = ["KIND", "Ingest", "main", "suite_argv"]

MIB = 1024 * 1024
CLIENT_CPU_WARNING = 50.0  # % of one core
MIN_WARNING_SECONDS = 1.0  # a shorter load is too short to tell


def _mib(value: int) -> float:
    return round(value / MIB, 1)


class Ingest:
    name: ClassVar[str] = "ingest"
    rows: ClassVar[tuple[Row, ...]] = (
        Row("alerts_per_s", "accepted alerts/s", "{:,.0f}", "higher"),
        Row("latency_p50_ms", "request p50 (ms)", "{:.1f}", "lower"),
        Row("latency_p99_ms", "request p99 (ms)", "{:.1f}", "lower"),
        Row("server_cpu_pct", "server CPU (% of one core)", "{:.0f}"),
        Row("server_cpu_s", "server CPU (s)", "{:.2f}", "lower"),
        Row("rss_mib", "server RSS after ingest (MiB)", "{:,.0f}", "lower"),
        Row("rss_peak_mib", "server peak RSS (MiB)", "{:,.0f}", "lower"),
        Row("rss_peak_after_list_mib", "peak RSS incl. listing all (MiB)", "{:,.0f}", "lower"),
        Row("listed", "alerts listed", "{:,.0f}", expect="alerts"),
    )

    def __init__(self, *, alerts: int, batch: int, concurrency: int, seed: int) -> None:
        self.alerts = alerts
        self.batch = batch
        self.concurrency = concurrency
        self.seed = seed
        self._workload: Workload | None = None

    def params(self) -> dict[str, Any]:
        return {"alerts": self.alerts, "batch": self.batch, "concurrency": self.concurrency}

    def describe(self) -> str:
        return f"{self.alerts:,} alerts, batches of {self.batch}, {self.concurrency} connections"

    def config(self, sink_url: str) -> str:
        return render_config(sink_url)  # long timers: nothing is notified during the load

    def workload(self) -> Workload:
        """The request bodies, made once and shared by every run."""
        if self._workload is None:
            self._workload = make_workload(self.alerts, self.batch, seed=self.seed)
        return self._workload

    def run(self, ctx: RunContext) -> Outcome:
        workload = self.workload()
        pid = ctx.server.pid
        ctx.log(f"posting {workload.alerts:,} alerts in {len(workload.bodies):,} requests")
        idle = tree_stats(pid)
        load = ctx.post(workload.bodies, workload.sizes)
        after = tree_stats(pid)
        with httpx.Client(timeout=max(ctx.options.timeout, 30.0), trust_env=False) as client:
            listing = list_alerts(client, ctx.server.base_url)
        listed = tree_stats(pid)
        elapsed = load.elapsed or float("nan")
        server_cpu = after.cpu_seconds - idle.cpu_seconds
        latency = ms_summary(load.latencies)
        outcome = Outcome()
        outcome.metrics = {
            "alerts": self.alerts,
            "requests": load.requests,
            "accepted_alerts": load.accepted_alerts,
            "failures": load.failures,
            "statuses": dict(load.statuses),
            "elapsed_s": round(load.elapsed, 3),
            "alerts_per_s": round(load.accepted_alerts / elapsed, 1),
            "latency_p50_ms": latency["p50"],
            "latency_p99_ms": latency["p99"],
            "latency_max_ms": latency["max"],
            "server_cpu_s": round(server_cpu, 2),
            "server_cpu_pct": round(100 * server_cpu / elapsed, 1),
            "rss_idle_mib": _mib(idle.rss_bytes),
            "rss_mib": _mib(after.rss_bytes),
            "rss_peak_mib": _mib(after.hwm_bytes),
            "rss_after_list_mib": _mib(listed.rss_bytes),
            "rss_peak_after_list_mib": _mib(listed.hwm_bytes),
            "listed": listing.listed,
            "listed_distinct": listing.distinct,
            "server_pids": len(after.pids),
            "client_cpu_pct": round(100 * load.client_cpu / elapsed, 1),
            "other_cpu_pct": round(
                100 * (load.machine_busy - server_cpu - load.client_cpu) / elapsed, 1
            ),
        }
        outcome.problems += load_problems(load, "POST /api/v2/alerts")
        if listing.listed != self.alerts or listing.distinct != self.alerts:
            outcome.problems.append(
                f"GET /api/v2/alerts listed {listing.listed:,} alerts "
                f"({listing.distinct:,} distinct), expected {self.alerts:,}"
            )
        client_pct = outcome.metrics["client_cpu_pct"]
        if client_pct > CLIENT_CPU_WARNING and load.elapsed >= MIN_WARNING_SECONDS:
            outcome.warnings.append(f"the client used {client_pct:.0f}% of a core")
        return outcome


def _add_arguments(group: argparse._ArgumentGroup) -> None:
    group.add_argument(
        "--ingest-alerts", type=int, default=100_000, metavar="N", help="alerts (default 100000)"
    )


def _from_args(args: argparse.Namespace) -> Ingest:
    return Ingest(
        alerts=args.ingest_alerts, batch=args.batch, concurrency=args.concurrency, seed=args.seed
    )


KIND = ScenarioKind("ingest", _add_arguments, _from_args)

_RENAMED = {"--alerts": "--ingest-alerts"}


def suite_argv(argv: Sequence[str]) -> list[str]:
    """The ``python -m bench`` arguments that do what ``python -m bench.ingest argv`` asks."""
    translated = ["--scenarios", "ingest"]
    for word in argv:
        flag, sep, value = word.partition("=")
        translated.append(_RENAMED.get(flag, flag) + sep + value)
    return translated


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m bench --scenarios ingest``, with ``--alerts`` for ``--ingest-alerts``."""
    from bench._suite import main as suite_main

    words = sys.argv[1:] if argv is None else argv
    return suite_main(suite_argv(words), prog="python -m bench.ingest")


if __name__ == "__main__":
    sys.exit(main())
