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
)

__all__ = [
    "alerts",
    "deliveries",
    "delivery_log",
    "groups",
    "lease",
    "meta",
    "metadata",
    "nflog",
    "silences",
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
