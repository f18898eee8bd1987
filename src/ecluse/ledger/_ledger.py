"""The :class:`Ledger`: durable group-committed appends, signed checkpoints, reads, proofs."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import threading
import weakref
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from itertools import chain
from typing import Any, NamedTuple

import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy.engine import Connection, Engine

from ecluse.db import marker, utcnow
from ecluse.errors import EcluseError, InputError, NotFound
from ecluse.installation import Installation
from ecluse.ledger import _proofs, _read
from ecluse.ledger._checkpoint import SignedCheckpoint, key_id, sign_checkpoint
from ecluse.ledger._commit import GroupCommitter, Request
from ecluse.ledger._entries import Entry, NewEntry, format_time, leaf_bytes, prepare
from ecluse.ledger._merkle import CompactRange
from ecluse.ledger._proofs import ConsistencyProof, InclusionProof
from ecluse.ledger._tables import entries, head
from ecluse.ledger._turns import WriterTurns
from ecluse.ledger._verify import VerifyReport, verify_ledger
from ecluse.ledger._writer import LedgerWriterClient, WriterUnreachable, serve_writer

__all__ = ["Ledger", "ledger_for"]

_log = logging.getLogger(__name__)
_sha256 = hashlib.sha256
_INSERT_ROWS = 256  # 8 parameters a row: far below SQLite's and PostgreSQL's limits
_PG_COPY = (
    "COPY ledger_entries (idx, time, kind, actor, subject, case_id, details, leaf_hash) FROM STDIN"
)


class _Settler:
    """Settles one event loop's :meth:`Ledger.append_async` futures. A committed group wakes
    the loop once (one ``call_soon_threadsafe``, one write to its self-pipe) rather than once
    per entry; whatever commits before the loop runs the wake-up is settled by it too."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._lock = threading.Lock()
        self._due: list[tuple[asyncio.Future[Request], Request]] = []

    def settle(self, settled: asyncio.Future[Request], req: Request) -> None:
        """On the committing thread."""
        with self._lock:
            wake = not self._due
            self._due.append((settled, req))
        if wake:
            try:
                self._loop.call_soon_threadsafe(self._run)
            except RuntimeError:  # the loop is closed: nobody is waiting on it any more
                with self._lock:
                    self._due.clear()
                raise

    def _run(self) -> None:
        with self._lock:
            due, self._due = self._due, []
        for settled, req in due:
            if not settled.done():  # not if its caller was cancelled meanwhile
                settled.set_result(req)


