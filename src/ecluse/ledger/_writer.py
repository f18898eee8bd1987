"""One ledger writer for several API worker processes, over a private Unix socket.

Each worker process committing its own groups split the appends between two group commits:
half the entries per transaction, twice the commits (each an ``fsync``), and a commit
helper thread in every worker contending with its event loop for the GIL. The writer is
one single-threaded process: it reads what every worker sent while it was writing, writes
it in one transaction (the :class:`Ledger`'s own ``_write``: same rows, same checkpoints,
same head-row lock against any other writer) and answers each entry with its index. An
entry is answered only once committed, so the workers keep the ledger's promise: nothing is
shown that is not durably recorded.

Frames on the socket are a 4-byte big-endian length and a JSON array. A worker sends
``[id, kind, actor, subject, case_id, details, time]`` per entry (``details`` canonical JSON
text, already checked by :func:`prepare`; ``time`` ISO 8601); the writer answers
``[[id, index], ...]`` or ``[[id, null, message], ...]``. The socket lives in a directory
only this user can enter: whoever can connect can append.
"""

from __future__ import annotations

import asyncio
import logging
import os
import selectors
import socket
import struct
import tempfile
import threading
import time
import weakref
from collections.abc import Callable
from datetime import datetime
from typing import Any, NamedTuple

import orjson

from ecluse.errors import EcluseError
from ecluse.ledger._commit import Gathering, Request

__all__ = [
    "LedgerWriterClient",
    "WriterUnavailable",
    "WriterUnreachable",
    "private_socket_path",
    "serve_writer",
]

_log = logging.getLogger(__name__)
_LEN = struct.Struct("!I")
_MAX_FRAME = 1 << 20
_READ = 1 << 16
_RETRY_SECONDS = 1.0  # between attempts to reach a writer that could not be reached
_SEND_SECONDS = 5.0  # a worker that reads nothing this long does not stall the others longer


class WriterUnavailable(EcluseError):
    """The ledger writer went away before confirming an entry: it may or may not be
    recorded, so what it recorded must not be shown (the API answers 503)."""


class WriterUnreachable(Exception):
    """No connection to the ledger writer: nothing was sent (append in this process)."""


class _WireEntry(NamedTuple):
    """What the ledger's write needs of an entry besides its kind and canonical details."""

    actor: str
    subject: str | None
    case_id: str | None
    time: datetime


def _frames(buf: bytearray) -> list[Any]:
    """Complete frames at the start of ``buf``, removed from it."""
    out = []
    at = 0
    while len(buf) - at >= 4:
        (n,) = _LEN.unpack_from(buf, at)
        if n > _MAX_FRAME:
            raise ValueError(f"frame of {n} bytes")
        if len(buf) - at - 4 < n:
            break
        out.append(orjson.loads(memoryview(buf)[at + 4 : at + 4 + n]))
        at += 4 + n
    del buf[:at]
    return out


def _frame(value: Any) -> bytes:
    body = orjson.dumps(value)
    return _LEN.pack(len(body)) + body


# -- the writer process ----------------------------------------------------------------------


