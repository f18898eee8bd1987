"""Storage: one SQLAlchemy engine, one metadata, Alembic migrations.

SQLite (WAL, synchronous=FULL) is the embedded default; PostgreSQL is the production database.
Each domain declares its tables on :data:`metadata` in its own ``_tables`` module and ships an
Alembic migration on its own branch (``branch_labels``) rooted at the base revision, so domains
evolve independently; :func:`migrate` upgrades every head.
"""

from __future__ import annotations

from ecluse.db._engine import (
    Prebuilt,
    bulk_execute,
    bulk_insert,
    create_engine,
    is_sqlite,
    marker,
    migrate,
    reading,
    run_outside_transaction,
    utcnow,
)
from ecluse.db._meta import metadata
from ecluse.db._types import UTCDateTime

__all__ = [
    "Prebuilt",
    "UTCDateTime",
    "bulk_execute",
    "bulk_insert",
    "create_engine",
    "is_sqlite",
    "marker",
    "metadata",
    "migrate",
    "reading",
    "run_outside_transaction",
    "utcnow",
]
