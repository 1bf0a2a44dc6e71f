"""Incidents, their alerts, timeline and pages; people made through the API; shared
settings; used single-use tokens.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_OPEN = sa.text("status <> 'resolved'")


def upgrade() -> None:
    op.create_table(
        "incidents",
        sa.Column("id", sa.String(12), primary_key=True),
        sa.Column("number", sa.Integer, nullable=False, unique=True),
        sa.Column("key", sa.Text, nullable=False),
        sa.Column("route_path", sa.Text, nullable=False),
        sa.Column("group_labels", sa.Text, nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("severity", sa.String(2), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("policy", sa.Text, nullable=False),
        sa.Column("opened_at", sa.Float, nullable=False),
        sa.Column("acknowledged_at", sa.Float, nullable=True),
        sa.Column("acknowledged_by", sa.Text, nullable=True),
        sa.Column("resolved_at", sa.Float, nullable=True),
        sa.Column("resolved_by", sa.Text, nullable=True),
        sa.Column("escalation", sa.Text, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
    )
    op.create_index(
        "incidents_open_key",
        "incidents",
        ["key"],
        unique=True,
        sqlite_where=_OPEN,
        postgresql_where=_OPEN,
    )
    op.create_index("incidents_opened_at", "incidents", ["opened_at"])
    op.create_table(
        "incident_alerts",
        sa.Column("incident_id", sa.String(12), primary_key=True),
        sa.Column("fingerprint", sa.String(32), primary_key=True),
        sa.Column("labels", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("first_seen", sa.Float, nullable=False),
        sa.Column("resolved_at", sa.Float, nullable=True),
    )
    op.create_table(
        "incident_events",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column("incident_id", sa.String(12), nullable=False),
        sa.Column("at", sa.Float, nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("actor", sa.Text, nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
    )
    op.create_index("incident_events_incident", "incident_events", ["incident_id", "id"])
    op.create_table(
        "incident_pages",
        sa.Column("incident_id", sa.String(12), primary_key=True),
        sa.Column("key", sa.Text, primary_key=True),
        sa.Column("at", sa.Float, nullable=False),
        sa.Column("outcome", sa.String(32), nullable=False),
    )
    op.create_table(
        "people",
        sa.Column("kind", sa.String(16), primary_key=True),
        sa.Column("name", sa.Text, primary_key=True),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("updated_at", sa.Float, nullable=False),
    )
    op.create_table(
        "settings",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )
    op.create_table(
        "used_tokens",
        sa.Column("token_id", sa.String(128), primary_key=True),
        sa.Column("used_at", sa.Float, nullable=False),
        sa.Column("expires_at", sa.Float, nullable=False),
    )
    op.create_index("used_tokens_expires_at", "used_tokens", ["expires_at"])


def downgrade() -> None:
    op.drop_index("used_tokens_expires_at", "used_tokens")
    op.drop_table("used_tokens")
    op.drop_table("settings")
    op.drop_table("people")
    op.drop_table("incident_pages")
    op.drop_index("incident_events_incident", "incident_events")
    op.drop_table("incident_events")
    op.drop_table("incident_alerts")
    op.drop_index("incidents_opened_at", "incidents")
    op.drop_index("incidents_open_key", "incidents")
    op.drop_table("incidents")
