"""The delivery log: one row per attempt to deliver a notification.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "delivery_log",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column("at", sa.Float, nullable=False),
        sa.Column("receiver", sa.Text, nullable=False),
        sa.Column("integration", sa.String(64), nullable=False),
        sa.Column("idx", sa.Integer, nullable=False),
        sa.Column("group_key", sa.Text, nullable=False),
        sa.Column("target", sa.Text, nullable=False),
        sa.Column("attempt", sa.Integer, nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("status", sa.Integer, nullable=True),
        sa.Column("latency_ms", sa.Float, nullable=True),
        sa.Column("error", sa.Text, nullable=False),
        sa.Column("idempotency_key", sa.Text, nullable=False),
        sa.Column("carried_by", sa.Text, nullable=False),
        sa.Column("fallback_for", sa.Text, nullable=False),
        sa.Column("alerts", sa.Integer, nullable=False),
    )
    op.create_index("delivery_log_at", "delivery_log", ["at"])
    op.create_index("delivery_log_receiver", "delivery_log", ["receiver", "at"])


def downgrade() -> None:
    op.drop_index("delivery_log_receiver", "delivery_log")
    op.drop_index("delivery_log_at", "delivery_log")
    op.drop_table("delivery_log")
