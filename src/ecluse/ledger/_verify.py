"""Full verification: one streaming pass that recomputes every leaf, the tree and checkpoints."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy.engine import Engine

from ecluse.ledger._checkpoint import verify_checkpoint
from ecluse.ledger._entries import leaf_bytes
from ecluse.ledger._merkle import CompactRange
from ecluse.ledger._read import Progress, all_checkpoints
from ecluse.ledger._tables import entries, head

__all__ = ["Problem", "VerifyReport", "verify_ledger"]

_PAGE = 20_000
_MAX_PROBLEMS = 100


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


def _pages(engine: Engine, total: int) -> tuple[bool, Iterator[Sequence[Any]]]:
    """Pages of ``(idx, leaf_text, stored_hash)``, or on PostgreSQL of ``(idx, stored_hash,
    hash_matches)`` with the hashing done by the server (in parallel with this process)."""
    name = engine.dialect.name
    if name == "sqlite":
        sql = (
            f"SELECT idx, {_SQLITE_LEAF}, leaf_hash FROM ledger_entries"
            f" WHERE idx < {total} ORDER BY idx"
        )
        return False, _raw_sqlite(engine, sql)
    if name == "postgresql":
        sql = (
            f"SELECT idx, leaf_hash, sha256('\\x00'::bytea || convert_to({_PG_LEAF}, 'UTF8'))"
            f" = leaf_hash FROM ledger_entries WHERE idx < {total} ORDER BY idx"
        )
        return True, _sa_pages(engine, sa.text(sql))
    return False, _python_pages(engine, total)


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


def _python_pages(engine: Engine, total: int) -> Iterator[Sequence[Any]]:
    stmt = (
        sa.select(*_COLS, entries.c.leaf_hash).where(entries.c.idx < total).order_by(entries.c.idx)
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


def verify_ledger(
    engine: Engine, public_key: Ed25519PublicKey, progress: Progress | None = None
) -> VerifyReport:
    """Recompute every leaf hash from the stored columns and the tree from those hashes.

    Checks, in one pass in index order: no index is missing; every entry's canonical bytes
    hash to its stored leaf hash (a changed, swapped or moved row fails here, at its index);
    the tree at each checkpoint's size has the signed root; every signature verifies; the
    head row agrees. A row rewritten *with* a recomputed leaf hash shows up as a root that no
    longer matches the next checkpoint; the report then names the range since the last
    matching checkpoint, starting at its first index.
    """
    rep = VerifyReport()
    with engine.connect() as conn:
        hrow = conn.execute(sa.select(head).where(head.c.id == 1)).one()
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
    pending = list(cps)
    pending.reverse()  # pop() from the end gives the smallest size first

    sha = hashlib.sha256
    edge = CompactRange()
    stack = edge.hashes
    size = 0  # leaves in the tree so far == next expected index while the tree is intact
    good_cp = 0  # size of the last checkpoint whose root matched
    leaf_bad_since_cp = False
    tree_ok = True

    def check_checkpoints() -> None:
        nonlocal good_cp, leaf_bad_since_cp, tree_ok
        while pending and pending[-1].tree_size == size:
            cp = pending.pop()
            rep.checkpoints_checked += 1
            if not tree_ok:
                continue
            edge.size = size
            if edge.root() == cp.root_hash:
                good_cp = size
            else:
                if not leaf_bad_since_cp:
                    rep.add(
                        good_cp,
                        f"entries {good_cp}..{size - 1} no longer give the root signed at "
                        f"size {size}: one of them was rewritten along with its stored hash",
                    )
                tree_ok = False  # every later root includes the same damage
            leaf_bad_since_cp = False

    check_checkpoints()  # a checkpoint of the empty tree
    server_hashed, pages = _pages(engine, total)
    for page in pages:
        for idx, a, b in page:
            if idx != size:
                rep.add(size, f"missing (entries {size}..{idx - 1} are gone)")
                tree_ok = False
                size = idx
                while pending and pending[-1].tree_size <= size:
                    pending.pop()  # cannot be compared any more
            if server_hashed:
                h, ok = a, b
            else:
                h = sha(b"\x00" + a.encode()).digest()
                ok = h == b
            if not ok:
                rep.rechecked += 1
                h, ok = _recheck(engine, idx)
                if not ok:
                    rep.add(idx, "changed: its content no longer hashes to its stored leaf hash")
                    leaf_bad_since_cp = True
            if tree_ok:
                s = size
                while s & 1:
                    h = sha(b"\x01" + stack.pop() + h).digest()
                    s >>= 1
                stack.append(h)
            size += 1
            if pending and pending[-1].tree_size == size:
                check_checkpoints()
        rep.entries_checked = size
        if progress is not None:
            progress(size, total)
    edge.size = size
    if size < total:
        rep.add(size, f"missing (entries {size}..{total - 1} are gone)")
        tree_ok = False
    for cp in pending:
        rep.add(
            size, f"missing: the checkpoint of size {cp.tree_size} covers entries that are gone"
        )
    rep.root_hash = edge.root() if tree_ok else b""
    if tree_ok and edge.to_bytes() != bytes(hrow.frontier):
        rep.add(total, "the head row's right edge does not match the entries")
    rep.problems.sort(key=lambda p: p.index)
    return rep
