"""The incident store on SQLite and PostgreSQL: round trips, optimistic updates, numbers,
pages recorded once, people rows, shared secrets and single-use tokens."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any, TypeVar

import pytest

from tocsin.incidents import (
    acknowledge,
    alert_to_row,
    event_from_row,
    event_to_row,
    incident_from_row,
    incident_to_row,
    join,
    open_incident,
    resolve,
)
from tocsin.incidents.record import Change, Incident
from tocsin.store import Database
from tocsin.store.incidents import IncidentStore

T = TypeVar("T")
NOW = 1_800_000_000.0
API = {"alertname": "HighLatency", "service": "api", "severity": "critical"}


def run(coro: Awaitable[T]) -> T:
    async def main() -> T:
        return await coro

    return asyncio.run(main())


def opened(incident_id: str = "a1b2c3d4e5f6", key_labels: dict[str, str] | None = None) -> Change:
    return open_incident(
        id=incident_id,
        route_path="/0",
        group_labels=key_labels or {"alertname": "HighLatency"},
        alerts={"fp1": API},
        severity="P1",
        policy="web-oncall",
        now=NOW,
    )


def store_open(store: IncidentStore, change: Change) -> Incident:
    inc = change.incident
    number = run(
        store.open(
            incident_to_row(inc),
            [alert_to_row(a) for a in inc.alerts.values()],
            [event_to_row(e) for e in change.events],
        )
    )
    assert number is not None
    row = store.get(inc.id)
    assert row is not None
    return incident_from_row(row, row["alerts"])


def store_save(store: IncidentStore, change: Change, expected: int) -> bool:
    inc = change.incident
    return run(
        store.save(
            incident_to_row(inc),
            [alert_to_row(a) for a in inc.alerts.values()],
            [event_to_row(e) for e in change.events],
            expected,
        )
    )


def test_an_opened_incident_comes_back_whole_with_its_timeline(database: Database) -> None:
    store = IncidentStore(database)
    change = opened()
    back = store_open(store, change)
    assert back.number == 1
    assert back.version == 1
    assert back.title == "HighLatency on api"
    assert back.alerts["fp1"].labels == API
    assert back.group_labels == {"alertname": "HighLatency"}
    assert back.status == "triggered"
    timeline = [event_from_row(r) for r in store.timeline(back.id)]
    assert [e.kind for e in timeline] == ["opened", "alert_fired"]
    assert timeline[1].detail["labels"] == API


def test_numbers_follow_the_order_of_opening(database: Database) -> None:
    store = IncidentStore(database)
    first = store_open(store, opened("000000000001", {"alertname": "A"}))
    second = store_open(store, opened("000000000002", {"alertname": "B"}))
    assert (first.number, second.number) == (1, 2)
    assert store.find("2") == store.get("000000000002")
    assert store.find("#1") == store.get("000000000001")
    assert store.find("000000000002") is not None
    assert store.find("99") is None
    assert store.find("nonsense") is None


def test_a_second_open_incident_of_the_same_key_is_refused(database: Database) -> None:
    store = IncidentStore(database)
    store_open(store, opened("aaaaaaaaaaaa"))
    again = opened("bbbbbbbbbbbb")
    inc = again.incident
    assert run(store.open(incident_to_row(inc), [], [])) is None
    row = store.open_by_key(inc.key)
    assert row is not None
    assert row["id"] == "aaaaaaaaaaaa"


def test_after_resolution_the_same_key_opens_a_new_incident(database: Database) -> None:
    store = IncidentStore(database)
    first = store_open(store, opened("aaaaaaaaaaaa"))
    done = resolve(first, "alice", "fixed", NOW + 60)
    assert isinstance(done, Change)
    assert store_save(store, done, first.version)
    assert store.open_by_key(first.key) is None
    second = store_open(store, opened("bbbbbbbbbbbb"))
    assert second.number == 2
    assert [r["id"] for r in store.load_open()] == ["bbbbbbbbbbbb"]


def test_a_change_commits_with_its_events_and_bumps_the_version(database: Database) -> None:
    store = IncidentStore(database)
    inc = store_open(store, opened())
    joined = join(inc, {"fp2": {"alertname": "HighLatency", "service": "api"}}, "P0", NOW + 5)
    assert isinstance(joined, Change)
    assert store_save(store, joined, inc.version)
    row = store.get(inc.id)
    assert row is not None
    back = incident_from_row(row, row["alerts"])
    assert back.version == 2
    assert back.severity == "P0"
    assert sorted(back.alerts) == ["fp1", "fp2"]
    assert [e["kind"] for e in store.timeline(inc.id)][-1] == "alert_fired"


def test_a_stale_version_writes_nothing(database: Database) -> None:
    store = IncidentStore(database)
    inc = store_open(store, opened())
    acked = acknowledge(inc, "alice", "", NOW + 1)
    assert isinstance(acked, Change)
    assert store_save(store, acked, inc.version)
    resolved = resolve(inc, "bob", "", NOW + 2)  # from the stale copy
    assert isinstance(resolved, Change)
    assert not store_save(store, resolved, inc.version)
    row = store.get(inc.id)
    assert row is not None
    assert row["status"] == "acknowledged"
    assert [e["kind"] for e in store.timeline(inc.id)] == ["opened", "alert_fired", "acknowledged"]


def test_the_escalation_state_is_kept_as_given(database: Database) -> None:
    store = IncidentStore(database)
    inc = store_open(store, opened())
    state: dict[str, Any] = {"level": 2, "step": 1, "next_at": NOW + 300.5, "sent": ["a", "b"]}
    from dataclasses import replace

    assert store_save(store, Change(replace(inc, escalation=state), ()), inc.version)
    row = store.get(inc.id)
    assert row is not None
    assert row["escalation"] == state


def test_list_filters_and_orders_newest_first(database: Database) -> None:
    store = IncidentStore(database)
    for i in range(5):
        store_open(store, opened(f"00000000000{i}", {"alertname": f"A{i}"}))
    three = store.find("3")
    assert three is not None
    inc = incident_from_row(three, three["alerts"])
    acked = acknowledge(inc, "alice", "", NOW)
    assert isinstance(acked, Change)
    assert store_save(store, acked, inc.version)
    assert [r["number"] for r in store.list_incidents()] == [5, 4, 3, 2, 1]
    assert [r["number"] for r in store.list_incidents(limit=2)] == [5, 4]
    assert [r["number"] for r in store.list_incidents(status=["acknowledged"])] == [3]
    assert store.list_incidents(severity=["P0"]) == []
    assert len(store.list_incidents(severity=["P1"])) == 5
    assert store.list_incidents(since=NOW + 1) == []
    assert all(r["alerts"] for r in store.list_incidents())


def test_a_page_is_recorded_once(database: Database) -> None:
    store = IncidentStore(database)
    assert run(store.record_page("a1b2c3d4e5f6", "level0/alice/sms", NOW))
    assert not run(store.record_page("a1b2c3d4e5f6", "level0/alice/sms", NOW + 1))
    assert run(store.record_page("a1b2c3d4e5f6", "level0/alice/voice", NOW + 1))
    run(store.set_page_outcome("a1b2c3d4e5f6", "level0/alice/sms", "sent"))
    pages = store.pages("a1b2c3d4e5f6")
    assert [(p["key"], p["outcome"]) for p in pages] == [
        ("level0/alice/sms", "sent"),
        ("level0/alice/voice", "pending"),
    ]


def test_people_rows_round_trip_and_names_are_unique(database: Database) -> None:
    store = IncidentStore(database)
    body = {"name": "alice", "email": "alice@example.com", "contact_methods": [{"type": "sms"}]}
    assert run(store.create_person("user", "alice", body, NOW))
    assert not run(store.create_person("user", "alice", {"name": "alice"}, NOW + 1))
    assert run(store.create_person("team", "alice", {"name": "alice"}, NOW))  # another kind
    row = store.person("user", "alice")
    assert row is not None
    assert row["body"] == body
    assert row["source"] == "api"
    assert row["created_at"] == NOW
    assert run(store.update_person("user", "alice", {"name": "alice", "phone": "+1"}, NOW + 9))
    row = store.person("user", "alice")
    assert row is not None
    assert (row["body"]["phone"], row["updated_at"]) == ("+1", NOW + 9)
    assert [r["name"] for r in store.people("user")] == ["alice"]
    assert run(store.delete_person("user", "alice"))
    assert not run(store.delete_person("user", "alice"))
    assert store.person("user", "alice") is None


def test_a_secret_is_made_once_and_shared(database: Database) -> None:
    store = IncidentStore(database)
    first = run(store.get_or_create_secret("ack_links"))
    assert len(first) >= 32
    assert run(store.get_or_create_secret("ack_links")) == first
    assert IncidentStore(database).setting("ack_links") == first
    assert run(store.get_or_create_secret("other")) != first


def test_concurrent_secret_requests_agree(database_url: str) -> None:
    from tocsin.store import DatabaseOptions

    dbs = [Database.open(DatabaseOptions(database_url))]
    if dbs[0].dialect == "postgresql":  # a second replica on the same database
        dbs.append(Database.open(DatabaseOptions(database_url)))
    try:
        stores = [IncidentStore(db) for db in dbs]

        async def main() -> set[str]:
            values = await asyncio.gather(
                *(s.get_or_create_secret("shared") for s in stores for _ in range(5))
            )
            return set(values)

        assert len(asyncio.run(main())) == 1
    finally:
        for db in dbs:
            db.close()


def test_a_token_is_used_once_and_never_after_it_expired(database: Database) -> None:
    store = IncidentStore(database)
    assert run(store.use_token("tok1", NOW, NOW + 3600))
    assert not run(store.use_token("tok1", NOW + 10, NOW + 3600))
    assert not run(store.use_token("tok2", NOW + 10, NOW + 5))  # already expired

    async def race() -> list[bool]:
        return list(
            await asyncio.gather(*(store.use_token("tok3", NOW, NOW + 60) for _ in range(8)))
        )

    assert sorted(run(race())) == [False] * 7 + [True]


def test_used_tokens_are_pruned_once_expired(database: Database) -> None:
    store = IncidentStore(database)
    assert run(store.use_token("old", NOW, NOW + 60))
    assert run(store.use_token("new", NOW + 120, NOW + 180))
    from sqlalchemy import select

    from tocsin.store._schema import used_tokens

    left = database.read(lambda c: [r[0] for r in c.execute(select(used_tokens.c.token_id))])
    assert left == ["new"]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_schema_is_at_revision_0005(database: Database) -> None:
    from tocsin.store.database import HEAD_REVISION

    assert HEAD_REVISION == "0005"
