"""The alert store on a fake clock: merge, durable writes, batched refreshes, restart rules."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text

from tocsin.model import Alert, FakeClock, fingerprint
from tocsin.store import AlertStore, Database, DatabaseOptions, StoreUnavailable

RESOLVE = 300.0


def make(
    clock: FakeClock,
    *,
    starts: float | None = None,
    ends: float | None = None,
    summary: str = "s",
    **labels: str,
) -> Alert:
    labels = labels or {"alertname": "A"}
    now = clock.now()
    return Alert(
        fingerprint=fingerprint(labels),
        labels=labels,
        annotations={"summary": summary},
        starts_at=now if starts is None else starts,
        ends_at=now + RESOLVE if ends is None else ends,
        updated_at=now,
        timeout=ends is None,
    )


def stored_row(db: Database, fp: str) -> tuple[float, float, str] | None:
    row = db.read(
        lambda c: c.execute(
            text(
                "SELECT starts_at, ends_at, annotations FROM alerts WHERE fingerprint = :fp "
                "ORDER BY version DESC LIMIT 1"
            ),
            {"fp": fp},
        ).first()
    )
    return None if row is None else (row[0], row[1], row[2])


def put(store: AlertStore, clock: FakeClock, *alerts: Alert) -> tuple[int, int]:
    result = asyncio.run(store.put(list(alerts), clock.now()))
    return result.written, result.refreshed


def test_new_alert_is_committed_before_put_returns(
    store: AlertStore, database: Database, clock: FakeClock
) -> None:
    alert = make(clock)
    assert put(store, clock, alert) == (1, 0)
    assert stored_row(database, alert.fingerprint) == (
        clock.now(),
        clock.now() + RESOLVE,
        '{"summary":"s"}',
    )


def test_unchanged_repost_refreshes_end_without_a_write_until_flushed(
    store: AlertStore, database: Database, clock: FakeClock
) -> None:
    first = make(clock, starts=clock.now())
    put(store, clock, first)
    clock.advance(60)
    again = make(clock, starts=first.starts_at)
    assert put(store, clock, again) == (0, 1)
    assert store.get(first.fingerprint).ends_at == clock.now() + RESOLVE  # type: ignore[union-attr]
    assert stored_row(database, first.fingerprint)[1] == first.ends_at  # type: ignore[index]
    assert asyncio.run(store.flush_refreshes(clock.now())) == 1
    assert stored_row(database, first.fingerprint)[1] == clock.now() + RESOLVE  # type: ignore[index]


def test_refreshes_wait_until_the_stored_end_comes_near(
    store: AlertStore, database: Database, clock: FakeClock
) -> None:
    first = make(clock, starts=clock.now())  # stored end: now + RESOLVE (5 min)
    put(store, clock, first)
    for _ in range(6):  # re-posted every 10 s, as Prometheus does
        clock.advance(10)
        assert put(store, clock, make(clock, starts=first.starts_at)) == (0, 1)
        assert asyncio.run(store.flush_refreshes(clock.now(), horizon=30)) == 0
    assert stored_row(database, first.fingerprint)[1] == first.ends_at  # type: ignore[index]
    clock.fast_forward(seconds=RESOLVE - 60 - 30)  # the stored end is 30 s away
    assert asyncio.run(store.flush_refreshes(clock.now(), horizon=30)) == 1
    assert stored_row(database, first.fingerprint)[1] == first.starts_at + 60 + RESOLVE  # type: ignore[index]


def test_repost_with_new_annotations_is_written_and_keeps_start(
    store: AlertStore, database: Database, clock: FakeClock
) -> None:
    first = make(clock)
    put(store, clock, first)
    clock.advance(30)
    # amtool and curl posts carry no startsAt: it becomes "now", yet the start is kept.
    assert put(store, clock, make(clock, summary="changed")) == (1, 0)
    current = store.get(first.fingerprint)
    assert current is not None
    assert current.starts_at == first.starts_at
    assert current.annotations == {"summary": "changed"}
    assert stored_row(database, first.fingerprint) == (
        first.starts_at,
        clock.now() + RESOLVE,
        '{"summary":"changed"}',
    )


def test_end_moving_earlier_is_written(store: AlertStore, clock: FakeClock) -> None:
    first = make(clock)  # end from resolve_timeout
    put(store, clock, first)
    earlier = make(clock, starts=first.starts_at, ends=clock.now() + 60)
    assert put(store, clock, earlier) == (1, 0)
    assert store.get(first.fingerprint).ends_at == clock.now() + 60  # type: ignore[union-attr]


def test_earlier_end_loses_to_an_explicit_later_end(store: AlertStore, clock: FakeClock) -> None:
    first = make(clock, ends=clock.now() + 3600)
    put(store, clock, first)
    put(store, clock, make(clock, starts=first.starts_at, ends=clock.now() + 60))
    assert store.get(first.fingerprint).ends_at == first.ends_at  # type: ignore[union-attr]


def test_resolving_post_is_written_and_alert_stops_firing(
    store: AlertStore, database: Database, clock: FakeClock
) -> None:
    first = make(clock)
    put(store, clock, first)
    clock.advance(10)
    resolved = make(clock, starts=first.starts_at, ends=clock.now())
    assert put(store, clock, resolved) == (1, 0)
    assert list(store.firing(clock.now())) == []
    assert stored_row(database, first.fingerprint)[1] == clock.now()  # type: ignore[index]


def test_alert_resolves_when_its_end_passes(store: AlertStore, clock: FakeClock) -> None:
    put(store, clock, make(clock))
    clock.advance(RESOLVE - 1)
    assert len(list(store.firing(clock.now()))) == 1
    clock.advance(1)
    assert list(store.firing(clock.now())) == []


def test_repost_after_expiry_starts_a_new_episode(store: AlertStore, clock: FakeClock) -> None:
    first = make(clock)
    put(store, clock, first)
    clock.advance(RESOLVE + 60)
    put(store, clock, make(clock))
    current = store.get(first.fingerprint)
    assert current is not None
    assert current.starts_at == clock.now()


def test_resolved_alerts_are_collected_after_retention(
    store: AlertStore, database: Database, clock: FakeClock
) -> None:
    alert = make(clock)
    put(store, clock, alert)
    clock.advance(RESOLVE + 100)
    assert asyncio.run(store.collect(clock.now(), retention=200)) == 0
    clock.advance(100)
    assert asyncio.run(store.collect(clock.now(), retention=200)) == 1
    assert store.get(alert.fingerprint) is None
    assert stored_row(database, alert.fingerprint) is None


def test_restart_keeps_alerts_firing_whose_end_passed_while_down(
    database_url: str, clock: FakeClock
) -> None:
    db = Database.open(DatabaseOptions(database_url))
    store = AlertStore(db)
    store.load(clock.now(), RESOLVE)
    old = make(clock, alertname="Old", ends=clock.now() + 10)
    put(store, clock, old)
    clock.advance(20)  # "Old" resolves while we are alive
    firing = make(clock, alertname="Firing")
    put(store, clock, firing)
    asyncio.run(store.flush_refreshes(clock.now()))  # records that we were alive now
    db.close()

    clock.advance(3600)  # down for an hour: "Firing"'s end passed meanwhile
    db = Database.open(DatabaseOptions(database_url))
    store = AlertStore(db)
    assert store.load(clock.now(), RESOLVE) == 2
    reloaded = store.get(firing.fingerprint)
    assert reloaded is not None
    assert reloaded.ends_at == clock.now() + RESOLVE
    assert reloaded.starts_at == firing.starts_at
    assert [a.labels["alertname"] for a in store.firing(clock.now())] == ["Firing"]
    # A re-post resolving it wins over the extension.
    put(store, clock, make(clock, alertname="Firing", starts=firing.starts_at, ends=clock.now()))
    assert list(store.firing(clock.now())) == []
    db.close()


def test_failed_commit_leaves_memory_as_it_was(
    store: AlertStore, database: Database, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = make(clock)
    put(store, clock, first)

    async def refuse(_op: str, _args: object) -> None:
        raise StoreUnavailable("disk full")

    monkeypatch.setattr(database, "write", refuse)
    with pytest.raises(StoreUnavailable):
        put(store, clock, make(clock, summary="new"), make(clock, alertname="B"))
    assert store.get(first.fingerprint) is first
    assert store.get(fingerprint({"alertname": "B"})) is None


def test_concurrent_posts_commit_in_order(store: AlertStore, clock: FakeClock) -> None:
    async def both() -> None:
        await asyncio.gather(
            *(store.put([make(clock, summary=f"v{i}")], clock.now()) for i in range(20))
        )

    asyncio.run(both())
    current = store.get(fingerprint({"alertname": "A"}))
    assert current is not None
    assert current.annotations == {"summary": "v19"}


def stored_versions(db: Database) -> int:
    return int(db.read(lambda c: c.execute(text("SELECT count(*) FROM alerts")).scalar_one()))


def test_superseded_versions_are_compacted_and_never_win_on_load(
    database_url: str, clock: FakeClock
) -> None:
    db = Database.open(DatabaseOptions(database_url))
    store = AlertStore(db)
    store.load(clock.now(), RESOLVE)
    for i in range(5):
        put(store, clock, make(clock, summary=f"v{i}"), make(clock, alertname="B", summary=f"v{i}"))
    assert stored_versions(db) == 10
    assert store.superseded_versions() == 8
    db.close()

    # A restart before compaction: the newest version of each alert wins.
    db = Database.open(DatabaseOptions(database_url))
    store = AlertStore(db)
    assert store.load(clock.now(), RESOLVE) == 2
    assert {a.annotations["summary"] for a in store.all()} == {"v4"}
    assert store.superseded_versions() == 8
    assert asyncio.run(store.compact()) == 8
    assert stored_versions(db) == 2
    db.close()


def test_refresh_flush_appends_the_current_state(
    store: AlertStore, database: Database, clock: FakeClock
) -> None:
    first = make(clock)
    put(store, clock, first)
    clock.advance(60)
    put(store, clock, make(clock, starts=first.starts_at))
    assert stored_versions(database) == 1
    asyncio.run(store.flush_refreshes(clock.now()))
    assert stored_versions(database) == 2
    asyncio.run(store.compact())
    assert stored_versions(database) == 1
    assert stored_row(database, first.fingerprint)[1] == clock.now() + RESOLVE  # type: ignore[index]
