"""Ledger: entries, signed checkpoints, head row.

Revision ID: 0003_ledger
Revises: 0001_base
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ecluse.db import UTCDateTime

revision = "0003_ledger"
down_revision = "0001_base"
branch_labels = ("ledger",)
depends_on = None

# 64-bit everywhere; on SQLite exactly "INTEGER" so the key is the rowid itself: one B-tree
# instead of two, and verification reads the table in order without an index lookup.
_INDEX = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "ledger_entries",
        sa.Column("idx", _INDEX, autoincrement=False, nullable=False),
        sa.Column("time", UTCDateTime, nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("subject", sa.String(128), nullable=True),
        sa.Column("case_id", sa.String(128), nullable=True),
        sa.Column("details", sa.Text, nullable=False),
        sa.Column("leaf_hash", sa.LargeBinary(32), nullable=False),
        sa.PrimaryKeyConstraint("idx", name="pk_ledger_entries"),
    )
    for col in ("time", "kind", "actor", "subject", "case_id"):
        op.create_index(f"ix_ledger_entries_{col}", "ledger_entries", [col])
    op.create_table(
        "ledger_checkpoints",
        sa.Column("tree_size", _INDEX, autoincrement=False, nullable=False),
        sa.Column("root_hash", sa.LargeBinary(32), nullable=False),
        sa.Column("time", UTCDateTime, nullable=False),
        sa.Column("key_id", sa.String(64), nullable=False),
        sa.Column("signature", sa.LargeBinary(64), nullable=False),
        sa.PrimaryKeyConstraint("tree_size", name="pk_ledger_checkpoints"),
    )
    head = op.create_table(
        "ledger_head",
        sa.Column("id", sa.Integer, autoincrement=False, nullable=False),
        sa.Column("tree_size", sa.BigInteger, nullable=False),
        sa.Column("frontier", sa.LargeBinary, nullable=False),
        sa.Column("checkpoint_size", sa.BigInteger, nullable=False),
        sa.Column("checkpoint_time", UTCDateTime, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_ledger_head"),
    )
    op.bulk_insert(
        head,
        [{"id": 1, "tree_size": 0, "frontier": b"", "checkpoint_size": 0, "checkpoint_time": None}],
    )


def downgrade() -> None:
    op.drop_table("ledger_head")
    op.drop_table("ledger_checkpoints")
    for col in ("time", "kind", "actor", "subject", "case_id"):
        op.drop_index(f"ix_ledger_entries_{col}", "ledger_entries")
    op.drop_table("ledger_entries")
