"""Ledger benchmark: durable appends with group commit, and full verification.

    .venv/bin/python bench/ledger.py [--seconds 4] [--threads 16] [--entries 200000] [--no-pg]

For SQLite (WAL, synchronous=FULL) and PostgreSQL (ECLUSE_BENCH_PG_URL, default the test
server) it measures, in the same run:

* durable appends/s from T threads with group commit, against the baseline of one
  transaction (one fsync) per append; also the mean number of entries per commit;
* verification entries/s (``Ledger.verify``: every leaf, the tree, every checkpoint), against
  a straightforward baseline that loads every entry, re-serialises it with ``json.dumps`` and
  recomputes the root recursively as RFC 6962 defines it.

It prints a calibration line (single-core SHA-256 rate, load average) because the figures
scale with the machine and with what else runs on it.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import quote

import psycopg
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy.engine import Engine

from ecluse.db import create_engine, migrate
from ecluse.ledger import EntryKind, Ledger, NewEntry

PG_URL = os.environ.get("ECLUSE_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))


def entry(i: int) -> NewEntry:
    return NewEntry(
        EntryKind.REVEAL if i % 7 == 0 else EntryKind.VIEW,
        f"agent-{i % 400:04d}",
        subject=f"C-{i % 250_000:07d}",
        case_id=f"K-{i % 90_000:06d}",
        details={
            "vendor": "atlas-contact",
            "site": "casablanca-1",
            "country": "MA",
            "fields": ["phone", "iban"],
            "purpose": "invoice_explanation",
        },
    )


@contextmanager
def sqlite_engine() -> Iterator[Engine]:
    with tempfile.TemporaryDirectory() as d:
        eng = create_engine(f"sqlite:///{d}/ledger.db")
        migrate(eng)
        yield eng
        eng.dispose()


@contextmanager
def pg_engine() -> Iterator[Engine]:
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    sep = "&" if "?" in PG_URL else "?"
    eng = create_engine(f"{PG_URL}{sep}options={quote(f'-csearch_path={schema}')}")
    try:
        migrate(eng)
        yield eng
    finally:
        eng.dispose()
        with psycopg.connect(PG_URL, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def appends_per_second(led: Ledger, threads: int, seconds: float) -> tuple[float, float]:
    """Appends/s from ``threads`` callers for ``seconds``, and mean entries per commit."""
    stop = time.perf_counter() + seconds
    counts = [0] * threads
    commits0 = led.commits

    def work(t: int) -> None:
        i = t * 10_000_000
        while time.perf_counter() < stop:
            led.append(entry(i))
            i += 1
            counts[t] += 1

    start = time.perf_counter()
    workers = [threading.Thread(target=work, args=(t,)) for t in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    elapsed = time.perf_counter() - start
    total = sum(counts)
    return total / elapsed, total / max(1, led.commits - commits0)


def naive_root(leaves: list[bytes]) -> bytes:
    """MTH exactly as RFC 6962 section 2.1 writes it (recursive, list slices)."""
    n = len(leaves)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return hashlib.sha256(b"\x00" + leaves[0]).digest()
    k = 1 << ((n - 1).bit_length() - 1)
    return hashlib.sha256(b"\x01" + naive_root(leaves[:k]) + naive_root(leaves[k:])).digest()


def naive_verify(led: Ledger) -> bool:
    """The straightforward way: load every entry, re-serialise, compare, recompute the root."""
    leaves = []
    ok = True
    for e in led.iter_entries(batch=20_000):
        doc = {
            "index": e.index,
            "time": e.to_json()["time"],
            "kind": e.kind,
            "actor": e.actor,
            "subject": e.subject,
            "case_id": e.case_id,
            "details": e.details,
        }
        leaf = json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
        ok &= hashlib.sha256(b"\x00" + leaf).digest() == e.leaf_hash
        leaves.append(leaf)
    return ok and naive_root(leaves) == led.root()


def fill(led: Ledger, n: int) -> float:
    start = time.perf_counter()
    done = led.size()
    while done < n:
        batch = min(10_000, n - done)
        led.append_many(entry(i) for i in range(done, done + batch))
        done += batch
    return n / (time.perf_counter() - start)


def calibrate() -> str:
    leaf = b"x" * 260
    start = time.perf_counter()
    for _ in range(200_000):
        hashlib.sha256(b"\x00" + leaf).digest()
    rate = 200_000 / (time.perf_counter() - start)
    load = os.getloadavg()
    return (
        f"calibration: {rate:,.0f} SHA-256/s of a 260-byte leaf on one core; "
        f"load average {load[0]:.1f} on {os.cpu_count()} CPUs"
    )


def run(name: str, engine: Engine, args: argparse.Namespace) -> list[str]:
    rows = []
    base_led = Ledger(engine, KEY, group_commit=False)
    base, _ = appends_per_second(base_led, args.threads, args.seconds)
    base_led.close()
    led = Ledger(engine, KEY)
    for threads in sorted({args.threads, 4 * args.threads, 16 * args.threads}):
        rate, group = appends_per_second(led, threads, args.seconds)
        rows.append(
            f"| {name} | durable appends/s, {threads} threads, group commit | {rate:,.0f} "
            f"| {base:,.0f} (one commit per append, {args.threads} threads) | {rate / base:.1f}x "
            f"| {group:.1f} entries/commit |"
        )
        print(rows[-1], flush=True)
    n = args.entries if name == "SQLite" else args.entries // 2
    bulk = fill(led, n)
    size = led.size()
    timings = {}
    for workers in (1, os.cpu_count() or 1):
        start = time.perf_counter()
        report = led.verify(workers=workers)
        timings[workers] = size / (time.perf_counter() - start)
        assert report.ok, report.problems
    start = time.perf_counter()
    assert naive_verify(led)
    naive = size / (time.perf_counter() - start)
    for workers, ours in timings.items():
        rows.append(
            f"| {name} | verification entries/s ({size:,} entries, {workers} process"
            f"{'es' if workers > 1 else ''}) | {ours:,.0f} "
            f"| {naive:,.0f} (load all, json.dumps, recursive MTH) | {ours / naive:.1f}x "
            f"| bulk load {bulk:,.0f} entries/s |"
        )
        print(rows[-1], flush=True)
    led.close()
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=4.0, help="per append measurement")
    ap.add_argument("--threads", type=int, default=16, help="appending threads")
    ap.add_argument("--entries", type=int, default=200_000, help="entries to verify (SQLite)")
    ap.add_argument("--no-pg", action="store_true", help="skip PostgreSQL")
    args = ap.parse_args()
    print(calibrate())
    print("| backend | what | Ecluse | baseline (same run) | ratio | note |")
    print("|---|---|---|---|---|---|")
    with sqlite_engine() as eng:
        run("SQLite", eng, args)
    if args.no_pg:
        return
    try:
        psycopg.connect(PG_URL, connect_timeout=3).close()
    except psycopg.OperationalError as exc:
        print(f"PostgreSQL not reachable at {PG_URL}: skipped ({type(exc).__name__})")
        return
    with pg_engine() as eng:
        run("PostgreSQL", eng, args)
    print(calibrate())


if __name__ == "__main__":
    main()
