"""The ledger on SQLite and PostgreSQL: appends, checkpoints, reads, proofs."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy.engine import Engine

from ecluse.errors import InputError, NotFound
from ecluse.installation import Installation
from ecluse.ledger import (
    ClearDataError,
    EntryKind,
    Ledger,
    NewEntry,
    ledger_for,
    root_of,
    verify_checkpoint,
    verify_consistency,
    verify_inclusion,
)

KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))


def view(i: int, **kw: object) -> NewEntry:
    args: dict[str, object] = {
        "kind": EntryKind.VIEW,
        "actor": f"agent-{i % 3}",
        "subject": f"C-{i % 5:06d}",
        "case_id": f"K-{i % 4}",
        "details": {"vendor": "atlas", "country": "MA", "fields": ["phone"], "n": i},
    }
    args.update(kw)
    return NewEntry(**args)  # type: ignore[arg-type]


@pytest.fixture
def led(engine: Engine) -> Iterator[Ledger]:
    ledger = Ledger(engine, KEY, checkpoint_every=10)
    yield ledger
    ledger.close()


def test_appends_get_consecutive_indexes_and_read_back(led: Ledger) -> None:
    assert led.size() == 0
    assert led.append(view(0)) == 0
    assert led.append_many([view(1), view(2)]) == [1, 2]
    assert led.append_many([]) == []
    e = led.entry(1)
    assert (e.kind, e.actor, e.subject, e.case_id) == ("view", "agent-1", "C-000001", "K-1")
    assert e.details == {"vendor": "atlas", "country": "MA", "fields": ["phone"], "n": 1}
    assert e.time.tzinfo is not None
    assert root_of(x.leaf_hash for x in led.entries()) == led.root()
    with pytest.raises(NotFound):
        led.entry(3)


def test_a_large_batch_is_stored_whole_and_in_order(led: Ledger) -> None:
    """GIVEN 301 entries in one call (several multi-row inserts) WHEN read back THEN every one
    is at its index with its content, and the log verifies."""
    assert led.append(view(0)) == 0
    assert led.append_many(view(i) for i in range(1, 302)) == list(range(1, 302))
    got = led.entries()
    assert [e.index for e in got] == list(range(302))
    assert [e.details["n"] for e in got] == list(range(302))
    rep = led.verify()
    assert rep.ok and rep.root_hash == led.root() == root_of(e.leaf_hash for e in got)


def test_a_bad_entry_rejects_the_whole_batch(led: Ledger) -> None:
    led.append(view(0))
    with pytest.raises(ClearDataError, match="ledger entry 2"):
        led.append_many([view(1), view(2, details={"to": "a.b@example.org"})])
    assert led.size() == 1
    assert led.append(view(3)) == 1


def test_checkpoints_every_n_entries_and_on_demand(led: Ledger) -> None:
    assert led.latest_checkpoint() is None
    for i in range(25):
        led.append(view(i))
    sizes = [cp.tree_size for cp in led.checkpoints()]
    assert sizes == [10, 20]
    cp = led.checkpoint()
    assert cp.tree_size == 25 and verify_checkpoint(cp, KEY.public_key())
    assert led.checkpoint() == cp  # nothing new: the same checkpoint, no duplicate
    assert led.latest_checkpoint() == cp
    assert cp.root_hash == led.root()


def test_checkpoint_when_the_last_one_is_older_than_the_period(engine: Engine) -> None:
    # A period long enough that the first append is never itself late on a loaded machine.
    led = Ledger(engine, KEY, checkpoint_every=1000, checkpoint_seconds=1.0)
    led.close()  # no timer: this checks the check made inside the append transaction
    led.checkpoint()  # the empty tree
    led.append(view(0))
    time.sleep(1.1)
    led.append(view(1))  # due by time: signed in the same transaction
    assert [cp.tree_size for cp in led.checkpoints()] == [0, 2]


def test_timer_signs_a_checkpoint_when_appends_stop(engine: Engine) -> None:
    """GIVEN a quiet ledger WHEN an entry is appended THEN a timer signs it shortly after."""
    led = Ledger(engine, KEY, checkpoint_every=1000, checkpoint_seconds=0.1)
    led.append(view(0))
    deadline = time.monotonic() + 5
    while led.latest_checkpoint() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    cp = led.latest_checkpoint()
    assert cp is not None and cp.tree_size == 1
    led.close()


def test_filters_for_who_saw_my_data_and_the_browser(led: Ledger) -> None:
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    led.append_many([view(i, time=t0 + timedelta(hours=i)) for i in range(20)])
    led.append(view(20, kind=EntryKind.REVEAL, details={"fields": ["iban"], "reason": "R-7"}))
    mine = led.entries_for_subject("C-000002")
    assert [e.index for e in mine] == [2, 7, 12, 17]
    assert [e.index for e in led.entries_for_case("K-3")] == [3, 7, 11, 15, 19]
    assert [e.index for e in led.entries(kind="reveal")] == [20]
    assert [e.index for e in led.entries(kind=["reveal", "view"], limit=2, newest_first=True)] == [
        20,
        19,
    ]
    window = led.entries(since=t0 + timedelta(hours=3), until=t0 + timedelta(hours=6))
    assert [e.index for e in window] == [3, 4, 5]
    assert [e.index for e in led.entries(actor="agent-0", start=10, stop=16)] == [12, 15]
    assert [e.index for e in led.iter_entries(batch=4, subject="C-000000")] == [0, 5, 10, 15, 20]
    assert led.entries_for_subject("C-000002", since=t0 + timedelta(hours=8))[0].index == 12


def test_inclusion_proofs_verify_against_checkpoints(led: Ledger) -> None:
    led.append_many([view(i) for i in range(23)])
    for cp in led.checkpoints():
        for index in range(cp.tree_size):
            proof = led.inclusion_proof(index, cp.tree_size)
            assert proof.verify(cp.root_hash)
            assert proof.leaf_hash == led.entry(index).leaf_hash
            assert verify_inclusion(proof.leaf_hash, index, cp.tree_size, proof.path, cp.root_hash)
    proof = led.inclusion_proof(5)
    assert proof.tree_size == 23 and proof.verify(led.root())
    forged = proof.leaf.replace(b"agent-2", b"agent-1")
    assert not verify_inclusion(root_of([]), 5, 23, proof.path, led.root())
    assert forged != proof.leaf
    with pytest.raises(InputError):
        led.inclusion_proof(23)
    with pytest.raises(InputError):
        led.inclusion_proof(0, 24)


def test_consistency_between_two_checkpoints(led: Ledger) -> None:
    """GIVEN two signed checkpoints WHEN an auditor checks the proof THEN the log only grew."""
    led.append_many([view(i) for i in range(7)])
    old = led.checkpoint()
    led.append_many([view(i) for i in range(7, 31)])
    new = led.checkpoint()
    proof = led.consistency_proof(old.tree_size, new.tree_size)
    assert verify_checkpoint(old, KEY.public_key()) and verify_checkpoint(new, KEY.public_key())
    assert proof.verify(old.root_hash, new.root_hash)
    assert verify_consistency(
        old.tree_size, new.tree_size, old.root_hash, new.root_hash, proof.path
    )
    assert not proof.verify(new.root_hash, old.root_hash)
    for a in range(0, 31, 3):
        for b in range(a, 32, 5):
            p = led.consistency_proof(a, b)
            ra = root_of(e.leaf_hash for e in led.entries(stop=a))
            rb = root_of(e.leaf_hash for e in led.entries(stop=b))
            assert p.verify(ra, rb), (a, b)


def test_verify_passes_on_an_intact_ledger(led: Ledger) -> None:
    for start in range(0, 57, 5):  # one transaction each: a checkpoint at 10, 20, ... 50
        led.append_many([view(i) for i in range(start, min(start + 5, 57))])
    led.checkpoint()
    seen: list[tuple[int, int]] = []
    rep = led.verify(lambda done, total: seen.append((done, total)))
    assert rep.ok and rep.first_bad_index is None
    assert (rep.tree_size, rep.entries_checked, rep.checkpoints_checked) == (57, 57, 6)
    assert rep.root_hash == led.root()
    assert seen[-1] == (57, 57)


def test_verify_on_an_empty_ledger(led: Ledger) -> None:
    led.checkpoint()
    rep = led.verify()
    assert rep.ok and rep.tree_size == 0 and rep.checkpoints_checked == 1


def test_ledger_for_is_cached_per_installation(inst: Installation) -> None:
    a = ledger_for(inst)
    assert ledger_for(inst) is a
    a.append(view(0))
    assert verify_checkpoint(a.checkpoint(), inst.keyring.verify_key)
    a.append(view(1))  # arms the checkpoint timer...
    inst.engine.dispose()  # ...which disposing the engine cancels
    assert a._timer is None


def test_verify_fast_path_agrees_with_the_canonical_form(led: Ledger) -> None:
    """The leaf text the database builds equals the Python definition for awkward text."""
    odd = ['quote " back \\ slash', "tab\tnew\nline\r\x01\x1f\x7f", "é ü ß 😀 \u2028 ∑", ""]
    led.append_many(
        NewEntry(
            EntryKind.DECISION,
            f"agent {o[:5]!s}x",
            subject=f"C-{i}",
            case_id=None if i % 2 else f"K-{o[:3]}",
            details={"reason": o, "n": [i, None, True, 1.5], "nested": {"z": o, "a": {}}},
        )
        for i, o in enumerate(odd)
    )
    rep = led.verify()
    assert rep.ok, rep.problems
    assert rep.rechecked == 0


def test_tables_made_without_the_migration_start_an_empty_log(engine: Engine) -> None:
    """GIVEN the head row is absent (tables from metadata.create_all) WHEN appending THEN a log
    starts at 0; but a log that has entries is never silently restarted."""
    import sqlalchemy as sa

    from ecluse.errors import EcluseError

    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM ledger_head"))
    led = Ledger(engine, KEY)
    assert led.size() == 0 and led.verify().ok
    assert led.append(view(0)) == 0
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM ledger_head"))
    assert not led.verify().ok  # entry 0 stored beyond an empty head
    with pytest.raises(EcluseError, match="head row is missing"):
        led.append(view(1))
    led.close()
