"""``Ledger.append_async``: event-loop callers join the group commit without blocking the loop."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy.engine import Engine

from ecluse.db import utcnow
from ecluse.ledger import ClearDataError, Ledger, NewEntry
from ecluse.ledger._commit import GroupCommitter, Request

KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))


def _helpers() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "ledger-commit"]


def test_async_appends_are_durable_when_they_return_and_share_commits(engine: Engine) -> None:
    """GIVEN 64 coroutines appending at once on one event loop WHEN they all return THEN each
    was told a distinct index whose stored entry is its own, the indexes are gap-free, fewer
    transactions than entries were written, and the ledger verifies."""
    led = Ledger(engine, KEY, checkpoint_every=50)

    async def main() -> dict[int, int]:
        async def one(n: int) -> tuple[int, int]:
            return await led.append_async(NewEntry("view", f"p{n}", details={"n": n})), n

        return dict(await asyncio.gather(*(one(n) for n in range(64))))

    acked = asyncio.run(main())
    assert sorted(acked) == list(range(64))
    stored = {e.index: e.details["n"] for e in led.entries()}
    assert stored == acked
    assert led.commits < 64
    assert led.verify().ok
    led.close()


def test_async_and_thread_callers_share_the_log(engine: Engine) -> None:
    """GIVEN threads appending while coroutines append WHEN all finish THEN every
    acknowledged entry is stored under the index its caller was told."""
    led = Ledger(engine, KEY, checkpoint_every=30)
    acked: dict[int, str] = {}
    lock = threading.Lock()

    def work(t: int) -> None:
        for n in range(15):
            i = led.append(NewEntry("view", f"t{t}", details={"n": n}))
            with lock:
                acked[i] = f"t{t}/{n}"

    async def main() -> None:
        async def one(n: int) -> None:
            i = await led.append_async(NewEntry("view", "loop", details={"n": n}))
            acked[i] = f"loop/{n}"  # on the loop's thread: no other writer of acked there
            # a second append by the same caller after the first was acknowledged
            j = await led.append_async(NewEntry("view", "loop", details={"n": n + 100}))
            assert j > i
            with lock:
                acked[j] = f"loop/{n + 100}"

        await asyncio.gather(*(one(n) for n in range(30)))

    threads = [threading.Thread(target=work, args=(t,)) for t in range(4)]
    for th in threads:
        th.start()
    asyncio.run(main())
    for th in threads:
        th.join()
    assert sorted(acked) == list(range(4 * 15 + 60))
    for e in led.entries():
        assert acked[e.index] == f"{e.actor}/{e.details['n']}"
    assert led.verify().ok
    led.close()


def test_event_loops_on_several_threads_each_get_their_own_answers(engine: Engine) -> None:
    """GIVEN three event loops, each on its own thread, appending 40 entries at once (their
    groups committed together and each loop woken once per group) WHEN all finish THEN every
    coroutine was told the index of its own entry, and none is left waiting."""
    led = Ledger(engine, KEY, checkpoint_every=25)
    told: dict[int, str] = {}
    lock = threading.Lock()

    def loop_thread(t: int) -> None:
        async def main() -> None:
            async def one(n: int) -> None:
                i = await led.append_async(NewEntry("view", f"loop{t}", details={"n": n}))
                with lock:
                    told[i] = f"loop{t}/{n}"

            await asyncio.wait_for(asyncio.gather(*(one(n) for n in range(40))), 30)

        asyncio.run(main())

    threads = [threading.Thread(target=loop_thread, args=(t,)) for t in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(told) == 120
    assert {
        i: f"{e.actor}/{e.details['n']}" for i, e in ((e.index, e) for e in led.entries())
    } == told
    assert led.commits < 120
    led.close()


def test_async_append_refuses_clear_data_before_queueing(engine: Engine) -> None:
    """GIVEN an entry carrying a phone number WHEN appended asynchronously THEN it raises
    ClearDataError in the caller and nothing is written."""
    led = Ledger(engine, KEY)

    async def main() -> None:
        await led.append_async(NewEntry("view", "p1", details={"note": "+32 470 12 34 56"}))

    with pytest.raises(ClearDataError):
        asyncio.run(main())
    assert led.size() == 0
    led.close()


def test_a_failed_commit_reaches_every_async_caller(engine: Engine) -> None:
    """GIVEN the ledger's entries table is gone WHEN coroutines append THEN each of them gets
    the database error (none hangs, none is told an index)."""
    led = Ledger(engine, KEY)
    led.append(NewEntry("view", "p0"))
    with engine.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE ledger_entries RENAME TO ledger_entries_gone")

    async def main() -> list[BaseException | int]:
        return await asyncio.wait_for(
            asyncio.gather(
                *(led.append_async(NewEntry("view", f"p{n}")) for n in range(5)),
                return_exceptions=True,
            ),
            timeout=30,
        )

    try:
        results = asyncio.run(main())
        assert all(isinstance(r, Exception) for r in results), results
    finally:
        with engine.begin() as conn:
            conn.exec_driver_sql("ALTER TABLE ledger_entries_gone RENAME TO ledger_entries")
    assert led.append(NewEntry("view", "p9")) == 1  # the log goes on
    led.close()


def test_a_cancelled_caller_entry_is_still_written(engine: Engine) -> None:
    """GIVEN a coroutine cancelled while its entry is being committed WHEN the commit ends
    THEN the entry is in the log all the same (the access happened) and nothing breaks."""
    led = Ledger(engine, KEY)

    async def main() -> None:
        task = asyncio.ensure_future(led.append_async(NewEntry("view", "gone")))
        await asyncio.sleep(0)  # queued
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert await led.append_async(NewEntry("view", "next")) == 1

    asyncio.run(main())
    assert [e.actor for e in led.entries()] == ["gone", "next"]
    led.close()


def test_close_ends_the_commit_helper(engine: Engine) -> None:
    """GIVEN a ledger whose async appends started its helper thread WHEN it is closed THEN
    the thread ends, and a later async append is refused."""
    # Other tests' helpers may still be ending: this ledger's is the one that is new.
    before = set(_helpers())
    led = Ledger(engine, KEY)
    asyncio.run(led.append_async(NewEntry("view", "p1")))
    (mine,) = set(_helpers()) - before
    led.close()
    mine.join(10)
    assert not mine.is_alive()
    with pytest.raises(RuntimeError, match="closed"):
        asyncio.run(led.append_async(NewEntry("view", "p2")))


def _recording_committer(gather: float) -> tuple[GroupCommitter, list[int]]:
    """A committer whose write records each batch's size (the batching is under test here;
    the database writes are tested through the Ledger above)."""
    sizes: list[int] = []

    def write(batch: list[Request]) -> None:
        time.sleep(0.001)  # a commit takes time; requests arriving meanwhile queue
        for r in batch:
            r.indices.append(0)
        sizes.append(len(batch))

    return GroupCommitter(write, gather=gather), sizes


def _arrivals(committer: GroupCommitter, count: int, every: float) -> list[float]:
    """Submit ``count`` notified requests ``every`` seconds apart; each one's wait in seconds."""
    done = threading.Semaphore(0)
    sent: dict[int, float] = {}
    waits: list[float] = []

    def notify(req: Request) -> None:
        waits.append(time.monotonic() - sent[id(req)])
        done.release()

    for _ in range(count):
        req = Request([None], utcnow(), notify)
        sent[id(req)] = time.monotonic()
        committer.submit_async(req)
        time.sleep(every)
    for _ in range(count):
        assert done.acquire(timeout=10)
    committer.close()
    return waits


