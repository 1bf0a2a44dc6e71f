"""Delivery semantics on a fake clock over a real store: the delivery log of every
attempt, Retry-After, fallbacks after a permanent failure or the retry deadline, rate
limits whose held-back notifications ride in a summary, and channel state kept with the
notification log."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from tests.runtime.dispatch_harness import Harness

from tocsin.channels import DeliveryError, Summary
from tocsin.model import FakeClock
from tocsin.store import Database, DeliveryQuery, DispatchStore

BASE = """
route:
  receiver: team
  group_by: [alertname]
  group_wait: 30s
  group_interval: 5m
  repeat_interval: 4h
receivers:
  - name: team
    log_configs: [{}]
"""

FALLBACK = """
route:
  receiver: slack
  group_by: [alertname]
  group_wait: 30s
  group_interval: 5m
  repeat_interval: 4h
receivers:
  - name: slack
    fallback: [email, pager]
    retry: {deadline: 2m}
    log_configs: [{}]
  - name: email
    log_configs: [{}]
  - name: pager
    log_configs: [{}]
"""

LIMITED = """
route:
  receiver: sms
  group_by: [alertname]
  group_wait: 30s
  group_interval: 5m
  repeat_interval: 4h
receivers:
  - name: sms
    log_configs: [{rate_limit: {per_target: 1/1m}}]
