"""Group commit: concurrent appenders share one transaction, led by one of them.

The first caller to arrive while nobody is writing becomes the leader: it takes every
request queued so far and writes them in one transaction. When it has committed it wakes the
callers of its batch one after the other (each woken caller wakes the next), and the last of
them hands the lead to the oldest request queued by then, so the callers just released join
the next transaction. No background thread is needed, and each caller returns only once its
own entries are committed.

A caller on an event loop cannot lead (it would block the loop through the commit): its
request carries a ``notify`` callback instead of a waiting thread, and when nobody is writing
a helper thread leads. Whichever thread commits a batch calls those callbacks; the event-loop
caller awaits its future and its thread does other requests' work meanwhile.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime
from itertools import pairwise
from typing import Any

__all__ = ["Gathering", "GroupCommitter", "Request"]


_log = logging.getLogger(__name__)


class Request:
    __slots__ = (
        "done",
        "error",
        "hand_over",
        "indices",
        "items",
        "lead",
        "next",
        "notify",
        "time",
    )

    def __init__(
        self,
        items: list[Any],
        time: datetime,
        notify: Callable[[Request], None] | None = None,
    ) -> None:
        self.items = items
        self.time = time
        # Called once settled, on the committing thread, for a caller that does not wait in
        # submit (submit_async); it must be quick and must not block.
        self.notify = notify
        self.indices: list[int] = []
        self.error: BaseException | None = None
        # A bare lock, held until the request is settled: waking its caller is one release,
        # where an Event costs a Condition, a second lock and more thread switches.
        self.done = threading.Lock()
        self.done.acquire()
        self.lead = False
        # The caller this one wakes once it runs. Woken all at once, a batch's callers would
        # all queue for the GIL together: every hand-over then costs a futex round trip and
        # a thread switch (3-5 switches per append measured, against 1.3-1.8 in a chain).
        self.next: Request | None = None
        self.hand_over = False  # last of its chain: it starts the next transaction


class Gathering:
    """Whether a new group waits ``gather`` seconds for company before it is written
    (PostgreSQL's ``commit_delay``, made adaptive): only while entries have been arriving more
    often than that (a smoothed gap), and not after a wait that brought nobody (one client
    sending one request at a time looks busy but sends nothing while it waits for its answer)
    until entries arrive again while a group is being written. Used by the helper thread of
    :class:`GroupCommitter` and by the writer process (:mod:`._writer`)."""

    def __init__(self, gather: float) -> None:
        self.gather = gather
        self._gap = 1.0
        self._arrived = time.monotonic()
        self._pays = True

    def arrived(self, count: int, now: float) -> None:
        for _ in range(count):
            self._gap += (now - self._arrived - self._gap) / 4
            self._arrived = now

    def waits(self) -> bool:
        return self._pays and self._gap < self.gather

    def waited(self, company: bool) -> None:
        self._pays = company

    def busy(self) -> None:
        """Entries arrived while a group was being written."""
        self._pays = True


class GroupCommitter:
    """``gather``: how long the helper waits for more notified requests before it writes, when
    they have been arriving more often than once per ``gather`` seconds (PostgreSQL's
    ``commit_delay``, made adaptive). An API worker commits a view or two per transaction
    otherwise: at 1,000 views/s on two workers, 4 ms took the view from 1.10-1.15 to
    0.80-1.02 ms of server CPU."""

    def __init__(
        self, write: Callable[[list[Request]], None], *, enabled: bool = True, gather: float = 0.0
    ) -> None:
        self._write = write
        self._mutex = threading.Lock()
        self._queue: list[Request] = []
        self._busy = False
        self._enabled = enabled
        self.commits = 0  # transactions written (entries / commits = mean group size)
        # The helper thread that leads when only notified requests are queued; started on
        # the first of them, it waits on _helper_go between batches.
        self._helper: threading.Thread | None = None
        self._helper_go = threading.Semaphore(0)
        self._helper_leads = 0  # leads handed to the helper and not yet taken
        self._closed = False
        self._gathering = Gathering(gather)  # for the notified requests the helper writes

    @property
    def gather(self) -> float:
        return self._gathering.gather

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
        if lead:
            self._lead(req)
        else:
            try:
                req.done.acquire()
            except BaseException:
                # Interrupted (KeyboardInterrupt): the entry is written all the same, and the
                # next leader and the rest of the chain wait on this caller, so it waits for
                # its turn and passes it on before raising.
                req.done.acquire()
                self._settled(req)
                raise
            self._settled(req)
        if req.error is not None:
            raise req.error
        return req.indices

    def submit_async(self, req: Request) -> None:
        """Queue ``req`` (which has a ``notify`` callback) without waiting for it."""
        if not self._enabled:  # the benchmark baseline's mode: no group, no helper
            self.submit(req)
            self._notify(req)
            return
        with self._mutex:
            if self._closed:
                raise RuntimeError("the ledger is closed")
            self._gathering.arrived(1, time.monotonic())
            self._queue.append(req)
            lead = not self._busy
            self._busy = True
            if lead:
                self._wake_helper()

    def close(self) -> None:
        """Let the helper thread end once the queue is written (requests still queued are)."""
        with self._mutex:
            self._closed = True
            if self._helper is not None:
                self._helper_go.release()

    def _wake_helper(self) -> None:  # with the mutex held
        if self._helper is None:
            self._helper = threading.Thread(target=self._help, name="ledger-commit", daemon=True)
            self._helper.start()
        self._helper_leads += 1
        self._helper_go.release()

    def _help(self) -> None:
        while True:
            self._helper_go.acquire()
            with self._mutex:
                if self._helper_leads:
                    self._helper_leads -= 1
                elif self._closed:
                    self._helper = None
                    return
                else:
                    continue
            if self._gathering.waits():  # let those on their way join
                with self._mutex:
                    queued = len(self._queue)
                time.sleep(self._gathering.gather)
                with self._mutex:
                    self._gathering.waited(len(self._queue) > queued)
            self._lead(None)

    @staticmethod
    def _notify(req: Request) -> None:
        assert req.notify is not None
        try:
            req.notify(req)
        except Exception:  # e.g. the caller's event loop is closed: nobody is waiting
            _log.warning("ledger: a caller could not be told its entries are committed")

    def _settled(self, req: Request) -> None:
        if req.next is not None:
            req.next.done.release()
        elif req.hand_over:
            self._hand_over()
        if req.lead:
            self._lead(req)

    def _hand_over(self) -> None:
        with self._mutex:
            if not self._queue:
                self._busy = False
            elif self._queue[0].notify is not None:
                self._wake_helper()  # its caller is not waiting in a thread
            else:
                nxt = self._queue[0]
                nxt.lead = True
                nxt.done.release()

    def _lead(self, own: Request | None) -> None:
        with self._mutex:
            batch, self._queue = self._queue, []
        try:
            self._write(batch)
            self.commits += 1
            if self._queue:  # company arrived while this batch was written
                self._gathering.busy()
        except BaseException as exc:
            for r in batch:
                r.error = exc
        finally:
            waiters = []
            for r in batch:
                if r.notify is not None:
                    self._notify(r)
                elif r is not own:  # the leader itself never waited
                    waiters.append(r)
            if not waiters:
                self._hand_over()
            else:
                # The last of them starts the next transaction, so they all join it. Starting
                # it at once instead split the callers into two alternating halves, each paying
                # a whole commit: 9 entries per commit instead of 16 at 16 threads, and 35-45%
                # fewer appends/s on SQLite (docs/benchmarks.md, ledger).
                for a, b in pairwise(waiters):
                    a.next = b
                waiters[-1].hand_over = True
                waiters[0].done.release()
