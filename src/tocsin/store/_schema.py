"""The tables, as SQLAlchemy Core metadata. Migrations create them; code reads this.

``alerts`` is a log of alert versions: every change appends a row, and the row with the
highest ``version`` of a fingerprint is the alert's state. Appending costs a fraction of
updating a table keyed by fingerprint (whose random keys dirty a different index page for
almost every row); superseded versions are deleted in the background.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    text,
)

__all__ = [
    "alerts",
    "deliveries",
    "delivery_log",
    "groups",
    "incident_alerts",
    "incident_events",
    "incident_pages",
    "incidents",
    "lease",
    "meta",
    "metadata",
    "nflog",
    "people",
    "settings",
    "silences",
    "used_tokens",
]

metadata = MetaData()

alerts = Table(
    "alerts",
    metadata,
    Column(
        "version",
        BigInteger().with_variant(Integer(), "sqlite"),
        primary_key=True,
        autoincrement=True,
    ),
    Column("fingerprint", String(16), nullable=False),
    Column("labels", Text, nullable=False),
    Column("annotations", Text, nullable=False),
    Column("generator_url", Text, nullable=False),
    Column("starts_at", Float, nullable=False),
    Column("ends_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
    Column("timeout", Boolean, nullable=False),
)

meta = Table(
    "meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

silences = Table(
    "silences",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("matchers", Text, nullable=False),  # JSON: [[name, "=", value], ...]
    Column("starts_at", Float, nullable=False),
    Column("ends_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
    Column("created_by", Text, nullable=False),  # JSON string literal (NUL-safe)
    Column("comment", Text, nullable=False),  # JSON string literal (NUL-safe)
)

# Aggregation groups whose schedule must survive a restart (see tocsin.runtime.dispatch).
groups = Table(
    "groups",
    metadata,
    Column("id", Text, primary_key=True),
    Column("group_key", Text, nullable=False),
    Column("receiver", Text, nullable=False),
    Column("labels", Text, nullable=False),  # JSON object
    Column("created_at", Float, nullable=False),
    Column("first_flush_at", Float, nullable=True),
    Column("cutoff", Float, nullable=True),
)

# The notification log: per group key, receiver and integration, the last delivery.
nflog = Table(
    "nflog",
    metadata,
    Column("group_key", Text, primary_key=True),
    Column("receiver", Text, primary_key=True),
    Column("integration", String(64), primary_key=True),
    Column("idx", Integer, primary_key=True),
    Column("firing", Text, nullable=False),  # JSON list of fingerprints
    Column("resolved", Text, nullable=False),
    Column("sent_at", Float, nullable=False),
    Column("expires_at", Float, nullable=False),
    Column("extra", Text, nullable=False),  # JSON object: channel state
)

# The outbox: notifications decided by a flush and not yet delivered.
deliveries = Table(
    "deliveries",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("group_id", Text, nullable=False),
    Column("body", Text, nullable=False),  # JSON: the delivery (key, labels, alerts, sets)
    Column("flushed_at", Float, nullable=False),
    Column("claimed_by", Text, nullable=True),
    Column("claimed_until", Float, nullable=True),
)

# The delivery log: every attempt to deliver a notification, and what became of it.
delivery_log = Table(
    "delivery_log",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("at", Float, nullable=False),
    Column("receiver", Text, nullable=False),
    Column("integration", String(64), nullable=False),
    Column("idx", Integer, nullable=False),
    Column("group_key", Text, nullable=False),
    Column("target", Text, nullable=False),  # as it may be shown: no secret
    Column("attempt", Integer, nullable=False),
    Column("outcome", String(16), nullable=False),  # sent, retry, failed, held, summarised
    Column("status", Integer, nullable=True),
    Column("latency_ms", Float, nullable=True),
    Column("error", Text, nullable=False),
    Column("idempotency_key", Text, nullable=False),
    Column("carried_by", Text, nullable=False),  # summarised: the key of the message
    Column("fallback_for", Text, nullable=False),  # a fallback's primary receiver
    Column("alerts", Integer, nullable=False),
    Index("delivery_log_at", "at"),
    Index("delivery_log_receiver", "receiver", "at"),
)

# Who does the timed work (flushes, sends) when several servers share a database.
lease = Table(
    "lease",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("holder", Text, nullable=False),
    Column("expires_at", Float, nullable=False),
)


# Incidents (see tocsin.store.incidents): one row each, the escalation engine's state in
# ``escalation`` (JSON, opaque to the store) and ``version`` for optimistic updates. At most
# one incident per key is open: a later flush of the same group joins it.
_OPEN = text("status <> 'resolved'")
incidents = Table(
    "incidents",
    metadata,
    Column("id", String(12), primary_key=True),
    Column("number", Integer, nullable=False, unique=True),
    Column("key", Text, nullable=False),
    Column("route_path", Text, nullable=False),
    Column("group_labels", Text, nullable=False),  # JSON object
    Column("title", Text, nullable=False),
    Column("severity", String(2), nullable=False),
    Column("status", String(16), nullable=False),
    Column("policy", Text, nullable=False),
    Column("opened_at", Float, nullable=False),
    Column("acknowledged_at", Float, nullable=True),
    Column("acknowledged_by", Text, nullable=True),
    Column("resolved_at", Float, nullable=True),
    Column("resolved_by", Text, nullable=True),
    Column("escalation", Text, nullable=False),  # JSON object
    Column("version", Integer, nullable=False),
    Index("incidents_open_key", "key", unique=True, sqlite_where=_OPEN, postgresql_where=_OPEN),
    Index("incidents_opened_at", "opened_at"),
)

incident_alerts = Table(
    "incident_alerts",
    metadata,
    Column("incident_id", String(12), primary_key=True),
    Column("fingerprint", String(32), primary_key=True),
    Column("labels", Text, nullable=False),  # JSON object
    Column("status", String(16), nullable=False),  # firing, resolved
    Column("first_seen", Float, nullable=False),
    Column("resolved_at", Float, nullable=True),
)

# The timeline: appended to, never changed.
incident_events = Table(
    "incident_events",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("incident_id", String(12), nullable=False),
    Column("at", Float, nullable=False),
    Column("kind", String(32), nullable=False),
    Column("actor", Text, nullable=False),
    Column("detail", Text, nullable=False),  # JSON object
    Index("incident_events_incident", "incident_id", "id"),
)

# Pages recorded before they are sent, so that a restart never pages twice.
incident_pages = Table(
    "incident_pages",
    metadata,
    Column("incident_id", String(12), primary_key=True),
    Column("key", Text, primary_key=True),
    Column("at", Float, nullable=False),
    Column("outcome", String(32), nullable=False),
)

# Users, teams and overrides made through the API (those of the config are not stored).
people = Table(
    "people",
    metadata,
    Column("kind", String(16), primary_key=True),  # user, team, override
    Column("name", Text, primary_key=True),  # an override's id
    Column("body", Text, nullable=False),  # JSON object
    Column("source", String(16), nullable=False),  # api
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
)

# Values made once and shared by every replica (signing secrets, counters).
settings = Table(
    "settings",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

# Single-use tokens (acknowledge links) already used, until they expire.
used_tokens = Table(
    "used_tokens",
    metadata,
    Column("token_id", String(128), primary_key=True),
    Column("used_at", Float, nullable=False),
    Column("expires_at", Float, nullable=False),
    Index("used_tokens_expires_at", "expires_at"),
)
