"""The ledger's tables: entries, signed checkpoints and the single-row head."""

from __future__ import annotations

import sqlalchemy as sa

from ecluse.db import UTCDateTime, metadata

__all__ = ["checkpoints", "entries", "head"]

# 64-bit everywhere; on SQLite exactly "INTEGER" so the key is the rowid itself: one B-tree
# instead of two, and verification reads the table in order without an index lookup.
_INDEX = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

entries = sa.Table(
    "ledger_entries",
    metadata,
    sa.Column("idx", _INDEX, primary_key=True, autoincrement=False),
    sa.Column("time", UTCDateTime, nullable=False, index=True),
    sa.Column("kind", sa.String(64), nullable=False, index=True),
    # No index on actor or case_id: spread over the log, they cost every append a random
    # B-tree insert (migration 0030); the subject index serves the "who saw my data" report.
    sa.Column("actor", sa.String(128), nullable=False),
    sa.Column("subject", sa.String(128), nullable=True, index=True),
    sa.Column("case_id", sa.String(128), nullable=True),
    # Canonical JSON text, not JSONB: PostgreSQL would reorder keys and lose the exact bytes.
    sa.Column("details", sa.Text, nullable=False),
    sa.Column("leaf_hash", sa.LargeBinary(32), nullable=False),
)

checkpoints = sa.Table(
    "ledger_checkpoints",
    metadata,
    sa.Column("tree_size", _INDEX, primary_key=True, autoincrement=False),
    sa.Column("root_hash", sa.LargeBinary(32), nullable=False),
    sa.Column("time", UTCDateTime, nullable=False),
    sa.Column("key_id", sa.String(64), nullable=False),
    sa.Column("signature", sa.LargeBinary(64), nullable=False),
)

# One row (id = 1): the next index and the tree's right edge. Locking it serialises index
# allocation across threads, processes and machines.
head = sa.Table(
    "ledger_head",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("tree_size", sa.BigInteger, nullable=False),
    sa.Column("frontier", sa.LargeBinary, nullable=False),
    sa.Column("checkpoint_size", sa.BigInteger, nullable=False),
    sa.Column("checkpoint_time", UTCDateTime, nullable=True),
)
