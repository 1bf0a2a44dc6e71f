"""The tables, as SQLAlchemy Core metadata. Migrations create them; code reads this.

``alerts`` is a log of alert versions: every change appends a row, and the row with the
highest ``version`` of a fingerprint is the alert's state. Appending costs a fraction of
updating a table keyed by fingerprint (whose random keys dirty a different index page for
almost every row); superseded versions are deleted in the background.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, Float, Integer, MetaData, String, Table, Text

__all__ = ["alerts", "meta", "metadata", "silences"]

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
