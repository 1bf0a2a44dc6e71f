"""What incidents keep in the store: incidents, their alerts, timelines and pages; the
users, teams and overrides made through the API; shared settings; used tokens.

Rows go in and come out as plain dictionaries (``tocsin.incidents`` maps them to its
records); JSON columns come out decoded. Reads block (call them from a thread); writes go
through the writer process, each in one transaction.
"""

from __future__ import annotations

import asyncio
import re
import secrets
from collections.abc import Sequence
from typing import Any

import orjson
from sqlalchemy import Connection, Row, Select, and_, select

from tocsin.store._schema import (
    incident_alerts,
    incident_events,
    incident_pages,
    incidents,
    people,
    settings,
)
from tocsin.store.database import Database

__all__ = ["IncidentStore"]

_ID = re.compile(r"\A[0-9a-f]{12}\Z")
_NUMBER = re.compile(r"\A#?([0-9]{1,12})\Z")


def _incident(row: Row[Any]) -> dict[str, Any]:
    out = dict(row._mapping)
    out["group_labels"] = orjson.loads(out["group_labels"])
    out["escalation"] = orjson.loads(out["escalation"])
    return out


def _alert(row: Row[Any]) -> dict[str, Any]:
    out = dict(row._mapping)
    out.pop("incident_id")
    out["labels"] = orjson.loads(out["labels"])
    return out


