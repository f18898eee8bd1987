"""Storage: one SQLAlchemy engine, one metadata, Alembic migrations.

SQLite (WAL, synchronous=FULL) is the embedded default; PostgreSQL is the production database.
Each domain declares its tables on :data:`metadata` in its own ``_tables`` module and ships an
Alembic migration on its own branch (``branch_labels``) rooted at the base revision, so domains
evolve independently; :func:`migrate` upgrades every head.
"""

from __future__ import annotations

from ecluse.db._engine import (
    Prebuilt,
    Snapshot,
    bulk_execute,
    bulk_insert,
    create_engine,
    is_sqlite,
    marker,
    migrate,
    read_snapshot,
    reading,
    run_outside_transaction,
    utcnow,
)
from ecluse.db._meta import metadata
from ecluse.db._types import UTCDateTime

__all__ = [
    "Prebuilt",
    "Snapshot",
    "UTCDateTime",
    "bulk_execute",
    "bulk_insert",
    "create_engine",
    "is_sqlite",
    "marker",
    "metadata",
    "migrate",
    "read_snapshot",
    "reading",
    "run_outside_transaction",
    "utcnow",
]
