"""Fixtures shared by every test package.

Storage tests take ``db_url`` (or a fixture built on it) and run twice: on SQLite and on
PostgreSQL. Each test gets an empty database that is already fully migrated (it holds only the
rows the migrations seed), so a later ``migrate`` (``init_installation``, ``open_installation``,
a subprocess) is a no-op:

- SQLite: the migrations run once per session (per xdist worker) into a template file; each
  test gets its own copy of it.
- PostgreSQL (``ECLUSE_TEST_PG_URL``, default ``postgresql://postgres@127.0.0.1:5432/test``):
  each worker migrates one schema of its own once; before each test the tables the previous
  test filled are emptied, the rows the migrations seed put back and the sequences reset
  (``alembic_version`` stays).
  A test that changed the schema itself (tables, columns, constraints, indexes, triggers,
  functions, the recorded revisions) makes the next test start on a newly migrated schema.

``tests/db/test_migrations.py`` checks that the migrations build exactly ``ecluse.db.metadata``
on both backends, so the template cannot hide a broken migration.

Temporary directories (``tmp_path``, so the SQLite files) go to ``/dev/shm`` when it is a tmpfs
with room, since SQLite syncs every commit; ``ECLUSE_TEST_TMPFS=0`` keeps them in the default
temporary directory.

Without a PostgreSQL server the PG runs are skipped with a loud notice, unless
``ECLUSE_REQUIRE_PG=1`` (as in CI), which turns the skip into a failure.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, quote, unquote, urlsplit

import psycopg
import pytest
from psycopg import sql
from sqlalchemy.engine import Engine

from ecluse.db import create_engine, migrate, run_outside_transaction
from ecluse.installation import Installation, init_installation
from ecluse.keys import Keyring

PG_URL = os.environ.get("ECLUSE_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
REQUIRE_PG = os.environ.get("ECLUSE_REQUIRE_PG") == "1"
PG_SKIP_REASON = "PostgreSQL not reachable at"
# Tables bigger than this (bytes on disk) are truncated rather than emptied row by row.
_TRUNCATE_FROM = 1 << 20
_pg_state: dict[str, object] = {}


def pg_available() -> bool:
    if "up" not in _pg_state:
        try:
            psycopg.connect(PG_URL, connect_timeout=3).close()
            _pg_state["up"] = True
        except psycopg.OperationalError as exc:
            _pg_state["up"] = False
            _pg_state["why"] = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return bool(_pg_state["up"])


def require_pg() -> None:
    """Skip (locally) or fail (CI) when PostgreSQL is not reachable."""
    if pg_available():
        return
    msg = f"{PG_SKIP_REASON} {PG_URL}: {_pg_state.get('why')}"
    if REQUIRE_PG:
        pytest.fail(msg + " (ECLUSE_REQUIRE_PG=1)")
    pytest.skip(msg)


def pg_url_for(schema: str) -> str:
    """``PG_URL`` with its ``search_path`` pointing at ``schema``."""
    sep = "&" if "?" in PG_URL else "?"
    return f"{PG_URL}{sep}options={quote(f'-csearch_path={schema}')}"


def pg_schema(url: str) -> str | None:
    """The schema a PG test URL's ``search_path`` points at (None for SQLite)."""
    if not url.startswith("postgresql"):
        return None
    options = parse_qs(urlsplit(url).query).get("options", [""])[0]
    return unquote(options).removeprefix("-csearch_path=") or None


