"""Scenario ``steady``: the same firing alerts re-posted again and again, as Prometheus does.

N alerts (``group_by: [alertname]``, group_wait 1 s, group_interval twice the re-post
interval, so that group ticks fall inside the phase) are posted once; the bench waits until
every one has been in a notification. Then, for D seconds, the same N are re-posted every I
seconds with the same ``startsAt`` and ``endsAt`` moved forward (now + max(4 × I, 1 min), as
Prometheus sets 4 × its resend delay). Figures for that phase: the server's CPU, the
notifications that arrived (nothing changed, so there must be none) and, for a server that
exposes them, the database rows written (``tocsin_alerts_written_total`` plus
``tocsin_alerts_refresh_rows_written_total``).
"""

from __future__ import annotations

import argparse
import time
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import orjson

from bench._alerts import batches, make_alerts, rfc3339
from bench._api import scrape_counters
from bench._scenario import Outcome, Row, RunContext, ScenarioKind, load_problems
from bench._server import config_duration, render_config
from bench._sink import clock

__all__ = ["KIND", "WRITE_COUNTERS", "Steady", "rows_written"]

WRITTEN = "tocsin_alerts_written_total"
"""Alerts committed because they were new or changed."""
REFRESH_ROWS = "tocsin_alerts_refresh_rows_written_total"
"""Rows written for batched ``endsAt`` refreshes."""
REFRESHED = "tocsin_alerts_refreshed_total"
"""Unchanged re-posts whose new ``endsAt`` was taken (not rows: a row is written only when
needed). Counted as rows only by a tocsin that does not expose ``REFRESH_ROWS``."""
WRITE_COUNTERS = (WRITTEN, REFRESH_ROWS, REFRESHED)
WAIT_MARGIN_SECONDS = 60.0


def rows_written(
    before: dict[str, float | None], after: dict[str, float | None]
) -> tuple[int | None, dict[str, float | None]]:
    """(database rows written between the two scrapes, or None when the server does not say;
    each counter's increase)."""
    deltas: dict[str, float | None] = {}
    for name in WRITE_COUNTERS:
        start, end = before.get(name), after.get(name)
        deltas[name] = None if start is None or end is None else end - start
    refreshes = deltas[REFRESH_ROWS] if deltas[REFRESH_ROWS] is not None else deltas[REFRESHED]
    written = deltas[WRITTEN]
    if written is None or refreshes is None:
        return None, deltas
    return round(written + refreshes), deltas


