"""Scanning a range of the log: rebuild every leaf, check its hash, fold the subtree.

:func:`scan_range` is the inner loop of verification; it runs in this process, or in worker
processes on aligned chunks of the log (:func:`scan_in_worker`), and returns what the merge in
:mod:`ecluse.ledger._verify` needs: the range's compact range, its state at each checkpoint
size, and what was wrong.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from ecluse.ledger._entries import leaf_bytes
from ecluse.ledger._tables import entries

__all__ = ["Chunk", "scan_in_worker", "scan_range"]

_PAGE = 20_000
_KEEP = 10_000  # problems kept per chunk; the report shows the first 100


@dataclass
class Chunk:
    """What one scanned range ``[start, stop)`` gave."""

    start: int
    stop: int
    hashes: list[bytes] = field(default_factory=list)  # compact range of its leaves
    at_checkpoints: dict[int, list[bytes]] = field(default_factory=dict)  # size -> compact range
    problems: list[tuple[int, str]] = field(default_factory=list)
    changed: list[int] = field(default_factory=list)
    first_gap: int | None = None
    rechecked: int = 0


# The leaf text built by the database itself: several times faster than fetching the columns
# and formatting them in Python. JSON string escaping in SQLite's json_quote and PostgreSQL's
# to_json matches json.dumps(ensure_ascii=False); any entry whose hash does not match is
# re-checked with the Python definition (leaf_bytes) before it is called changed.
_SQLITE_LEAF = (
    "'{\"actor\":' || json_quote(actor) || ',\"case_id\":' || json_quote(case_id)"
    " || ',\"details\":' || details || ',\"index\":' || idx"
    " || ',\"kind\":' || json_quote(kind) || ',\"subject\":' || json_quote(subject)"
    # SQLAlchemy stores SQLite datetimes as 'YYYY-MM-DD HH:MM:SS.ffffff' (naive UTC here).
    " || ',\"time\":\"' || replace(time, ' ', 'T') || 'Z\"}'"
)
_PG_LEAF = (
    "'{\"actor\":' || to_json(actor)::text"
    " || ',\"case_id\":' || coalesce(to_json(case_id)::text, 'null')"
    " || ',\"details\":' || details || ',\"index\":' || idx::text"
    " || ',\"kind\":' || to_json(kind)::text"
    " || ',\"subject\":' || coalesce(to_json(subject)::text, 'null')"
    ' || \',"time":"\''
    " || to_char(time AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') || '\"}'"
)


def _pages(engine: Engine, start: int, stop: int) -> tuple[bool, Iterator[Sequence[Any]]]:
    """Pages of ``(idx, leaf_text, stored_hash)``, or on PostgreSQL of ``(idx, stored_hash,
    hash_matches)`` with the hashing done by the server (in parallel with this process)."""
    name = engine.dialect.name
    if name == "sqlite":
        sql = (
            f"SELECT idx, {_SQLITE_LEAF}, leaf_hash FROM ledger_entries"
            f" WHERE idx >= {start} AND idx < {stop} ORDER BY idx"
        )
        return False, _raw_sqlite(engine, sql)
    if name == "postgresql":
        sql = (
            f"SELECT idx, leaf_hash, sha256('\\x00'::bytea || convert_to({_PG_LEAF}, 'UTF8'))"
            f" = leaf_hash FROM ledger_entries WHERE idx >= {start} AND idx < {stop} ORDER BY idx"
        )
        return True, _sa_pages(engine, sa.text(sql))
    return False, _python_pages(engine, start, stop)


def _raw_sqlite(engine: Engine, sql: str) -> Iterator[Sequence[Any]]:
    # Our engine opens every transaction with BEGIN IMMEDIATE, which would hold the write lock
    # for the whole pass; one autocommit SELECT is its own consistent WAL snapshot.
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute(sql)
        while page := cur.fetchmany(_PAGE):
            yield page
        cur.close()
    finally:
        raw.close()


def _sa_pages(engine: Engine, stmt: Any) -> Iterator[Sequence[Any]]:
    with engine.connect() as conn:
        result = conn.execution_options(yield_per=_PAGE).execute(stmt)
        for part in result.partitions():
            yield [tuple(r) for r in part]


_COLS = (
    entries.c.idx,
    entries.c.time,
    entries.c.kind,
    entries.c.actor,
    entries.c.subject,
    entries.c.case_id,
    entries.c.details,
)


def _python_leaf(row: Any) -> bytes:
    return leaf_bytes(row[0], row[1], row[2], row[3], row[4], row[5], row[6])


def _python_pages(engine: Engine, start: int, stop: int) -> Iterator[Sequence[Any]]:
    stmt = (
        sa.select(*_COLS, entries.c.leaf_hash)
        .where(entries.c.idx >= start, entries.c.idx < stop)
        .order_by(entries.c.idx)
    )
    for page in _sa_pages(engine, stmt):
        yield [(r[0], _python_leaf(r).decode(), r[7]) for r in page]


def _recheck(engine: Engine, index: int) -> tuple[bytes, bool]:
    """The Python definition of the leaf, for an entry whose database-built hash differed."""
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(*_COLS, entries.c.leaf_hash).where(entries.c.idx == index)
        ).one()
    digest = hashlib.sha256(b"\x00" + _python_leaf(row)).digest()
    return digest, digest == bytes(row[7])


def scan_range(
    engine: Engine,
    start: int,
    stop: int,
    checkpoint_sizes: Sequence[int] = (),
    progress: Any = None,
) -> Chunk:
    """Rebuild and check every leaf in ``[start, stop)`` and fold them into a subtree."""
    chunk = Chunk(start, stop)
    wanted = sorted((s for s in checkpoint_sizes if start < s <= stop), reverse=True)
    sha = hashlib.sha256
    stack = chunk.hashes
    expected = start
    intact = True
    server_hashed, pages = _pages(engine, start, stop)
    for page in pages:
        for idx, a, b in page:
            if idx != expected:
                if len(chunk.problems) < _KEEP:
                    chunk.problems.append(
                        (expected, f"missing (entries {expected}..{idx - 1} are gone)")
                    )
                if chunk.first_gap is None:
                    chunk.first_gap = expected
                intact = False
                expected = idx
            if server_hashed:
                h, ok = a, b
            else:
                h = sha(b"\x00" + a.encode()).digest()
                ok = h == b
            if not ok and len(chunk.problems) < _KEEP:  # a wholesale rewrite stays bounded
                chunk.rechecked += 1
                h, ok = _recheck(engine, idx)
                if not ok:
                    chunk.problems.append(
                        (idx, "changed: its content no longer hashes to its stored leaf hash")
                    )
                    chunk.changed.append(idx)
            expected += 1
            if intact:
                s = expected - start - 1  # leaves already folded in
                while s & 1:
                    h = sha(b"\x01" + stack.pop() + h).digest()
                    s >>= 1
                stack.append(h)
                if wanted and wanted[-1] == expected:
                    chunk.at_checkpoints[wanted.pop()] = list(stack)
        if progress is not None:
            progress(expected - start)
    if expected < stop:
        chunk.problems.append((expected, f"missing (entries {expected}..{stop - 1} are gone)"))
        if chunk.first_gap is None:
            chunk.first_gap = expected
    return chunk


_worker_engines: dict[str, Engine] = {}


def scan_in_worker(url: str, start: int, stop: int, checkpoint_sizes: list[int]) -> Chunk:
    """:func:`scan_range` in a worker process, on its own engine for ``url``."""
    from ecluse.db import create_engine  # a fresh engine per worker process, made once

    engine = _worker_engines.get(url)
    if engine is None:
        engine = _worker_engines[url] = create_engine(url)
    return scan_range(engine, start, stop, checkpoint_sizes)
