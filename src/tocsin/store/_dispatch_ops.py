"""Write operations of the dispatcher: groups, the notification log, the outbox, the lease.

A flush is one transaction: the group's schedule, the outbox rows of its deliveries, the
log entries it writes without sending, and the outbox rows it supersedes. Deliveries that ended
together are one transaction too: their log entries written, their outbox rows deleted.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, bindparam, delete, insert, text

from tocsin.store._ops import operation
from tocsin.store._schema import deliveries, delivery_log, groups, nflog

__all__: list[str] = []

_GROUP_UPSERT = text(
    "INSERT INTO groups (id, group_key, receiver, labels, created_at, first_flush_at, cutoff) "
    "VALUES (:id, :group_key, :receiver, :labels, :created_at, :first_flush_at, :cutoff) "
    "ON CONFLICT (id) DO UPDATE SET group_key = excluded.group_key, "
    "receiver = excluded.receiver, labels = excluded.labels, "
    "created_at = excluded.created_at, first_flush_at = excluded.first_flush_at, "
    "cutoff = excluded.cutoff"
)
_GROUP_DELETE = delete(groups).where(groups.c.id.in_(bindparam("ids", expanding=True)))
_NFLOG_UPSERT = text(
    "INSERT INTO nflog (group_key, receiver, integration, idx, firing, resolved, sent_at, "
    "expires_at, extra) VALUES (:group_key, :receiver, :integration, :idx, :firing, "
    ":resolved, :sent_at, :expires_at, :extra) "
    "ON CONFLICT (group_key, receiver, integration, idx) DO UPDATE SET "
    "firing = excluded.firing, resolved = excluded.resolved, sent_at = excluded.sent_at, "
    "expires_at = excluded.expires_at, extra = excluded.extra"
)
_NFLOG_EXPIRE = delete(nflog).where(nflog.c.expires_at <= bindparam("now"))
_DELIVERY_CHUNK = 200


def _insert_deliveries(conn: Connection, rows: list[dict[str, Any]]) -> list[int]:
    """Insert outbox rows, a chunk per statement (one round trip to PostgreSQL per chunk,
    not per row); their ids in the order of ``rows``. Ids come from one sequence, taken
    in ``VALUES`` order within a statement, so sorting them restores that order."""
    ids: list[int] = []
    for start in range(0, len(rows), _DELIVERY_CHUNK):
        chunk = rows[start : start + _DELIVERY_CHUNK]
        values = ", ".join(f"(:g{i}, :b{i}, :f{i})" for i in range(len(chunk)))
        params: dict[str, Any] = {}
        for i, row in enumerate(chunk):
            params[f"g{i}"] = row["group_id"]
            params[f"b{i}"] = row["body"]
            params[f"f{i}"] = row["flushed_at"]
        statement = text(
            f"INSERT INTO deliveries (group_id, body, flushed_at) VALUES {values} RETURNING id"
        )
        ids += sorted(int(r[0]) for r in conn.execute(statement, params))
    return ids


_DELIVERY_DELETE = delete(deliveries).where(deliveries.c.id.in_(bindparam("ids", expanding=True)))


def _chunks(ids: list[int] | list[str], size: int = 500) -> list[Any]:
    return [ids[i : i + size] for i in range(0, len(ids), size)]


@operation("groups.put")
def put_groups(conn: Connection, rows: list[dict[str, Any]]) -> None:
    if rows:
        conn.execute(_GROUP_UPSERT, rows)


@operation("groups.delete")
def delete_groups(conn: Connection, ids: list[str]) -> None:
    for chunk in _chunks(ids):
        conn.execute(_GROUP_DELETE, {"ids": chunk})


@operation("dispatch.flush")
def store_flush(conn: Connection, args: dict[str, Any]) -> list[int]:
    """Store one or more flushes; returns the outbox ids of the new deliveries, in order."""
    if args["groups"]:
        conn.execute(_GROUP_UPSERT, args["groups"])
    if args["nflog"]:
        conn.execute(_NFLOG_UPSERT, args["nflog"])
    for chunk in _chunks(args["superseded"]):
        conn.execute(_DELIVERY_DELETE, {"ids": chunk})
    return _insert_deliveries(conn, args["deliveries"])


@operation("dispatch.done_many")
def deliveries_done(conn: Connection, args: dict[str, Any]) -> None:
    """Deliveries that ended and attempts made, in one transaction: notification-log
    entries written, outbox rows deleted, delivery-log rows appended."""
    items = args["done"]
    logged = [item["nflog"] for item in items if item.get("nflog")]
    if logged:
        conn.execute(_NFLOG_UPSERT, logged)
    ids = [item["id"] for item in items if item["id"] is not None]
    for chunk in _chunks(ids):
        conn.execute(_DELIVERY_DELETE, {"ids": chunk})
    if args["attempts"]:
        conn.execute(insert(delivery_log), args["attempts"])


@operation("delivery_log.prune")
def prune_delivery_log(conn: Connection, before: float) -> None:
    conn.execute(delete(delivery_log).where(delivery_log.c.at < before))


@operation("nflog.expire")
def expire_nflog(conn: Connection, now: float) -> None:
    conn.execute(_NFLOG_EXPIRE, {"now": now})


_CLAIM = {
    "postgresql": text(
        "UPDATE deliveries SET claimed_by = :holder WHERE id IN "
        "(SELECT id FROM deliveries ORDER BY id FOR UPDATE SKIP LOCKED) "
        "RETURNING id, group_id, body, flushed_at"
    ),
    "sqlite": text(
        "UPDATE deliveries SET claimed_by = :holder RETURNING id, group_id, body, flushed_at"
    ),
}


@operation("outbox.claim")
def claim_deliveries(conn: Connection, holder: str) -> list[list[Any]]:
    """Claim every outbox row for ``holder`` (the lease holder taking over)."""
    rows = conn.execute(_CLAIM[conn.dialect.name], {"holder": holder}).all()
    return sorted([list(row) for row in rows])


_DB_NOW = "EXTRACT(EPOCH FROM clock_timestamp())"
_LEASE_ACQUIRE = text(
    f"INSERT INTO lease (name, holder, expires_at) VALUES (:name, :holder, {_DB_NOW} + :ttl) "
    "ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at "
    f"WHERE lease.holder = excluded.holder OR lease.expires_at < {_DB_NOW} "
    "RETURNING holder"
)
_LEASE_RELEASE = text("UPDATE lease SET expires_at = 0 WHERE name = :name AND holder = :holder")


@operation("lease.acquire")
def acquire_lease(conn: Connection, args: dict[str, Any]) -> bool:
    """Take or renew the lease (PostgreSQL, by the database's clock); true when held."""
    row = conn.execute(_LEASE_ACQUIRE, args).first()
    return row is not None


@operation("lease.release")
def release_lease(conn: Connection, args: dict[str, Any]) -> None:
    conn.execute(_LEASE_RELEASE, args)
