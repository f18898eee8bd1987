"""Usage review: registry of ingested call-record files, alerts.

Revision ID: 0005_usage
Revises: 0001_base
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ecluse.db import UTCDateTime

revision = "0005_usage"
down_revision = "0001_base"
branch_labels = ("usage",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "usage_ingested_files",
        sa.Column("content_hash", sa.String(64), primary_key=True),
        sa.Column("file_name", sa.String(255), nullable=False),
        sa.Column("ingested_at", UTCDateTime(), nullable=False),
        sa.Column("rows_read", sa.BigInteger, nullable=False),
        sa.Column("rows_stored", sa.BigInteger, nullable=False),
        sa.Column("rows_duplicate", sa.BigInteger, nullable=False),
        sa.Column("rows_quarantined", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "usage_alerts",
        sa.Column("alert_id", sa.String(32), primary_key=True),
        sa.Column("line_id", sa.String(32), nullable=False),
        sa.Column("detector", sa.String(32), nullable=False),
        sa.Column("window", sa.String(8), nullable=False),
        sa.Column("window_start", UTCDateTime(), nullable=False),
        sa.Column("severity", sa.String(8), nullable=False),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("confirmed", sa.Boolean, nullable=False),
        sa.Column("proposes_suspension", sa.Boolean, nullable=False),
        sa.Column("last_event_at", UTCDateTime(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
    )
    op.create_index("ix_usage_alerts_line_id", "usage_alerts", ["line_id"])
    op.create_index("ix_usage_alerts_created_at", "usage_alerts", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_usage_alerts_created_at", "usage_alerts")
    op.drop_index("ix_usage_alerts_line_id", "usage_alerts")
    op.drop_table("usage_alerts")
    op.drop_table("usage_ingested_files")
