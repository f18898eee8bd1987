"""Engine creation with the pragmas each backend needs, and migrations."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection, Engine

__all__ = [
    "bulk_insert",
    "create_engine",
    "is_sqlite",
    "migrate",
    "reading",
    "run_outside_transaction",
    "utcnow",
]

_MIGRATIONS = Path(__file__).with_name("migrations")


def utcnow() -> datetime:
    """Timezone-aware current time in UTC (stored naive-UTC on SQLite, timestamptz on PG)."""
    return datetime.now(UTC)


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def create_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url``; SQLite gets WAL, FULL sync, foreign keys and a busy timeout."""
    if url.startswith("sqlite"):
        if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url, connect_args={"timeout": 30}, **kwargs)

        @sa.event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            # Python's sqlite3 opens transactions lazily; we want SQLAlchemy to drive them.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            # FULL: an acknowledged commit survives power loss, not only a process crash.
            cur.execute("PRAGMA synchronous=FULL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        @sa.event.listens_for(engine, "begin")
        def _begin(conn: Any) -> None:
            # Writers take the write lock up front, so two transactions never deadlock on a
            # lock upgrade; read-only connections (see `reading`) don't block writers.
            read_only = conn.get_execution_options().get("ecluse_read_only", False)
            conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    kwargs.setdefault("pool_pre_ping", True)
    return sa.create_engine(url, **kwargs)


def reading(engine: Engine) -> Connection:
    """A connection for reads only: on SQLite it does not take the write lock."""
    return engine.connect().execution_options(ecluse_read_only=True)


def run_outside_transaction(engine: Engine, sql: str) -> None:
    """Run one statement with no transaction open (SQLite pragmas such as wal_checkpoint)."""
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute(sql)
        cursor.close()
    finally:
        raw.close()


def migrate(engine: Engine) -> None:
    """Bring the database schema to the newest revision of every domain branch."""
    cfg = Config()
    cfg.set_main_option("script_location", str(_MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "heads")


def bulk_insert(conn: Connection, table: sa.Table, rows: list[tuple[Any, ...]]) -> None:
    """Insert many rows through the driver's ``executemany`` (no per-row SQLAlchemy work).

    ``rows`` are tuples in the table's column order. Bulk paths (imports, the ledger) use this:
    SQLAlchemy's per-row parameter processing costs more than SQLite's insert itself.
    Only for columns whose Python values the driver takes as they are (no TypeDecorators).
    """
    names = ", ".join(c.name for c in table.columns)
    markers = ", ".join(["?"] * len(table.columns))
    bulk_execute(conn, f"INSERT INTO {table.name} ({names}) VALUES ({markers})", rows)


def bulk_execute(conn: Connection, sql: str, rows: list[tuple[Any, ...]]) -> None:
    """Run ``sql`` once per row through the driver's ``executemany``.

    ``sql`` uses ``?`` markers whatever the driver, and holds no literal ``?`` or ``%``.
    """
    if not rows:
        return
    if conn.dialect.paramstyle != "qmark":
        sql = sql.replace("?", "%s")
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.executemany(sql, rows)
    finally:
        cursor.close()
