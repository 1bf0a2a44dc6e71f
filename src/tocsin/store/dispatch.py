"""What the dispatcher keeps in the store: group schedules, the notification log, the
outbox and the lease. Rows go in and come out as plain dictionaries; the runtime turns
them into pipeline objects.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, select

from tocsin.store._schema import groups, nflog
from tocsin.store.database import Database

__all__ = ["DispatchRows", "DispatchStore"]


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

    async def deliveries_done(self, items: list[tuple[int, dict[str, Any] | None]]) -> None:
        """Several ended deliveries in one write: one statement per kind, not per delivery."""
        if items:
            await self._db.write(
                "dispatch.done_many", [{"id": i, "nflog": row} for i, row in items]
            )

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
