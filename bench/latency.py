"""Scenario ``latency``: how long one new alert takes to reach the webhook.

Every alert is a group of its own (``group_by: ['...']``) and group_wait is 0 s. Single
alerts are posted one at a time at R per second for S seconds, on one keep-alive
connection, on a fixed schedule. For each, the delay runs from the moment its POST was
answered to the arrival of its notification at the sink (both read on ``CLOCK_MONOTONIC``);
a notification that arrived before the answer counts as 0.
Figures: p50, p99 and max of the delays, and the number of notifications, which must equal
the number of alerts.
"""

from __future__ import annotations

import argparse
import time
from typing import Any, ClassVar

import httpx
import orjson

from bench._alerts import make_alerts
from bench._api import ms_summary
from bench._scenario import Outcome, Row, RunContext, ScenarioKind
from bench._server import Notification, render_config
from bench._sink import clock

__all__ = ["KIND", "Latency", "delays"]

WAIT_SECONDS = 30.0
_HEADERS = {"Content-Type": "application/json", "User-Agent": "tocsin-bench"}


def _label_key(labels: dict[str, str]) -> bytes:
    return orjson.dumps(labels, option=orjson.OPT_SORT_KEYS)


def delays(answered: dict[bytes, float], received: list[Notification]) -> dict[bytes, float]:
    """For each alert notified: first arrival of its group minus the time its POST returned.

    Alerts are told apart by their group labels, which with ``group_by: ['...']`` are all of
    their labels. A notification can arrive before the answer to the POST has been read: its
    delay is negative.
    """
    first: dict[bytes, float] = {}
    for notification in received:
        key = _label_key(notification.group_labels)
        if key in answered and key not in first:
            first[key] = notification.t
    return {key: first[key] - answered[key] for key in first}


class Latency:
    name: ClassVar[str] = "latency"
    rows: ClassVar[tuple[Row, ...]] = (
        Row("delay_p50_ms", "POST answered → notified, p50 (ms)", "{:,.1f}", "lower"),
        Row("delay_p99_ms", "POST answered → notified, p99 (ms)", "{:,.1f}", "lower"),
        Row("delay_max_ms", "POST answered → notified, max (ms)", "{:,.1f}", "lower"),
        Row("notifications", "notifications (must equal alerts)", expect="alerts"),
    )

    def __init__(self, *, rate: float, seconds: float, seed: int) -> None:
        self.rate = rate
        self.seconds = seconds
        self.alerts = max(1, round(rate * seconds))
        self.seed = seed

    def params(self) -> dict[str, Any]:
        return {"rate_per_s": self.rate, "seconds": self.seconds, "alerts": self.alerts}

    def describe(self) -> str:
        return f"1 alert at a time, {self.rate:g}/s for {self.seconds:g} s"

    def config(self, sink_url: str) -> str:
        return render_config(sink_url, group_by=("...",), group_wait="0s", group_interval="1h")

    def run(self, ctx: RunContext) -> Outcome:
        alerts = make_alerts(self.alerts, seed=self.seed)
        keys = [_label_key(alert["labels"]) for alert in alerts]
        bodies = [orjson.dumps([alert]) for alert in alerts]
        url = f"{ctx.server.base_url}/api/v2/alerts"
        answered: dict[bytes, float] = {}
        request_s: list[float] = []
        failures: list[str] = []
        ctx.log(f"posting {self.alerts:,} single alerts at {self.rate:g}/s")
        with httpx.Client(timeout=10.0, trust_env=False) as client:
            started = clock()
            for i, body in enumerate(bodies):
                pause = started + i / self.rate - clock()
                if pause > 0:
                    time.sleep(pause)
                sent = clock()
                try:
                    response = client.post(url, content=body, headers=_HEADERS)
                except httpx.HTTPError as exc:
                    failures.append(repr(exc))
                    continue
                done = clock()
                if response.status_code != 200:
                    failures.append(f"{response.status_code}: {response.content[:200]!r}")
                    continue
                answered[keys[i]] = done
                request_s.append(done - sent)
        posting_s = clock() - started
        all_notified, _ = ctx.wait_notifications(
            lambda received: len(delays(answered, received)) >= len(answered), WAIT_SECONDS
        )
        time.sleep(ctx.options.settle)
        received = ctx.notifications()
        found = delays(answered, received)
        # Already there when the POST returned: no wait at all.
        delay = ms_summary([max(0.0, seconds) for seconds in found.values()])
        request = ms_summary(request_s)
        outcome = Outcome()
        outcome.metrics = {
            "alerts": self.alerts,
            "posted": len(answered),
            "posting_s": round(posting_s, 3),
            "request_p50_ms": request["p50"],
            "request_p99_ms": request["p99"],
            "delay_p50_ms": delay["p50"],
            "delay_p99_ms": delay["p99"],
            "delay_max_ms": delay["max"] if all_notified else None,
            "notified": len(found),
            "notified_before_answer": sum(1 for seconds in found.values() if seconds < 0),
            "notifications": len(received),
        }
        if failures:
            outcome.problems.append(f"{len(failures)} POSTs failed: {failures[0]}")
        if not all_notified:
            outcome.notes["delay_max_ms"] = f"{len(answered) - len(found)} never notified"
            outcome.problems.append(
                f"{len(answered) - len(found)} of {len(answered)} alerts not notified "
                f"within {WAIT_SECONDS:.0f} s"
            )
        if len(received) != self.alerts:
            outcome.problems.append(
                f"{len(received)} notifications for {self.alerts} alerts (expected one each)"
            )
        return outcome


def _add_arguments(group: argparse._ArgumentGroup) -> None:
    group.add_argument(
        "--latency-rate",
        type=float,
        default=50.0,
        metavar="R",
        help="alerts posted per second (default 50)",
    )
    group.add_argument(
        "--latency-seconds",
        type=float,
        default=10.0,
        metavar="S",
        help="for how long (default 10)",
    )


def _from_args(args: argparse.Namespace) -> Latency:
    return Latency(rate=args.latency_rate, seconds=args.latency_seconds, seed=args.seed)


KIND = ScenarioKind("latency", _add_arguments, _from_args)
