"""Usage-review tables: the review behind each usage_review case, line measures, contests."""

from __future__ import annotations

import sqlalchemy as sa

from ecluse.db import UTCDateTime, metadata

__all__ = ["contests", "line_measures", "usage_reviews"]

usage_reviews = sa.Table(
    "usage_reviews",
    metadata,
    sa.Column("case_id", sa.String(24), sa.ForeignKey("cases.id"), primary_key=True),
    sa.Column("alert_id", sa.String(32), nullable=False, unique=True),
    sa.Column("line_id", sa.String(32), nullable=False, index=True),
    sa.Column("detector", sa.String(32), nullable=False),
    sa.Column("severity", sa.String(8), nullable=False),
    sa.Column("alert_body", sa.Text, nullable=False),  # the alert (pseudonymous, no clear data)
    sa.Column("contest_token_hash", sa.LargeBinary(32), nullable=False, unique=True),
    sa.Column("sealed_token", sa.LargeBinary, nullable=False),  # for later messages
    sa.Column("opened_at", UTCDateTime, nullable=False),
    sa.Column("contacted_at", UTCDateTime, nullable=True),
    sa.Column("notification_id", sa.String(40), nullable=True),
    sa.Column("first_human_at", UTCDateTime, nullable=True),
    sa.Column("decided_at", UTCDateTime, nullable=True),
    sa.Column("decision", sa.String(32), nullable=True),
    sa.Column("status", sa.String(16), nullable=False),  # open | decided | contested | closed
)

line_measures = sa.Table(
    "line_measures",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("case_id", sa.String(24), sa.ForeignKey("cases.id"), nullable=False, index=True),
    sa.Column("line_id", sa.String(32), nullable=False, index=True),
    sa.Column("measure", sa.String(32), nullable=False),
    # pending_second (a suspension awaiting its second analyst) | active | lifted | cancelled
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("automatic", sa.Boolean, nullable=False),
    sa.Column("proposed_by", sa.String(32), nullable=False),  # handle, or "system"
    sa.Column("approved_by", sa.String(32), nullable=True),
    # the analyst's reason, sealed under the customer's data key (migration 0022); ``reason``
    # holds, in clear, only the reasons written before
    sa.Column("reason", sa.String(500), nullable=True),
    sa.Column("sealed_reason", sa.LargeBinary, nullable=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("applied_at", UTCDateTime, nullable=True),
    sa.Column("review_by", UTCDateTime, nullable=True),  # automatic block: human review deadline
    sa.Column("lifted_at", UTCDateTime, nullable=True),
    sa.Column("lifted_by", sa.String(32), nullable=True),
    sa.Column("wrongful", sa.Boolean, nullable=False, server_default=sa.false()),
)

contests = sa.Table(
    "contests",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("case_id", sa.String(24), sa.ForeignKey("cases.id"), nullable=False, index=True),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("sealed_text", sa.LargeBinary, nullable=False),  # the customer's words, sealed
)