def serve_writer(
    write: Callable[[list[Request]], None],
    listener: socket.socket,
    stop: threading.Event,
    *,
    gather: float = 0.004,
) -> int:
    """Serve appends on ``listener`` with ``write`` (``Ledger._write``) until ``stop`` is set;
    returns how many transactions it wrote."""
    sel = selectors.DefaultSelector()
    listener.setblocking(False)
    sel.register(listener, selectors.EVENT_READ, None)
    buffers: dict[socket.socket, bytearray] = {}
    group: list[tuple[socket.socket, int, Request]] = []
    gatherer = Gathering(gather)
    deadline = 0.0  # when the group is written: now, or once the gathering wait is over
    alone = 0  # the group's size when its wait began (0: it does not wait)
    commits = written = 0
    try:
        while not stop.is_set():
            wait = max(deadline - time.monotonic(), 0.0) if group else 0.2
            if group and wait:
                # Gathering: sleep rather than wait on the sockets. Each entry sent to a
                # writer waiting in select wakes it (and costs the sender the wake-up);
                # what arrives meanwhile is read at once when the wait is over.
                time.sleep(wait)
                wait = 0.0
            for key, _ in sel.select(wait):
                if key.data is None:
                    _accept(listener, sel, buffers)
                    continue
                conn: socket.socket = key.fileobj  # type: ignore[assignment]
                got = _receive(conn, buffers)  # requests, or None: closed or malformed
                if got is None:
                    sel.unregister(conn)
                    buffers.pop(conn, None)
                    conn.close()
                    continue
                now = time.monotonic()
                gatherer.arrived(len(got), now)
                if got and not group:
                    alone = len(got) if gatherer.waits() else 0
                    deadline = now + gather if alone else now
                group += [(conn, *r) for r in got]
            if group and time.monotonic() >= deadline:
                if alone:
                    gatherer.waited(len(group) > alone)
                answers = _write_group(write, group)
                commits += 1
                written += len(group)
                group = []
                if sel.select(0):  # company came while this group was written (not the
                    gatherer.busy()  # next request of a client told it is done: not yet told)
                _send(answers)
    finally:
        if group:
            _send(_write_group(write, group))
            commits += 1
            written += len(group)
        _log.info("ledger writer: %d entries in %d commits", written, commits)
        for conn in list(buffers):
            conn.close()
        sel.close()
    return commits


def _accept(
    listener: socket.socket, sel: selectors.BaseSelector, buffers: dict[socket.socket, bytearray]
) -> None:
    try:
        conn, _ = listener.accept()
    except BlockingIOError:
        return
    conn.setblocking(False)
    buffers[conn] = bytearray()
    sel.register(conn, selectors.EVENT_READ, True)


def _receive(
    conn: socket.socket, buffers: dict[socket.socket, bytearray]
) -> list[tuple[int, Request]] | None:
    """The requests now complete on ``conn``; None once it is closed (or sent garbage)."""
    buf = buffers[conn]
    while True:
        try:
            data = conn.recv(_READ)
        except BlockingIOError:
            break
        except OSError:
            return None
        if not data:
            return None
        buf += data
        if len(data) < _READ:
            break
    try:
        return [_request(frame) for frame in _frames(buf)]
    except (ValueError, TypeError):
        _log.warning("ledger writer: a worker sent a malformed frame; closing its connection")
        return None


def _request(frame: list[Any]) -> tuple[int, Request]:
    ident, kind, actor, subject, case_id, details, at = frame
    when = datetime.fromisoformat(at)
    return int(ident), Request([(kind, details, _WireEntry(actor, subject, case_id, when))], when)


_Answers = dict[socket.socket, list[list[Any]]]


def _write_group(
    write: Callable[[list[Request]], None], group: list[tuple[socket.socket, int, Request]]
) -> _Answers:
    """Write ``group`` in one transaction; what to answer each connection."""
    answers: _Answers = {}
    try:
        write([req for _, _, req in group])
        for conn, ident, req in group:
            answers.setdefault(conn, []).append([ident, req.indices[0]])
    except Exception as exc:  # the whole transaction failed: every entry in it is told
        _log.exception("ledger writer: a group commit failed")
        message = f"the ledger could not record this: {type(exc).__name__}"
        for conn, ident, _ in group:
            answers.setdefault(conn, []).append([ident, None, message])
    return answers


def _send(answers: _Answers) -> None:
    for conn, replies in answers.items():
        try:
            conn.settimeout(_SEND_SECONDS)  # small; a worker reads its socket all the time
            conn.sendall(_frame(replies))
            conn.setblocking(False)
        except OSError:
            pass  # that worker is gone; its entries are committed all the same


