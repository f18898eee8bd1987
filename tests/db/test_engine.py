"""The engine and migrations work on both backends."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from ecluse.db import Prebuilt, UTCDateTime, migrate, utcnow


def test_migrate_is_idempotent(engine: Engine) -> None:
    migrate(engine)
    with engine.connect() as conn:
        versions = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalars().all()
    assert versions, "no revision recorded"


def test_sqlite_runs_in_wal_mode(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        return
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL


def test_a_connection_killed_while_idle_is_replaced_before_use(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        return
    other = engine.connect()
    with engine.connect() as conn:
        pid = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar()
    with other:
        other.exec_driver_sql(f"SELECT pg_terminate_backend({int(pid)})")
    # The killed connection is back in the pool; once it has been idle long enough, the
    # next checkout pings it, finds it dead and opens a new one instead of failing.
    for record in list(engine.pool._pool.queue):  # type: ignore[attr-defined]
        record.info["ecluse_idle_since"] -= 3600
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT pg_backend_pid()").scalar() != pid


def test_prebuilt_reads_as_sqlalchemy_does(engine: Engine) -> None:
    meta = sa.MetaData()
    table = sa.Table(
        "prebuilt_probe",
        meta,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", UTCDateTime, nullable=True),
        sa.Column("tags", sa.JSON, nullable=False),
    )
    meta.create_all(engine)
    try:
        now = utcnow()
        with engine.begin() as conn:
            conn.execute(table.insert(), [{"id": 1, "at": now, "tags": ["a", 1]}])
        query = sa.select(table.c.id, table.c.at, table.c.tags.label("labels")).where(
            table.c.at >= sa.bindparam("since"), table.c.id == sa.bindparam("id")
        )
        prebuilt = Prebuilt(query)
        with engine.connect() as conn:
            expected = conn.execute(query, {"since": now, "id": 1}).one()
            on_conn = prebuilt.first(conn, {"id": 1, "since": now})
        on_engine = prebuilt.first(engine, {"id": 1, "since": now})
        assert tuple(expected) == tuple(on_conn) == tuple(on_engine)
        assert on_engine.at == now and on_engine.labels == ["a", 1]
        assert prebuilt.first(engine, {"id": 2, "since": now}) is None
    finally:
        meta.drop_all(engine)


def test_a_failed_statement_does_not_quote_its_parameters(engine: Engine) -> None:
    # A failed statement's message goes to tracebacks and server logs: the values bound to
    # it (an e-mail address, a typed reason) must not come along.
    planted = "jan.planted-4af1@example.be"
    with pytest.raises(sa.exc.DBAPIError) as caught, engine.connect() as conn:
        query = sa.text("SELECT * FROM no_such_table WHERE email = :email")
        conn.execute(query, {"email": planted})
    assert planted not in str(caught.value)
    assert "no_such_table" in str(caught.value)  # the place is still named
