"""Tables of the organisation and accounts (branch ``org`` of the migrations).

Secrets are never stored in clear: passwords as argon2id hashes, session and API tokens as
SHA-256 digests (they are 256-bit random values, so a fast hash is enough).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from ecluse.db import UTCDateTime, metadata

__all__ = [
    "api_tokens",
    "inserted_id",
    "operator",
    "people",
    "sessions",
    "sites",
    "vendors",
]

operator = sa.Table(
    "org_operator",
    metadata,
    # One operator per installation: the primary key is pinned to 1.
    sa.Column(
        "id", sa.Integer, sa.CheckConstraint("id = 1", name="ck_org_operator_one"), primary_key=True
    ),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("country", sa.String(2), nullable=False),
)

vendors = sa.Table(
    "org_vendors",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(200), nullable=False, unique=True),
    sa.Column("contract_start", UTCDateTime, nullable=False),
    sa.Column("contract_end", UTCDateTime, nullable=True),
    sa.Column("countries", sa.JSON, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
)

sites = sa.Table(
    "org_sites",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("vendor_id", sa.Integer, sa.ForeignKey("org_vendors.id"), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("country", sa.String(2), nullable=False),
    sa.Column("languages", sa.JSON, nullable=False),
    sa.Column("timezone", sa.String(64), nullable=False),
    sa.Column("hours", sa.String(400), nullable=False),
    sa.UniqueConstraint("vendor_id", "name", name="uq_org_sites_vendor_name"),
)

people = sa.Table(
    "org_people",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("handle", sa.String(16), nullable=False, unique=True),
    sa.Column("display_name", sa.String(200), nullable=False),
    sa.Column("email", sa.String(320), nullable=False, unique=True),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("vendor_id", sa.Integer, sa.ForeignKey("org_vendors.id"), nullable=True, index=True),
    sa.Column("site_id", sa.Integer, sa.ForeignKey("org_sites.id"), nullable=True),
    sa.Column("team_lead_id", sa.Integer, sa.ForeignKey("org_people.id"), nullable=True),
    sa.Column("skills", sa.JSON, nullable=False),
    sa.Column("languages", sa.JSON, nullable=False),
    sa.Column("capacity", sa.Integer, nullable=False),
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("left_at", UTCDateTime, nullable=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    # credentials
    sa.Column("password_hash", sa.String(200), nullable=True),
    sa.Column("password_changed_at", UTCDateTime, nullable=True),
    sa.Column("failed_logins", sa.Integer, nullable=False),
    sa.Column("locked_until", UTCDateTime, nullable=True),
    # TOTP seeds are key material: sealed under the KEK, bound to the person (Keyring.seal_secret)
    sa.Column("totp_secret", sa.LargeBinary, nullable=True),
    sa.Column("totp_pending", sa.LargeBinary, nullable=True),
    sa.Column("totp_last_step", sa.BigInteger, nullable=True),
)

sessions = sa.Table(
    "org_sessions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("token_hash", sa.LargeBinary(32), nullable=False, unique=True),
    sa.Column("person_id", sa.Integer, sa.ForeignKey("org_people.id"), nullable=False, index=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("last_seen_at", UTCDateTime, nullable=False),
    sa.Column("expires_at", UTCDateTime, nullable=False),
    sa.Column("revoked_at", UTCDateTime, nullable=True),
)

api_tokens = sa.Table(
    "org_api_tokens",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("token_hash", sa.LargeBinary(32), nullable=False, unique=True),
    sa.Column("person_id", sa.Integer, sa.ForeignKey("org_people.id"), nullable=False, index=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("last_used_at", UTCDateTime, nullable=True),
    sa.Column("revoked_at", UTCDateTime, nullable=True),
)


def inserted_id(result: sa.CursorResult[Any]) -> int:
    """The primary key an ``INSERT`` just produced."""
    key = result.inserted_primary_key
    assert key is not None  # single-row inserts on tables with an integer key
    return int(key[0])
