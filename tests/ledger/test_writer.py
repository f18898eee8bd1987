"""The ledger writer process's protocol: entries from several clients share commits, each is
answered with its own index once durable, and a writer that is gone is never waited for."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy.engine import Engine

from ecluse.ledger import Ledger, NewEntry, WriterUnavailable
from ecluse.ledger._writer import LedgerWriterClient, private_socket_path

from ._writers import vanishing_writer, writer

KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))


def test_private_socket_directory_is_the_users_alone() -> None:
    path = private_socket_path()
    try:
        assert os.stat(os.path.dirname(path)).st_mode & 0o077 == 0
        assert len(path) < 100  # AF_UNIX paths are limited to 107 bytes
    finally:
        os.rmdir(os.path.dirname(path))


def test_clients_on_two_loops_share_commits_and_are_told_their_own_index(
    engine: Engine,
) -> None:
    """GIVEN a writer and two worker ledgers (each on its own event loop, as two API workers)
    WHEN both append at once THEN every entry is stored under the index its caller was told,
    entries of both workers shared transactions, and the log verifies."""
    led = Ledger(engine, KEY, checkpoint_every=40)
    workers = [Ledger(engine, KEY), Ledger(engine, KEY)]
    acked: dict[int, str] = {}
    lock = threading.Lock()

    def worker(n: int) -> None:
        async def main() -> None:
            async def one(i: int) -> None:
                entry = NewEntry("view", f"w{n}", subject=f"c{i}", details={"i": i})
                index = await workers[n].append_async(entry)
                with lock:
                    acked[index] = f"w{n}/{i}"

            await asyncio.gather(*(one(i) for i in range(60)))
            await workers[n].disconnect_writer()

        asyncio.run(main())

    commits: list[int] = []
    with writer(led, commits) as path:
        for w in workers:
            w.use_writer(path)
        with ThreadPoolExecutor(2) as pool:  # two event loops, as two API workers
            list(pool.map(worker, range(2)))
    assert sorted(acked) == list(range(120))
    for e in led.entries():
        assert acked[e.index] == f"{e.actor}/{e.details['i']}"
        assert e.subject == f"c{e.details['i']}"
    assert workers[0].commits == workers[1].commits == 0  # nothing committed in the workers
    assert led.verify().ok
    assert commits[0] < 60  # the two workers' entries shared transactions
    # signed as the ledger signs its own (at the first commit 40 past the last checkpoint,
    # wherever the groups happened to end); verify() checked the signatures
    assert led.checkpoints() and led.checkpoints()[0].tree_size >= 40
    for w in [led, *workers]:
        w.close()


def test_entry_time_and_details_survive_the_wire(engine: Engine) -> None:
    led, worker = Ledger(engine, KEY), Ledger(engine, KEY)
    details = {"reason": 'tab\there, newline\nthere, quote " and é ✓', "n": [1, 2.5, None]}
    when = datetime(2026, 3, 1, 12, 30, 15, 123456, tzinfo=UTC)
    with writer(led) as path:
        worker.use_writer(path)

        async def main() -> int:
            entry = NewEntry("decision", "p1", "c1", "k1", details, when)
            index = await worker.append_async(entry)
            await worker.disconnect_writer()
            return index

        index = asyncio.run(main())
    (stored,) = led.entries()
    assert (stored.index, stored.time, stored.details) == (index, when, details)
    assert (stored.kind, stored.actor, stored.subject, stored.case_id) == (
        "decision",
        "p1",
        "c1",
        "k1",
    )
    assert led.verify().ok
    led.close()
    worker.close()


def test_no_writer_listening_means_the_worker_appends_itself(
    engine: Engine, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """GIVEN a worker told of a writer that is not there (it died; its socket file is left)
    WHEN it appends THEN the entry is committed in the worker and the fallback is logged."""
    path = tmp_path / "writer.sock"
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as dead:
        dead.bind(str(path))  # bound, never listening: connecting is refused
    led = Ledger(engine, KEY)
    led.use_writer(str(path))
    index = asyncio.run(led.append_async(NewEntry("view", "p1", details={})))
    assert index == 0
    assert led.commits == 1
    assert "unreachable" in caplog.text
    assert led.verify().ok
    led.close()


def test_an_outage_is_logged_once_and_the_writer_tried_again_after_a_while(
    engine: Engine, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """GIVEN a worker whose writer cannot be reached WHEN it appends again and again THEN
    every entry is committed in the worker, the outage is logged once (not once per entry)
    and the writer is not tried again before the retry delay; once it has passed and a
    writer listens, the next entry goes to the writer and the recovery is logged."""
    caplog.set_level(logging.INFO, logger="ecluse.ledger")
    led, worker = Ledger(engine, KEY), Ledger(engine, KEY)
    client = LedgerWriterClient(str(tmp_path / "gone.sock"), retry_seconds=0.3)
    worker._writer = client

    async def main() -> list[int]:
        out = [await worker.append_async(NewEntry("view", f"p{n}", details={})) for n in range(3)]
        with writer(led) as path:
            client.path = path
            out.append(await worker.append_async(NewEntry("view", "p3", details={})))
            assert worker.commits == 4  # within the delay: still appended here
            await asyncio.sleep(0.35)
            out.append(await worker.append_async(NewEntry("view", "p4", details={})))
            await worker.disconnect_writer()
        return out

    assert asyncio.run(main()) == [0, 1, 2, 3, 4]
    assert worker.commits == 4  # the last entry was committed by the writer
    assert caplog.text.count("unreachable") == 1
    assert "reachable again" in caplog.text
    assert led.verify().ok
    led.close()
    worker.close()


def test_writer_gone_before_answering_fails_the_append_and_the_next_one_goes_on(
    engine: Engine,
) -> None:
    """GIVEN a writer that takes an entry and goes away without answering WHEN a worker
    appends THEN it is told the writer is unavailable (not left waiting), and its next
    append, with nobody listening any more, is committed by the worker itself."""
    led = Ledger(engine, KEY)

    async def main(vanished: threading.Thread) -> int:
        with pytest.raises(WriterUnavailable):
            await asyncio.wait_for(led.append_async(NewEntry("view", "p1", details={})), 10)
        vanished.join()
        return await led.append_async(NewEntry("view", "p2", details={}))

    with vanishing_writer() as (path, vanished):
        led.use_writer(path)
        assert asyncio.run(main(vanished)) == 0
    assert [e.actor for e in led.entries()] == ["p2"]
    led.close()


def test_a_malformed_frame_closes_that_connection_only(engine: Engine) -> None:
    led, worker = Ledger(engine, KEY), Ledger(engine, KEY)
    with writer(led) as path:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as bad:
            bad.connect(path)
            bad.sendall(b"\xff\xff\xff\xff garbage")
            assert bad.recv(10) == b""  # closed by the writer
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as odd:
            odd.connect(path)
            odd.sendall(b"\x00\x00\x00\x07[1,2,3]")  # JSON, but not an entry
            assert odd.recv(10) == b""
        worker.use_writer(path)

        async def main() -> int:
            index = await worker.append_async(NewEntry("view", "p1", details={}))
            await worker.disconnect_writer()
            return index

        assert asyncio.run(main()) == 0
    assert led.verify().ok
    led.close()
    worker.close()


def test_client_connects_again_after_a_restart(engine: Engine) -> None:
    """GIVEN a worker whose writer stopped and another took its place WHEN the worker, having
    seen its connection close, appends THEN it connects to the new one."""
    led = Ledger(engine, KEY)
    worker = Ledger(engine, KEY)
    client = LedgerWriterClient("")
    worker._writer = client

    async def two_writers() -> list[int]:
        out = []
        for _ in range(2):
            with writer(led) as path:
                client.path = path
                out.append(await worker.append_async(NewEntry("view", "p", details={})))
            await asyncio.sleep(0.1)  # the closed connection is seen
        return out

    assert asyncio.run(two_writers()) == [0, 1]
    led.close()
    worker.close()


def test_one_request_at_a_time_is_not_kept_waiting_for_company(engine: Engine) -> None:
    """GIVEN a writer that gathers for half a second when entries come often WHEN one client
    appends ten entries one after the other THEN at most one wait is spent finding out that
    nobody else comes (waiting every time would take 3.5 s at least)."""
    led, worker = Ledger(engine, KEY, gather=0.5), Ledger(engine, KEY)

    async def main() -> float:
        started = time.monotonic()
        for n in range(10):
            await worker.append_async(NewEntry("view", "p1", details={"n": n}))
        await worker.disconnect_writer()
        return time.monotonic() - started

    with writer(led) as path:
        worker.use_writer(path)
        assert asyncio.run(main()) < 2.0
    assert led.size() == 10
    led.close()
    worker.close()