def test_a_busy_stream_of_async_entries_is_gathered_into_fewer_commits() -> None:
    """GIVEN notified requests arriving every 2 ms WHEN the committer gathers for 20 ms THEN
    they are written in far fewer, larger transactions than without gathering."""
    without, sizes_without = _recording_committer(gather=0.0)
    _arrivals(without, 60, 0.002)
    gathering, sizes_gathered = _recording_committer(gather=0.02)
    _arrivals(gathering, 60, 0.002)
    assert sum(sizes_without) == sum(sizes_gathered) == 60
    # Once the stream is seen to be busy (a dozen arrivals), batches of about ten.
    assert max(sizes_gathered) >= 5, sizes_gathered
    assert len(sizes_gathered) < len(sizes_without), (sizes_gathered, sizes_without)


def test_a_lone_async_entry_does_not_wait_for_company() -> None:
    """GIVEN notified requests arriving 250 ms apart WHEN the committer gathers for 200 ms
    THEN each is written at once: a quiet desk pays no gathering delay."""
    committer, sizes = _recording_committer(gather=0.2)
    waits = _arrivals(committer, 5, 0.25)
    assert sizes == [1] * 5
    assert max(waits) < 0.15, waits


def test_one_caller_at_a_time_stops_the_gathering_at_once() -> None:
    """GIVEN one client that sends each request only once the last is answered (quickly, so
    the arrivals look busy) WHEN the committer gathers for 50 ms THEN at most one request
    waits for company (nobody comes while the client waits), the others are written at once."""
    committer, sizes = _recording_committer(gather=0.05)
    done = threading.Semaphore(0)
    waits = []
    for _ in range(30):
        sent = time.monotonic()
        committer.submit_async(Request([None], utcnow(), lambda _r: done.release()))
        assert done.acquire(timeout=10)
        waits.append(time.monotonic() - sent)
    committer.close()
    assert sizes == [1] * 30
    assert sum(w >= 0.05 for w in waits) <= 1, waits
