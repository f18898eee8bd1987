"""Customer-portal sign-in: one-time codes and sessions, both stored as hashes only."""

from __future__ import annotations

import sqlalchemy as sa

from ecluse.db import UTCDateTime, metadata

__all__ = ["portal_challenges", "portal_sessions"]

portal_challenges = sa.Table(
    "portal_challenges",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    # None when the e-mail address matched nobody: the page behaves the same either way.
    sa.Column("customer_id", sa.String(24), nullable=True),
    sa.Column("code_hash", sa.LargeBinary(32), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("expires_at", UTCDateTime, nullable=False),
    sa.Column("tries", sa.Integer, nullable=False, server_default="0"),
    sa.Column("used_at", UTCDateTime, nullable=True),
    # the codes a customer was sent in the last hour; the expired ones to purge
    sa.Index("ix_portal_challenges_customer_created", "customer_id", "created_at"),
    sa.Index("ix_portal_challenges_expires_at", "expires_at"),
)

portal_sessions = sa.Table(
    "portal_sessions",
    metadata,
    sa.Column("token_hash", sa.LargeBinary(32), primary_key=True),
    sa.Column("customer_id", sa.String(24), nullable=False, index=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("expires_at", UTCDateTime, nullable=False),
    sa.Column("revoked_at", UTCDateTime, nullable=True),
)
