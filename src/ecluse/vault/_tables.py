"""Vault tables. Nothing here holds clear personal data except the CRM's external id."""

from __future__ import annotations

import sqlalchemy as sa

from ecluse.db import UTCDateTime, metadata

__all__ = ["INDEX_KEY", "customer_index", "customers", "import_runs"]

INDEX_KEY = "uq_customer_index_entry"

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
    # The customer's AES-256-GCM data key, wrapped by the KEK named kek_id; both NULL once
    # erased. In the row rather than a table of its own: one B-tree insert less per customer.
    sa.Column("kek_id", sa.String(16), nullable=True),
    sa.Column("wrapped", sa.LargeBinary, nullable=True),
    # The (kind, digest) entries this customer has in customer_index, so they can be removed
    # by primary key: an index on customer_index.customer_id cost 6-7 random B-tree inserts
    # per imported customer. HMACs only, never values.
    sa.Column("index_keys", sa.LargeBinary, nullable=True),
)

customer_index = sa.Table(
    "customer_index",
    metadata,
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("digest", sa.LargeBinary(32), nullable=False),
    sa.Column(
        "customer_id",
        sa.String(24),
        sa.ForeignKey("customers.id", ondelete="CASCADE"),
        nullable=False,
    ),
    # The key, as an index rather than a primary key: a first load on SQLite drops it and
    # creates it once at the end (see Vault.first_load); a primary key cannot be dropped.
    sa.Index(INDEX_KEY, "kind", "digest", "customer_id", unique=True),
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
