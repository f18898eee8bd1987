"""Ledger writers for tests: a real one on a thread, and one that takes an entry and vanishes."""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from ecluse.ledger import Ledger
from ecluse.ledger._writer import private_socket_path


@contextmanager
def _listening(backlog: int) -> Iterator[tuple[str, socket.socket]]:
    path = private_socket_path()
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(backlog)
    try:
        yield path, listener
    finally:
        listener.close()
        os.unlink(path)
        os.rmdir(os.path.dirname(path))


@contextmanager
def writer(led: Ledger, commits: list[int] | None = None) -> Iterator[str]:
    """``led`` serving as the writer on a thread (the process runs the same function); the
    number of transactions it wrote is appended to ``commits`` when it stops."""
    with _listening(16) as (path, listener):
        stop = threading.Event()
        done = commits if commits is not None else []
        thread = threading.Thread(target=lambda: done.append(led.serve_writer(listener, stop)))
        thread.start()
        try:
            yield path
        finally:
            stop.set()
            thread.join(10)


@contextmanager
def vanishing_writer() -> Iterator[tuple[str, threading.Thread]]:
    """A writer that takes the first entry sent and goes away without answering; the thread
    ends once it has gone (nobody listens at the path any more)."""
    with _listening(1) as (path, listener):

        def take_and_vanish() -> None:
            conn, _ = listener.accept()
            conn.recv(4096)
            conn.close()
            listener.close()

        thread = threading.Thread(target=take_and_vanish)
        thread.start()
        try:
            yield path, thread
        finally:
            thread.join(10)