class Ledger:
    """The installation's append-only Merkle log.

    ``append`` returns once the entry is committed (durable: SQLite ``synchronous=FULL``,
    PostgreSQL ``synchronous_commit``); concurrent callers in this process share one
    transaction, and the head row lock keeps several processes correct. A checkpoint is
    signed in the same transaction once ``checkpoint_every`` entries are unsigned or the last
    one is ``checkpoint_seconds`` old, and by a timer when appends stop.
    ``group_commit=False`` gives every call its own transaction (the benchmark's baseline).
    ``gather``: how long :meth:`append_async` entries wait for company before they are
    written, when they arrive more often than that (see :class:`GroupCommitter`).
    """

    def __init__(
        self,
        engine: Engine,
        signing_key: Ed25519PrivateKey,
        *,
        checkpoint_every: int = 1000,
        checkpoint_seconds: float = 60,
        group_commit: bool = True,
        gather: float = 0.004,
    ) -> None:
        if checkpoint_every < 1 or checkpoint_seconds <= 0:
            raise ValueError("checkpoint_every and checkpoint_seconds must be positive")
        self.engine = engine
        self._key = signing_key
        self.public_key: Ed25519PublicKey = signing_key.public_key()
        self.key_id = key_id(self.public_key)
        self.checkpoint_every = checkpoint_every
        self.checkpoint_seconds = checkpoint_seconds
        self._committer = GroupCommitter(self._write, enabled=group_commit, gather=gather)
        self._settlers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Settler] = (
            weakref.WeakKeyDictionary()
        )
        self._sqlite = engine.dialect.name == "sqlite"
        self._turns = WriterTurns(engine.url.database if self._sqlite else None)
        mark = marker(engine.dialect)
        row = f"({', '.join([mark] * 8)})"
        # SQLite: one statement per power of two of rows (up to 256), so a batch is a few
        # statements (PostgreSQL takes a batch in one COPY).
        self._insert_sql = {
            n: "INSERT INTO ledger_entries (idx, time, kind, actor, subject, case_id, details,"
            f" leaf_hash) VALUES {', '.join([row] * n)}"
            for n in (1 << k for k in range(_INSERT_ROWS.bit_length()))
            if self._sqlite
        }
        lock = "" if self._sqlite else " FOR UPDATE"  # SQLite: BEGIN IMMEDIATE locked it
        self._head_sql = (
            "SELECT tree_size, frontier, checkpoint_size, checkpoint_time FROM ledger_head"
            f" WHERE id = 1{lock}"
        )
        self._insert_head_sql = (
            "INSERT INTO ledger_head (id, tree_size, frontier, checkpoint_size)"
            f" VALUES (1, 0, {mark}, 0)"
        )
        self._insert_checkpoint_sql = (
            "INSERT INTO ledger_checkpoints (tree_size, root_hash, time, key_id, signature)"
            f" VALUES ({', '.join([mark] * 5)})"
        )
        self._update_head_sql = (
            f"UPDATE ledger_head SET tree_size = {mark}, frontier = {mark},"
            f" checkpoint_size = {mark}, checkpoint_time = {mark} WHERE id = 1"
        )
        self._writer: LedgerWriterClient | None = None
        self._timer: threading.Timer | None = None
        self._timer_lock = threading.Lock()
        self._closed = False
        # A pending timer must not reconnect to an engine its owner has disposed (tests drop
        # whole schemas); the weak reference lets an unused ledger be collected.
        ref = weakref.ref(self)

        def _disposed(_engine: Engine) -> None:
            led = ref()
            if led is not None:
                led._cancel_timer()

        sa.event.listen(engine, "engine_disposed", _disposed)

    # -- appending -----------------------------------------------------------------------
    def append(self, entry: NewEntry) -> int:
        """Append one entry; returns its index once it is durably committed."""
        # append_many's loop without the loop: this is the hot call, once per access.
        kind, details = prepare(entry, where="ledger entry 1")
        return self._committer.submit(Request([(kind, details, entry)], utcnow()))[0]

    async def append_async(self, entry: NewEntry) -> int:
        """:meth:`append` for a caller on an event loop: the loop's thread does not wait.

        The entry joins the next group commit like any other; the coroutine resumes once it
        is durably committed, so a caller that shows data only after this returns keeps the
        ledger's promise (no access shown that is not recorded). A cancelled caller's entry
        is written all the same.
        """
        kind, details = prepare(entry, where="ledger entry 1")
        if self._writer is not None:
            try:
                return await self._writer.append(
                    kind, details, entry.actor, entry.subject, entry.case_id, entry.time or utcnow()
                )
            except WriterUnreachable:
                pass  # nothing was sent: appended below (the client has logged the outage)
        loop = asyncio.get_running_loop()
        settled: asyncio.Future[Request] = loop.create_future()

        settler = self._settlers.get(loop)
        if settler is None:
            settler = self._settlers.setdefault(loop, _Settler(loop))

        def notify(req: Request) -> None:  # on the committing thread
            settler.settle(settled, req)

        self._committer.submit_async(Request([(kind, details, entry)], utcnow(), notify))
        req = await settled
        if req.error is not None:
            raise req.error
        return req.indices[0]

    def use_writer(self, path: str | None) -> None:
        """Send :meth:`append_async` entries to the writer process listening at ``path``
        (:meth:`serve_writer`), which commits every worker's entries together; None: commit
        them in this process. :meth:`append` and :meth:`append_many` always commit here."""
        self._writer = None if path is None else LedgerWriterClient(path)

    async def disconnect_writer(self) -> None:
        """Close this event loop's connection to the writer process (before the loop closes)."""
        if self._writer is not None:
            await self._writer.disconnect()

    def serve_writer(self, listener: Any, stop: threading.Event) -> int:
        """Be the writer process's ledger: commit what workers send to ``listener`` (a bound,
        listening Unix socket) until ``stop`` is set; returns how many transactions it wrote.
        See :mod:`ecluse.ledger._writer`."""
        return serve_writer(self._write, listener, stop, gather=self._committer.gather)

    def append_many(self, new_entries: Iterable[NewEntry]) -> list[int]:
        """Append entries atomically, in order; returns their indexes once committed.

        Every entry is validated first: one bad entry (bad kind, clear personal data)
        raises :class:`InputError` naming it and nothing is appended.
        """
        items = []
        for n, e in enumerate(new_entries):
            kind, details = prepare(e, where=f"ledger entry {n + 1}")
            items.append((kind, details, e))
        if not items:
            return []
        return self._committer.submit(Request(items, utcnow()))

    def _write(self, batch: list[Request]) -> None:
        now = utcnow()
        with self._turns.turn():
            size, cp_size = self._write_batch(batch, now)
        if size > cp_size:
            self._arm_timer()

    def _write_batch(self, batch: list[Request], now: datetime) -> tuple[int, int]:
        """Write ``batch`` in one transaction; the new tree size and last checkpoint's size."""
        # The pool's DBAPI connection driven by hand, prebuilt SQL on the driver's cursor:
        # SQLAlchemy's Connection, transaction and begin hook cost the leader, holding the
        # GIL, ~140 us of CPU per transaction against ~30 (measured at load average 7).
        raw = self.engine.raw_connection()
        try:
            cur = raw.cursor()
            if self._sqlite:
                cur.execute("BEGIN IMMEDIATE")  # as the engine's begin hook does
            row = self._locked_head(cur)
            size: int = row.tree_size
            edge = _edge(row)
            rows = []
            sha = _sha256
            sqlite = self._sqlite
            for req in batch:
                for kind, details, e in req.items:
                    t = e.time or req.time
                    ts = format_time(t)
                    leaf = leaf_bytes(size, ts, kind, e.actor, e.subject, e.case_id, details)
                    digest = sha(b"\x00" + leaf).digest()
                    edge.append(digest)
                    stored_time = _sqlite_time(ts) if sqlite else t
                    rows.append(
                        (size, stored_time, kind, e.actor, e.subject, e.case_id, details, digest)
                    )
                    req.indices.append(size)
                    size += 1
            self._insert(cur, rows)
            cp_size: int = row.checkpoint_size
            cp_time = _utc(row.checkpoint_time)
            if size - cp_size >= self.checkpoint_every or (
                cp_time is not None and (now - cp_time).total_seconds() >= self.checkpoint_seconds
            ):
                cp_time = self._insert_checkpoint(cur, size, edge.root(), now).time
                cp_size = size
            stored_cp = _sqlite_time(format_time(cp_time)) if sqlite and cp_time else cp_time
            cur.execute(self._update_head_sql, (size, edge.to_bytes(), cp_size, stored_cp))
            cur.close()
            raw.commit()
        finally:
            raw.close()  # back to the pool, which rolls back whatever did not commit
        return size, cp_size

    def _insert(self, cur: Any, rows: list[tuple[Any, ...]]) -> None:
        if not self._sqlite:
            # COPY: psycopg formats the rows in C and the server skips a statement per row
            # (executemany pipelined one INSERT per entry, adapting its values in Python).
            with cur.copy(_PG_COPY) as copy:
                for row in rows:
                    copy.write_row(row)
            return
        # Multi-row INSERTs, not executemany: SQLite's executemany steps once per row and
        # releases the GIL each time, so under load the leader waited for it once per entry.
        done = 0
        while done < len(rows):
            n = min(_INSERT_ROWS, 1 << ((len(rows) - done).bit_length() - 1))
            cur.execute(self._insert_sql[n], list(chain.from_iterable(rows[done : done + n])))
            done += n

    @property
    def commits(self) -> int:
        """Append transactions this object has committed (for measuring group sizes)."""
        return self._committer.commits

    # -- checkpoints ---------------------------------------------------------------------
    def _insert_checkpoint(
        self, cur: Any, size: int, root: bytes, now: datetime
    ) -> SignedCheckpoint:
        cp = sign_checkpoint(self._key, size, root, now)
        t = _sqlite_time(format_time(cp.time)) if self._sqlite else cp.time
        cur.execute(self._insert_checkpoint_sql, (size, root, t, cp.key_id, cp.signature))
        return cp

    def _locked_head(self, cur: Any) -> _Head:
        """The head row, locked until the transaction ends (serialises index allocation)."""
        cur.execute(self._head_sql)
        found = cur.fetchone()
        if found is not None:
            return _Head(*found)
        # Tables made without the migration (metadata.create_all): start an empty log, but
        # never silently restart one that has entries.
        cur.execute("SELECT count(*) FROM ledger_entries")
        if cur.fetchone()[0]:
            raise EcluseError("the ledger head row is missing: run 'ecluse ledger verify'")
        cur.execute(self._insert_head_sql, (b"",))
        return _Head(0, b"", 0, None)

    def checkpoint(self) -> SignedCheckpoint:
        """Sign the current tree now (or return the checkpoint that already covers it)."""
        with self._turns.turn(), self.engine.begin() as conn:
            cur = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
            row = self._locked_head(cur)
            existing = _read.checkpoint_at(conn, row.tree_size)
            if existing is not None:
                return existing
            root = _edge(row).root()
            cp = self._insert_checkpoint(cur, row.tree_size, root, utcnow())
            conn.execute(
                sa.update(head)
                .where(head.c.id == 1)
                .values(checkpoint_size=cp.tree_size, checkpoint_time=cp.time)
            )
            stored = _read.checkpoint_at(conn, row.tree_size)
        assert stored is not None
        return stored

    def latest_checkpoint(self) -> SignedCheckpoint | None:
        with self.engine.connect() as conn:
            return _read.latest_checkpoint(conn)

    def checkpoints(self) -> list[SignedCheckpoint]:
        with self.engine.connect() as conn:
            return _read.all_checkpoints(conn)

    def _arm_timer(self) -> None:
        with self._timer_lock:
            if self._timer is not None or self._closed:
                return
            self._timer = threading.Timer(self.checkpoint_seconds, self._on_timer)
            self._timer.daemon = True
            self._timer.start()

    def _on_timer(self) -> None:
        with self._timer_lock:
            self._timer = None
            if self._closed:
                return
        try:
            self.checkpoint()
        except Exception as exc:  # a timer thread has nobody to raise to
            _log.warning("ledger: scheduled checkpoint failed: %s", type(exc).__name__)

    def _cancel_timer(self) -> None:
        with self._timer_lock:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None

    def close(self) -> None:
        """Stop the checkpoint timer and the commit helper for good (entries are always
        committed already)."""
        with self._timer_lock:
            self._closed = True
        self._cancel_timer()
        self._committer.close()
        self._turns.close()

    # -- reading -------------------------------------------------------------------------
    def size(self) -> int:
        with self.engine.connect() as conn:
            return int(_head_row(conn).tree_size)

    def root(self) -> bytes:
        """The root hash of the whole tree as it stands."""
        with self.engine.connect() as conn:
            row = _head_row(conn)
        return _edge(row).root()

    def entry(self, index: int) -> Entry:
        found = self.entries(start=index, stop=index + 1)
        if not found:
            raise NotFound(f"ledger entry {index} does not exist")
        return found[0]

    def entries(
        self,
        *,
        kind: str | Sequence[str] | None = None,
        actor: str | None = None,
        subject: str | None = None,
        case_id: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        start: int | None = None,
        stop: int | None = None,
        limit: int | None = None,
        newest_first: bool = False,
    ) -> list[Entry]:
        """Entries matching every filter given (time range is ``since <= time < until``)."""
        t = entries.c
        stmt = sa.select(
            t.idx, t.time, t.kind, t.actor, t.subject, t.case_id, t.details, t.leaf_hash
        )
        if isinstance(kind, str):
            stmt = stmt.where(t.kind == kind)
        elif kind is not None:
            stmt = stmt.where(t.kind.in_([str(k) for k in kind]))
        for col, value in ((t.actor, actor), (t.subject, subject), (t.case_id, case_id)):
            if value is not None:
                stmt = stmt.where(col == value)
        if since is not None:
            stmt = stmt.where(t.time >= since)
        if until is not None:
            stmt = stmt.where(t.time < until)
        if start is not None:
            stmt = stmt.where(t.idx >= start)
        if stop is not None:
            stmt = stmt.where(t.idx < stop)
        stmt = stmt.order_by(t.idx.desc() if newest_first else t.idx).limit(limit)
        with self.engine.connect() as conn:
            return [_read.to_entry(r) for r in conn.execute(stmt)]

    def iter_entries(self, *, batch: int = 5000, **filters: object) -> Iterator[Entry]:
        """Stream entries in index order in pages of ``batch`` (same filters as ``entries``)."""
        start = filters.pop("start", None)
        stop = filters.pop("stop", None)
        nxt = int(start) if isinstance(start, int) else 0
        while True:
            page = self.entries(start=nxt, stop=stop, limit=batch, **filters)  # type: ignore[arg-type]
            yield from page
            if len(page) < batch:
                return
            nxt = page[-1].index + 1

    def entries_for_subject(
        self, subject: str, *, since: datetime | None = None, until: datetime | None = None
    ) -> list[Entry]:
        """Everything recorded about one customer (pseudonymous id), oldest first."""
        return self.entries(subject=subject, since=since, until=until)

    def entries_for_case(self, case_id: str) -> list[Entry]:
        return self.entries(case_id=case_id)

    # -- proofs and verification ---------------------------------------------------------
    def inclusion_proof(self, index: int, tree_size: int | None = None) -> InclusionProof:
        with self.engine.connect() as conn:
            return _proofs.inclusion_proof(conn, index, self._size_or_head(conn, tree_size))

    def consistency_proof(self, old_size: int, new_size: int | None = None) -> ConsistencyProof:
        with self.engine.connect() as conn:
            return _proofs.consistency_proof(conn, old_size, self._size_or_head(conn, new_size))

    @staticmethod
    def _size_or_head(conn: Connection, size: int | None) -> int:
        current = int(_head_row(conn).tree_size)
        if size is None:
            return current
        if not 0 <= size <= current:
            raise InputError(f"tree size {size} is outside 0..{current}", field="tree_size")
        return size

    def verify(
        self, progress: _read.Progress | None = None, *, workers: int | None = None
    ) -> VerifyReport:
        """Recompute every leaf and the tree; check every checkpoint. See :class:`VerifyReport`.

        ``workers`` > 1 scans aligned chunks in that many processes (logs of over 2M entries).
        """
        return verify_ledger(self.engine, self.public_key, progress, workers=workers)