class Steady:
    name: ClassVar[str] = "steady"
    rows: ClassVar[tuple[Row, ...]] = (
        Row("cpu_pct", "server CPU while re-posting (% of one core)", "{:.1f}", "lower"),
        Row("repost_s", "one re-post of all alerts (s)", "{:.2f}", "lower"),
        Row("notifications_during", "notifications while re-posting (must be 0)", expect=0),
        Row("rows_written", "DB rows written while re-posting", "{:,.0f}", "lower"),
        Row("all_notified_s", "first POST → every alert notified (s)", "{:.2f}", "lower"),
    )

    def __init__(
        self, *, alerts: int, interval: float, duration: float, batch: int, seed: int
    ) -> None:
        self.alerts = alerts
        self.interval = interval
        self.duration = duration
        self.batch = batch
        self.seed = seed
        self.ends_ahead = timedelta(seconds=max(4 * interval, 60.0))

    def params(self) -> dict[str, Any]:
        return {
            "alerts": self.alerts,
            "interval_s": self.interval,
            "duration_s": self.duration,
            "reposts": self.reposts,
            "group_by": ["alertname"],
            "group_interval_s": 2 * self.interval,
            "ends_ahead_s": self.ends_ahead.total_seconds(),
        }

    @property
    def reposts(self) -> int:
        return max(1, int(-(-self.duration // self.interval)))  # ceil

    def describe(self) -> str:
        return f"{self.alerts:,} alerts re-posted every {self.interval:g} s for {self.duration:g} s"

    def config(self, sink_url: str) -> str:
        return render_config(
            sink_url,
            group_by=("alertname",),
            group_wait="1s",
            group_interval=config_duration(2 * self.interval),
            repeat_interval="1h",
        )

    def _bodies(self, alerts: list[dict[str, Any]]) -> tuple[tuple[bytes, ...], tuple[int, ...]]:
        ends_at = rfc3339(datetime.now(UTC) + self.ends_ahead)
        for alert in alerts:
            alert["endsAt"] = ends_at
        chunks = list(batches(alerts, self.batch))
        return tuple(orjson.dumps(chunk) for chunk in chunks), tuple(map(len, chunks))

    def run(self, ctx: RunContext) -> Outcome:
        outcome = Outcome()
        alerts = make_alerts(self.alerts, seed=self.seed, now=datetime.now(UTC))
        ctx.log(f"posting {self.alerts:,} alerts, then waiting for their notifications")
        first_post = clock()
        load = ctx.post(*self._bodies(alerts))
        outcome.problems += load_problems(load, "first POST")
        timeout = min(ctx.options.timeout, load.elapsed + WAIT_MARGIN_SECONDS)
        all_notified, received = ctx.wait_notifications(
            lambda got: len({key for n in got for key in n.alerts}) >= self.alerts, timeout
        )
        if not all_notified:
            notified = len({key for n in received for key in n.alerts})
            outcome.problems.append(
                f"only {notified:,} of {self.alerts:,} alerts notified within {timeout:.0f} s"
            )
        all_notified_s = max(n.t for n in received) - first_post if all_notified else None

        ctx.log(f"re-posting them every {self.interval:g} s for {self.duration:g} s")
        counters_before = scrape_counters(ctx.server.base_url, WRITE_COUNTERS)
        cpu_before = ctx.server_cpu()
        phase_start = clock()
        rounds: list[float] = []
        for k in range(self.reposts):
            pause = phase_start + k * self.interval - clock()
            if pause > 0:
                time.sleep(pause)
            load = ctx.post(*self._bodies(alerts))
            rounds.append(load.elapsed)
            outcome.problems += load_problems(load, f"re-post {k + 1}")
        pause = phase_start + self.duration - clock()
        if pause > 0:
            time.sleep(pause)
        phase_end = clock()
        cpu = ctx.server_cpu() - cpu_before
        counters_after = scrape_counters(ctx.server.base_url, WRITE_COUNTERS)
        during = [n for n in ctx.notifications() if phase_start <= n.t <= phase_end]
        written, deltas = rows_written(counters_before, counters_after)
        rounds.sort()
        outcome.metrics = {
            "alerts": self.alerts,
            "reposts": len(rounds),
            "phase_s": round(phase_end - phase_start, 3),
            "cpu_s": round(cpu, 2),
            "cpu_pct": round(100 * cpu / (phase_end - phase_start), 1),
            "repost_s": round(rounds[(len(rounds) - 1) // 2], 3),
            "notifications_during": len(during),
            "rows_written": written,
            "counter_increases": deltas,
            "all_notified_s": None if all_notified_s is None else round(all_notified_s, 3),
        }
        if during:
            outcome.problems.append(f"{len(during)} notifications while nothing changed")
        return outcome


def _add_arguments(group: argparse._ArgumentGroup) -> None:
    group.add_argument(
        "--steady-alerts", type=int, default=10_000, metavar="N", help="alerts (default 10000)"
    )
    group.add_argument(
        "--steady-interval",
        type=float,
        default=5.0,
        metavar="SECONDS",
        help="re-post every … (default 5)",
    )
    group.add_argument(
        "--steady-duration",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="for … (default 30)",
    )


def _from_args(args: argparse.Namespace) -> Steady:
    return Steady(
        alerts=args.steady_alerts,
        interval=args.steady_interval,
        duration=args.steady_duration,
        batch=args.batch,
        seed=args.seed,
    )


KIND = ScenarioKind("steady", _add_arguments, _from_args)
