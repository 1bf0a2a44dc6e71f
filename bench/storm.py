"""Scenario ``storm``: many alerts in many groups at once, and the first notifications.

N alerts spread evenly over G groups (``group_by: [alertname, service]``, group_wait W,
group_interval and repeat_interval long) are posted as fast as possible in batches from
several connections. Figures: the time from the first POST until every group's first
notification has reached the sink, and the number of notifications, which must equal G
(counted again ``--settle`` seconds after the last group arrived, to catch duplicates).

The alerts' ``startsAt`` is taken just before posting: an alert older than group_wait
would be flushed at once.
"""

from __future__ import annotations

import argparse
import time
from datetime import UTC, datetime
from typing import Any, ClassVar

import orjson

from bench._alerts import batches, make_grouped_alerts
from bench._scenario import Outcome, Row, RunContext, ScenarioKind, load_problems
from bench._server import Notification, config_duration, render_config
from bench._sink import clock

__all__ = ["KIND", "Storm", "first_arrivals"]

WAIT_MARGIN_SECONDS = 60.0


def first_arrivals(received: list[Notification]) -> dict[str | None, float]:
    """The arrival time of each group's first notification."""
    first: dict[str | None, float] = {}
    for notification in received:
        first[notification.group_key] = min(
            notification.t, first.get(notification.group_key, notification.t)
        )
    return first


class Storm:
    name: ClassVar[str] = "storm"
    rows: ClassVar[tuple[Row, ...]] = (
        Row("all_notified_s", "first POST → every group notified (s)", "{:.2f}", "lower"),
        Row("post_s", "posting all alerts took (s)", "{:.2f}", "lower"),
        Row("groups_notified", "groups notified", expect="groups"),
        Row("notifications", "notifications (must equal groups)", expect="groups"),
        Row("alerts_notified", "alerts carried by them"),
    )

    def __init__(
        self, *, alerts: int, groups: int, group_wait: float, batch: int, concurrency: int
    ) -> None:
        self.alerts = alerts
        self.groups = min(groups, alerts)
        self.group_wait = group_wait
        self.batch = batch
        self.concurrency = concurrency

    def params(self) -> dict[str, Any]:
        return {
            "alerts": self.alerts,
            "groups": self.groups,
            "group_by": ["alertname", "service"],
            "group_wait_s": self.group_wait,
            "batch": self.batch,
            "concurrency": self.concurrency,
        }

    def describe(self) -> str:
        return (
            f"{self.alerts:,} alerts in {self.groups:,} groups, "
            f"group_wait {config_duration(self.group_wait)}"
        )

    def config(self, sink_url: str) -> str:
        return render_config(
            sink_url,
            group_by=("alertname", "service"),
            group_wait=config_duration(self.group_wait),
            group_interval="1h",
            repeat_interval="24h",
        )

    def run(self, ctx: RunContext) -> Outcome:
        alerts = make_grouped_alerts(
            self.alerts, self.groups, seed=ctx.options.seed, now=datetime.now(UTC)
        )
        chunks = list(batches(alerts, self.batch))
        bodies = tuple(orjson.dumps(chunk) for chunk in chunks)
        sizes = tuple(len(chunk) for chunk in chunks)
        ctx.log(f"posting {self.alerts:,} alerts in {self.groups:,} groups")
        first_post = clock()
        load = ctx.post(bodies, sizes)
        post_s = clock() - first_post
        timeout = min(ctx.options.timeout, post_s + self.group_wait + WAIT_MARGIN_SECONDS)
        every_group, _ = ctx.wait_notifications(
            lambda received: len(first_arrivals(received)) >= self.groups, timeout
        )
        time.sleep(ctx.options.settle)
        received = ctx.notifications()
        first = first_arrivals(received)
        outcome = Outcome()
        outcome.metrics = {
            "alerts": self.alerts,
            "groups": self.groups,
            "post_s": round(post_s, 3),
            "all_notified_s": round(max(first.values()) - first_post, 3) if every_group else None,
            "groups_notified": len(first),
            "notifications": len(received),
            "alerts_notified": sum(len(notification.alerts) for notification in received),
        }
        outcome.problems += load_problems(load, "POST /api/v2/alerts")
        if not every_group:
            outcome.notes["all_notified_s"] = f"{len(first)} of {self.groups} in {timeout:.0f} s"
            outcome.problems.append(
                f"only {len(first)} of {self.groups} groups notified within {timeout:.0f} s"
            )
        if len(received) != self.groups:
            outcome.problems.append(
                f"{len(received)} notifications for {self.groups} groups (expected one each)"
            )
        return outcome


def _add_arguments(group: argparse._ArgumentGroup) -> None:
    group.add_argument(
        "--storm-alerts", type=int, default=20_000, metavar="N", help="alerts (default 20000)"
    )
    group.add_argument(
        "--storm-groups", type=int, default=500, metavar="G", help="groups (default 500)"
    )
    group.add_argument(
        "--storm-group-wait",
        type=float,
        default=1.0,
        metavar="SECONDS",
        help="group_wait (default 1)",
    )


def _from_args(args: argparse.Namespace) -> Storm:
    return Storm(
        alerts=args.storm_alerts,
        groups=args.storm_groups,
        group_wait=args.storm_group_wait,
        batch=args.batch,
        concurrency=args.concurrency,
    )


KIND = ScenarioKind("storm", _add_arguments, _from_args)