class _EmptyHead:
    """What reads see before the first append on tables made without the migration."""

    tree_size = 0
    frontier = b""
    checkpoint_size = 0
    checkpoint_time = None


class _Head(NamedTuple):
    """The head row as the driver returns it (see ``_write``)."""

    tree_size: int
    frontier: bytes
    checkpoint_size: int
    checkpoint_time: Any  # naive-UTC text on SQLite, an aware datetime on PostgreSQL


def _sqlite_time(ts: str) -> str:
    """A :func:`format_time` text as UTCDateTime stores it on SQLite (naive UTC, a space):
    bound by hand, since the generic bind processing cost more than the rest of an append."""
    return f"{ts[:10]} {ts[11:-1]}"


def _utc(value: Any) -> datetime | None:
    """A head time from the driver, read as UTCDateTime reads it."""
    if value is None:
        return None
    t: datetime = datetime.fromisoformat(value) if isinstance(value, str) else value
    return t.replace(tzinfo=UTC) if t.tzinfo is None else t.astimezone(UTC)


def _head_row(conn: Connection) -> Any:
    row = conn.execute(sa.select(head).where(head.c.id == 1)).first()
    return row if row is not None else _EmptyHead()


def _edge(head_row: Any) -> CompactRange:
    try:
        return CompactRange.from_bytes(head_row.tree_size, head_row.frontier)
    except ValueError:
        raise EcluseError("the ledger head row is damaged: run 'ecluse ledger verify'") from None


_cache_lock = threading.Lock()


def ledger_for(inst: Installation) -> Ledger:
    """The installation's shared :class:`Ledger` (one per engine and signing key)."""
    # Kept on the engine itself so it lives and dies with it (no global cache to leak).
    kid = key_id(inst.keyring.verify_key)
    with _cache_lock:
        cache: dict[str, Ledger] = inst.engine.__dict__.setdefault("_ecluse_ledgers", {})
        led = cache.get(kid)
        if led is None:
            led = cache[kid] = Ledger(inst.engine, inst.keyring.signing_key)
        return led
