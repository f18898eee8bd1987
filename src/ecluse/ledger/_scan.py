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

from ecluse.ledger._blocks import PG_LEAF, SQLITE_LEAF, read_blocks
from ecluse.ledger._entries import leaf_bytes
from ecluse.ledger._merkle import CompactRange, tree_levels
from ecluse.ledger._tables import entries

__all__ = ["BLOCK", "Chunk", "scan_in_worker", "scan_range"]

_PAGE = 20_000
BLOCK = 1 << 14  # entries checked by one bulk query: amortises it, still pipelines
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


def _pages(engine: Engine, start: int, stop: int) -> tuple[bool, Iterator[Sequence[Any]]]:
    """Pages of ``(idx, leaf_text, stored_hash)``, or on PostgreSQL of ``(idx, stored_hash,
    hash_matches)`` with the hashing done by the server (in parallel with this process)."""
    name = engine.dialect.name
    if name == "sqlite":
        sql = (
            f"SELECT idx, {SQLITE_LEAF}, leaf_hash FROM ledger_entries"
            f" WHERE idx >= {start} AND idx < {stop} ORDER BY idx"
        )
        return False, _raw_sqlite(engine, sql)
    if name == "postgresql":
        sql = (
            f"SELECT idx, leaf_hash, sha256('\\x00'::bytea || convert_to({PG_LEAF}, 'UTF8'))"
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


class _Scan:
    """The running state of one range's scan: the next index due and the folded subtree."""

    def __init__(self, engine: Engine, chunk: Chunk, checkpoint_sizes: Sequence[int]) -> None:
        self.engine = engine
        self.chunk = chunk
        self.wanted = sorted(
            (s for s in checkpoint_sizes if chunk.start < s <= chunk.stop), reverse=True
        )
        self.tree = CompactRange()
        self.expected = chunk.start
        self.intact = True

    def _gap(self, upto: int) -> None:
        chunk = self.chunk
        if len(chunk.problems) < _KEEP:
            chunk.problems.append(
                (self.expected, f"missing (entries {self.expected}..{upto - 1} are gone)")
            )
        if chunk.first_gap is None:
            chunk.first_gap = self.expected
        self.intact = False
        self.expected = upto

    def block(self, start: int, stop: int, levels: list[list[bytes]]) -> None:
        """Rows ``[start, stop)``, all present and hashing to their stored leaf hashes."""
        if self.expected != start:
            self._gap(start)
        self.expected = stop
        wanted = self.wanted
        if not self.intact:
            while wanted and wanted[-1] <= stop:
                wanted.pop()
            return
        while wanted and wanted[-1] < stop:
            at = self.tree.copy()
            at.extend_levels(levels, wanted[-1] - start)
            self.chunk.at_checkpoints[wanted.pop()] = at.hashes
        self.tree.extend_levels(levels, stop - start)
        if wanted and wanted[-1] == stop:
            self.chunk.at_checkpoints[wanted.pop()] = list(self.tree.hashes)

    def rows(self, start: int, stop: int) -> None:
        """Rows ``[start, stop)`` one by one, naming each one missing or changed."""
        chunk = self.chunk
        sha = hashlib.sha256
        tree = self.tree
        wanted = self.wanted
        server_hashed, pages = _pages(self.engine, start, stop)
        for page in pages:
            for idx, a, b in page:
                if idx != self.expected:
                    self._gap(idx)
                if server_hashed:
                    h, ok = a, b
                else:
                    h = sha(b"\x00" + a.encode()).digest()
                    ok = h == b
                if not ok and len(chunk.problems) < _KEEP:  # a wholesale rewrite stays bounded
                    chunk.rechecked += 1
                    h, ok = _recheck(self.engine, idx)
                    if not ok:
                        chunk.problems.append(
                            (idx, "changed: its content no longer hashes to its stored leaf hash")
                        )
                        chunk.changed.append(idx)
                self.expected += 1
                if self.intact:
                    tree.append(h)
                    if wanted and wanted[-1] == self.expected:
                        chunk.at_checkpoints[wanted.pop()] = list(tree.hashes)

    def finish(self) -> Chunk:
        chunk = self.chunk
        if self.expected < chunk.stop:
            self._gap(chunk.stop)
        chunk.hashes = self.tree.hashes
        return chunk


def _spans(start: int, stop: int, block: int) -> list[tuple[int, int]]:
    """Spans of at most ``block`` entries, aligned on their size, smaller at both ends.

    The reader thread runs one block ahead of the hashing: nothing is hashed while the first
    block is read and nothing is read while the last is hashed. Starting at a sixteenth of a
    block and doubling, and halving again toward the end, keeps that idle time small (with
    16,384-entry blocks it was a sixth of a 100,000-entry pass).
    """
    least = max(1, block >> 4)
    out = []
    a, size = start, least
    while a < stop:
        s = size
        while s > least and stop - a < 2 * s:
            s >>= 1
        while (a - start) % s:  # a block's subtrees must be whole subtrees of the range
            s >>= 1
        out.append((a, min(a + s, stop)))
        a += s
        size = min(block, size << 1)
    return out


def scan_range(
    engine: Engine,
    start: int,
    stop: int,
    checkpoint_sizes: Sequence[int] = (),
    progress: Any = None,
    *,
    block: int = BLOCK,
) -> Chunk:
    """Rebuild and check every leaf in ``[start, stop)`` and fold them into a subtree.

    Blocks of ``block`` entries (a power of two) are checked in bulk (:mod:`._blocks`); a
    block that does not pass whole is scanned again row by row to name what is wrong.
    """
    if block < 1 or block & (block - 1):
        raise ValueError("the block size must be a power of two")
    scan = _Scan(engine, Chunk(start, stop), checkpoint_sizes)
    for (a, b), leaves in read_blocks(engine, _spans(start, stop, block)):
        if leaves is None:
            scan.rows(a, b)
        else:
            scan.block(a, b, tree_levels(leaves))
        if progress is not None:
            progress(b - start)
    return scan.finish()


_worker_engines: dict[str, Engine] = {}


def scan_in_worker(
    url: str, start: int, stop: int, checkpoint_sizes: list[int], block: int = BLOCK
) -> Chunk:
    """:func:`scan_range` in a worker process, on its own engine for ``url``."""
    from ecluse.db import create_engine  # a fresh engine per worker process, made once

    engine = _worker_engines.get(url)
    if engine is None:
        engine = _worker_engines[url] = create_engine(url)
    return scan_range(engine, start, stop, checkpoint_sizes, block=block)
