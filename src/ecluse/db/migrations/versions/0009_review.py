"""Usage review: reviews behind usage_review cases, line measures, contests.

Revision ID: 0009_review
Revises: 0001_base
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ecluse.db import UTCDateTime

revision = "0009_review"
down_revision = "0001_base"
branch_labels = ("review",)
depends_on = ("0008_cases",)


def upgrade() -> None:
    op.create_table(
        "usage_reviews",
        sa.Column("case_id", sa.String(24), sa.ForeignKey("cases.id"), primary_key=True),
        sa.Column("alert_id", sa.String(32), nullable=False),
        sa.Column("line_id", sa.String(32), nullable=False, index=True),
        sa.Column("detector", sa.String(32), nullable=False),
        sa.Column("severity", sa.String(8), nullable=False),
        sa.Column("alert_body", sa.Text, nullable=False),
        sa.Column("contest_token_hash", sa.LargeBinary(32), nullable=False),
        sa.Column("sealed_token", sa.LargeBinary, nullable=False),  # for later messages
        sa.Column("opened_at", UTCDateTime, nullable=False),
        sa.Column("contacted_at", UTCDateTime, nullable=True),
        sa.Column("notification_id", sa.String(40), nullable=True),
        sa.Column("first_human_at", UTCDateTime, nullable=True),
        sa.Column("decided_at", UTCDateTime, nullable=True),
        sa.Column("decision", sa.String(32), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        # named as the metadata's naming convention names them
        sa.UniqueConstraint("alert_id", name="uq_usage_reviews_alert_id"),
        sa.UniqueConstraint("contest_token_hash", name="uq_usage_reviews_contest_token_hash"),
    )
    op.create_table(
        "line_measures",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("case_id", sa.String(24), sa.ForeignKey("cases.id"), nullable=False, index=True),
        sa.Column("line_id", sa.String(32), nullable=False, index=True),
        sa.Column("measure", sa.String(32), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("automatic", sa.Boolean, nullable=False),
        sa.Column("proposed_by", sa.String(32), nullable=False),
        sa.Column("approved_by", sa.String(32), nullable=True),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("applied_at", UTCDateTime, nullable=True),
        sa.Column("review_by", UTCDateTime, nullable=True),
        sa.Column("lifted_at", UTCDateTime, nullable=True),
        sa.Column("lifted_by", sa.String(32), nullable=True),
        sa.Column("wrongful", sa.Boolean, nullable=False, server_default=sa.false()),
    )
    op.create_table(
        "contests",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("case_id", sa.String(24), sa.ForeignKey("cases.id"), nullable=False, index=True),
        sa.Column("at", UTCDateTime, nullable=False),
        sa.Column("sealed_text", sa.LargeBinary, nullable=False),
    )


def downgrade() -> None:
    for table in ("contests", "line_measures", "usage_reviews"):
        op.drop_table(table)
