"""Per-request session resolution against a plain primary-key read, same run, both databases.

    .venv/bin/python bench/org_sessions.py [--sessions 2000] [--calls 5000] [--pg-url URL]
                                           [--no-write]

``resolve_session`` (token digest → session ⋈ person ⋈ vendor ⋈ site, expiry, leaver and
contract checks, building the Principal) is timed against the baseline of reading the same
person's row by primary key with no checks, on SQLite and, when reachable, PostgreSQL. Also
the worst case where every call refreshes last-seen (a write), and a login (argon2id at the
default cost) against a bare argon2 verification.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import psycopg
import sqlalchemy as sa
from sqlalchemy.engine import Engine

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine, percentile, write_section
from ecluse.db import create_engine, migrate, utcnow
from ecluse.keys import Keyring
from ecluse.org import (
    DEFAULT_POLICY,
    AccountPolicy,
    authenticate,
    list_people,
    resolve_session,
    seed_demo_organisation,
    set_password,
)
from ecluse.org import _tables as t
from ecluse.vocabulary import Role

CHEAP = AccountPolicy(argon2_time_cost=1, argon2_memory_kib=1024)
# For the write path: clocks far apart, sessions that outlive them.
LONG = AccountPolicy(
    argon2_time_cost=1,
    argon2_memory_kib=1024,
    session_idle=timedelta(days=365),
    session_absolute=timedelta(days=3650),
)
PASSWORD = "bench passphrase 0123"
KEYRING = Keyring.ephemeral()  # TOTP seeds are sealed; the bench needs no key files


def timed(fn: Callable[[int], object], calls: int) -> list[float]:
    out = []
    for i in range(calls):
        start = time.perf_counter()
        fn(i)
        out.append(time.perf_counter() - start)
    return out


def run(engine: Engine, sessions: int, calls: int) -> dict[str, list[float]]:
    migrate(engine)
    seed_demo_organisation(engine, random.Random(1), policy=CHEAP, keyring=KEYRING)
    agents = list_people(engine, role=Role.AGENT)
    for a in agents:
        set_password(engine, a.id, PASSWORD, policy=CHEAP)
    now = utcnow()
    tokens: list[tuple[str, int]] = []
    for i in range(sessions):
        who = agents[i % len(agents)]
        tokens.append(
            (
                authenticate(
                    engine, who.email, PASSWORD, now=now, policy=LONG, keyring=KEYRING
                ).token,
                who.id,
            )
        )
    rng = random.Random(2)
    picks = [tokens[rng.randrange(sessions)] for _ in range(calls)]
    read_at = now + timedelta(seconds=10)  # within the touch interval: a pure read
    baseline_query = sa.select(t.people).where(t.people.c.id == sa.bindparam("pid"))

    def baseline(i: int) -> object:
        with engine.connect() as conn:
            return conn.execute(baseline_query, {"pid": picks[i][1]}).first()

    def resolve(i: int) -> object:
        return resolve_session(engine, picks[i][0], now=read_at, policy=CHEAP)

    def resolve_touch(i: int) -> object:
        # 61 s after the previous call: every call writes the last-seen time.
        at = now + timedelta(seconds=61 * (i + 1))
        return resolve_session(engine, picks[i][0], now=at, policy=LONG)

    timed(baseline, min(calls, 500))  # warm-up: connections, statement caches
    timed(resolve, min(calls, 500))
    results = {"baseline": timed(baseline, calls), "resolve": timed(resolve, calls)}
    results["resolve_touch"] = timed(resolve_touch, min(calls, 1000))
    return results


def login_costs(engine: Engine, calls: int) -> tuple[list[float], list[float]]:
    [agent] = list_people(engine, role=Role.AGENT)[:1]
    set_password(engine, agent.id, PASSWORD, policy=DEFAULT_POLICY)
    stored = DEFAULT_POLICY.hasher.hash(PASSWORD)
    bare = timed(lambda _: DEFAULT_POLICY.hasher.verify(stored, PASSWORD), calls)
    full = timed(lambda _: authenticate(engine, agent.email, PASSWORD, keyring=KEYRING), calls)
    return bare, full


def pg_schema_url(server: str) -> tuple[str, str] | None:
    try:
        psycopg.connect(server, connect_timeout=3).close()
    except psycopg.OperationalError:
        return None
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    sep = "&" if "?" in server else "?"
    return f"{server}{sep}options={quote(f'-csearch_path={schema}')}", schema


def us(values: list[float], q: float | None = None) -> float:
    return 1e6 * (percentile(values, q) if q else sum(values) / len(values))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sessions", type=int, default=2000)
    parser.add_argument("--calls", type=int, default=5000)
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--no-write", action="store_true", help="do not update the docs")
    args = parser.parse_args()

    tmp = tempfile.TemporaryDirectory()
    backends: list[tuple[str, str, str | None]] = [
        ("SQLite (WAL, synchronous=FULL)", f"sqlite:///{Path(tmp.name) / 'bench.db'}", None)
    ]
    pg = pg_schema_url(args.pg_url)
    if pg:
        backends.append(("PostgreSQL (local)", pg[0], pg[1]))
    else:
        print(f"PostgreSQL not reachable at {args.pg_url}: SQLite only")

    lines = [
        f"Command: `.venv/bin/python bench/org_sessions.py --sessions {args.sessions} "
        f"--calls {args.calls}` (one thread, sequential calls).",
        "",
        f"Machine: {machine()} (a load above ~1 means other work shared the 2 cores).",
        "",
        "| database | what | mean µs | p50 µs | p99 µs | cost / baseline |",
        "|---|---|---:|---:|---:|---:|",
    ]
    login_line = ""
    for label, url, schema in backends:
        engine = create_engine(url)
        try:
            r = run(engine, args.sessions, args.calls)
            base = us(r["baseline"])
            for key, what in [
                ("baseline", "baseline: person row by primary key, no checks"),
                ("resolve", "`resolve_session` (read path)"),
                ("resolve_touch", "`resolve_session`, every call refreshes last-seen"),
            ]:
                mean = us(r[key])
                lines.append(
                    f"| {label} | {what} | {mean:.0f} | {us(r[key], 0.5):.0f} | "
                    f"{us(r[key], 0.99):.0f} | {mean / base:.2f}× |"
                )
            if not login_line:
                bare, full = login_costs(engine, 20)
                login_line = (
                    f"Login (`authenticate`, argon2id m=19 MiB t=2 p=1, {label}): "
                    f"{us(full) / 1000:.1f} ms mean against {us(bare) / 1000:.1f} ms for the "
                    f"bare argon2 verification ({us(full) / us(bare):.2f}×)."
                )
        finally:
            engine.dispose()
            if schema:
                with psycopg.connect(args.pg_url, autocommit=True) as conn:
                    conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
    lines += [
        "",
        "The read path is one indexed query (token digest ⋈ person ⋈ vendor ⋈ site) on a "
        "read-only connection; the last-seen time is written at most once a minute per "
        "session, so the write row is what at most one request per session per minute pays.",
        "",
        login_line,
    ]
    report = "\n".join(lines)
    print(report)
    if not args.no_write:
        write_section("Sessions: per-request principal resolution", report)


if __name__ == "__main__":
    main()
