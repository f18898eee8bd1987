"""Writer turns: processes appending to one SQLite ledger queue in the kernel for the lock."""

from __future__ import annotations

import stat
import subprocess
import sys
import time
from pathlib import Path

from ecluse.ledger._turns import WriterTurns

_HOLDER = """
import sys, time
from ecluse.ledger._turns import WriterTurns
turns = WriterTurns(sys.argv[1])
with turns.turn():
    print("holding", flush=True)
    time.sleep(float(sys.argv[2]))
"""


def test_a_turn_waits_for_another_process_and_starts_when_it_ends(tmp_path: Path) -> None:
    """GIVEN another process holding the turn for 0.8 s WHEN this one asks for it THEN it
    gets it only once the other has let go, without polling delays on top."""
    db = str(tmp_path / "ecluse.db")
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, db, "0.8"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "holding"
        asked = time.monotonic()
        turns = WriterTurns(db)
        with turns.turn():
            waited = time.monotonic() - asked
            assert holder.poll() is not None or waited >= 0.5, "the turn did not wait"
        turns.close()
    finally:
        holder.communicate(timeout=30)
    assert waited < 10


def test_the_turn_file_is_private_and_memory_databases_need_none(tmp_path: Path) -> None:
    """GIVEN a file database WHEN a turn is taken THEN its lock file beside the database is
    readable by the owner only; GIVEN an in-memory database THEN no file is made."""
    db = tmp_path / "ecluse.db"
    turns = WriterTurns(str(db))
    with turns.turn():
        pass
    turns.close()
    lock = tmp_path / "ecluse.db-ledger.lock"
    assert stat.S_IMODE(lock.stat().st_mode) == 0o600
    for memory in (None, ":memory:"):
        with WriterTurns(memory).turn():
            pass
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ecluse.db-ledger.lock"]
