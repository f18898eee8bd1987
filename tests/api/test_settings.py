"""``[api]`` settings: validated, and where the direct routes run."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from ecluse.api import ApiSettings
from ecluse.errors import ConfigError


@pytest.mark.parametrize(
    ("url", "setting", "inline"),
    [
        ("sqlite:///data/ecluse.db", "auto", True),
        ("postgresql+psycopg://ecluse@127.0.0.1:5432/ecluse", "auto", True),
        ("postgresql+psycopg://ecluse@localhost/ecluse", "auto", True),
        ("postgresql+psycopg:///ecluse?host=/var/run/postgresql", "auto", True),
        ("postgresql+psycopg://ecluse@db.operator.example:5432/ecluse", "auto", False),
        ("postgresql+psycopg://ecluse@10.0.3.7/ecluse", "auto", False),
        ("postgresql+psycopg://ecluse@db.operator.example/ecluse", "always", True),
        ("sqlite:///data/ecluse.db", "never", False),
    ],
)
def test_direct_routes_run_inline_only_next_to_a_local_database(
    url: str, setting: str, inline: bool
) -> None:
    """GIVEN a database URL and ``inline_reads`` WHEN the API decides where the case view's
    reads run THEN on the event loop only for SQLite or a PostgreSQL server on this machine
    (unless forced): a remote server's round trips would block the loop."""
    engine = sa.create_engine(url)  # never connected
    assert ApiSettings({"inline_reads": setting}, "ecluse.toml").inline(engine) is inline


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"inline_reads": "sometimes"}, 'inline_reads: expected "auto", "always" or "never"'),
        ({"inline_reads": True}, 'inline_reads: expected "auto", "always" or "never"'),
        ({"max_body_bytes": 0}, "max_body_bytes: expected a whole number >= 1"),
        ({"secure_cookie": "yes"}, "secure_cookie: expected true or false"),
        ({"workers": 2}, "workers: unknown setting"),
    ],
)
def test_bad_api_settings_name_the_file_and_key(table: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message) as caught:
        ApiSettings(table, "/etc/ecluse/ecluse.toml")
    assert str(caught.value).startswith("/etc/ecluse/ecluse.toml: [api] ")
