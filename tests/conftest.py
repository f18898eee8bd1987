"""Fixtures shared by every test package.

Storage tests take ``db_url`` (or a fixture built on it) and run twice: on SQLite and on
PostgreSQL. The PostgreSQL run uses ``ECLUSE_TEST_PG_URL`` (default
``postgresql://postgres@127.0.0.1:5432/test``) with a fresh schema per test. Without a server
those runs are skipped with a loud notice, unless ``ECLUSE_REQUIRE_PG=1`` (as in CI), which
turns the skip into a failure.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from sqlalchemy.engine import Engine

from ecluse.db import create_engine, migrate
from ecluse.installation import Installation, init_installation

PG_URL = os.environ.get("ECLUSE_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
REQUIRE_PG = os.environ.get("ECLUSE_REQUIRE_PG") == "1"
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
    msg = f"PostgreSQL not reachable at {PG_URL}: {_pg_state.get('why')}"
    if REQUIRE_PG:
        pytest.fail(msg + " (ECLUSE_REQUIRE_PG=1)")
    _pg_state["skipped"] = int(_pg_state.get("skipped", 0)) + 1  # type: ignore[call-overload]
    pytest.skip(msg)


@pytest.fixture(scope="session")
def pg_server_url() -> str:
    require_pg()
    return PG_URL


@pytest.fixture(params=["sqlite", "pg"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database URL for an empty database: a SQLite file, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'ecluse.db'}"
        return
    require_pg()
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    sep = "&" if "?" in PG_URL else "?"
    yield f"{PG_URL}{sep}options={quote(f'-csearch_path={schema}')}"
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def pg_schema(url: str) -> str | None:
    """The schema a PG test URL's ``search_path`` points at (None for SQLite)."""
    if not url.startswith("postgresql"):
        return None
    from urllib.parse import parse_qs, unquote, urlsplit

    options = parse_qs(urlsplit(url).query).get("options", [""])[0]
    return unquote(options).removeprefix("-csearch_path=") or None


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """A migrated engine on SQLite or PostgreSQL."""
    eng = create_engine(db_url)
    migrate(eng)
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


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _pg_state.get("skipped"):
        bar = "!" * 78
        terminalreporter.write_line(bar, red=True, bold=True)
        terminalreporter.write_line(
            f"PostgreSQL tests SKIPPED ({_pg_state['skipped']}): {_pg_state.get('why')}",
            red=True,
            bold=True,
        )
        terminalreporter.write_line(
            "Start it: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start",
            red=True,
        )
        terminalreporter.write_line(bar, red=True, bold=True)
