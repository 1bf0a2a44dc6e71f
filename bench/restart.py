"""Scenario ``restart``: a crash with many active alerts, and what the server knows after it.

N active alerts (``endsAt`` an hour ahead) are posted, ``GET /api/v2/alerts`` must list all
N, then the server's whole process group is killed with SIGKILL and the server is started
again on the same data directory and port. Figures: the time from the new start until
``GET /-/ready`` answers 200, and until ``GET /api/v2/alerts`` lists all N again. A server
that keeps its alerts in memory only (Alertmanager) lists none: the bench says so instead of
a time, and stops polling once the count has not moved for ``--restart-settle`` seconds.
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import httpx
import orjson

from bench._alerts import batches, make_alerts, rfc3339
from bench._api import list_alerts, wait_listed
from bench._procfs import tree_stats
from bench._scenario import Outcome, Row, RunContext, ScenarioKind, load_problems
from bench._server import render_config

__all__ = ["KIND", "Restart"]

MIB = 1024 * 1024


class Restart:
    name: ClassVar[str] = "restart"
    rows: ClassVar[tuple[Row, ...]] = (
        Row("ready_s", "kill -9, restart → /-/ready (s)", "{:.2f}", "lower"),
        Row("all_listed_s", "restart → all alerts listed (s)", "{:.2f}", "lower"),
        Row("listed_after", "alerts listed after the restart", "{:,.0f}", "higher"),
        Row("rss_after_mib", "server RSS after the restart (MiB)", "{:,.0f}", "lower"),
    )

    def __init__(self, *, alerts: int, settle: float, batch: int, seed: int) -> None:
        self.alerts = alerts
        self.settle = settle
        self.batch = batch
        self.seed = seed

    def params(self) -> dict[str, Any]:
        return {"alerts": self.alerts, "settle_s": self.settle, "ends_ahead_s": 3600}

    def describe(self) -> str:
        return f"{self.alerts:,} active alerts, kill -9"

    def config(self, sink_url: str) -> str:
        return render_config(sink_url)  # long timers: nothing is notified

    def run(self, ctx: RunContext) -> Outcome:
        outcome = Outcome()
        now = datetime.now(UTC)
        alerts = make_alerts(self.alerts, seed=self.seed, now=now)
        ends_at = rfc3339(now + timedelta(hours=1))
        for alert in alerts:
            alert["endsAt"] = ends_at
        chunks = list(batches(alerts, self.batch))
        ctx.log(f"posting {self.alerts:,} alerts")
        load = ctx.post(tuple(orjson.dumps(c) for c in chunks), tuple(map(len, chunks)))
        outcome.problems += load_problems(load, "POST /api/v2/alerts")
        with httpx.Client(timeout=max(ctx.options.timeout, 30.0), trust_env=False) as client:
            before = list_alerts(client, ctx.server.base_url)
        if before.listed != self.alerts:
            outcome.problems.append(
                f"listed {before.listed:,} of {self.alerts:,} alerts before the kill"
            )
        ctx.log("kill -9 of the process group, then a restart on the same data dir")
        ready_s = ctx.kill_and_restart()
        started = ctx.server.started_at
        after, complete = wait_listed(
            ctx.server.base_url,
            self.alerts,
            timeout=ctx.options.timeout,
            stalled_after=self.settle,
        )
        rss = tree_stats(ctx.server.pid).rss_bytes
        outcome.metrics = {
            "alerts": self.alerts,
            "listed_before": before.listed,
            "ready_s": round(ready_s, 3),
            "all_listed_s": round(after.finished - started, 3) if complete else None,
            "listed_after": after.listed,
            "listed_after_distinct": after.distinct,
            "rss_after_mib": round(rss / MIB, 1),
        }
        if not complete:
            what = "not durable" if after.listed == 0 else "some lost"
            outcome.notes["all_listed_s"] = f"lists {after.listed:,} of {self.alerts:,} ({what})"
            outcome.warnings.append(
                f"lists {after.listed:,} of {self.alerts:,} alerts after the restart ({what})"
            )
        return outcome


def _add_arguments(group: argparse._ArgumentGroup) -> None:
    group.add_argument(
        "--restart-alerts", type=int, default=100_000, metavar="N", help="alerts (default 100000)"
    )
    group.add_argument(
        "--restart-settle",
        type=float,
        default=5.0,
        metavar="SECONDS",
        help="give up once the listed count has not moved for this long (default 5)",
    )


def _from_args(args: argparse.Namespace) -> Restart:
    return Restart(
        alerts=args.restart_alerts, settle=args.restart_settle, batch=args.batch, seed=args.seed
    )


KIND = ScenarioKind("restart", _add_arguments, _from_args)
