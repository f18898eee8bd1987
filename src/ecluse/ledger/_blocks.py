"""Bulk leaf checks for verification: one query per block of entries, pipelined on threads.

For a block ``[start, stop)`` the database returns every stored leaf hash at once, with either
the block's leaves as newline-joined text (SQLite: they are then completed and hashed here by
C-level maps) or its own verdict that every leaf hashes to its stored hash (PostgreSQL:
``sha256`` on the server). A block passes only when it has all ``stop - start``
rows and every leaf matches; any other block is scanned row by row by the caller, which names
what is wrong. So this module may be fast and strict: it never decides that anything is bad.

The queries run on reader threads with their own connections while this thread hashes:
SQLite and psycopg release the GIL while the database works, so the two cores both work.
"""

from __future__ import annotations

import hashlib
import threading
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.pool import SingletonThreadPool, StaticPool

__all__ = ["PG_LEAF", "SQLITE_LEAF", "read_blocks"]

# The leaf text built by the database itself: several times faster than fetching the columns
# and formatting them in Python. JSON string escaping in SQLite's json_quote and PostgreSQL's
# to_json matches json.dumps(ensure_ascii=False); any entry whose hash does not match is
# re-checked with the Python definition (leaf_bytes) before it is called changed.
SQLITE_LEAF = (
    "'{\"actor\":' || json_quote(actor) || ',\"case_id\":' || json_quote(case_id)"
    " || ',\"details\":' || details || ',\"index\":' || idx"
    " || ',\"kind\":' || json_quote(kind) || ',\"subject\":' || json_quote(subject)"
    # SQLAlchemy stores SQLite datetimes as 'YYYY-MM-DD HH:MM:SS.ffffff' (naive UTC here).
    " || ',\"time\":\"' || replace(time, ' ', 'T') || 'Z\"}'"
)
PG_LEAF = (
    "'{\"actor\":' || to_json(actor)::text"
    " || ',\"case_id\":' || coalesce(to_json(case_id)::text, 'null')"
    " || ',\"details\":' || details || ',\"index\":' || idx::text"
    " || ',\"kind\":' || to_json(kind)::text"
    " || ',\"subject\":' || coalesce(to_json(subject)::text, 'null')"
    ' || \',"time":"\''
    " || to_char(time AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') || '\"}'"
)

# One aggregate of each row's leaf in two newline-separated pieces, the text before and after
# the index: building the whole leaf in SQL costs a third more, splitting it into single values
# costs more in Python. No quoted value, canonical details or stored time holds a newline, so
# splitting gives two pieces per row; a tampered value with a newline gives a wrong count and
# the block goes the slow way. A rowid range is scanned in rowid order (an ORDER BY subquery
# costs a third more); any other order would only fail the comparison.
_SQLITE_BLOCK = (
    "SELECT count(*), CAST(group_concat("
    "json_quote(actor) || ',\"case_id\":' || json_quote(case_id) || ',\"details\":' || details"
    " || char(10) || json_quote(kind) || ',\"subject\":' || json_quote(subject)"
    # SQLAlchemy stores SQLite datetimes as 'YYYY-MM-DD HH:MM:SS.ffffff' (naive UTC here).
    " || ',\"time\":\"' || replace(time, ' ', 'T'), char(10)) AS BLOB),"
    " CAST(group_concat(leaf_hash, '') AS BLOB)"
    " FROM ledger_entries WHERE idx >= ? AND idx < ?"
)
# The leaf hash input (0x00 prefix included) around the two pieces: the bytes of leaf_bytes().
_LEAF = b'\x00{"actor":%s,"index":%d,"kind":%sZ"}'

_PG_BLOCK = (
    "SELECT count(*),"
    f" bool_and(sha256('\\x00'::bytea || convert_to({PG_LEAF}, 'UTF8')) = leaf_hash),"
    " string_agg(leaf_hash, ''::bytea ORDER BY idx)"
    " FROM ledger_entries WHERE idx >= %s AND idx < %s"
)

_sha256 = hashlib.sha256
_digest = type(_sha256()).digest

Leaves = list[bytes] | None
"""The block's leaf hashes when the whole block checked out, else None."""


