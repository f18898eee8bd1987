"""A first load on SQLite: the blind index's key is dropped for the import and built at the end.

Each customer brings ~5.6 blind-index entries (HMACs, spread evenly over the key space). Inserted
into a key-ordered B-tree, 5,000 customers per commit, they dirtied nearly one page each once
the index outgrew that, and SQLite writes every dirty page whole to its write-ahead log: the
writing process's cost per row doubled between the first and the tenth 100,000 customers of a
first load. With the key index dropped, entries are appended to the table in order of arrival
(a few pages per commit), and ``CREATE UNIQUE INDEX`` sorts them once at the end.

Only when the blind index is empty (a first load) or its key is already missing (a first load
stopped before its end, whose rerun takes over): look-ups still answer meanwhile, scanning the
table, and PostgreSQL, whose log records rows rather than pages, keeps its index throughout.
A load that dies (SIGKILL, power) leaves the key missing until the next import builds it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from ecluse.db import marker
from ecluse.vault._tables import INDEX_KEY, customer_index

__all__ = ["build_index_key", "delete_entries_scanning", "first_load"]

_CREATE_KEY = (
    f"CREATE UNIQUE INDEX IF NOT EXISTS {INDEX_KEY}"
    f" ON {customer_index.name} (kind, digest, customer_id)"
)
# Entries a row-value IN finds in one scan of the table: 3 parameters each, under SQLite's
# limit of 32,766 per statement.
_SCAN_BATCH = 10_000


def _has_key(conn: Connection) -> bool:
    found = conn.exec_driver_sql(
        "SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?", (INDEX_KEY,)
    ).first()
    return found is not None


@contextlib.contextmanager
def first_load(engine: Engine) -> Iterator[bool]:
    """Around an import: whether it is a first load, whose key index is then dropped until the
    import ends, however it ends short of the process dying."""
    first = _begin(engine)
    try:
        yield first
    finally:
        if first:
            build_index_key(engine)


def _begin(engine: Engine) -> bool:
    """Whether an import starting now is a first load; if so, the key index is now dropped."""
    if engine.dialect.name != "sqlite":
        return False
    with engine.begin() as conn:
        if _has_key(conn):
            if conn.exec_driver_sql(f"SELECT 1 FROM {customer_index.name} LIMIT 1").first():
                return False
            conn.exec_driver_sql(f"DROP INDEX {INDEX_KEY}")
    return True


def build_index_key(engine: Engine) -> None:
    """Create the key index if it is missing: one sorted pass over the entries."""
    if engine.dialect.name != "sqlite":
        return
    with engine.begin() as conn:
        if _has_key(conn):
            return
        try:
            with conn.begin_nested():
                conn.exec_driver_sql(_CREATE_KEY)
        except sa.exc.IntegrityError:
            # An entry twice: nothing in the vault writes one, but a key must not stay missing
            # for it. Keep the first copy of each.
            conn.exec_driver_sql(
                f"DELETE FROM {customer_index.name} WHERE rowid NOT IN (SELECT min(rowid)"
                f" FROM {customer_index.name} GROUP BY kind, digest, customer_id)"
            )
            conn.exec_driver_sql(_CREATE_KEY)


def delete_entries_scanning(conn: Connection, doomed: list[tuple[str, bytes, str]]) -> None:
    """Delete entries while the key index is missing: one scan of the table per batch, where
    one ``DELETE`` per entry would scan it once each."""
    mark = marker(conn.dialect)
    for at in range(0, len(doomed), _SCAN_BATCH):
        batch = doomed[at : at + _SCAN_BATCH]
        rows = ", ".join([f"({mark}, {mark}, {mark})"] * len(batch))
        conn.exec_driver_sql(
            f"DELETE FROM {customer_index.name} WHERE (kind, digest, customer_id) IN"
            f" (VALUES {rows})",
            tuple(v for entry in batch for v in entry),
        )
