"""Vault: customers, their wrapped data keys, blind indexes, import runs.

Revision ID: 0002_vault
Revises: 0001_base
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ecluse.db import UTCDateTime

revision = "0002_vault"
down_revision = "0001_base"
branch_labels = ("vault",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "customers",
        sa.Column("id", sa.String(24), primary_key=True),
        sa.Column("external_id", sa.String(64), nullable=True),
        sa.Column("language", sa.String(2), nullable=True),
        sa.Column("record", sa.LargeBinary, nullable=True),
        sa.Column("invalid_fields", sa.String(200), nullable=False, server_default=""),
        sa.Column("import_run", sa.String(24), nullable=True),
        sa.Column("import_line", sa.Integer, nullable=True),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.Column("erased_at", UTCDateTime, nullable=True),
        sa.UniqueConstraint("external_id", name="uq_customers_external_id"),
    )
    op.create_table(
        "customer_keys",
        sa.Column(
            "customer_id",
            sa.String(24),
            sa.ForeignKey("customers.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("kek_id", sa.String(16), nullable=False),
        sa.Column("wrapped", sa.LargeBinary, nullable=False),
    )
    op.create_index("ix_customer_keys_kek_id", "customer_keys", ["kek_id"])
    op.create_table(
        "customer_index",
        sa.Column("kind", sa.String(16), primary_key=True),
        sa.Column("digest", sa.LargeBinary(32), primary_key=True),
        sa.Column(
            "customer_id",
            sa.String(24),
            sa.ForeignKey("customers.id", ondelete="CASCADE"),
            primary_key=True,
        ),
    )
    op.create_index("ix_customer_index_customer_id", "customer_index", ["customer_id"])
    op.create_table(
        "import_runs",
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


def downgrade() -> None:
    for table in ("import_runs", "customer_index", "customer_keys", "customers"):
        op.drop_table(table)
