"""Tampering with the ledger's rows directly in the database is found and named.

Each test appends through the real ledger, edits rows with SQL as an intruder with database
access would, then runs ``verify()`` and ``ecluse ledger verify`` (SQLite and PostgreSQL).
"""

from __future__ import annotations

import json
from itertools import pairwise
from pathlib import Path

import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from typer.testing import CliRunner

from ecluse.cli import app
from ecluse.installation import Installation
from ecluse.ledger import (
    EntryKind,
    Ledger,
    NewEntry,
    SignedCheckpoint,
    leaf_hash,
    ledger_for,
    public_key_text,
    verify_checkpoint,
)

runner = CliRunner()


def _fill(inst: Installation, n: int = 40) -> Ledger:
    led = Ledger(inst.engine, inst.keyring.signing_key, checkpoint_every=10)
    for i in range(0, n, 4):
        led.append_many(
            NewEntry(
                EntryKind.VIEW if j % 3 else EntryKind.REVEAL,
                f"agent-{j % 4}",
                subject=f"C-{j % 6:06d}",
                case_id=f"K-{j % 5}",
                details={"vendor": "atlas", "country": "MA", "fields": ["iban"], "n": j},
            )
            for j in range(i, min(i + 4, n))
        )
    led.close()
    return led


def _sql(inst: Installation, *statements: str) -> None:
    with inst.engine.begin() as conn:
        for s in statements:
            conn.execute(sa.text(s))


def _cli(inst: Installation, *args: str) -> tuple[int, str]:
    res = runner.invoke(app, ["--data-dir", str(inst.settings.data_dir), "ledger", *args])
    return res.exit_code, res.output


def _assert_cli_names(inst: Installation, index: int) -> None:
    code, out = _cli(inst, "verify")
    assert code == 1, out
    assert f"first bad entry {index}:" in out
    assert "Traceback" not in out


def test_intact_ledger_verifies_from_the_cli(inst: Installation) -> None:
    _fill(inst)
    code, out = _cli(inst, "verify")
    assert code == 0, out
    assert "ledger intact: 40 entries" in out
    code, out = _cli(inst, "verify", "--json")
    assert code == 0 and json.loads(out)["ok"] is True


def test_changed_details_are_named(inst: Installation) -> None:
    """GIVEN an intruder edits entry 17's details WHEN verified THEN entry 17 is named."""
    led = _fill(inst)
    _sql(inst, 'UPDATE ledger_entries SET details = \'{"vendor":"other"}\' WHERE idx = 17')
    rep = led.verify()
    assert not rep.ok and rep.first_bad_index == 17
    assert "changed" in rep.problems[0].what
    _assert_cli_names(inst, 17)


def test_each_changed_column_is_named(inst: Installation) -> None:
    led = _fill(inst)
    for column in ("actor", "subject", "kind", "case_id"):
        with inst.engine.begin() as conn:
            old = conn.execute(sa.text(f"SELECT {column} FROM ledger_entries WHERE idx = 9"))
            value = old.scalar_one()
            conn.execute(sa.text(f"UPDATE ledger_entries SET {column} = 'x' WHERE idx = 9"))
        assert led.verify().first_bad_index == 9, column
        with inst.engine.begin() as conn:
            conn.execute(
                sa.text(f"UPDATE ledger_entries SET {column} = :v WHERE idx = 9"), {"v": value}
            )
        assert led.verify().ok, column
    _sql(inst, "UPDATE ledger_entries SET case_id = NULL WHERE idx = 9")
    assert led.verify().first_bad_index == 9


def test_changed_time_is_named(inst: Installation) -> None:
    led = _fill(inst)
    with inst.engine.begin() as conn:
        t = conn.execute(sa.text("SELECT time FROM ledger_entries WHERE idx = 3")).scalar_one()
        conn.execute(sa.text("UPDATE ledger_entries SET time = :t WHERE idx = 30"), {"t": t})
    assert led.verify().first_bad_index == 30


