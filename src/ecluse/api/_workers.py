"""Several uvicorn worker processes, each accepting on its own ``SO_REUSEPORT`` socket.

uvicorn's own supervisor hands one listening socket to every worker. A burst of new
connections (a proxy opening its keep-alive pool, a load generator) then goes mostly to
whichever worker wakes first, and that worker carries most of the load for the life of
those connections: at 1,000 case views/s over 100 connections one of two workers used 98%
of a core and the other 37%, and the saturated one queued requests for tens of
milliseconds. With one socket per worker in a ``SO_REUSEPORT`` group the kernel spreads new
connections over the workers by a hash of their addresses, as nginx's ``reuseport`` does.

The parent keeps every socket open: a worker that dies is started again on the same socket,
and the connections the kernel queued on it in the meantime are served, not reset.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import multiprocessing
import os
import signal
import socket
import threading
import time
from collections.abc import Iterator
from multiprocessing.process import BaseProcess
from pathlib import Path
from types import FrameType

import uvicorn
from uvicorn.config import STARTUP_FAILURE

from ecluse.ledger._writer import private_socket_path

__all__ = ["WRITER_PROCESS", "LedgerWriterProcess", "bind_group", "ledger_writer", "run_workers"]

_log = logging.getLogger("uvicorn.error")
_STOP_SECONDS = 30  # a worker still busy this long after SIGTERM is killed
_POLL_SECONDS = 0.5
_YOUNG_SECONDS = 30  # a ledger writer that dies sooner is started again only after a delay


def bind_group(host: str, port: int, count: int, backlog: int = 2048) -> list[socket.socket]:
    """``count`` listening sockets bound to the same address in one ``SO_REUSEPORT`` group
    (port 0: a free port); a connection that arrives before its worker accepts waits in the
    queue. ``OSError`` if anything else holds the address, another such group included: a
    second server started on the same port by mistake would otherwise join the group and
    quietly take a share of the connections."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:  # without SO_REUSEPORT
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind((host, port))
        port = probe.getsockname()[1]
    out: list[socket.socket] = []
    try:
        for _ in range(count):
            sock = socket.socket(family, socket.SOCK_STREAM)
            out.append(sock)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            sock.bind((host, port))
            sock.listen(backlog)
    except OSError:
        for sock in out:
            sock.close()
        raise
    return out


def _worker(config: uvicorn.Config, sock: socket.socket) -> None:
    config.configure_logging()  # a spawned process starts with no logging set up
    uvicorn.Server(config).run(sockets=[sock])


def run_workers(
    config: uvicorn.Config, workers: int, writer: LedgerWriterProcess | None = None
) -> int:
    """Serve ``config`` in ``workers`` processes until SIGINT or SIGTERM; the exit status.

    A worker that exits on its own is started again, unless it failed to start (then the
    others are stopped too: the installation or the app is broken, and restarting would
    only repeat the failure). So is the ``writer``, if it exits.
    """
    try:
        sockets = bind_group(config.host, config.port, workers, config.backlog)
    except OSError as exc:
        _log.error("cannot listen on %s:%s: %s", config.host, config.port, exc.strerror)
        return STARTUP_FAILURE
    ctx = multiprocessing.get_context("spawn")
    stop = threading.Event()

    def start(sock: socket.socket) -> BaseProcess:
        proc = ctx.Process(target=_worker, args=(config, sock), name="ecluse-api-worker")
        proc.start()
        return proc

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        stop.set()

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    status = 0
    host, port = sockets[0].getsockname()[:2]
    _log.info("Ecluse API on http://%s:%d with %d workers (Ctrl-C to quit)", host, port, workers)
    procs = [start(sock) for sock in sockets]
    try:
        while not stop.wait(_POLL_SECONDS):
            if writer is not None:
                writer.revive()
            for i, proc in enumerate(procs):
                if proc.is_alive():
                    continue
                if proc.exitcode == STARTUP_FAILURE:
                    _log.error("a worker failed to start: stopping")
                    status = STARTUP_FAILURE
                    stop.set()
                    break
                _log.warning("worker %s exited (%s): starting another", proc.pid, proc.exitcode)
                procs[i] = start(sockets[i])
    finally:
        for proc in procs:
            if proc.is_alive():
                proc.terminate()  # SIGTERM: uvicorn finishes the requests in flight
        for proc in procs:
            proc.join(_STOP_SECONDS)
            if proc.is_alive():
                proc.kill()
                proc.join()
        for sock in sockets:
            sock.close()
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    return status


