"""Group commit: concurrent appenders share one transaction, led by one of them.

The first caller to arrive while nobody is writing becomes the leader: it takes every
request queued so far, writes them in one transaction, wakes their callers, and hands the
leadership to the oldest request that arrived meanwhile. No background thread is needed,
and each caller returns only once its own entries are committed.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

__all__ = ["GroupCommitter", "Request"]

_GATHER_ROUNDS = 64


class Request:
    __slots__ = ("done", "error", "indices", "items", "lead", "time")

    def __init__(self, items: list[Any], time: datetime) -> None:
        self.items = items
        self.time = time
        self.indices: list[int] = []
        self.error: BaseException | None = None
        # A bare lock, held until the request is settled: waking its caller is one release,
        # where an Event costs a Condition, a second lock and more thread switches.
        self.done = threading.Lock()
        self.done.acquire()
        self.lead = False


class GroupCommitter:
    def __init__(self, write: Callable[[list[Request]], None], *, enabled: bool = True) -> None:
        self._write = write
        self._mutex = threading.Lock()
        self._queue: list[Request] = []
        self._busy = False
        self._enabled = enabled
        self.commits = 0  # transactions written (entries / commits = mean group size)

    def submit(self, req: Request) -> list[int]:
        if not self._enabled:  # one transaction per call, one at a time
            with self._mutex:
                self._write([req])
                self.commits += 1
            return req.indices
        with self._mutex:
            self._queue.append(req)
            lead = not self._busy
            self._busy = True
        if not lead:
            req.done.acquire()
        if lead or req.lead:
            self._lead()
        if req.error is not None:
            raise req.error
        return req.indices

    def _lead(self) -> None:
        # Callers the previous commit just released need only the GIL to queue again; yield
        # it until the queue stops growing so they join this transaction, not the next.
        seen = -1
        for _ in range(_GATHER_ROUNDS):
            with self._mutex:
                n = len(self._queue)
            if n == seen:
                break
            seen = n
            time.sleep(0)
        with self._mutex:
            batch, self._queue = self._queue, []
        try:
            self._write(batch)
            self.commits += 1
        except BaseException as exc:
            for r in batch:
                r.error = exc
        finally:
            with self._mutex:
                if self._queue:
                    nxt = self._queue[0]
                    nxt.lead = True
                    nxt.done.release()
                else:
                    self._busy = False
            for r in batch:
                if not r.lead:  # the leader itself never waited
                    r.done.release()
