"""The dispatcher on a fake clock: Alertmanager's timers, dedup, suppression, retries,
restarts and reloads, over a real store (SQLite, and PostgreSQL in the full suite)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from tests.runtime.dispatch_harness import Harness

from tocsin.channels import DeliveryError
from tocsin.config import load_config_text
from tocsin.model import FakeClock, Silence, new_matcher
from tocsin.model.matchers import MatchType
from tocsin.store import Database

CONFIG = """
route:
  receiver: team
  group_by: [alertname]
  group_wait: 30s
  group_interval: 5m
  repeat_interval: 4h
  routes:
    - matchers: ['severity="quiet"']
      receiver: quiet
receivers:
  - name: team
    log_configs: [{}]
  - name: quiet
    log_configs: [{send_resolved: false}]
"""


def run(
    db: Database, clock: FakeClock, body: Callable[[Harness], Awaitable[None]], config: str = CONFIG
) -> Harness:
    harness = Harness(db, clock, config)

    async def main() -> None:
        await harness.start()
        try:
            await body(harness)
        finally:  # as a server that stops; a killed one's lease lapses after its TTL
            await harness.dispatcher.store.release_lease(harness.dispatcher.holder)

    asyncio.run(main())
    return harness


def test_group_wait_batches_alerts(database: Database, clock: FakeClock) -> None:
    t0 = clock.now()

    async def body(h: Harness) -> None:
        await h.post({"labels": {"alertname": "A", "instance": "1"}})
        await h.advance(10)
        await h.post({"labels": {"alertname": "A", "instance": "2"}})
        await h.advance(60)

    h = run(database, clock, body)
    assert h.times(t0) == [30.0]
    assert h.recorder.sent[0].firing == ["1", "2"]
    assert h.recorder.sent[0].group_labels == {"alertname": "A"}


def test_old_start_skips_group_wait(database: Database, clock: FakeClock) -> None:
    t0 = clock.now()

    async def body(h: Harness) -> None:
        await h.post({"labels": {"alertname": "A"}, "starts": -3600})
        await h.advance(5)

    h = run(database, clock, body)
    assert h.times(t0) == [0.0]


def test_new_alert_waits_for_group_interval_tick(database: Database, clock: FakeClock) -> None:
    t0 = clock.now()

    async def body(h: Harness) -> None:
        await h.post({"labels": {"alertname": "A", "instance": "1"}})
        await h.advance(40)
        await h.post({"labels": {"alertname": "A", "instance": "2"}})
        await h.advance(400)

    h = run(database, clock, body)
    assert h.times(t0) == [30.0, 330.0]
    assert h.recorder.sent[1].firing == ["1", "2"]


def test_repeat_interval_is_checked_on_ticks(database: Database, clock: FakeClock) -> None:
    config = CONFIG.replace("group_interval: 5m", "group_interval: 2s").replace(
        "repeat_interval: 4h", "repeat_interval: 3s"
    )
    t0 = clock.now()

    async def body(h: Harness) -> None:
        await h.post({"labels": {"alertname": "A"}, "starts": -60, "ends": 3600})
        await h.advance(9)

    h = run(database, clock, body, config)
    assert h.times(t0) == [0.0, 4.0, 8.0]


def test_resolution_notified_once_then_group_forgets(database: Database, clock: FakeClock) -> None:
    t0 = clock.now()

    async def body(h: Harness) -> None:
        await h.post({"labels": {"alertname": "A", "instance": "1"}})
        await h.post({"labels": {"alertname": "A", "instance": "2"}})
        await h.advance(40)
        await h.post({"labels": {"alertname": "A", "instance": "1"}, "ends": 0})
        await h.advance(1000)

    h = run(database, clock, body)
    assert h.times(t0) == [30.0, 330.0]
    second = h.recorder.sent[1]
    assert (second.status, second.firing, second.resolved) == ("firing", ["2"], ["1"])


def test_send_resolved_false_sends_nothing_on_resolution(
    database: Database, clock: FakeClock
) -> None:
    t0 = clock.now()

    async def body(h: Harness) -> None:
        await h.post({"labels": {"alertname": "Q", "severity": "quiet"}})
        await h.advance(40)
        await h.post({"labels": {"alertname": "Q", "severity": "quiet"}, "ends": 0})
        await h.advance(1000)
        assert len(h.dispatcher.table) == 0 or all(not g.members for g in h.dispatcher.table)

    h = run(database, clock, body)
    assert h.times(t0) == [30.0]


def test_silence_mutes_then_expiry_notifies_at_next_tick(
    database: Database, clock: FakeClock
) -> None:
    t0 = clock.now()

    async def body(h: Harness) -> None:
        silence = Silence(
            id="",
            matchers=(new_matcher("alertname", MatchType.EQUAL, "A"),),
            starts_at=t0,
            ends_at=t0 + 100,
            updated_at=t0,
            created_by="me",
            comment="maintenance",
        )
        await h.silences.set(silence, t0)
        await h.post({"labels": {"alertname": "A"}, "ends": 3600})
        await h.advance(400)

    h = run(database, clock, body)
    assert h.times(t0) == [330.0]


def test_inhibition_mutes_target_until_source_resolves(
    database: Database, clock: FakeClock
) -> None:
    config = CONFIG + (
        "inhibit_rules:\n"
        "  - source_matchers: ['severity=\"critical\"']\n"
        "    target_matchers: ['severity=\"warning\"']\n"
        "    equal: [cluster]\n"
    )
    t0 = clock.now()

    async def body(h: Harness) -> None:
        await h.post(
            {"labels": {"alertname": "Down", "severity": "critical", "cluster": "a"}, "ends": 100},
            {"labels": {"alertname": "Slow", "severity": "warning", "cluster": "a"}, "ends": 3600},
            {"labels": {"alertname": "Slow2", "severity": "warning", "cluster": "b"}, "ends": 3600},
        )
        await h.advance(400)

    h = run(database, clock, body, config)
    got = [(round(s.at - t0), s.group_labels["alertname"], s.status) for s in h.recorder.sent]
    assert got == [
        (30, "Down", "firing"),
        (30, "Slow2", "firing"),
        (330, "Down", "resolved"),
        (330, "Slow", "firing"),
    ]


def test_retryable_failure_is_retried_with_backoff(database: Database, clock: FakeClock) -> None:
    t0 = clock.now()

    async def body(h: Harness) -> None:
        h.recorder.failures = [DeliveryError("503", retryable=True)] * 2
        await h.post({"labels": {"alertname": "A"}})
        await h.advance(40)

    h = run(database, clock, body)
    assert len(h.recorder.sent) == 1
    delay = h.recorder.sent[0].at - (t0 + 30)
    assert 0.25 + 0.375 <= delay <= 0.75 + 1.125  # two randomised backoffs


def test_permanent_failure_is_sent_again_at_next_tick(database: Database, clock: FakeClock) -> None:
    t0 = clock.now()

    async def body(h: Harness) -> None:
        h.recorder.failures = [DeliveryError("400", retryable=False)]
        await h.post({"labels": {"alertname": "A"}, "ends": 3600})
        await h.advance(400)

    h = run(database, clock, body)
    assert h.times(t0) == [330.0]


def test_restart_before_group_wait_flushes_on_time(database: Database, clock: FakeClock) -> None:
    t0 = clock.now()

    async def first(h: Harness) -> None:
        await h.post({"labels": {"alertname": "A"}, "ends": 3600})
        await h.advance(10)

    run(database, clock, first)

    async def second(h: Harness) -> None:
        await h.advance(100)

    h = run(database, clock, second)
    assert h.times(t0) == [30.0]


def test_restart_after_flush_sends_nothing_twice(database: Database, clock: FakeClock) -> None:
    config = CONFIG.replace("repeat_interval: 4h", "repeat_interval: 1h")
    t0 = clock.now()

    async def first(h: Harness) -> None:
        await h.post({"labels": {"alertname": "A"}, "ends": 7200})
        await h.advance(60)

    before = run(database, clock, first, config)
    assert before.times(t0) == [30.0]

    async def second(h: Harness) -> None:
        await h.advance(3950)

    after = run(database, clock, second, config)
    # The repeat falls on the first tick of the original grid after an hour.
    assert after.times(t0) == [30.0 + 13 * 300]


def test_pending_delivery_is_sent_after_restart(database: Database, clock: FakeClock) -> None:
    t0 = clock.now()

    async def first(h: Harness) -> None:
        h.recorder.failures = [DeliveryError("503", retryable=True)] * 100
        await h.post({"labels": {"alertname": "A"}, "ends": 3600})
        await h.run_until(t0 + 30)
        assert h.recorder.sent == []

    run(database, clock, first)

    async def second(h: Harness) -> None:
        await h.advance(1)

    h = run(database, clock, second)
    assert [s.firing for s in h.recorder.sent] == [["A"]]


def test_reload_with_same_routes_sends_nothing_twice(database: Database, clock: FakeClock) -> None:
    t0 = clock.now()

    async def body(h: Harness) -> None:
        await h.post({"labels": {"alertname": "A"}, "ends": 3600})
        await h.advance(60)
        h.dispatcher.reload(load_config_text(CONFIG))
        await h.advance(600)

    h = run(database, clock, body)
    assert h.times(t0) == [30.0]


def test_reload_with_new_routes_regroups_at_once(database: Database, clock: FakeClock) -> None:
    t0 = clock.now()
    changed = CONFIG.replace("group_by: [alertname]", "group_by: [alertname, instance]")

    async def body(h: Harness) -> None:
        await h.post({"labels": {"alertname": "A", "instance": "1"}, "ends": 3600})
        await h.advance(60)
        h.dispatcher.reload(load_config_text(changed))
        await h.advance(1)

    h = run(database, clock, body)
    assert h.times(t0) == [30.0, 60.0]
    assert h.recorder.sent[1].group_labels == {"alertname": "A", "instance": "1"}


def test_restart_before_the_new_group_was_stored_keeps_its_time(
    database: Database, clock: FakeClock
) -> None:
    t0 = clock.now()

    async def first(h: Harness) -> None:
        await h.post({"labels": {"alertname": "A"}, "ends": 3600})
        await h.dispatcher.settle()
        await h.advance(10)
        await h.dispatcher.store.delete_groups([g.id for g in h.dispatcher.table])

    run(database, clock, first)

    async def second(h: Harness) -> None:
        await h.advance(100)

    h = run(database, clock, second)
    assert h.times(t0) == [30.0]


def test_restart_with_a_schedule_that_missed_its_first_flush_keeps_the_grid(
    database: Database, clock: FakeClock
) -> None:
    from tocsin.runtime.outbox import group_row

    config = CONFIG.replace("repeat_interval: 4h", "repeat_interval: 1h")
    t0 = clock.now()

    async def first(h: Harness) -> None:
        await h.post({"labels": {"alertname": "A"}, "ends": 7200})
        await h.advance(60)
        # As if killed between writes: the stored schedule does not show the first flush.
        (group,) = list(h.dispatcher.table)
        row = group_row(group)
        row["first_flush_at"] = None
        await h.dispatcher.store.put_groups([row])

    before = run(database, clock, first, config)
    assert before.times(t0) == [30.0]

    async def second(h: Harness) -> None:
        await h.advance(3950)

    after = run(database, clock, second, config)
    assert after.times(t0) == [30.0 + 13 * 300]  # the log's delivery anchors the ticks
