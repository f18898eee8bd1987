"""Console: customer-portal one-time codes and sessions (hashes only).

Revision ID: 0020_web
Revises: 0001_base
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ecluse.db import UTCDateTime

revision = "0020_web"
down_revision = "0001_base"
branch_labels = ("web",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "portal_challenges",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("customer_id", sa.String(24), nullable=True),
        sa.Column("code_hash", sa.LargeBinary(32), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("expires_at", UTCDateTime, nullable=False),
        sa.Column("tries", sa.Integer, nullable=False, server_default="0"),
        sa.Column("used_at", UTCDateTime, nullable=True),
    )
    op.create_table(
        "portal_sessions",
        sa.Column("token_hash", sa.LargeBinary(32), primary_key=True),
        sa.Column("customer_id", sa.String(24), nullable=False, index=True),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("expires_at", UTCDateTime, nullable=False),
        sa.Column("revoked_at", UTCDateTime, nullable=True),
    )


def downgrade() -> None:
    op.drop_table("portal_sessions")
    op.drop_table("portal_challenges")
