"""Engine creation with the pragmas each backend needs, and migrations."""

from __future__ import annotations

import threading
import time
from collections import namedtuple
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection, Engine

__all__ = [
    "Prebuilt",
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
    """An engine for ``url``; SQLite gets WAL, FULL sync, foreign keys and a busy timeout.

    Its errors never quote bound values (``hide_parameters``): SQLAlchemy would otherwise
    append them (a login's e-mail address, a reason typed by an analyst) to the message of
    any failed statement, and from there to tracebacks and logs.
    """
    kwargs.setdefault("hide_parameters", True)
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
            # On the driver: SQLAlchemy's own execution path cost more than the BEGIN.
            conn.connection.driver_connection.execute("BEGIN" if read_only else "BEGIN IMMEDIATE")

        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    engine = sa.create_engine(url, **kwargs)
    if "pool_pre_ping" not in kwargs:
        _ping_when_idle(engine)
    return engine


# A pooled connection unused this long is pinged before use (the server may have restarted).
_PING_AFTER_IDLE = 5.0


def _ping_when_idle(engine: Engine) -> None:
    """Pessimistic disconnect handling without a round trip per checkout.

    ``pool_pre_ping`` pinged on every checkout: three round trips per case view (token, view,
    ledger). A connection back in the pool for more than ``_PING_AFTER_IDLE`` seconds is
    pinged, and replaced if dead; one in constant use is not, as its last use just succeeded.
    """

    @sa.event.listens_for(engine, "checkin")
    def _checkin(_dbapi_conn: Any, record: Any) -> None:
        record.info["ecluse_idle_since"] = time.monotonic()

    @sa.event.listens_for(engine, "checkout")
    def _checkout(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get("ecluse_idle_since")
        if since is not None and time.monotonic() - since > _PING_AFTER_IDLE:
            try:
                engine.dialect.do_ping(dbapi_conn)
            except engine.dialect.loaded_dbapi.Error as exc:
                raise sa.exc.DisconnectionError("stale pooled connection") from exc


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


def marker(dialect: sa.Dialect) -> str:
    """The driver's positional parameter marker, for SQL written by hand for the driver."""
    return "?" if dialect.paramstyle == "qmark" else "%s"


def bulk_execute(conn: Connection, sql: str, rows: list[tuple[Any, ...]]) -> None:
    """Run ``sql`` once per row through the driver's ``executemany``.

    ``sql`` uses ``?`` markers whatever the driver, and holds no literal ``?`` or ``%``.
    """
    if not rows:
        return
    if (mark := marker(conn.dialect)) != "?":
        sql = sql.replace("?", mark)
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.executemany(sql, rows)
    finally:
        cursor.close()


_Processor = Callable[[Any], Any]


class Prebuilt:
    """A ``SELECT`` compiled once per dialect and run on the driver's cursor.

    For the per-request reads (credential, case, customer row): SQLAlchemy's work per execution
    (cache key, execution context, events, result metadata) cost several times the query on
    SQLite. Parameters and columns go through their types' bind and result processing (UTC
    datetimes, JSON) as SQLAlchemy would apply it; rows are named tuples. No expanding ``IN``.
    """

    def __init__(self, stmt: sa.Select[Any]) -> None:
        self._stmt = stmt
        self._row = namedtuple("_Row", stmt.selected_columns.keys(), rename=True)  # type: ignore[misc]
        self._built: dict[str, _Built] = {}
        self._lock = threading.Lock()

    def first(self, target: Engine | Connection, params: dict[str, Any]) -> Any | None:
        """The first row (a named tuple) or ``None``; ``target`` an engine (a pooled connection
        is checked out for this one query) or a connection (inside its transaction, if any)."""
        if isinstance(target, Connection):
            return self._first(target.connection.driver_connection, target.dialect, params)
        raw = target.raw_connection()
        try:
            driver: Any = raw.driver_connection
            if target.dialect.name != "postgresql":
                return self._first(driver, target.dialect, params)
            # One statement needs no transaction: psycopg would open one (BEGIN) and the pool
            # end it (ROLLBACK), two more round trips than the query itself.
            driver.autocommit = True
            try:
                return self._first(driver, target.dialect, params)
            finally:
                driver.autocommit = False
        finally:
            raw.close()

    def _first(self, driver: Any, dialect: sa.Dialect, params: dict[str, Any]) -> Any | None:
        built = self._built.get(dialect.name) or self._build(dialect)
        cur = driver.cursor()
        try:
            cur.execute(built.sql, built.bind(params))
            row = cur.fetchone()
        finally:
            cur.close()
        if row is None:
            return None
        if built.results:
            row = list(row)
            for i, process in built.results:
                row[i] = process(row[i])
        return self._row(*row)

    def _build(self, dialect: sa.Dialect) -> _Built:
        with self._lock:
            compiled = self._stmt.compile(dialect=dialect)
            binds: dict[str, _Processor | None] = {
                name: bind.type._cached_bind_processor(dialect)
                for name, bind in compiled.binds.items()
            }
            results: list[tuple[int, _Processor]] = [
                (i, process)
                for i, col in enumerate(self._stmt.selected_columns)
                if (process := col.type._cached_result_processor(dialect, None)) is not None
            ]
            built = _Built(compiled.string, compiled.positiontup, binds, results)
            self._built[dialect.name] = built
            return built


class _Built:
    __slots__ = ("binds", "order", "results", "sql")

    def __init__(
        self,
        sql: str,
        order: list[str] | None,
        binds: dict[str, _Processor | None],
        results: list[tuple[int, _Processor]],
    ) -> None:
        self.sql, self.order, self.binds, self.results = sql, order, binds, results

    def bind(self, params: dict[str, Any]) -> Any:
        values = {
            name: process(params[name]) if (process := self.binds[name]) else params[name]
            for name in self.binds
        }
        return values if self.order is None else tuple(values[name] for name in self.order)