# -- the client in an API worker -------------------------------------------------------------


class _Connection(asyncio.Protocol):
    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.waiting: dict[int, asyncio.Future[int]] = {}
        self._buf = bytearray()
        self._next = 0
        self.lost = False
        self.closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self._buf += data
        for replies in _frames(self._buf):
            for reply in replies:
                fut = self.waiting.pop(reply[0], None)
                if fut is None or fut.done():
                    continue
                if reply[1] is None:
                    fut.set_exception(EcluseError(reply[2]))
                else:
                    fut.set_result(reply[1])

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost = True
        if not self.closed.done():
            self.closed.set_result(None)
        for fut in self.waiting.values():
            if not fut.done():
                fut.set_exception(WriterUnavailable("the ledger writer went away"))
        self.waiting.clear()

    def send(self, fields: list[Any]) -> asyncio.Future[int]:
        assert self.transport is not None
        self._next += 1
        fut: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self.waiting[self._next] = fut
        self.transport.write(_frame([self._next, *fields]))
        return fut


class LedgerWriterClient:
    """A worker's way to the writer at ``path``: one connection per event loop, made on the
    first append (the appends that arrive meanwhile wait for it) and again once it is lost."""

    def __init__(self, path: str, *, retry_seconds: float = _RETRY_SECONDS) -> None:
        self.path = path
        self.retry_seconds = retry_seconds
        # While the writer cannot be reached: when to try again (monotonic). Until then each
        # append is committed in this process at once, and the outage is logged once, not
        # once per append.
        self._retry_at: float | None = None
        self._conns: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Connection] = (
            weakref.WeakKeyDictionary()
        )
        self._connecting: weakref.WeakKeyDictionary[
            asyncio.AbstractEventLoop, asyncio.Future[_Connection]
        ] = weakref.WeakKeyDictionary()

    async def append(
        self,
        kind: str,
        details: str,
        actor: str,
        subject: str | None,
        case_id: str | None,
        at: datetime,
    ) -> int:
        """The index of the entry once the writer has committed it."""
        loop = asyncio.get_running_loop()
        conn = self._conns.get(loop)
        if conn is None or conn.lost:
            if self._retry_at is not None and time.monotonic() < self._retry_at:
                raise WriterUnreachable("not reachable a moment ago")
            conn = await self._connect(loop)
        return await conn.send([kind, actor, subject, case_id, details, at.isoformat()])

    async def _connect(self, loop: asyncio.AbstractEventLoop) -> _Connection:
        waiter = self._connecting.get(loop)
        if waiter is not None:
            return await waiter
        waiter = self._connecting[loop] = loop.create_future()
        try:
            _, conn = await loop.create_unix_connection(_Connection, self.path)
        except OSError as exc:
            if self._retry_at is None:
                _log.warning(
                    "ledger: writer process unreachable (%s); appending in this process",
                    exc.strerror,
                )
            self._retry_at = time.monotonic() + self.retry_seconds
            failure = WriterUnreachable(exc.strerror)
            waiter.set_exception(failure)
            waiter.exception()  # those waiting get it; nobody waiting is fine too
            raise failure from None
        finally:
            del self._connecting[loop]
        if self._retry_at is not None:
            _log.info("ledger: writer process reachable again")
            self._retry_at = None
        self._conns[loop] = conn
        waiter.set_result(conn)
        return conn

    async def disconnect(self) -> None:
        """Close the running loop's connection, if any (before the loop itself closes)."""
        conn = self._conns.pop(asyncio.get_running_loop(), None)
        if conn is not None and conn.transport is not None and not conn.lost:
            conn.transport.close()
            await conn.closed


def private_socket_path() -> str:
    """A socket path in a new directory only this user may enter (and short enough for
    ``AF_UNIX``, unlike a path under a deep data directory)."""
    return os.path.join(tempfile.mkdtemp(prefix="ecluse-ledger-"), "writer.sock")
