"""Organisation and accounts: operator, vendors, sites, people, sessions, API tokens.

Revision ID: 0004_org
Revises: 0001_base
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

from ecluse.db import UTCDateTime

revision = "0004_org"
down_revision = "0001_base"
branch_labels = ("org",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "org_operator",
        sa.Column("id", sa.Integer, autoincrement=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("country", sa.String(2), nullable=False),
        sa.CheckConstraint("id = 1", name="ck_org_operator_one"),
        sa.PrimaryKeyConstraint("id", name="pk_org_operator"),
    )
    op.create_table(
        "org_vendors",
        sa.Column("id", sa.Integer, autoincrement=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("contract_start", UTCDateTime, nullable=False),
        sa.Column("contract_end", UTCDateTime, nullable=True),
        sa.Column("countries", sa.JSON, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_org_vendors"),
        sa.UniqueConstraint("name", name="uq_org_vendors_name"),
    )
    op.create_table(
        "org_sites",
        sa.Column("id", sa.Integer, autoincrement=True),
        sa.Column("vendor_id", sa.Integer, nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("country", sa.String(2), nullable=False),
        sa.Column("languages", sa.JSON, nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("hours", sa.String(400), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_org_sites"),
        sa.ForeignKeyConstraint(
            ["vendor_id"], ["org_vendors.id"], name="fk_org_sites_vendor_id_org_vendors"
        ),
        sa.UniqueConstraint("vendor_id", "name", name="uq_org_sites_vendor_name"),
    )
    op.create_table(
        "org_people",
        sa.Column("id", sa.Integer, autoincrement=True),
        sa.Column("handle", sa.String(16), nullable=False),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("vendor_id", sa.Integer, nullable=True),
        sa.Column("site_id", sa.Integer, nullable=True),
        sa.Column("team_lead_id", sa.Integer, nullable=True),
        sa.Column("skills", sa.JSON, nullable=False),
        sa.Column("languages", sa.JSON, nullable=False),
        sa.Column("capacity", sa.Integer, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("left_at", UTCDateTime, nullable=True),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("password_hash", sa.String(200), nullable=True),
        sa.Column("password_changed_at", UTCDateTime, nullable=True),
        sa.Column("failed_logins", sa.Integer, nullable=False),
        sa.Column("locked_until", UTCDateTime, nullable=True),
        sa.Column("totp_secret", sa.String(64), nullable=True),
        sa.Column("totp_pending", sa.String(64), nullable=True),
        sa.Column("totp_last_step", sa.BigInteger, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_org_people"),
        sa.UniqueConstraint("handle", name="uq_org_people_handle"),
        sa.UniqueConstraint("email", name="uq_org_people_email"),
        sa.ForeignKeyConstraint(
            ["vendor_id"], ["org_vendors.id"], name="fk_org_people_vendor_id_org_vendors"
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["org_sites.id"], name="fk_org_people_site_id_org_sites"
        ),
        sa.ForeignKeyConstraint(
            ["team_lead_id"], ["org_people.id"], name="fk_org_people_team_lead_id_org_people"
        ),
    )
    op.create_index("ix_org_people_vendor_id", "org_people", ["vendor_id"])
    for table in ("org_sessions", "org_api_tokens"):
        extra: list[sa.Column[Any]] = (
            [
                sa.Column("last_seen_at", UTCDateTime, nullable=False),
                sa.Column("expires_at", UTCDateTime, nullable=False),
            ]
            if table == "org_sessions"
            else [
                sa.Column("name", sa.String(200), nullable=False),
                sa.Column("last_used_at", UTCDateTime, nullable=True),
            ]
        )
        op.create_table(
            table,
            sa.Column("id", sa.Integer, autoincrement=True),
            sa.Column("token_hash", sa.LargeBinary(32), nullable=False),
            sa.Column("person_id", sa.Integer, nullable=False),
            sa.Column("created_at", UTCDateTime, nullable=False),
            *extra,
            sa.Column("revoked_at", UTCDateTime, nullable=True),
            sa.PrimaryKeyConstraint("id", name=f"pk_{table}"),
            sa.UniqueConstraint("token_hash", name=f"uq_{table}_token_hash"),
            sa.ForeignKeyConstraint(
                ["person_id"], ["org_people.id"], name=f"fk_{table}_person_id_org_people"
            ),
        )
        op.create_index(f"ix_{table}_person_id", table, ["person_id"])


def downgrade() -> None:
    for table in ("org_api_tokens", "org_sessions", "org_people", "org_sites", "org_vendors"):
        op.drop_table(table)
    op.drop_table("org_operator")
