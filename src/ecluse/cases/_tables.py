"""Case desk tables. Free text and typed reasons are sealed under the customer's data key."""

from __future__ import annotations

import sqlalchemy as sa

from ecluse.db import UTCDateTime, metadata

__all__ = [
    "case_events",
    "case_messages",
    "case_token_maps",
    "cases",
    "edit_requests",
    "reveals",
]

cases = sa.Table(
    "cases",
    metadata,
    sa.Column("id", sa.String(24), primary_key=True),
    sa.Column(
        "customer_id", sa.String(24), sa.ForeignKey("customers.id"), nullable=False, index=True
    ),
    sa.Column("case_type", sa.String(32), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("priority", sa.String(10), nullable=False),
    sa.Column("language", sa.String(2), nullable=True),
    sa.Column("vendor_id", sa.Integer, nullable=True),  # None: an operator queue
    sa.Column("site_id", sa.Integer, nullable=True),
    sa.Column("team_id", sa.Integer, nullable=True),  # the team lead whose queue holds it
    sa.Column("assignee_id", sa.Integer, nullable=True, index=True),
    sa.Column("origin", sa.String(64), nullable=False, server_default=""),
    sa.Column("outcome", sa.String(32), nullable=True),
    sa.Column("reopen_count", sa.Integer, nullable=False, server_default="0"),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Column("due_at", UTCDateTime, nullable=True),
    sa.Column("first_response_at", UTCDateTime, nullable=True),
    sa.Column("resolved_at", UTCDateTime, nullable=True),
    sa.Column("closed_at", UTCDateTime, nullable=True),
    sa.Index("ix_cases_queue", "vendor_id", "team_id", "status"),
)

case_events = sa.Table(
    "case_events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("case_id", sa.String(24), sa.ForeignKey("cases.id"), nullable=False, index=True),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("actor", sa.String(32), nullable=False),  # person handle or "system"
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("detail", sa.String(200), nullable=False, server_default=""),
    sa.Column("sealed_text", sa.LargeBinary, nullable=True),  # notes: under the customer's key
)

reveals = sa.Table(
    "reveals",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("case_id", sa.String(24), sa.ForeignKey("cases.id"), nullable=False, index=True),
    sa.Column("person_id", sa.Integer, nullable=False),
    sa.Column("field_class", sa.String(32), nullable=False),
    sa.Column("reason_code", sa.String(32), nullable=False),
    sa.Column("sealed_reason", sa.LargeBinary, nullable=True),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Index("ix_reveals_person_at", "person_id", "at"),
)

edit_requests = sa.Table(
    "edit_requests",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("case_id", sa.String(24), sa.ForeignKey("cases.id"), nullable=False, index=True),
    sa.Column("field_class", sa.String(32), nullable=False),
    sa.Column("sealed_value", sa.LargeBinary, nullable=False),
    sa.Column("requested_by", sa.Integer, nullable=False),
    sa.Column("requested_at", UTCDateTime, nullable=False),
    sa.Column("status", sa.String(12), nullable=False),  # pending | approved | rejected
    sa.Column("decided_by", sa.Integer, nullable=True),
    sa.Column("decided_at", UTCDateTime, nullable=True),
)

case_messages = sa.Table(
    "case_messages",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("case_id", sa.String(24), sa.ForeignKey("cases.id"), nullable=False, index=True),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("direction", sa.String(8), nullable=False),  # inbound | outbound
    sa.Column("author", sa.String(32), nullable=False),  # "customer" or a person's handle
    # Both versions sealed under the customer's key: the full text never leaves the operator,
    # and erasing the customer erases their messages too.
    sa.Column("sealed_full", sa.LargeBinary, nullable=False),
    sa.Column("sealed_redacted", sa.LargeBinary, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),  # received | ready | held | released
    sa.Column("held_reasons", sa.String(500), nullable=False, server_default=""),
)

case_token_maps = sa.Table(
    "case_token_maps",
    metadata,
    sa.Column("case_id", sa.String(24), sa.ForeignKey("cases.id"), primary_key=True),
    sa.Column("sealed_map", sa.LargeBinary, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
)