def migrate_url(url: str) -> None:
    """Run every migration on the database at ``url``."""
    eng = create_engine(url)
    try:
        migrate(eng)
        if eng.dialect.name == "sqlite":
            # Fold the WAL into the main file so that the file alone is the whole database.
            run_outside_transaction(eng, "PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        eng.dispose()


@pytest.fixture(scope="session")
def pg_server_url() -> str:
    require_pg()
    return PG_URL


# --- SQLite: one migrated template file per session, copied for each test -------------------


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    migrate_url(f"sqlite:///{path}")
    wal = Path(f"{path}-wal")
    # Checkpointed, then closed: the file alone holds everything, no WAL is half-written.
    assert not wal.exists() or wal.stat().st_size == 0, wal
    return path


# --- PostgreSQL: one migrated schema per worker, emptied before each test --------------------

# The schema's shape, to notice a test that altered it (then the next test gets a new schema).
# Looked up by the tables' oids, through the catalogs' indexes: cheap even on bloated catalogs.
_PG_FINGERPRINT = """
SELECT md5(coalesce(string_agg(x, '|' ORDER BY x), '')) FROM (
  SELECT 'n:' || count(*) AS x FROM pg_depend
   WHERE refclassid = 'pg_namespace'::regclass AND refobjid = %(ns)s::regnamespace
  UNION ALL
  SELECT 'c:' || c.oid || ':' || c.relname || ':' || c.relkind::text || ':' || c.relrowsecurity
    FROM pg_class c WHERE c.oid = ANY(%(oids)s)
  UNION ALL
  SELECT 'a:' || a.attrelid || '.' || a.attname || ':' || a.atttypid || ':' || a.atttypmod
         || ':' || a.attnotnull || ':' || a.atthasdef || ':' || a.attidentity::text
         || a.attgenerated::text
    FROM pg_attribute a WHERE a.attrelid = ANY(%(oids)s) AND a.attnum > 0 AND NOT a.attisdropped
  UNION ALL
  SELECT 'k:' || conrelid || ':' || conname || ':' || contype::text || ':' || convalidated
    FROM pg_constraint WHERE conrelid = ANY(%(oids)s)
  UNION ALL
  SELECT 'i:' || indrelid || ':' || indexrelid || ':' || indisunique || ':' || indisvalid
    FROM pg_index WHERE indrelid = ANY(%(oids)s)
  UNION ALL
  SELECT 't:' || tgrelid || ':' || tgname || ':' || tgenabled::text
    FROM pg_trigger WHERE tgrelid = ANY(%(oids)s) AND NOT tgisinternal
  UNION ALL
  SELECT 'v:' || version_num FROM {versions}
) parts
"""


class _PgSchemas:
    """The worker's migrated schema, and the admin connection that resets it.

    "Empty" means as the migrations leave it: the rows they seed (ledger head) are kept in a
    side schema and put back, and sequences return to the values they had after migrating.
    """

    def __init__(self) -> None:
        self._conn: psycopg.Connection[tuple[object, ...]] | None = None
        self._schema: str | None = None
        self._fingerprint = ""
        self._oids: list[int] = []  # every relation of the schema after migrating
        self._tables: list[str] = []  # empty after migrating
        self._seeded: dict[str, str] = {}  # holding rows after migrating -> digest of them
        self._sequences: dict[int, int | None] = {}  # oid -> last value after migrating
        self._created: list[str] = []

    def _admin(self) -> psycopg.Connection[tuple[object, ...]]:
        if self._conn is None or self._conn.closed or self._conn.broken:
            self._conn = psycopg.connect(PG_URL, autocommit=True)
            # A connection a test leaked inside a transaction must not hang the whole run.
            self._conn.execute("SET lock_timeout = '20s'")
        return self._conn

    def _fingerprint_of(self, schema: str) -> str:
        versions = sql.Identifier(schema, "alembic_version").as_string(self._admin())
        query = _PG_FINGERPRINT.format(versions=versions)
        row = self._admin().execute(query, {"ns": schema, "oids": self._oids}).fetchone()
        assert row is not None
        return str(row[0])

    def _digest(self, schema: str, table: str) -> sql.Composed:
        return sql.SQL(
            "(SELECT md5(coalesce(string_agg(r::text, '|' ORDER BY r::text), '')) FROM {} r)"
        ).format(sql.Identifier(schema, table))

    def _new_schema(self) -> str:
        conn = self._admin()
        schema = f"t_{uuid.uuid4().hex[:12]}"
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
        self._created.append(schema)
        migrate_url(pg_url_for(schema))
        self._tables, self._seeded = [], {}
        tables = conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = %s"
            " AND tablename <> 'alembic_version' ORDER BY tablename",
            (schema,),
        ).fetchall()
        for (name,) in tables:
            table = str(name)
            exists = sql.SQL("SELECT EXISTS (SELECT 1 FROM {})").format(
                sql.Identifier(schema, table)
            )
            row = conn.execute(exists).fetchone()
            if row is not None and row[0]:
                digest = conn.execute(sql.SQL("SELECT ") + self._digest(schema, table)).fetchone()
                assert digest is not None
                self._seeded[table] = str(digest[0])
            else:
                self._tables.append(table)
        seed = f"{schema}_seed"
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(seed)))
        self._created.append(seed)
        for table in self._seeded:
            conn.execute(
                sql.SQL("CREATE TABLE {} AS SELECT * FROM {}").format(
                    sql.Identifier(seed, table), sql.Identifier(schema, table)
                )
            )
        relations = conn.execute(
            "SELECT oid, CASE WHEN relkind = 'S' THEN pg_sequence_last_value(oid) END,"
            " relkind = 'S' FROM pg_class WHERE relnamespace = %s::regnamespace",
            (schema,),
        ).fetchall()
        self._oids = [int(str(oid)) for (oid, _, _) in relations]
        self._sequences = {
            int(str(oid)): None if last is None else int(str(last))
            for (oid, last, is_sequence) in relations
            if is_sequence
        }
        self._fingerprint = self._fingerprint_of(schema)
        self._schema = schema
        return schema

    def _changes(self, schema: str) -> list[tuple[str, str, int]]:
        """What the last test left, in one round trip: (``filled``, table, bytes on disk) for
        tables with rows, (``seeded``, table, 0) for altered seeded rows, (``sequences``, "", 0)
        when a sequence moved."""
        parts = [
            sql.SQL(
                "SELECT 'filled', {}, pg_relation_size({}) WHERE EXISTS (SELECT 1 FROM {})"
            ).format(
                sql.Literal(t),
                sql.Literal(sql.Identifier(schema, t).as_string(self._admin())),
                sql.Identifier(schema, t),
            )
            for t in self._tables
        ]
        parts += [
            sql.SQL("SELECT 'seeded', {}, 0 WHERE {} <> {}").format(
                sql.Literal(t), self._digest(schema, t), sql.Literal(digest)
            )
            for t, digest in self._seeded.items()
        ]
        if self._sequences:
            parts.append(
                sql.SQL(
                    "SELECT 'sequences', '', 0 WHERE EXISTS (SELECT 1 FROM"
                    " unnest({}::oid[], {}::bigint[]) m(oid, last)"
                    " WHERE pg_sequence_last_value(m.oid) IS DISTINCT FROM m.last)"
                ).format(
                    sql.Literal(list(self._sequences)), sql.Literal(list(self._sequences.values()))
                )
            )
        if not parts:
            return []
        rows = self._admin().execute(sql.SQL(" UNION ALL ").join(parts)).fetchall()
        return [(str(kind), str(name), int(str(size))) for (kind, name, size) in rows]

    def _empty(self, schema: str) -> None:
        """Back to the migrated state: clear what holds rows, put the seeded rows back.

        Small tables are emptied with DELETE (foreign-key triggers off for this transaction,
        since every table that holds rows is emptied): TRUNCATE gives each table new files and
        catalog rows, which costs more. Big ones are truncated, so dead rows don't pile up.
        """
        changes = self._changes(schema)
        if not changes:
            return
        big = [t for kind, t, size in changes if kind == "filled" and size > _TRUNCATE_FROM]
        small = [t for kind, t, _ in changes if kind in ("filled", "seeded") and t not in big]
        seeded = [t for kind, t, _ in changes if kind == "seeded"]
        # Test data: no need to wait for the WAL flush.
        steps: list[sql.Composable] = [sql.SQL("SET LOCAL synchronous_commit = off")]
        if big:
            steps.append(
                sql.SQL("TRUNCATE {} CASCADE").format(
                    sql.SQL(", ").join(sql.Identifier(schema, t) for t in big)
                )
            )
            seeded = list(self._seeded)  # CASCADE may have reached them
        if small:
            steps.append(sql.SQL("SET LOCAL session_replication_role = replica"))
            steps += [sql.SQL("DELETE FROM {}").format(sql.Identifier(schema, t)) for t in small]
        steps += [
            sql.SQL("INSERT INTO {} OVERRIDING SYSTEM VALUE SELECT * FROM {}").format(
                sql.Identifier(schema, t), sql.Identifier(f"{schema}_seed", t)
            )
            for t in seeded
        ]
        if any(kind == "sequences" for kind, _, _ in changes):
            # Also those of tables that are empty again (rolled back inserts).
            steps.append(
                sql.SQL(
                    "SELECT setval(s.seqrelid, coalesce(m.last, s.seqstart), m.last IS NOT NULL)"
                    " FROM pg_sequence s JOIN unnest({}::oid[], {}::bigint[]) m(oid, last)"
                    " ON m.oid = s.seqrelid"
                    " WHERE pg_sequence_last_value(s.seqrelid) IS DISTINCT FROM m.last"
                ).format(
                    sql.Literal(list(self._sequences)), sql.Literal(list(self._sequences.values()))
                )
            )
        conn = self._admin()
        with conn.transaction():
            conn.execute(sql.SQL("; ").join(steps))

    def checkout(self) -> str:
        """The URL of an empty, fully migrated schema for the next test."""
        schema = self._schema
        if schema is not None:
            try:
                if self._fingerprint_of(schema) == self._fingerprint:
                    self._empty(schema)
                    return pg_url_for(schema)
            except psycopg.Error:
                pass  # dropped, locked or otherwise unusable: start a new one
            self._drop(schema)
        return pg_url_for(self._new_schema())

    def _drop(self, schema: str) -> None:
        self._schema = None
        for name in (schema, f"{schema}_seed"):
            try:
                self._admin().execute(
                    sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(name))
                )
                self._created.remove(name)
            except psycopg.Error:
                pass  # still locked by a leaked connection: retried at the end of the session

    def close(self) -> None:
        if self._conn is None:
            return
        for schema in [s for s in self._created if not s.endswith("_seed")]:
            self._drop(schema)
        self._conn.close()