def test_deleted_row_is_named(inst: Installation) -> None:
    led = _fill(inst)
    _sql(inst, "DELETE FROM ledger_entries WHERE idx = 23")
    rep = led.verify()
    assert rep.first_bad_index == 23
    assert "missing" in rep.problems[0].what
    _assert_cli_names(inst, 23)


def test_deleted_tail_is_named(inst: Installation) -> None:
    led = _fill(inst)
    _sql(inst, "DELETE FROM ledger_entries WHERE idx >= 37")
    assert led.verify().first_bad_index == 37
    _assert_cli_names(inst, 37)


def test_deleted_tail_with_head_rolled_back_is_caught_by_the_checkpoint(
    inst: Installation,
) -> None:
    led = _fill(inst)  # checkpoints at 12, 24, 36 (batches of 4, at least every 10)
    _sql(
        inst,
        "DELETE FROM ledger_entries WHERE idx >= 35",
        "UPDATE ledger_head SET tree_size = 35",
    )
    rep = led.verify()
    assert not rep.ok
    assert any("checkpoint of size 36" in p.what for p in rep.problems)


def test_swapped_rows_are_named(inst: Installation) -> None:
    """GIVEN rows 5 and 26 swap their contents WHEN verified THEN the lower one is named."""
    led = _fill(inst)
    cols = "time, kind, actor, subject, case_id, details, leaf_hash"
    with inst.engine.begin() as conn:
        a = conn.execute(sa.text(f"SELECT {cols} FROM ledger_entries WHERE idx = 5")).one()
        b = conn.execute(sa.text(f"SELECT {cols} FROM ledger_entries WHERE idx = 26")).one()
        setter = ", ".join(f"{c.strip()} = :{c.strip()}" for c in cols.split(","))
        upd = sa.text(f"UPDATE ledger_entries SET {setter} WHERE idx = :idx")
        conn.execute(upd, {**b._asdict(), "idx": 5})
        conn.execute(upd, {**a._asdict(), "idx": 26})
    rep = led.verify()
    assert rep.first_bad_index == 5
    assert {p.index for p in rep.problems} == {5, 26}
    _assert_cli_names(inst, 5)


def test_renumbered_rows_are_named(inst: Installation) -> None:
    led = _fill(inst)
    _sql(
        inst,
        "UPDATE ledger_entries SET idx = -1 WHERE idx = 11",
        "UPDATE ledger_entries SET idx = 11 WHERE idx = 12",
        "UPDATE ledger_entries SET idx = 12 WHERE idx = -1",
    )
    assert led.verify().first_bad_index == 11


def test_rewrite_with_a_fresh_leaf_hash_is_caught_by_the_next_checkpoint(
    inst: Installation,
) -> None:
    """GIVEN an intruder who also recomputes the leaf hash WHEN verified THEN the signed root
    of the next checkpoint no longer matches, and the range since the last good one is named."""
    led = _fill(inst)  # checkpoints at 12, 24, 36
    e = led.entry(25)
    forged = NewEntry(e.kind, "agent-9", e.subject, e.case_id, e.details, e.time)
    from ecluse.ledger._entries import canonical_details, leaf_bytes

    leaf = leaf_bytes(
        25, e.time, e.kind, forged.actor, e.subject, e.case_id, canonical_details(e.details)
    )
    with inst.engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE ledger_entries SET actor = 'agent-9', leaf_hash = :h WHERE idx = 25"),
            {"h": leaf_hash(leaf)},
        )
    rep = led.verify()
    assert not rep.ok
    assert rep.first_bad_index == 24
    assert "24..35" in rep.problems[0].what and "size 36" in rep.problems[0].what
    _assert_cli_names(inst, 24)