"""


def run(
    db: Database, clock: FakeClock, body: Callable[[Harness], Awaitable[None]], config: str
) -> Harness:
    harness = Harness(db, clock, config)

    async def main() -> None:
        await harness.start()
        try:
            await body(harness)
        finally:
            await harness.dispatcher.store.release_lease(harness.dispatcher.holder)

    asyncio.run(main())
    return harness


def log_rows(db: Database, **query: Any) -> list[dict[str, Any]]:
    rows = DispatchStore(db).delivery_log(DeliveryQuery(limit=10_000, **query))
    return list(reversed(rows))  # oldest first


def story(db: Database) -> list[tuple[str, str, int, str]]:
    return [(r["receiver"], r["outcome"], r["attempt"], r["fallback_for"]) for r in log_rows(db)]


def test_every_attempt_is_a_delivery_log_row(database: Database, clock: FakeClock) -> None:
    async def body(h: Harness) -> None:
        h.recorder.failures = [
            DeliveryError("vendor answered 503", retryable=True, status=503),
            DeliveryError("request failed: ConnectTimeout", retryable=True),
        ]
        await h.post({"labels": {"alertname": "A"}})
        await h.advance(40)

    run(database, clock, body, BASE)
    rows = log_rows(database)
    assert [(r["outcome"], r["attempt"], r["status"]) for r in rows] == [
        ("retry", 1, 503),
        ("retry", 2, None),
        ("sent", 3, 200),
    ]
    assert rows[0]["error"] == "vendor answered 503"
    assert {r["target"] for r in rows} == {"team-target"}
    assert all(r["latency_ms"] is not None and r["latency_ms"] >= 0 for r in rows)
    assert len({r["idempotency_key"] for r in rows}) == 1
    assert rows[2]["alerts"] == 1


def test_retry_after_is_honoured(database: Database, clock: FakeClock) -> None:
    t0 = clock.now()

    async def body(h: Harness) -> None:
        h.recorder.failures = [DeliveryError("429", retryable=True, status=429, retry_after=12)]
        await h.post({"labels": {"alertname": "A"}})
        await h.advance(60)

    h = run(database, clock, body, BASE)
    assert len(h.recorder.sent) == 1
    assert h.recorder.sent[0].at - (t0 + 30) >= 12.0


def test_a_permanent_failure_goes_to_each_fallback_once(
    database: Database, clock: FakeClock
) -> None:
    t0 = clock.now()

    async def body(h: Harness) -> None:
        h.recorder.failing["slack"] = [DeliveryError("invalid_auth", retryable=False, status=200)]
        await h.post({"labels": {"alertname": "A"}})
        await h.advance(3600)  # many ticks: nothing is sent again before repeat_interval

    h = run(database, clock, body, FALLBACK)
    assert [(s.receiver, s.kind, round(s.at - t0, 3)) for s in h.recorder.sent] == [
        ("slack", "log", 30.0),
        ("slack", "log", 30.0),
    ]
    assert story(database) == [
        ("slack", "failed", 1, ""),
        ("email", "sent", 1, "slack/log[0]"),
        ("pager", "sent", 1, "slack/log[0]"),
    ]


def test_the_primary_is_tried_again_at_repeat_interval(
    database: Database, clock: FakeClock
) -> None:
    async def body(h: Harness) -> None:
        h.recorder.failing["slack"] = [DeliveryError("channel_not_found", retryable=False)]
        await h.post({"labels": {"alertname": "A"}, "ends": 6 * 3600})
        await h.advance(4 * 3600 + 400)

    run(database, clock, body, FALLBACK)
    outcomes = [(r, o) for r, o, _, _ in story(database)]
    assert outcomes == [
        ("slack", "failed"),
        ("email", "sent"),
        ("pager", "sent"),
        ("slack", "failed"),
        ("email", "sent"),
        ("pager", "sent"),
    ]


def test_fallback_after_the_retry_deadline_counted_across_ticks(
    database: Database, clock: FakeClock
) -> None:
    t0 = clock.now()
    config = FALLBACK.replace("group_interval: 5m", "group_interval: 45s")

    async def body(h: Harness) -> None:
        h.recorder.failing["slack"] = [DeliveryError("503", retryable=True, status=503)]
        await h.post({"labels": {"alertname": "A"}})
        await h.post({"labels": {"alertname": "B"}, "starts": -10})
        await h.advance(400)

    h = run(database, clock, body, config)
    fallbacks = [r for r in log_rows(database) if r["fallback_for"]]
    # each group fell back once, to both fallbacks, two minutes after its first failure
    assert sorted((r["receiver"], r["group_key"].split('"')[1]) for r in fallbacks) == [
        ("email", "A"),
        ("email", "B"),
        ("pager", "A"),
        ("pager", "B"),
    ]
    first = {}
    for r in log_rows(database, receiver="slack"):
        first.setdefault(r["group_key"], r["at"])
    for r in fallbacks:
        assert 120.0 <= r["at"] - first[r["group_key"]] <= 165.0
    assert all(s.at - t0 >= 150 for s in h.recorder.sent)
    # the primary was recorded as notified: no fallback again before repeat_interval
    assert len(fallbacks) == 4


def test_a_rate_limit_holds_back_and_summarises(database: Database, clock: FakeClock) -> None:
    t0 = clock.now()

    async def body(h: Harness) -> None:
        await h.post(*({"labels": {"alertname": f"A{i}"}} for i in range(50)))
        await h.advance(40)
        assert len(h.recorder.sent) == 1
        await h.advance(60)
        await h.post({"labels": {"alertname": "late"}})
        await h.advance(200)

    h = run(database, clock, body, LIMITED)
    sent = h.recorder.sent
    assert [round(s.at - t0) for s in sent] == [30, 90, 150]
    assert "summary" not in sent[0].extra
    assert sent[1].extra["summary"] == Summary(notifications=48, alerts=48)
    assert "summary" not in sent[2].extra  # the late alert came alone
    rows = log_rows(database)
    summarised = [r for r in rows if r["outcome"] == "summarised"]
    assert len(summarised) == 48
    assert {r["carried_by"] for r in summarised} == {sent[1].key}
    groups = {r["group_key"] for r in rows if r["outcome"] in ("sent", "summarised")}
    assert len(groups) == 51  # every notification is accounted for
    # 49 of the storm, then the late one (the bucket was empty until 150 s)
    assert h.dispatcher.metrics.rate_limited.labels("log")._value.get() == 50


def test_summarised_notifications_are_not_sent_again(database: Database, clock: FakeClock) -> None:
    async def body(h: Harness) -> None:
        await h.post(*({"labels": {"alertname": f"A{i}"}} for i in range(5)))
        await h.advance(3600)

    h = run(database, clock, body, LIMITED)
    assert len(h.recorder.sent) == 2


def test_channel_state_comes_back_with_the_next_message(
    database: Database, clock: FakeClock
) -> None:
    async def first(h: Harness) -> None:
        await h.post({"labels": {"alertname": "A", "instance": "1"}})
        await h.advance(40)

    h1 = run(database, clock, first, BASE)
    assert h1.recorder.sent[0].state == {}

    async def second(h: Harness) -> None:  # after a restart, from the stored log
        await h.post({"labels": {"alertname": "A", "instance": "2"}})
        await h.advance(400)

    h2 = run(database, clock, second, BASE)
    assert h2.recorder.sent[0].state == {"ts": "1", "first": "kept"}


def test_severity_is_the_highest_of_the_firing_alerts(database: Database, clock: FakeClock) -> None:
    async def body(h: Harness) -> None:
        await h.post(
            {"labels": {"alertname": "A", "instance": "1", "severity": "warning"}},
            {"labels": {"alertname": "A", "instance": "2", "severity": "critical"}},
        )
        await h.advance(40)

    h = run(database, clock, body, BASE)
    assert h.recorder.sent[0].extra["severity"] == "P0"