class LedgerWriterProcess:
    """The ledger writer process for the workers (see :mod:`ecluse.ledger._writer`) and the
    path of its socket. Only the writer holds the listening socket: if it dies, connecting
    fails and the workers append in their own processes rather than wait for an answer that
    would never come, until :meth:`revive` has started another on the same path."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.path = private_socket_path()
        self._proc: BaseProcess | None = None
        self._started = 0.0
        self._delay = 0.0  # before the next start, after a writer that died young
        self._due: float | None = None  # when a dead writer is started again

    @property
    def pid(self) -> int | None:
        """The running writer's process id (None before it is started)."""
        return None if self._proc is None else self._proc.pid

    def start(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)  # a dead writer's socket file
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as listener:
            listener.bind(self.path)
            listener.listen(256)
            self._proc = multiprocessing.get_context("spawn").Process(
                target=_writer, args=(str(self.data_dir), listener), name="ecluse-ledger-writer"
            )
            self._proc.start()  # the child has its own copy of the socket from here on
        self._started = time.monotonic()

    def revive(self) -> None:
        """Start another writer if this one has exited: at once if it had run a while, after
        a delay doubling up to a minute if it keeps dying young (a broken installation)."""
        if self._proc is None or self._proc.is_alive():
            return
        now = time.monotonic()
        if self._due is None:
            young = now - self._started < _YOUNG_SECONDS
            self._delay = min(max(self._delay * 2, 1.0), 60.0) if young else 0.0
            self._due = now + self._delay
            _log.warning(
                "ledger writer exited (%s): the workers append themselves; another starts in "
                "%.0f s",
                self._proc.exitcode,
                self._delay,
            )
        if now >= self._due:
            self._due = None
            self.start()

    def stop(self) -> None:
        if self._proc is not None:
            self._proc.terminate()  # SIGTERM: it writes what it holds, then exits
            self._proc.join(_STOP_SECONDS)
            if self._proc.is_alive():
                self._proc.kill()
                self._proc.join()
        with contextlib.suppress(OSError):
            os.unlink(self.path)
        with contextlib.suppress(OSError):
            os.rmdir(os.path.dirname(self.path))


@contextlib.contextmanager
def ledger_writer(data_dir: Path) -> Iterator[LedgerWriterProcess]:
    """A running :class:`LedgerWriterProcess`, stopped last, once the workers have finished
    the requests in flight (which wait for it); its private directory is then removed."""
    writer = LedgerWriterProcess(data_dir)
    try:
        writer.start()
        yield writer
    finally:
        writer.stop()


WRITER_PROCESS = "ecluse-ledger"
"""The writer's process name (``ps -o comm``, ``top``): the API workers are ``python``."""


def _name_process(name: str) -> None:
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(15, name.encode()[:15], 0, 0, 0)  # PR_SET_NAME (Linux)


def _writer(data_dir: str, listener: socket.socket) -> None:
    from ecluse.installation import open_installation
    from ecluse.ledger import ledger_for

    logging.basicConfig(level=logging.INFO, format="%(levelname)s:     %(message)s")
    _name_process(WRITER_PROCESS)
    stop = threading.Event()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the workers first
    signal.signal(signal.SIGTERM, lambda _s, _f: stop.set())
    inst = open_installation(Path(data_dir), upgrade=False)
    try:
        ledger = ledger_for(inst)
        ledger.serve_writer(listener, stop)
        ledger.close()
    finally:
        inst.close()
