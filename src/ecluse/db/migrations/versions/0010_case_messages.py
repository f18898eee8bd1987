"""Case messages (sealed full and redacted) and per-case token maps.

Revision ID: 0010_case_messages
Revises: 0008_cases
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ecluse.db import UTCDateTime

revision = "0010_case_messages"
down_revision = "0008_cases"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "case_messages",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("case_id", sa.String(24), sa.ForeignKey("cases.id"), nullable=False, index=True),
        sa.Column("at", UTCDateTime, nullable=False),
        sa.Column("direction", sa.String(8), nullable=False),
        sa.Column("author", sa.String(32), nullable=False),
        sa.Column("sealed_full", sa.LargeBinary, nullable=False),
        sa.Column("sealed_redacted", sa.LargeBinary, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("held_reasons", sa.String(500), nullable=False, server_default=""),
    )
    op.create_table(
        "case_token_maps",
        sa.Column("case_id", sa.String(24), sa.ForeignKey("cases.id"), primary_key=True),
        sa.Column("sealed_map", sa.LargeBinary, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("case_token_maps")
    op.drop_table("case_messages")
