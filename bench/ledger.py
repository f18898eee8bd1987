"""Ledger benchmark: durable appends with group commit, and full verification.

    .venv/bin/python bench/ledger.py [--seconds 4] [--threads 16] [--entries 200000] [--no-pg]
                                     [--write]

For SQLite (WAL, synchronous=FULL) and PostgreSQL (ECLUSE_BENCH_PG_URL, default the test
server) it measures, in the same run:

* durable appends/s from T threads with group commit, against the baseline of one
  transaction (one fsync) per append; also the mean number of entries per commit;
* verification entries/s (``Ledger.verify``: every leaf, the tree, every checkpoint), against
  a straightforward baseline that loads every entry, re-serialises it with ``json.dumps`` and
  recomputes the root recursively as RFC 6962 defines it.

Next to each rate it prints the CPU time this process spent per entry (user + system, all its
threads; a PostgreSQL server's own CPU is not in it), which load distorts less than the rate.
It prints the machine, the load average at start and a calibration line (single-core SHA-256
rate) because the figures scale with the machine and with what else runs on it. ``--write``
puts the table in the "Ledger (bench/ledger.py)" section of docs/benchmarks.md.

Targets (issue #3): >= 20,000 durable appends/s and >= 500,000 verified entries/s on 2 cores.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from urllib.parse import quote

import psycopg
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy.engine import Engine

from _common import machine, write_section
from ecluse.db import create_engine, migrate
from ecluse.ledger import EntryKind, Ledger, NewEntry

PG_URL = os.environ.get("ECLUSE_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
SECTION = "Ledger (bench/ledger.py)"


def cpu_seconds() -> float:
    """User + system CPU of this process so far, every thread included."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


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
    """Append in batches of 10,000 until the log holds ``n`` entries; entries added per second
    (0 when the appends measured before already made it that long)."""
    start = time.perf_counter()
    first = done = led.size()
    while done < n:
        batch = min(10_000, n - done)
        led.append_many(entry(i) for i in range(done, done + batch))
        done += batch
    return (done - first) / (time.perf_counter() - start)


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


def measured_appends(led: Ledger, threads: int, seconds: float) -> tuple[float, float, float]:
    """:func:`appends_per_second` plus this process's CPU microseconds per append."""
    cpu = cpu_seconds()
    rate, group = appends_per_second(led, threads, seconds)
    return rate, group, (cpu_seconds() - cpu) * 1e6 / max(1.0, rate * seconds)


def measured(fn: Callable[[], object], n: int) -> tuple[float, float]:
    """Entries/s of ``fn`` over ``n`` entries, and this process's CPU microseconds per entry."""
    cpu, start = cpu_seconds(), time.perf_counter()
    fn()
    return n / (time.perf_counter() - start), (cpu_seconds() - cpu) * 1e6 / n


def run(name: str, engine: Engine, args: argparse.Namespace) -> list[str]:
    rows = []
    base_led = Ledger(engine, KEY, group_commit=False)
    base, _, base_cpu = measured_appends(base_led, args.threads, args.seconds)
    base_led.close()
    led = Ledger(engine, KEY)
    for threads in sorted({args.threads, 4 * args.threads, 16 * args.threads}):
        rate, group, cpu = measured_appends(led, threads, args.seconds)
        rows.append(
            f"| {name} | durable appends/s, {threads} threads, group commit | {rate:,.0f} "
            f"| {base:,.0f} (one commit per append, {args.threads} threads) | {rate / base:.1f}x "
            f"| {group:.1f} entries/commit; CPU {cpu:.0f} us/append (baseline {base_cpu:.0f}) |"
        )
        print(rows[-1], flush=True)
    n = args.entries if name == "SQLite" else args.entries // 2
    bulk = fill(led, n)
    size = led.size()
    timings = {}
    for workers in (1, os.cpu_count() or 1):
        timings[workers] = measured(lambda w=workers: check(led.verify(workers=w)), size)
    naive, naive_cpu = measured(lambda: check(naive_verify(led)), size)
    for workers, (ours, cpu) in timings.items():
        rows.append(
            f"| {name} | verification entries/s ({size:,} entries, verify(workers={workers}))"
            f" | {ours:,.0f} "
            f"| {naive:,.0f} (load all, json.dumps, recursive MTH) | {ours / naive:.1f}x "
            f"| CPU {cpu:.2f} us/entry (baseline {naive_cpu:.2f})"
            + (f"; bulk load {bulk:,.0f}/s |" if bulk else " |")
        )
        print(rows[-1], flush=True)
    led.close()
    return rows


def check(result: object) -> None:
    ok = getattr(result, "ok", result)
    if ok is not True:
        sys.exit(f"verification failed: {getattr(result, 'problems', result)}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=4.0, help="per append measurement")
    ap.add_argument("--threads", type=int, default=16, help="appending threads")
    ap.add_argument("--entries", type=int, default=200_000, help="entries to verify (SQLite)")
    ap.add_argument("--no-pg", action="store_true", help="skip PostgreSQL")
    ap.add_argument("--write", action="store_true", help="update docs/benchmarks.md")
    args = ap.parse_args()
    started = machine()
    print(started)
    calibration = [calibrate()]
    print(calibration[0])
    header = (
        "| backend | what | Ecluse | baseline (same run) | ratio | note |\n"
        "|---|---|---:|---|---:|---|"
    )
    print(header)
    with sqlite_engine() as eng:
        rows = run("SQLite", eng, args)
    if not args.no_pg:
        try:
            psycopg.connect(PG_URL, connect_timeout=3).close()
        except psycopg.OperationalError as exc:
            print(f"PostgreSQL not reachable at {PG_URL}: skipped ({type(exc).__name__})")
        else:
            with pg_engine() as eng:
                rows += run("PostgreSQL", eng, args)
    calibration.append(calibrate())
    print(calibration[1])
    if args.write:
        command = (
            f"`.venv/bin/python bench/ledger.py --seconds {args.seconds:g} --threads "
            f"{args.threads} --entries {args.entries}{' --no-pg' if args.no_pg else ''} --write`"
        )
        body = "\n".join(
            [
                f"Command: {command}",
                "",
                f"Machine: {started}; SQLite in WAL with `synchronous=FULL`, PostgreSQL "
                "(`synchronous_commit` on) on the same machine.",
                "Calibration before and after: "
                + " / ".join(c.removeprefix("calibration: ") for c in calibration)
                + " (an idle core does about 1.5 M/s: the rates scale with what else runs).",
                "CPU is this process's user + system time per entry, all threads (not a "
                "PostgreSQL server's). Targets: 20,000 durable appends/s, 500,000 verified "
                "entries/s. Figures before the issue #3 work: docs/ledger.md, Performance.",
                "",
                header,
                *rows,
            ]
        )
        write_section(SECTION, body)


if __name__ == "__main__":
    main()
