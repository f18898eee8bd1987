"""Outbox tables. Nothing here is personal data in clear: recipient and body are sealed."""

from __future__ import annotations

import sqlalchemy as sa

from ecluse.db import UTCDateTime, metadata

__all__ = ["attempts", "outbox"]

outbox = sa.Table(
    "notify_outbox",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("idempotency_key", sa.String(128), nullable=True, unique=True),
    sa.Column("template", sa.String(64), nullable=False),
    sa.Column("channel", sa.String(16), nullable=False),
    sa.Column("language", sa.String(8), nullable=False),
    sa.Column("reference", sa.String(128), nullable=True, index=True),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
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
    # Envelope encryption: a per-message data key wrapped by the KEK seals recipient + body.
    # Both are dropped once the message is sent or cancelled (crypto-shredding).
    sa.Column("kek_id", sa.String(32), nullable=True),
    sa.Column("wrapped_key", sa.LargeBinary, nullable=True),
    sa.Column("sealed", sa.LargeBinary, nullable=True),
    sa.Index("ix_notify_outbox_due", "state", "next_attempt_at"),
)

attempts = sa.Table(
    "notify_attempts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "notification_id",
        sa.String(32),
        sa.ForeignKey("notify_outbox.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("number", sa.Integer, nullable=False),
    sa.Column("worker", sa.String(64), nullable=False),
    sa.Column("started_at", UTCDateTime, nullable=False),
    sa.Column("finished_at", UTCDateTime, nullable=False),
    sa.Column("outcome", sa.String(16), nullable=False),  # sent | retry | permanent | expired
    sa.Column("detail", sa.String(200), nullable=True),
)
