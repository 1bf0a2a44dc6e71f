"""IncidentActions over the real store: changes are stored with their events, a change made
in between by another writer is seen and the action applied to it, listeners hear of it."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.incidents.fakes import open_sample

from tocsin.incidents import (
    Change,
    Conflict,
    IncidentActions,
    IncidentDetail,
    IncidentFilter,
    InvalidTransition,
    NotFound,
    acknowledge,
    alert_to_row,
    event_to_row,
    incident_to_row,
)
from tocsin.incidents.record import Incident
from tocsin.model import FakeClock
from tocsin.store import Database
from tocsin.store.incidents import IncidentStore

T0 = 1_800_000_000.0


def test_acknowledge_stores_the_change_and_tells_the_listener(database: Database) -> None:
    store = IncidentStore(database)
    open_sample(store, "aaaaaaaaaaa1", "HighLatency", T0)
    heard: list[Change] = []

    async def listen(change: Change) -> None:
        heard.append(change)

    actions = IncidentActions(store, FakeClock(T0 + 30), on_change=listen)

    async def main() -> None:
        acked = await actions.acknowledge("1", "alice", "on it")
        assert isinstance(acked, Incident)
        assert (acked.status, acked.version) == ("acknowledged", 2)
        detail = await actions.get("aaaaaaaaaaa1")
        assert isinstance(detail, IncidentDetail)
        assert detail.incident.acknowledged_at == T0 + 30
        assert [e.kind for e in detail.timeline] == ["opened", "alert_fired", "acknowledged"]
        listed = await actions.list(IncidentFilter(status=("acknowledged",)))
        assert [i.id for i in listed] == ["aaaaaaaaaaa1"]
        assert await actions.get("7") == NotFound("incident", "7")
        refused = await actions.resolve("1", "bob", "")
        assert isinstance(refused, Incident)
        again = await actions.resolve("1", "bob", "")
        assert isinstance(again, InvalidTransition)

    asyncio.run(main())
    assert [c.events[0].kind for c in heard] == ["acknowledged", "resolved"]
    assert heard[0].incident.version == 2


class Interfering:
    """A store whose every save is preceded by another writer's change."""

    def __init__(self, store: IncidentStore, times: int) -> None:
        self.store = store
        self.times = times

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)

    async def save(self, row: dict[str, Any], alerts: Any, events: Any, expected: int) -> bool:
        if self.times:
            self.times -= 1
            from tocsin.incidents import incident_from_row

            current = await asyncio.to_thread(self.store.get, row["id"])
            assert current is not None
            other = acknowledge(incident_from_row(current, current["alerts"]), "bot", "", T0 + 1)
            assert isinstance(other, Change)
            inc = other.incident
            assert await self.store.save(
                incident_to_row(inc),
                [alert_to_row(a) for a in inc.alerts.values()],
                [event_to_row(e) for e in other.events],
                current["version"],
            )
        return await self.store.save(row, alerts, events, expected)


def test_a_change_made_in_between_is_seen_and_built_upon(database: Database) -> None:
    store = IncidentStore(database)
    open_sample(store, "aaaaaaaaaaa1", "HighLatency", T0)
    actions = IncidentActions(Interfering(store, 1), FakeClock(T0 + 60))
    done = asyncio.run(actions.resolve("1", "carol", "fixed"))
    assert isinstance(done, Incident)
    assert done.status == "resolved"
    kinds = [e["kind"] for e in store.timeline("aaaaaaaaaaa1")]
    assert kinds == ["opened", "alert_fired", "acknowledged", "resolved"]


def test_an_incident_that_keeps_changing_is_a_conflict(database: Database) -> None:
    store = IncidentStore(database)
    open_sample(store, "aaaaaaaaaaa1", "HighLatency", T0)
    actions = IncidentActions(Interfering(store, 10), FakeClock(T0 + 60), attempts=3)
    result = asyncio.run(actions.resolve("1", "carol", ""))
    assert isinstance(result, Conflict)
    row = store.get("aaaaaaaaaaa1")
    assert row is not None
    assert row["status"] == "acknowledged"