def test_forged_checkpoint_signature_is_rejected(inst: Installation, tmp_path: Path) -> None:
    led = _fill(inst)
    cp = led.checkpoint()
    pub = inst.keyring.verify_key
    assert verify_checkpoint(cp, pub)
    # A bigger size under the old signature, or another key's signature: both rejected.
    bumped = SignedCheckpoint(cp.tree_size + 1, cp.root_hash, cp.time, cp.key_id, cp.signature)
    assert not verify_checkpoint(bumped, pub)
    other = Ed25519PrivateKey.generate()
    forged = SignedCheckpoint(
        cp.tree_size, bytes(32), cp.time, cp.key_id, other.sign(bumped.message())
    )
    assert not verify_checkpoint(forged, pub)
    # In the database: verify() names it.
    with inst.engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE ledger_checkpoints SET signature = :s WHERE tree_size = 24"),
            {"s": other.sign(b"x")},
        )
    rep = led.verify()
    assert rep.first_bad_index == 24 and "signature" in rep.problems[0].what
    # Offline, as an auditor: the CLI rejects the forged file.
    (tmp_path / "pub.txt").write_text(public_key_text(pub))
    (tmp_path / "good.json").write_text(cp.dumps())
    (tmp_path / "forged.json").write_text(forged.dumps())
    res = runner.invoke(
        app,
        [
            "ledger",
            "verify-checkpoint",
            str(tmp_path / "good.json"),
            "--public-key",
            str(tmp_path / "pub.txt"),
        ],
    )
    assert res.exit_code == 0, res.output
    res = runner.invoke(
        app,
        [
            "ledger",
            "verify-checkpoint",
            str(tmp_path / "forged.json"),
            "--public-key",
            public_key_text(pub),
        ],
    )
    assert res.exit_code == 1 and "signature does not verify" in res.output


def test_auditor_checks_growth_and_inclusion_with_cli_output_only(
    inst: Installation, tmp_path: Path
) -> None:
    """GIVEN two published checkpoints WHEN the auditor gets a consistency proof THEN it verifies
    offline; a proof for a different size does not."""
    _fill(inst, 13)
    _, old = _cli(inst, "checkpoint", "--new")
    _fill(inst, 21)
    _, new = _cli(inst, "checkpoint", "--new")
    _, pub = _cli(inst, "public-key")
    assert json.loads(new)["tree_size"] == 34
    _, cons = _cli(inst, "prove", "--old", "13", "--size", "34")
    _, incl = _cli(inst, "prove", "--index", "20")
    for name, text in [("old", old), ("new", new), ("pub", pub), ("cons", cons), ("incl", incl)]:
        (tmp_path / f"{name}.json").write_text(text)
    p = {n: str(tmp_path / f"{n}.json") for n in ("old", "new", "pub", "cons", "incl")}
    base = ["ledger", "verify-checkpoint", p["new"], "--public-key", p["pub"]]
    res = runner.invoke(app, [*base, "--previous", p["old"], "--proof", p["cons"]])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, [*base, "--proof", p["incl"]])
    assert res.exit_code == 0, res.output
    res = runner.invoke(
        app,
        ["ledger", "verify-checkpoint", p["old"], "--public-key", p["pub"], "--proof", p["incl"]],
    )
    assert res.exit_code == 1
    res = runner.invoke(app, [*base, "--proof", p["cons"]])  # no --previous
    assert res.exit_code == 2 and "needs --previous" in res.output
    (tmp_path / "bad.json").write_text('{"tree_size": 3,')
    res = runner.invoke(
        app, ["ledger", "verify-checkpoint", str(tmp_path / "bad.json"), "--public-key", p["pub"]]
    )
    assert res.exit_code == 2 and "bad.json:1" in res.output and "Traceback" not in res.output


def test_show_lists_entries_without_tracebacks(inst: Installation) -> None:
    _fill(inst, 12)
    code, out = _cli(inst, "show", "--subject", "C-000001", "--json")
    assert code == 0
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["index"] for r in rows] == [1, 7]
    code, out = _cli(inst, "show", "--limit", "3")
    assert code == 0 and "reveal" in out
    code, out = _cli(inst, "prove", "--index", "99")
    assert code == 2 and "index 99" in out
    ledger_for(inst).close()