def _sqlite_fetch(cursor: Any, start: int, stop: int) -> Any:
    return cursor.execute(_SQLITE_BLOCK, (start, stop)).fetchone()


def _sqlite_leaves(row: Any, start: int, stop: int) -> Leaves:
    n, values, stored = row
    if n != stop - start or n == 0:
        return None
    pieces = values.split(b"\n")
    if len(pieces) != 2 * n:
        return None
    it = iter(pieces)  # zip takes each row's two pieces in turn, the index in between
    rows = zip(it, range(start, stop), it, strict=True)
    hashes = list(map(_digest, map(_sha256, map(_LEAF.__mod__, rows))))
    return hashes if b"".join(hashes) == stored else None


def _pg_fetch(cursor: Any, start: int, stop: int) -> Any:
    cursor.execute(_PG_BLOCK, (start, stop))
    return cursor.fetchone()


def _pg_leaves(row: Any, start: int, stop: int) -> Leaves:
    n, all_match, stored = row
    if n != stop - start or n == 0 or not all_match or len(stored) != 32 * n:
        return None
    stored = bytes(stored)
    return [stored[i : i + 32] for i in range(0, 32 * n, 32)]


# Per dialect: the query (run on reader threads: the database works without the GIL), the
# check (run on the caller's thread, so the threads hardly contend for the GIL) and how many
# reader threads. SQLite gets one: two SQLite queries at once spent three times the CPU (most
# likely contending on its global allocator mutex); one reader keeps pace with the hashing thread.
# PostgreSQL's server processes run in parallel, so two queries at once pay.
_Fetch = Callable[[Any, int, int], Any]
_Check = Callable[[Any, int, int], Leaves]
_DIALECTS: dict[str, tuple[_Fetch, _Check, int]] = {
    "sqlite": (_sqlite_fetch, _sqlite_leaves, 1),
    "postgresql": (_pg_fetch, _pg_leaves, 2),
}


class _Connections:
    """One raw DBAPI connection per reading thread, all given back at the end."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._local = threading.local()
        self._lock = threading.Lock()
        self._open: list[Any] = []

    def cursor(self) -> Any:
        cur = getattr(self._local, "cursor", None)
        if cur is None:
            raw = self._engine.raw_connection()
            with self._lock:
                self._open.append(raw)
            cur = self._local.cursor = raw.cursor()
        return cur

    def close(self) -> None:
        for raw in self._open:
            # Our SQLite connections are in autocommit; a PostgreSQL read opened a
            # transaction that returning the connection to the pool rolls back.
            raw.close()
        self._open.clear()


def _on_thread(fetch: _Fetch, conns: _Connections, a: int, b: int) -> Any:
    return fetch(conns.cursor(), a, b)


def read_blocks(
    engine: Engine, spans: Sequence[tuple[int, int]]
) -> Iterator[tuple[tuple[int, int], Leaves]]:
    """``((start, stop), leaves)`` for each span in order; ``leaves`` None means go row by row."""
    if engine.dialect.name not in _DIALECTS:
        for span in spans:
            yield span, None
        return
    fetch, leaves, threads = _DIALECTS[engine.dialect.name]
    conns = _Connections(engine)
    # An in-memory SQLite database exists once per connection: read it on this thread only.
    if isinstance(engine.pool, SingletonThreadPool | StaticPool):
        threads = 0
    try:
        if threads == 0 or len(spans) == 1:
            for a, b in spans:
                yield (a, b), leaves(fetch(conns.cursor(), a, b), a, b)
            return
        with ThreadPoolExecutor(threads, thread_name_prefix="ledger-verify") as pool:
            pending: deque[tuple[tuple[int, int], Future[Any]]] = deque()
            for a, b in spans:
                pending.append(((a, b), pool.submit(_on_thread, fetch, conns, a, b)))
                if len(pending) > threads:  # one block ahead per thread: bounded memory
                    (c, d), fut = pending.popleft()
                    yield (c, d), leaves(fut.result(), c, d)
            while pending:
                (c, d), fut = pending.popleft()
                yield (c, d), leaves(fut.result(), c, d)
    finally:
        conns.close()
