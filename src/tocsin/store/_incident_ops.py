"""Write operations of incidents, people, settings and single-use tokens.

An incident change is one transaction: its row (compare-and-set on ``version``), its
alerts and the events it appends. Numbers come from a counter row in ``settings`` that
an upsert increments, so that two writers never take the same number; at most one incident
per key is open (a partial unique index backs the check made here).
"""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import Connection, and_, delete, insert, select, text, update

from tocsin.store._ops import operation
from tocsin.store._schema import incident_events, incidents, people, settings, used_tokens

__all__: list[str] = []

_NUMBER_COUNTER = "incident_number"
_NEXT_NUMBER = text(
    "INSERT INTO settings (name, value) VALUES (:name, '1') "
    "ON CONFLICT (name) DO UPDATE SET value = CAST(CAST(settings.value AS INTEGER) + 1 AS TEXT) "
    "RETURNING value"
)
_ALERT_UPSERT = text(
    "INSERT INTO incident_alerts (incident_id, fingerprint, labels, status, first_seen, "
    "resolved_at) VALUES (:incident_id, :fingerprint, :labels, :status, :first_seen, "
    ":resolved_at) ON CONFLICT (incident_id, fingerprint) DO UPDATE SET "
    "labels = excluded.labels, status = excluded.status, first_seen = excluded.first_seen, "
    "resolved_at = excluded.resolved_at"
)
_PAGE_INSERT = text(
    "INSERT INTO incident_pages (incident_id, key, at, outcome) "
    "VALUES (:incident_id, :key, :at, :outcome) ON CONFLICT (incident_id, key) DO NOTHING"
)
_PERSON_INSERT = text(
    "INSERT INTO people (kind, name, body, source, created_at, updated_at) "
    "VALUES (:kind, :name, :body, 'api', :at, :at) ON CONFLICT (kind, name) DO NOTHING"
)
_SETTING_INSERT = text(
    "INSERT INTO settings (name, value) VALUES (:name, :value) ON CONFLICT (name) DO NOTHING"
)
_TOKEN_INSERT = text(
    "INSERT INTO used_tokens (token_id, used_at, expires_at) "
    "VALUES (:token_id, :used_at, :expires_at) ON CONFLICT (token_id) DO NOTHING"
)


def _json(value: Any) -> str:
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()


def _incident_values(row: dict[str, Any]) -> dict[str, Any]:
    values = {c.name: row.get(c.name) for c in incidents.columns}
    values["group_labels"] = _json(row["group_labels"])
    values["escalation"] = _json(row.get("escalation") or {})
    return values


def _put_alerts(conn: Connection, incident_id: str, alerts: list[dict[str, Any]]) -> None:
    if alerts:
        conn.execute(
            _ALERT_UPSERT,
            [
                {
                    "incident_id": incident_id,
                    "fingerprint": a["fingerprint"],
                    "labels": _json(a["labels"]),
                    "status": a["status"],
                    "first_seen": a["first_seen"],
                    "resolved_at": a.get("resolved_at"),
                }
                for a in alerts
            ],
        )


def _append_events(conn: Connection, incident_id: str, events: list[dict[str, Any]]) -> None:
    if events:
        conn.execute(
            insert(incident_events),
            [
                {
                    "incident_id": incident_id,
                    "at": e["at"],
                    "kind": e["kind"],
                    "actor": e["actor"],
                    "detail": _json(e.get("detail") or {}),
                }
                for e in events
            ],
        )


@operation("incidents.open")
def open_incident(conn: Connection, args: dict[str, Any]) -> int | None:
    """Store a new incident; its number, or None when one with its key is already open."""
    row = args["row"]
    taken = conn.execute(
        select(incidents.c.id).where(
            and_(incidents.c.key == row["key"], incidents.c.status != "resolved")
        )
    ).first()
    if taken is not None:
        return None
    number = int(conn.execute(_NEXT_NUMBER, {"name": _NUMBER_COUNTER}).scalar_one())
    values = _incident_values(row)
    values.update(number=number, version=1)
    conn.execute(insert(incidents), values)
    _put_alerts(conn, row["id"], args["alerts"])
    _append_events(conn, row["id"], args["events"])
    return number


@operation("incidents.save")
def save_incident(conn: Connection, args: dict[str, Any]) -> bool:
    """Change an incident if it is still at ``expected_version``; false otherwise."""
    row = args["row"]
    expected = int(args["expected_version"])
    values = _incident_values(row)
    for fixed in ("id", "number", "key", "opened_at"):
        values.pop(fixed)
    values["version"] = expected + 1
    result = conn.execute(
        update(incidents)
        .where(and_(incidents.c.id == row["id"], incidents.c.version == expected))
        .values(values)
    )
    if result.rowcount != 1:
        return False
    _put_alerts(conn, row["id"], args["alerts"])
    _append_events(conn, row["id"], args["events"])
    return True


@operation("incidents.append_events")
def append_events(conn: Connection, args: dict[str, Any]) -> None:
    _append_events(conn, args["incident_id"], args["events"])


@operation("incidents.page")
def record_page(conn: Connection, args: dict[str, Any]) -> bool:
    """Record a page; false when this incident's page ``key`` was recorded before."""
    return conn.execute(_PAGE_INSERT, args).rowcount == 1


@operation("incidents.page_outcome")
def page_outcome(conn: Connection, args: dict[str, Any]) -> None:
    conn.execute(
        text(
            "UPDATE incident_pages SET outcome = :outcome "
            "WHERE incident_id = :incident_id AND key = :key"
        ),
        args,
    )


@operation("people.create")
def create_person(conn: Connection, args: dict[str, Any]) -> bool:
    """Store a user, team or override; false when its name is taken."""
    params = {**args, "body": _json(args["body"])}
    return conn.execute(_PERSON_INSERT, params).rowcount == 1


@operation("people.update")
def update_person(conn: Connection, args: dict[str, Any]) -> bool:
    result = conn.execute(
        update(people)
        .where(and_(people.c.kind == args["kind"], people.c.name == args["name"]))
        .values(body=_json(args["body"]), updated_at=args["at"])
    )
    return result.rowcount == 1


@operation("people.delete")
def delete_person(conn: Connection, args: dict[str, Any]) -> bool:
    result = conn.execute(
        delete(people).where(and_(people.c.kind == args["kind"], people.c.name == args["name"]))
    )
    return result.rowcount == 1


@operation("settings.get_or_create")
def get_or_create_setting(conn: Connection, args: dict[str, Any]) -> str:
    """The setting's value, ``value`` stored first when there is none. On PostgreSQL a
    concurrent insert waits for the first to commit, then reads its value."""
    conn.execute(_SETTING_INSERT, args)
    return str(
        conn.execute(select(settings.c.value).where(settings.c.name == args["name"])).scalar_one()
    )


@operation("tokens.use")
def use_token(conn: Connection, args: dict[str, Any]) -> bool:
    """True the first time a token is used (never once it expired); rows of expired
    tokens are forgotten."""
    if args["expires_at"] <= args["used_at"]:
        return False
    conn.execute(delete(used_tokens).where(used_tokens.c.expires_at < args["used_at"]))
    return conn.execute(_TOKEN_INSERT, args).rowcount == 1
