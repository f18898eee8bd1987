"""Vault tables. Nothing here holds clear personal data except the CRM's external id."""

from __future__ import annotations

import sqlalchemy as sa

from ecluse.db import UTCDateTime, metadata

__all__ = ["customer_index", "customer_keys", "customers", "import_runs"]

customers = sa.Table(
    "customers",
    metadata,
    sa.Column("id", sa.String(24), primary_key=True),
    # Operator's own CRM key: needed to upsert re-imports; set to NULL on erasure.
    sa.Column("external_id", sa.String(64), unique=True, nullable=True),
    sa.Column("language", sa.String(2), nullable=True),
    # AES-256-GCM under the customer's data key; AAD binds it to the customer id.
    sa.Column("record", sa.LargeBinary, nullable=True),
    # Names of fields flagged invalid (never values): feeds the hygiene report.
    sa.Column("invalid_fields", sa.String(200), nullable=False, server_default=""),
    sa.Column("import_run", sa.String(24), nullable=True),
    sa.Column("import_line", sa.Integer, nullable=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Column("erased_at", UTCDateTime, nullable=True),
)

customer_keys = sa.Table(
    "customer_keys",
    metadata,
    sa.Column(
        "customer_id",
        sa.String(24),
        sa.ForeignKey("customers.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("kek_id", sa.String(16), nullable=False, index=True),
    sa.Column("wrapped", sa.LargeBinary, nullable=False),
)

customer_index = sa.Table(
    "customer_index",
    metadata,
    sa.Column("kind", sa.String(16), primary_key=True),
    sa.Column("digest", sa.LargeBinary(32), primary_key=True),
    sa.Column(
        "customer_id",
        sa.String(24),
        sa.ForeignKey("customers.id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
    ),
)

import_runs = sa.Table(
    "import_runs",
    metadata,
    sa.Column("id", sa.String(24), primary_key=True),
    sa.Column("source", sa.String(255), nullable=False),
    sa.Column("sha256", sa.String(64), nullable=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("started_at", UTCDateTime, nullable=False),
    sa.Column("finished_at", UTCDateTime, nullable=True),
    sa.Column("last_line", sa.Integer, nullable=False, server_default="0"),
    sa.Column("rows_imported", sa.Integer, nullable=False, server_default="0"),
    sa.Column("rows_flagged", sa.Integer, nullable=False, server_default="0"),
    sa.Column("rows_rejected", sa.Integer, nullable=False, server_default="0"),
)
