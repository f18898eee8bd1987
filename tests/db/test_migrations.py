"""The migrations build exactly ``ecluse.db.metadata``, on both backends.

The ``db_url`` fixture hands out copies of a database migrated once per session; these tests
make sure that database is what the migrations build from nothing, that it matches the tables
the code declares, and that each test starts with it empty.
"""

from __future__ import annotations

import importlib
import pkgutil
import uuid
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from psycopg import sql
from sqlalchemy.engine import Engine

import ecluse
from ecluse.db import create_engine, metadata, migrate
from ecluse.vault._seal import unpack_index_keys

from ..conftest import PG_URL, pg_url_for

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
MIGRATIONS = Path(ecluse.__file__).parent / "db" / "migrations"


def _declared_metadata() -> sa.MetaData:
    """``metadata`` with every domain's ``_tables`` module imported (new domains included)."""
    for module in pkgutil.iter_modules(ecluse.__path__):
        if (Path(ecluse.__path__[0]) / module.name / "_tables.py").exists():
            importlib.import_module(f"ecluse.{module.name}._tables")
    return metadata


def _differences(engine: Engine) -> list[Any]:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diffs = compare_metadata(context, _declared_metadata())
    return list(diffs)


def _names(value: str | Sequence[str] | None) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(value or ())


def _assert_every_revision_applied(engine: Engine) -> None:
    """The recorded versions, with everything below them (parents and ``depends_on``), are
    every revision there is: ``alembic_version`` only keeps the tips."""
    script = ScriptDirectory(str(MIGRATIONS))
    with engine.connect() as conn:
        todo = list(conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalars())
    applied: set[str] = set()
    while todo:
        rev = script.get_revision(todo.pop())
        assert rev is not None
        if rev.revision not in applied:
            applied.add(rev.revision)
            todo += [*_names(rev.down_revision), *_names(rev.dependencies)]
    assert applied == {rev.revision for rev in script.walk_revisions()}


@pytest.fixture
def fresh_engine(db_url: str, tmp_path: Path) -> Iterator[Engine]:
    """An engine on a database nothing has touched, on the backend of ``db_url``: a new SQLite
    file or a new PG schema."""
    if db_url.startswith("sqlite"):
        eng = create_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
        yield eng
        eng.dispose()
        return
    schema = f"m_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    eng = create_engine(pg_url_for(schema))
    yield eng
    eng.dispose()
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))


def _contents(engine: Engine) -> dict[str, list[str]]:
    """Every row of every declared table, and where each sequence stands."""
    found: dict[str, list[str]] = {}
    with engine.connect() as conn:
        for table in _declared_metadata().sorted_tables:
            found[table.name] = sorted(repr(tuple(r)) for r in conn.execute(table.select()))
        if engine.dialect.name == "postgresql":
            found["(sequences)"] = sorted(
                repr(tuple(r))
                for r in conn.execute(
                    sa.text(
                        "SELECT sequencename, last_value FROM pg_sequences"
                        " WHERE schemaname = current_schema()"
                    )
                )
            )
        else:
            has_sequences = conn.execute(
                sa.text("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_sequence'")
            ).scalar_one()
            if has_sequences:
                rows = conn.execute(sa.text("SELECT name, seq FROM sqlite_sequence"))
                found["(sequences)"] = sorted(repr(tuple(r)) for r in rows)
    return found


def test_migrations_from_nothing_build_exactly_the_declared_tables(fresh_engine: Engine) -> None:
    """GIVEN an untouched database WHEN every migration runs THEN an autogenerate compare with
    the declared metadata finds no difference, and every revision is recorded."""
    migrate(fresh_engine)
    assert _differences(fresh_engine) == []
    _assert_every_revision_applied(fresh_engine)


@pytest.mark.parametrize("round_", [1, 2])
def test_each_test_starts_where_the_migrations_leave_it(
    engine: Engine, fresh_engine: Engine, round_: int
) -> None:
    """GIVEN a previous test that wrote, deleted and rolled back rows and drew sequence numbers
    WHEN the next test starts THEN its database matches the declared tables, is at every
    revision, and holds exactly what a fresh migration holds, sequences included (run twice, so
    that one of the two follows the other)."""
    migrate(fresh_engine)
    assert _differences(engine) == []
    _assert_every_revision_applied(engine)
    assert _contents(engine) == _contents(fresh_engine), f"round {round_}"

    # Leave a mess for the next test: new rows, seeded rows gone, used sequences.
    tables = _declared_metadata().tables
    vendor = {
        "name": "Atlas",
        "contract_start": NOW,
        "countries": ["MA"],
        "status": "active",
        "created_at": NOW,
    }
    with engine.begin() as conn:
        conn.execute(tables["org_vendors"].insert().values(vendor))
        conn.execute(tables["ledger_head"].delete())
    with engine.connect() as conn:
        conn.execute(tables["org_vendors"].insert().values({**vendor, "name": "Vlaanderen"}))
        if engine.dialect.name == "postgresql":
            conn.execute(
                sa.text(
                    "SELECT nextval(format('%I.%I', schemaname, sequencename)) FROM pg_sequences"
                    " WHERE schemaname = current_schema()"
                )
            ).all()
        conn.rollback()


def _upgrade(engine: Engine, target: str) -> None:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, target)


def test_keys_and_index_entries_move_into_the_customer_row(fresh_engine: Engine) -> None:
    """GIVEN a vault at 0011 with customers, wrapped keys and blind-index entries in their own
    tables WHEN 0012 runs THEN each customer row holds its wrapped key and its own entries, the
    entries stay where look-ups find them, and an erased customer (no key) stays keyless."""
    _upgrade(fresh_engine, "0011_vault_without_rowid")
    stamp = "2026-01-05 09:00:00" if fresh_engine.dialect.name == "sqlite" else NOW
    with fresh_engine.begin() as conn:
        for cid in ("cbbbb", "cdddd"):
            conn.execute(
                sa.text(
                    "INSERT INTO customers (id, external_id, invalid_fields, created_at,"
                    " updated_at) VALUES (:cid, :cid, '', :at, :at)"
                ),
                {"cid": cid, "at": stamp},
            )
        conn.execute(
            sa.text("INSERT INTO customer_keys VALUES ('cbbbb', 'k1', :w)"), {"w": b"wrapped"}
        )
        entries = [("email", b"\x01" * 32), ("phone", b"\x02" * 32), ("phone", b"\x03" * 32)]
        for kind, digest in entries:
            conn.execute(
                sa.text("INSERT INTO customer_index VALUES (:k, :d, 'cbbbb')"),
                {"k": kind, "d": digest},
            )
    migrate(fresh_engine)
    assert _differences(fresh_engine) == []
    with fresh_engine.connect() as conn:
        rows = conn.execute(
            sa.text("SELECT id, kek_id, wrapped, index_keys FROM customers ORDER BY id")
        ).all()
        index = conn.execute(sa.text("SELECT kind, digest FROM customer_index ORDER BY 1, 2"))
        assert [(k, bytes(d)) for k, d in index] == entries
    (cid, kek, wrapped, keys), (other, *nothing) = rows
    assert (cid, kek, bytes(wrapped)) == ("cbbbb", "k1", b"wrapped")
    assert unpack_index_keys(bytes(keys)) == entries
    assert (other, nothing) == ("cdddd", [None, None, None])