def test_parallel_chunked_verification_finds_the_same_as_one_pass(inst: Installation) -> None:
    """GIVEN a log scanned by 2 worker processes in aligned chunks of 8 WHEN intact THEN it
    gives the same root; WHEN tampered in three ways THEN it gives the same report."""
    led = _fill(inst, 70)  # checkpoints at 12, 24, 36, 48, 60
    from ecluse.ledger._verify import verify_ledger

    pub = inst.keyring.verify_key
    par = verify_ledger(inst.engine, pub, workers=2, chunk=8)
    seq = verify_ledger(inst.engine, pub, workers=1)
    assert par.ok and seq.ok and par.root_hash == seq.root_hash == led.root()
    assert par.checkpoints_checked == seq.checkpoints_checked == 6
    e = led.entry(27)
    from ecluse.ledger._entries import canonical_details, leaf_bytes

    leaf = leaf_bytes(
        27, e.time, e.kind, "agent-9", e.subject, e.case_id, canonical_details(e.details)
    )
    with inst.engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE ledger_entries SET actor = 'agent-9', leaf_hash = :h WHERE idx = 27"),
            {"h": leaf_hash(leaf)},
        )
    _sql(
        inst,
        "UPDATE ledger_entries SET details = '{}' WHERE idx = 40",
        "DELETE FROM ledger_entries WHERE idx = 53",
    )
    par = verify_ledger(inst.engine, pub, workers=2, chunk=8)
    seq = verify_ledger(inst.engine, pub, workers=1)
    assert par.problems == seq.problems
    assert [p.index for p in seq.problems][:3] == [24, 40, 53]


@pytest.mark.parametrize("block", [1, 2, 4, 8, 16, 64])
def test_bulk_blocks_of_any_size_give_the_one_pass_result(inst: Installation, block: int) -> None:
    """GIVEN a log checked in bulk blocks of 1..64 entries (checkpoints inside blocks and on
    their edges) WHEN intact THEN the root and checkpoints agree with the row-by-row pass;
    WHEN a row is changed, a row deleted and a newline slipped into details THEN the report is
    the same as the row-by-row pass gives."""
    from ecluse.ledger import _scan
    from ecluse.ledger._verify import verify_ledger

    led = _fill(inst, 70)  # checkpoints at 12, 24, 36, 48, 60 and a later one
    pub = inst.keyring.verify_key
    rep = verify_ledger(inst.engine, pub, block=block)
    assert rep.ok and rep.root_hash == led.root() and rep.checkpoints_checked == 6
    assert rep.rechecked == 0
    _sql(
        inst,
        "UPDATE ledger_entries SET actor = 'agent-9' WHERE idx = 21",
        'UPDATE ledger_entries SET details = \'{"vendor":\n"atlas"}\' WHERE idx = 33',
        "DELETE FROM ledger_entries WHERE idx = 46",
        "DELETE FROM ledger_entries WHERE idx = 47",
    )
    bulk = verify_ledger(inst.engine, pub, block=block)
    # The reference: every block scanned row by row, as the bulk path falls back to.
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(_scan, "read_blocks", lambda _e, spans: ((s, None) for s in spans))
        rows = verify_ledger(inst.engine, pub, block=block)
    assert bulk.problems == rows.problems
    assert [p.index for p in bulk.problems] == [21, 33, 46]
    assert "entries 46..47 are gone" in bulk.problems[2].what


@pytest.mark.parametrize(("start", "stop"), [(0, 1), (0, 100_000), (65_536, 131_075), (0, 16_384)])
def test_bulk_spans_cover_the_range_aligned_and_small_at_both_ends(start: int, stop: int) -> None:
    """GIVEN a range and 16,384-entry blocks WHEN split into spans THEN they cover it in order,
    each at most a block and aligned on its size (whole subtrees), the first and last small."""
    from ecluse.ledger._scan import _spans

    spans = _spans(start, stop, 1 << 14)
    assert spans[0][0] == start and spans[-1][1] == stop
    assert all(b == c for (_, b), (c, _) in pairwise(spans))
    for a, b in spans:
        size = 1 << (b - a - 1).bit_length()  # the span's power of two (the last may be short)
        assert b - a <= 1 << 14 and (a - start) % size == 0
    assert spans[0][1] - spans[0][0] <= 1024 and spans[-1][1] - spans[-1][0] <= 1024
