"""What the dispatcher keeps in the store: group schedules, the notification log, the
outbox and the lease. Rows go in and come out as plain dictionaries; the runtime turns
them into pipeline objects.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, select

from tocsin.store._schema import delivery_log, groups, nflog
from tocsin.store.database import Database

__all__ = ["DeliveryQuery", "DispatchRows", "DispatchStore"]


@dataclass(frozen=True, slots=True)
class DeliveryQuery:
    """A filter of the delivery log."""

    receiver: str = ""
    integration: str = ""
    outcome: tuple[str, ...] = ()
    group_key: str = ""
    idempotency_key: str = ""
    since: float | None = None
    until: float | None = None
    before_id: int | None = None
    limit: int = 100


@dataclass(slots=True)
class DispatchRows:
    """Everything stored about groups and the notification log."""

    groups: list[dict[str, Any]] = field(default_factory=list)
    nflog: list[dict[str, Any]] = field(default_factory=list)


class DispatchStore:
    """Reads and writes of the dispatcher's tables."""

    def __init__(self, db: Database) -> None:
        self._db = db

    @property
    def dialect(self) -> str:
        return self._db.dialect

    def load(self) -> DispatchRows:
        """Every group and log entry (blocking; call from a thread)."""
        out = DispatchRows()

        def run(conn: Connection) -> None:
            out.groups = [dict(row._mapping) for row in conn.execute(select(groups))]
            out.nflog = [dict(row._mapping) for row in conn.execute(select(nflog))]

        self._db.read(run)
        return out

    async def put_groups(self, rows: list[dict[str, Any]]) -> None:
        if rows:
            await self._db.write("groups.put", rows)

    async def delete_groups(self, ids: list[str]) -> None:
        if ids:
            await self._db.write("groups.delete", ids)

    async def store_flush(
        self,
        group_rows: list[dict[str, Any]],
        delivery_rows: list[dict[str, Any]],
        nflog_rows: list[dict[str, Any]],
        superseded: list[int],
    ) -> list[int]:
        """Store flushes in one transaction; the new outbox ids, in order."""
        ids: list[int] = await self._db.write(
            "dispatch.flush",
            {
                "groups": group_rows,
                "deliveries": delivery_rows,
                "nflog": nflog_rows,
                "superseded": superseded,
            },
        )
        return ids

    async def deliveries_done(
        self,
        items: list[tuple[int | None, dict[str, Any] | None]],
        attempts: list[dict[str, Any]] | None = None,
    ) -> None:
        """Ended deliveries (outbox id, notification-log row or None) and delivery-log rows
        in one write: one statement per kind, not per delivery."""
        if items or attempts:
            await self._db.write(
                "dispatch.done_many",
                {
                    "done": [{"id": i, "nflog": row} for i, row in items],
                    "attempts": attempts or [],
                },
            )

    async def prune_delivery_log(self, before: float) -> None:
        """Forget delivery-log rows older than ``before``."""
        await self._db.write("delivery_log.prune", before)

    def delivery_log(self, query: DeliveryQuery) -> list[dict[str, Any]]:
        """Delivery-log rows matching ``query``, newest first (blocking; call from a
        thread)."""
        out: list[dict[str, Any]] = []
        t = delivery_log
        stmt = select(t).order_by(t.c.id.desc()).limit(query.limit)
        if query.receiver:
            stmt = stmt.where(t.c.receiver == query.receiver)
        if query.integration:
            stmt = stmt.where(t.c.integration == query.integration)
        if query.outcome:
            stmt = stmt.where(t.c.outcome.in_(query.outcome))
        if query.group_key:
            stmt = stmt.where(t.c.group_key == query.group_key)
        if query.idempotency_key:
            stmt = stmt.where(
                (t.c.idempotency_key == query.idempotency_key)
                | (t.c.carried_by == query.idempotency_key)
            )
        if query.since is not None:
            stmt = stmt.where(t.c.at >= query.since)
        if query.until is not None:
            stmt = stmt.where(t.c.at < query.until)
        if query.before_id is not None:
            stmt = stmt.where(t.c.id < query.before_id)

        def run(conn: Connection) -> None:
            out.extend(dict(row._mapping) for row in conn.execute(stmt))

        self._db.read(run)
        return out

    async def expire_nflog(self, now: float) -> None:
        await self._db.write("nflog.expire", now)

    async def claim_outbox(self, holder: str) -> list[list[Any]]:
        """Claim the outbox rows: ``[id, group_id, body, flushed_at]`` by id."""
        rows: list[list[Any]] = await self._db.write("outbox.claim", holder)
        return rows

    async def acquire_lease(self, holder: str, ttl: float) -> bool:
        """Take or renew the dispatch lease. SQLite has one server: always held."""
        if self._db.dialect != "postgresql":
            return True
        held: bool = await self._db.write(
            "lease.acquire", {"name": "dispatch", "holder": holder, "ttl": ttl}
        )
        return held

    async def release_lease(self, holder: str) -> None:
        if self._db.dialect == "postgresql":
            await self._db.write("lease.release", {"name": "dispatch", "holder": holder})
