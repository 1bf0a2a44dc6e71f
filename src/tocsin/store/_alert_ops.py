"""Write operations on the ``alerts`` version log and the ``meta`` table.

Appending sends a multi-row ``INSERT … RETURNING`` straight to the driver: one statement
carries up to 100 rows, so the driver makes one call per hundred rows, and SQLAlchemy's
per-row parameter processing (several times the database's own work) is skipped. The same
text serves SQLite and PostgreSQL; only the placeholder differs.
"""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import Connection, bindparam, delete, text

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


def _append_sql(mark: str, rows: int) -> str:
    key = (mark, rows)
    sql = _statements.get(key)
    if sql is None:
        one = "(" + ",".join([mark] * _WIDTH) + ")"
        sql = (
            f"INSERT INTO alerts ({', '.join(ALERT_COLUMNS)}) VALUES "
            + ",".join([one] * rows)
            + " RETURNING fingerprint, version"
        )
        _statements[key] = sql
    return sql


@operation("alerts.append")
def append_alerts(conn: Connection, flat: list[Any]) -> list[list[Any]]:
    """Append alert versions given as column values, row after row (labels and annotations
    as objects, stored as JSON text).

    Returns ``[fingerprint, version]`` for every row.
    """
    # A new list: a batch that fails is replayed with the same arguments.
    dumps = orjson.dumps
    flat = list(flat)
    flat[1::_WIDTH] = [dumps(labels).decode() for labels in flat[1::_WIDTH]]
    flat[2::_WIDTH] = [dumps(annotations).decode() for annotations in flat[2::_WIDTH]]
    mark = "%s" if conn.dialect.paramstyle in ("format", "pyformat") else "?"
    step = _CHUNK * _WIDTH
    out: list[list[Any]] = []
    for start in range(0, len(flat), step):
        chunk = tuple(flat[start : start + step])
        result = conn.exec_driver_sql(_append_sql(mark, len(chunk) // _WIDTH), chunk)
        out.extend([fp, version] for fp, version in result)
    return out


_DELETE_VERSIONS = delete(alerts).where(alerts.c.version.in_(bindparam("versions", expanding=True)))
_DELETE_FINGERPRINTS = delete(alerts).where(
    alerts.c.fingerprint.in_(bindparam("fps", expanding=True))
)


@operation("alerts.delete_versions")
def delete_versions(conn: Connection, versions: list[int]) -> None:
    """Delete superseded versions (never the newest of a fingerprint)."""
    for start in range(0, len(versions), 500):
        conn.execute(_DELETE_VERSIONS, {"versions": versions[start : start + 500]})


@operation("alerts.forget")
def forget_alerts(conn: Connection, fingerprints: list[str]) -> None:
    """Delete every version of these alerts."""
    for start in range(0, len(fingerprints), 500):
        conn.execute(_DELETE_FINGERPRINTS, {"fps": fingerprints[start : start + 500]})


_SET_META = text(
    "INSERT INTO meta (key, value) VALUES (:key, :value) "
    "ON CONFLICT (key) DO UPDATE SET value = excluded.value"
)


@operation("meta.set")
def set_meta(conn: Connection, item: list[str]) -> None:
    key, value = item
    conn.execute(_SET_META, {"key": key, "value": value})
