"""Write operations on the ``alerts`` and ``meta`` tables.

The upsert is a multi-row ``INSERT … ON CONFLICT DO UPDATE`` sent straight to the driver:
one statement carries up to 100 rows, so the driver makes one call per hundred rows, and
SQLAlchemy's per-row parameter processing (several times the database's own work) is
skipped. The same text serves SQLite and PostgreSQL; only the placeholder differs.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, bindparam, delete, text, update

from tocsin.store._ops import operation
from tocsin.store._schema import alerts

__all__ = ["ALERT_COLUMNS"]

ALERT_COLUMNS = (
    "fingerprint",
    "labels",
    "annotations",
    "generator_url",
    "starts_at",
    "ends_at",
    "updated_at",
    "timeout",
)
_WIDTH = len(ALERT_COLUMNS)
_CHUNK = 100
_statements: dict[tuple[str, int], str] = {}


def _upsert_sql(mark: str, rows: int) -> str:
    key = (mark, rows)
    sql = _statements.get(key)
    if sql is None:
        one = "(" + ",".join([mark] * _WIDTH) + ")"
        updates = ", ".join(f"{c}=excluded.{c}" for c in ALERT_COLUMNS[1:])
        sql = (
            f"INSERT INTO alerts ({', '.join(ALERT_COLUMNS)}) VALUES "
            + ",".join([one] * rows)
            + f" ON CONFLICT (fingerprint) DO UPDATE SET {updates}"
        )
        _statements[key] = sql
    return sql


@operation("alerts.upsert")
def upsert_alerts(conn: Connection, flat: list[Any]) -> None:
    """Insert or replace alerts given as their column values, row after row."""
    mark = "%s" if conn.dialect.paramstyle in ("format", "pyformat") else "?"
    step = _CHUNK * _WIDTH
    for start in range(0, len(flat), step):
        chunk = tuple(flat[start : start + step])
        conn.exec_driver_sql(_upsert_sql(mark, len(chunk) // _WIDTH), chunk)


_REFRESH = (
    update(alerts)
    .where(alerts.c.fingerprint == bindparam("fp"))
    .values(ends_at=bindparam("ends_at"), updated_at=bindparam("updated_at"))
)


@operation("alerts.refresh")
def refresh_alerts(conn: Connection, rows: list[list[Any]]) -> None:
    """Push ``endsAt`` (and ``updatedAt``) of unchanged alerts: ``[fp, ends_at, updated_at]``."""
    if rows:
        conn.execute(
            _REFRESH, [{"fp": fp, "ends_at": ends, "updated_at": upd} for fp, ends, upd in rows]
        )


_DELETE = delete(alerts).where(alerts.c.fingerprint.in_(bindparam("fps", expanding=True)))


@operation("alerts.delete")
def delete_alerts(conn: Connection, fingerprints: list[str]) -> None:
    for start in range(0, len(fingerprints), 500):
        conn.execute(_DELETE, {"fps": fingerprints[start : start + 500]})


_SET_META = text(
    "INSERT INTO meta (key, value) VALUES (:key, :value) "
    "ON CONFLICT (key) DO UPDATE SET value = excluded.value"
)


@operation("meta.set")
def set_meta(conn: Connection, item: list[str]) -> None:
    key, value = item
    conn.execute(_SET_META, {"key": key, "value": value})
