"""Reading a server under test: its alert list, its counters, and figures made from them."""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import httpx
import orjson

from bench._load import percentile

__all__ = ["Listing", "list_alerts", "ms_summary", "scrape_counters", "wait_listed"]


@dataclass(frozen=True, slots=True)
class Listing:
    """What one ``GET /api/v2/alerts`` answered, and when the answer was complete."""

    listed: int
    distinct: int
    """Distinct fingerprints."""
    finished: float
    """``time.monotonic()`` when the whole answer had been read."""


def list_alerts(client: httpx.Client, base_url: str) -> Listing:
    response = client.get(f"{base_url}/api/v2/alerts")
    response.raise_for_status()
    alerts = orjson.loads(response.content)
    finished = time.monotonic()
    distinct = len({alert.get("fingerprint") for alert in alerts})
    return Listing(len(alerts), distinct, finished)


def wait_listed(
    base_url: str, expected: int, *, timeout: float, stalled_after: float
) -> tuple[Listing, bool]:
    """Poll ``GET /api/v2/alerts`` until it lists ``expected`` alerts; (last listing, all?).

    Gives up after ``timeout`` s, or once the count has not moved for ``stalled_after`` s (a
    server that forgot its alerts lists 0 for ever).
    """
    deadline = time.monotonic() + timeout
    with httpx.Client(timeout=max(timeout, 30.0), trust_env=False) as client:
        listing = list_alerts(client, base_url)
        last_change = listing.finished
        while listing.listed < expected:
            now = time.monotonic()
            if now > deadline or now - last_change > stalled_after:
                return listing, False
            time.sleep(0.1)
            previous = listing.listed
            listing = list_alerts(client, base_url)
            if listing.listed != previous:
                last_change = listing.finished
        return listing, True


def scrape_counters(base_url: str, names: Iterable[str]) -> dict[str, float | None]:
    """Unlabelled samples of ``names`` from ``GET /metrics``; None for a name not exposed."""
    wanted = dict.fromkeys(names)
    values: dict[str, float | None] = dict(wanted)
    with httpx.Client(timeout=30.0, trust_env=False) as client:
        response = client.get(f"{base_url}/metrics")
    if response.status_code != 200:
        return values
    for line in response.text.splitlines():
        name, _, rest = line.partition(" ")
        if name in wanted:
            values[name] = float(rest.split()[0])
    return values


def ms_summary(seconds: Sequence[float]) -> dict[str, float | None]:
    """p50, p99 and max of durations in seconds, in milliseconds (None when empty)."""
    ordered = sorted(seconds)

    def ms(value: float) -> float | None:
        return None if math.isnan(value) else round(value * 1000, 3)

    return {
        "p50": ms(percentile(ordered, 50)),
        "p99": ms(percentile(ordered, 99)),
        "max": ms(ordered[-1] if ordered else float("nan")),
    }
