"""Write operations on the ``silences`` table."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, bindparam, delete, text

from tocsin.store._ops import operation
from tocsin.store._schema import silences

__all__: list[str] = []

_UPSERT = text(
    "INSERT INTO silences (id, matchers, starts_at, ends_at, updated_at, created_by, comment) "
    "VALUES (:id, :matchers, :starts_at, :ends_at, :updated_at, :created_by, :comment) "
    "ON CONFLICT (id) DO UPDATE SET matchers = excluded.matchers, "
    "starts_at = excluded.starts_at, ends_at = excluded.ends_at, "
    "updated_at = excluded.updated_at, created_by = excluded.created_by, "
    "comment = excluded.comment"
)
_DELETE = delete(silences).where(silences.c.id.in_(bindparam("ids", expanding=True)))


@operation("silences.put")
def put_silences(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Insert or replace silences, all in the caller's one transaction."""
    conn.execute(_UPSERT, rows)


@operation("silences.delete")
def delete_silences(conn: Connection, ids: list[str]) -> None:
    for start in range(0, len(ids), 500):
        conn.execute(_DELETE, {"ids": ids[start : start + 500]})