class IncidentStore:
    """Reads and writes of the incidents' and people's tables."""

    def __init__(self, db: Database) -> None:
        self._db = db

    @property
    def dialect(self) -> str:
        return self._db.dialect

    # -- incidents: reads (blocking) ---------------------------------------------------

    def _with_alerts(self, conn: Connection, stmt: Select[Any]) -> list[dict[str, Any]]:
        found = [_incident(r) for r in conn.execute(stmt)]
        by_id = {item["id"]: item for item in found}
        for item in found:
            item["alerts"] = []
        ids = list(by_id)
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            rows = conn.execute(
                select(incident_alerts)
                .where(incident_alerts.c.incident_id.in_(chunk))
                .order_by(incident_alerts.c.first_seen, incident_alerts.c.fingerprint)
            )
            for r in rows:
                by_id[r.incident_id]["alerts"].append(_alert(r))
        return found

    def _one(self, stmt: Select[Any]) -> dict[str, Any] | None:
        found = self._db.read(lambda conn: self._with_alerts(conn, stmt))
        return found[0] if found else None

    def get(self, incident_id: str) -> dict[str, Any] | None:
        """The incident with this id, its ``alerts`` included."""
        return self._one(select(incidents).where(incidents.c.id == incident_id))

    def by_number(self, number: int) -> dict[str, Any] | None:
        return self._one(select(incidents).where(incidents.c.number == number))

    def find(self, ref: str) -> dict[str, Any] | None:
        """The incident ``ref`` names: its 12-character id, or its number (``42``, ``#42``)."""
        ref = ref.strip()
        if _ID.match(ref.lower()):
            found = self.get(ref.lower())
            if found is not None:
                return found
        number = _NUMBER.match(ref)
        return None if number is None else self.by_number(int(number.group(1)))

    def open_by_key(self, key: str) -> dict[str, Any] | None:
        """The open incident of a group, if there is one."""
        return self._one(
            select(incidents).where(and_(incidents.c.key == key, incidents.c.status != "resolved"))
        )

    def list_incidents(
        self,
        *,
        status: Sequence[str] = (),
        severity: Sequence[str] = (),
        since: float | None = None,
        limit: int = 100,
    ) -> list[dict[str, Any]]:
        """Incidents, newest first: any of ``status``, any of ``severity``, opened at or
        after ``since``; at most ``limit``."""
        stmt = select(incidents).order_by(incidents.c.number.desc()).limit(limit)
        if status:
            stmt = stmt.where(incidents.c.status.in_(list(status)))
        if severity:
            stmt = stmt.where(incidents.c.severity.in_(list(severity)))
        if since is not None:
            stmt = stmt.where(incidents.c.opened_at >= since)
        return self._db.read(lambda conn: self._with_alerts(conn, stmt))

    def load_open(self) -> list[dict[str, Any]]:
        """Every incident not resolved, oldest first (start-up)."""
        stmt = (
            select(incidents).where(incidents.c.status != "resolved").order_by(incidents.c.number)
        )
        return self._db.read(lambda conn: self._with_alerts(conn, stmt))

    def timeline(self, incident_id: str) -> list[dict[str, Any]]:
        """The incident's events in the order they were appended."""
        stmt = (
            select(incident_events)
            .where(incident_events.c.incident_id == incident_id)
            .order_by(incident_events.c.id)
        )

        def run(conn: Connection) -> list[dict[str, Any]]:
            return [
                {"at": r.at, "kind": r.kind, "actor": r.actor, "detail": orjson.loads(r.detail)}
                for r in conn.execute(stmt)
            ]

        return self._db.read(run)

    def pages(self, incident_id: str) -> list[dict[str, Any]]:
        """The pages recorded for an incident: ``key``, ``at``, ``outcome``."""
        stmt = (
            select(incident_pages.c.key, incident_pages.c.at, incident_pages.c.outcome)
            .where(incident_pages.c.incident_id == incident_id)
            .order_by(incident_pages.c.at, incident_pages.c.key)
        )
        return self._db.read(lambda conn: [dict(r._mapping) for r in conn.execute(stmt)])

    # -- incidents: writes ---------------------------------------------------------------

    async def open(
        self,
        row: dict[str, Any],
        alerts: Sequence[dict[str, Any]],
        events: Sequence[dict[str, Any]],
    ) -> int | None:
        """Store a new incident (version 1) with its alerts and first events; its number,
        or None when an incident of the same key is open (join that one instead)."""
        number: int | None = await self._db.write(
            "incidents.open", {"row": row, "alerts": list(alerts), "events": list(events)}
        )
        return number

    async def save(
        self,
        row: dict[str, Any],
        alerts: Sequence[dict[str, Any]],
        events: Sequence[dict[str, Any]],
        expected_version: int,
    ) -> bool:
        """Store a change of an incident, its alerts and the events it appends, in one
        transaction, if the stored incident is still at ``expected_version`` (it is then
        at ``expected_version + 1``); false, and nothing written, otherwise."""
        saved: bool = await self._db.write(
            "incidents.save",
            {
                "row": row,
                "alerts": list(alerts),
                "events": list(events),
                "expected_version": expected_version,
            },
        )
        return saved

    async def append_events(self, incident_id: str, events: Sequence[dict[str, Any]]) -> None:
        """Append events to a timeline without changing the incident."""
        if events:
            await self._db.write(
                "incidents.append_events", {"incident_id": incident_id, "events": list(events)}
            )

    async def record_page(
        self, incident_id: str, key: str, at: float, outcome: str = "pending"
    ) -> bool:
        """Record a page before it is sent; false when ``key`` was recorded for this
        incident before (it was sent, or is being sent: do not page again)."""
        recorded: bool = await self._db.write(
            "incidents.page",
            {"incident_id": incident_id, "key": key, "at": at, "outcome": outcome},
        )
        return recorded

    async def set_page_outcome(self, incident_id: str, key: str, outcome: str) -> None:
        await self._db.write(
            "incidents.page_outcome", {"incident_id": incident_id, "key": key, "outcome": outcome}
        )

    # -- people --------------------------------------------------------------------------

    def people(self, kind: str) -> list[dict[str, Any]]:
        """The users, teams or overrides (``kind``) made through the API, by name."""
        stmt = select(people).where(people.c.kind == kind).order_by(people.c.name)

        def run(conn: Connection) -> list[dict[str, Any]]:
            return [{**dict(r._mapping), "body": orjson.loads(r.body)} for r in conn.execute(stmt)]

        return self._db.read(run)

    def person(self, kind: str, name: str) -> dict[str, Any] | None:
        stmt = select(people).where(and_(people.c.kind == kind, people.c.name == name))

        def run(conn: Connection) -> dict[str, Any] | None:
            r = conn.execute(stmt).first()
            return None if r is None else {**dict(r._mapping), "body": orjson.loads(r.body)}

        return self._db.read(run)

    async def create_person(self, kind: str, name: str, body: dict[str, Any], at: float) -> bool:
        """Store a user, team or override (``source`` "api"); false when the name is taken."""
        created: bool = await self._db.write(
            "people.create", {"kind": kind, "name": name, "body": body, "at": at}
        )
        return created

    async def update_person(self, kind: str, name: str, body: dict[str, Any], at: float) -> bool:
        updated: bool = await self._db.write(
            "people.update", {"kind": kind, "name": name, "body": body, "at": at}
        )
        return updated

    async def delete_person(self, kind: str, name: str) -> bool:
        """False when there was no such row."""
        deleted: bool = await self._db.write("people.delete", {"kind": kind, "name": name})
        return deleted

    # -- settings and tokens -------------------------------------------------------------

    def setting(self, name: str) -> str | None:
        stmt = select(settings.c.value).where(settings.c.name == name)
        return self._db.read(lambda conn: conn.execute(stmt).scalar_one_or_none())

    async def get_or_create_secret(self, name: str) -> str:
        """A random secret made the first time it is asked for, then the same for every
        replica sharing the database (the first writer's value wins)."""
        known = await asyncio.to_thread(self.setting, name)
        if known is not None:
            return known
        value: str = await self._db.write(
            "settings.get_or_create", {"name": name, "value": secrets.token_urlsafe(32)}
        )
        return value

    async def use_token(self, token_id: str, now: float, expires_at: float) -> bool:
        """True only the first time ``token_id`` is used before ``expires_at``, atomically
        on both backends; rows of expired tokens are pruned."""
        used: bool = await self._db.write(
            "tokens.use", {"token_id": token_id, "used_at": now, "expires_at": expires_at}
        )
        return used
