"""Notification outbox: sealed messages to customers and their delivery attempts.

Revision ID: 0007_notify
Revises: 0001_base
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ecluse.db import UTCDateTime

revision = "0007_notify"
down_revision = "0001_base"
branch_labels = ("notify",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notify_outbox",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("idempotency_key", sa.String(128), nullable=True),
        sa.Column("template", sa.String(64), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("reference", sa.String(128), nullable=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("next_attempt_at", UTCDateTime, nullable=True),
        sa.Column("expires_at", UTCDateTime, nullable=True),
        sa.Column("claimed_by", sa.String(64), nullable=True),
        sa.Column("claimed_until", UTCDateTime, nullable=True),
        sa.Column("last_attempt_at", UTCDateTime, nullable=True),
        sa.Column("sent_at", UTCDateTime, nullable=True),
        sa.Column("dead_at", UTCDateTime, nullable=True),
        sa.Column("last_error", sa.String(200), nullable=True),
        sa.Column("provider_id", sa.String(128), nullable=True),
        sa.Column("kek_id", sa.String(32), nullable=True),
        sa.Column("wrapped_key", sa.LargeBinary, nullable=True),
        sa.Column("sealed", sa.LargeBinary, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_notify_outbox"),
        sa.UniqueConstraint("idempotency_key", name="uq_notify_outbox_idempotency_key"),
    )
    op.create_index("ix_notify_outbox_reference", "notify_outbox", ["reference"])
    op.create_index("ix_notify_outbox_due", "notify_outbox", ["state", "next_attempt_at"])
    op.create_table(
        "notify_attempts",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("notification_id", sa.String(32), nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("worker", sa.String(64), nullable=False),
        sa.Column("started_at", UTCDateTime, nullable=False),
        sa.Column("finished_at", UTCDateTime, nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("detail", sa.String(200), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_notify_attempts"),
        sa.ForeignKeyConstraint(
            ["notification_id"],
            ["notify_outbox.id"],
            name="fk_notify_attempts_notification_id_notify_outbox",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_notify_attempts_notification_id", "notify_attempts", ["notification_id"])


def downgrade() -> None:
    op.drop_table("notify_attempts")
    op.drop_table("notify_outbox")
