"""Many writers: threads share transactions, processes share the head row lock, crashes lose
nothing that was acknowledged."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy.engine import Engine

from ecluse.ledger import Ledger, NewEntry

KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
APPENDER = Path(__file__).with_name("_appender.py")


def _check_acknowledged(led: Ledger, acked: dict[int, tuple[str, int]]) -> None:
    by_index = {e.index: e for e in led.entries()}
    for idx, (actor, n) in acked.items():
        assert idx in by_index, f"acknowledged entry {idx} lost"
        assert (by_index[idx].actor, by_index[idx].details["n"]) == (actor, n)


@pytest.mark.parametrize("group_commit", [True, False])
def test_eight_threads_get_a_gap_free_sequence(engine: Engine, group_commit: bool) -> None:
    """GIVEN 8 threads appending at once WHEN all return THEN indexes are 0..N-1, each entry is
    the one its caller was told, and the ledger verifies."""
    led = Ledger(engine, KEY, checkpoint_every=40, group_commit=group_commit)
    per_thread = 40 if group_commit else 10  # one fsync per append is slow
    acked: dict[int, tuple[str, int]] = {}
    lock = threading.Lock()
    errors: list[BaseException] = []

    def work(t: int) -> None:
        try:
            for n in range(per_thread):
                if n % 10 == 9:
                    idxs = led.append_many(
                        [NewEntry("view", f"t{t}", details={"n": n}) for _ in range(1)]
                    )
                else:
                    idxs = [led.append(NewEntry("view", f"t{t}", details={"n": n}))]
                with lock:
                    for i in idxs:
                        assert i not in acked
                        acked[i] = (f"t{t}", n)
        except BaseException as exc:  # surfaced below: a thread's failure must fail the test
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(t,)) for t in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert not errors
    assert sorted(acked) == list(range(8 * per_thread))
    assert led.size() == 8 * per_thread
    _check_acknowledged(led, acked)
    rep = led.verify()
    assert rep.ok, rep.problems
    assert rep.checkpoints_checked >= 8 * per_thread // (40 + 8)  # batches overshoot 40
    led.close()


def _spawn(url: str, tag: str, threads: int, count: int | None = None) -> subprocess.Popen[str]:
    args = [sys.executable, str(APPENDER), url, tag, str(threads)]
    if count is not None:
        args.append(str(count))
    return subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_ready(proc: subprocess.Popen[str]) -> None:
    assert proc.stdout is not None
    line = proc.stdout.readline().strip()
    assert line == "ready", proc.stderr.read() if proc.stderr else line


def _acks(text: str) -> dict[int, tuple[str, int]]:
    acked = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 3:  # a line cut by the kill is not an acknowledgement
            acked[int(parts[0])] = (parts[1], int(parts[2]))
    return acked


def test_processes_share_one_log_and_a_killed_one_loses_nothing_acknowledged(
    engine: Engine, db_url: str
) -> None:
    """GIVEN two processes (several threads each) and this one appending to the same database
    WHEN one process is killed with SIGKILL mid-stream THEN the log has no gap, every index any
    writer was told about is stored with its content, and the ledger verifies."""
    finisher = _spawn(db_url, "f", threads=3, count=15)
    victim = _spawn(db_url, "k", threads=4)
    _wait_ready(finisher)
    _wait_ready(victim)
    led = Ledger(engine, KEY, checkpoint_every=25)
    acked = {led.append(NewEntry("view", "main", details={"n": n})): ("main", n) for n in range(20)}
    out, err = finisher.communicate(timeout=120)
    assert finisher.returncode == 0, err
    acked.update(_acks(out))
    time.sleep(0.3)
    victim.send_signal(signal.SIGKILL)
    out, _ = victim.communicate(timeout=30)
    killed_acks = _acks(out)
    assert len(killed_acks) > 5, "the victim acknowledged too little to test anything"
    acked.update(killed_acks)
    assert len(acked) == 20 + 45 + len(killed_acks)
    _check_acknowledged(led, acked)
    rep = led.verify()
    assert rep.ok, rep.problems
    assert rep.tree_size >= max(acked) + 1
    # and the log goes on where it stopped
    assert led.append(NewEntry("view", "after")) == rep.tree_size
    led.close()
