"""Full verification: recompute every leaf, the tree and every checkpoint; name the first fault.

Small logs are scanned in one streaming pass; large ones in aligned power-of-two chunks by
worker processes whose subtrees are then merged (each chunk is a perfect subtree of the
RFC 6962 tree, so the roots at checkpoint sizes follow from the chunks' compact ranges).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from multiprocessing import get_context
from typing import Any

import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy.engine import Engine

from ecluse.ledger._checkpoint import verify_checkpoint
from ecluse.ledger._merkle import EMPTY_ROOT, node_hash
from ecluse.ledger._read import Progress, all_checkpoints
from ecluse.ledger._scan import BLOCK, Chunk, scan_in_worker, scan_range
from ecluse.ledger._tables import entries, head

__all__ = ["Problem", "VerifyReport", "verify_ledger"]

_MAX_PROBLEMS = 100
_log = logging.getLogger(__name__)
_MIN_CHUNK = 1 << 16
# Below this a scan in this process, whose reader threads already keep both cores busy, beats
# starting worker processes (each imports SQLAlchemy and opens its own connections).
_MIN_PROCESS_LOG = 1 << 21


@dataclass(frozen=True, slots=True)
class Problem:
    index: int
    what: str

    def __str__(self) -> str:
        return f"entry {self.index}: {self.what}"


@dataclass
class VerifyReport:
    """What :func:`verify_ledger` found. ``problems`` is sorted by index, the first is first."""

    tree_size: int = 0
    entries_checked: int = 0
    checkpoints_checked: int = 0
    root_hash: bytes = b""
    rechecked: int = 0  # entries whose database-built leaf differed and were rebuilt in Python
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first_bad(self) -> Problem | None:
        return self.problems[0] if self.problems else None

    @property
    def first_bad_index(self) -> int | None:
        return self.problems[0].index if self.problems else None

    def add(self, index: int, what: str) -> None:
        if len(self.problems) < _MAX_PROBLEMS:
            self.problems.append(Problem(index, what))

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "tree_size": self.tree_size,
            "entries_checked": self.entries_checked,
            "checkpoints_checked": self.checkpoints_checked,
            "root_hash": self.root_hash.hex(),
            "first_bad_index": self.first_bad_index,
            "problems": [{"index": p.index, "what": p.what} for p in self.problems],
        }


class _NoHead:
    tree_size = 0
    frontier = b""


def _fold(hashes: Sequence[bytes]) -> bytes:
    """The root of a compact range (perfect subtrees, largest first)."""
    if not hashes:
        return EMPTY_ROOT
    r = hashes[-1]
    for h in reversed(hashes[:-1]):
        r = node_hash(h, r)
    return r


def _chunks(total: int, workers: int, chunk: int | None) -> list[tuple[int, int]]:
    if workers <= 1 or total == 0 or (chunk is None and total < _MIN_PROCESS_LOG):
        return [(0, total)]
    size = chunk or max(_MIN_CHUNK, 1 << ((total // (workers * 4)).bit_length()))
    if size & (size - 1):
        raise ValueError("the chunk size must be a power of two")
    return [(a, min(a + size, total)) for a in range(0, total, size)]


def _scan_all(
    engine: Engine,
    ranges: list[tuple[int, int]],
    cp_sizes: list[int],
    workers: int,
    progress: Progress | None,
    total: int,
    block: int,
) -> list[Chunk]:
    if len(ranges) == 1:
        a, b = ranges[0]
        cb = None if progress is None else (lambda done: progress(a + done, total))
        return [scan_range(engine, a, b, cp_sizes, cb, block=block)]
    url = engine.url.render_as_string(hide_password=False)
    # Not a plain fork: the caller may be a threaded server holding open connections. The
    # fork server imports the scanner once per process; later pools start in milliseconds.
    ctx = get_context("forkserver")
    ctx.set_forkserver_preload(["ecluse.ledger._scan"])
    try:
        with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
            futures = [pool.submit(scan_in_worker, url, a, b, cp_sizes, block) for a, b in ranges]
            out = []
            for fut in futures:
                out.append(fut.result())
                if progress is not None:
                    progress(out[-1].stop, total)
            return out
    except BrokenProcessPool:
        _log.warning("ledger: worker processes failed to start; verifying in this process")
        return _scan_all(engine, [(0, total)], cp_sizes, 1, progress, total, block)


def verify_ledger(
    engine: Engine,
    public_key: Ed25519PublicKey,
    progress: Progress | None = None,
    *,
    workers: int | None = None,
    chunk: int | None = None,
    block: int = BLOCK,
) -> VerifyReport:
    """Recompute every leaf hash from the stored columns and the tree from those hashes.

    Checks: no index is missing; every entry's canonical bytes hash to its stored leaf hash
    (a changed, swapped or moved row fails here, at its index); the tree at each checkpoint's
    size has the signed root; every signature verifies; the head row agrees. A row rewritten
    *with* a recomputed leaf hash shows up as a root that no longer matches the next
    checkpoint; the report then names the range since the last matching checkpoint, starting
    at its first index. ``workers`` > 1 scans aligned chunks of ``chunk`` entries (a power of
    two) in that many worker processes, for logs of over two million entries unless ``chunk``
    is given (smaller ones are faster in this process); like any multiprocessing it needs the
    main module guarded by ``if __name__ == "__main__"``.
    ``block`` (a power of two) is how many entries one bulk check reads (tests make it small).
    """
    rep = VerifyReport()
    with engine.connect() as conn:
        found = conn.execute(sa.select(head).where(head.c.id == 1)).first()
        # No head row: tables made without the migration; entries, if any, count as extra.
        hrow: Any = _NoHead() if found is None else found
        cps = all_checkpoints(conn)
        beyond = conn.execute(
            sa.select(sa.func.count()).where(entries.c.idx >= hrow.tree_size)
        ).scalar_one()
    total = int(hrow.tree_size)
    rep.tree_size = total
    for cp in cps:
        if not verify_checkpoint(cp, public_key):
            rep.add(cp.tree_size, f"checkpoint of size {cp.tree_size}: signature does not verify")
    if beyond:
        rep.add(total, f"{beyond} entries stored beyond the head's tree size {total}")
    if workers is None or workers < 1:
        workers = 1
    ranges = _chunks(total, workers, chunk)
    cp_sizes = [cp.tree_size for cp in cps]
    chunks = _scan_all(engine, ranges, cp_sizes, workers, progress, total, block)

    changed: list[int] = []
    first_gap: int | None = None
    for c in chunks:
        for index, what in c.problems:
            rep.add(index, what)
        changed.extend(c.changed)
        rep.rechecked += c.rechecked
        if first_gap is None:
            first_gap = c.first_gap
    rep.entries_checked = total if first_gap is None else first_gap

    # Merge: the chunks before the current one are perfect subtrees (their roots form the
    # upper compact range `top`); the root at size s is `top` + the chunk's state at s.
    top: list[bytes] = []
    top_size = 0  # chunks folded into `top`
    good_cp = 0
    tree_ok = True
    pending = sorted(cps, key=lambda c: c.tree_size, reverse=True)
    for c in chunks:
        while pending and pending[-1].tree_size <= c.stop:
            cp = pending.pop()
            rep.checkpoints_checked += 1
            s = cp.tree_size
            if not tree_ok or (first_gap is not None and s > first_gap):
                continue
            local = [] if s == c.start else c.at_checkpoints[s]
            if _fold(top + local) == cp.root_hash:
                good_cp = s
            else:
                if not any(good_cp <= i < s for i in changed):
                    rep.add(
                        good_cp,
                        f"entries {good_cp}..{s - 1} no longer give the root signed at "
                        f"size {s}: one of them was rewritten along with its stored hash",
                    )
                tree_ok = False  # every later root includes the same damage
        if c is not chunks[-1]:
            h = c.hashes[0] if len(c.hashes) == 1 else b""  # a full aligned chunk: one root
            n = top_size
            while n & 1:
                h = node_hash(top.pop(), h)
                n >>= 1
            top.append(h)
            top_size += 1
    for cp in pending:  # beyond the head: their entries are gone (or the head was rolled back)
        rep.checkpoints_checked += 1
        rep.add(
            total, f"missing: the checkpoint of size {cp.tree_size} covers entries that are gone"
        )
    final = top + chunks[-1].hashes
    if first_gap is None and tree_ok:
        rep.root_hash = _fold(final)
        if b"".join(final) != bytes(hrow.frontier):
            rep.add(total, "the head row's right edge does not match the entries")
    rep.problems.sort(key=lambda p: p.index)
    return rep