@pytest.fixture(scope="session")
def _pg_schemas() -> Iterator[_PgSchemas]:
    schemas = _PgSchemas()
    yield schemas
    schemas.close()


@pytest.fixture(params=["sqlite", "pg"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database URL for an empty, fully migrated database: a SQLite file or a PG schema."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("_sqlite_template")
        db = tmp_path / "ecluse.db"
        shutil.copyfile(template, db)
        return f"sqlite:///{db}"
    require_pg()
    schemas: _PgSchemas = request.getfixturevalue("_pg_schemas")
    return schemas.checkout()


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """A migrated engine on SQLite or PostgreSQL."""
    eng = create_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def inst(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Installation]:
    """A fresh installation (config, keys, migrated database) on SQLite or PostgreSQL."""
    for var in (
        "ECLUSE_KEK",
        "ECLUSE_INDEX_KEY",
        "ECLUSE_SIGNING_KEY",
        "ECLUSE_SESSION_KEY",
        "ECLUSE_DATABASE_URL",
        "ECLUSE_ACTIVE_KEK",
        "ECLUSE_KEYS_DIR",
    ):
        monkeypatch.delenv(var, raising=False)
    data_dir = tmp_path / "data"
    installation = init_installation(data_dir, database_url=db_url)
    yield installation
    installation.close()


def _tmpfs_with_room(path: str, room: int) -> bool:
    try:
        mounts = Path("/proc/mounts").read_text(encoding="utf-8").splitlines()
        stat = os.statvfs(path)
    except OSError:
        return False
    on_tmpfs = any(m.split()[1:3] == [path, "tmpfs"] for m in mounts if len(m.split()) > 2)
    return on_tmpfs and os.access(path, os.W_OK) and stat.f_bavail * stat.f_frsize >= room


def pytest_configure(config: pytest.Config) -> None:
    # Test databases live under tmp_path, and SQLite syncs every commit (synchronous=FULL): about
    # 10 ms a commit on a loaded disk, 1 ms on tmpfs. A test survives no power cut either way,
    # so temporary directories go to /dev/shm when it has room (ECLUSE_TEST_TMPFS=0: they don't).
    # xdist workers inherit the controller's base directory.
    if config.option.basetemp or os.environ.get("PYTEST_DEBUG_TEMPROOT"):
        return
    if os.environ.get("ECLUSE_TEST_TMPFS") != "0" and _tmpfs_with_room("/dev/shm", 2 << 30):
        os.environ["PYTEST_DEBUG_TEMPROOT"] = "/dev/shm"


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # Under `--dist loadgroup`, the Spark tests share one worker, hence one JVM.
    if not config.pluginmanager.hasplugin("xdist"):
        return
    for item in items:
        if "spark" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.xdist_group("spark"))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    # Counted from the reports, which reach the controller under xdist too.
    reasons = [
        str(report.longrepr[2])
        for report in terminalreporter.stats.get("skipped", [])
        if isinstance(getattr(report, "longrepr", None), tuple)
        and PG_SKIP_REASON in str(report.longrepr[2])
    ]
    if not reasons:
        return
    bar = "!" * 78
    why = reasons[0].split(f"{PG_URL}: ", 1)[-1]
    terminalreporter.write_line(bar, red=True, bold=True)
    terminalreporter.write_line(
        f"PostgreSQL tests SKIPPED ({len(reasons)}): {why}", red=True, bold=True
    )
    terminalreporter.write_line(
        "Start it: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start",
        red=True,
    )
    terminalreporter.write_line(bar, red=True, bold=True)


@pytest.fixture
def keyring() -> Keyring:
    """An in-memory keyring with fresh random keys (one KEK, ``k1``)."""
    return Keyring.ephemeral()
