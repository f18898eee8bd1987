"""Case view through the API, on a real uvicorn server, against an unprotected baseline.

    .venv/bin/python bench/case_view.py [--rates 100,300,1000] [--seconds 5] [--workers 2]
                                        [--no-pg] [--write]
    .venv/bin/python bench/case_view.py --rounds 6 [--rates 1000] [--seconds 5]

For SQLite and PostgreSQL (ECLUSE_BENCH_PG_URL, default the test server, fresh schema) it
seeds the demo organisation, imports customers and opens cases assigned to one agent, starts
``ecluse.api.serve`` (uvicorn, ``--workers``, loopback, access log off) with the bench-only
route mounted, then sends open-loop load (requests issued on a fixed schedule whether or not
earlier ones have finished; latency counted from the scheduled time, so queueing shows) at
each rate, in the same run, to:

* ``GET /api/v1/cases/{id}`` — the agent's bearer token resolved, the case checked, policy,
  decryption, masks and a durable ledger append (the real thing);
* ``GET /api/v1/_bench/cases/{id}/row`` — the same bearer resolution and the same customer
  row (joined through the case) returned as stored: no policy, no decryption, no ledger.

It prints p50, p99 and throughput per rate, the server's CPU time per request (all worker
processes), the load generator's own CPU time per request (it runs in this process, on uvloop,
and takes its CPU from the same cores) and the ratio of the two endpoints' costs. A closed-loop
tool such as ``wrk`` would be cheaper still but waits for each answer before the next request,
hiding the queueing an open loop shows. Then it runs ``bench/ledger.py``'s
durable-append and verification measurements. ``--write`` puts the table in
``docs/benchmarks.md``.

``--rounds N`` measures instead the same hour's spread: N alternating rounds (baseline, then
view) at the last rate in one server per database, each round's cost ratio and their median,
with the PostgreSQL server's own CPU per request (every ``postgres`` process on the machine)
as a second ratio. On a shared two-core machine one run's ratio moves by a tenth either way.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))
import ledger as ledger_bench  # bench/ledger.py
from _common import machine, percentile, write_section
from ecluse.cases import desk_for
from ecluse.db import utcnow
from ecluse.demo import write_crm_csv
from ecluse.installation import init_installation
from ecluse.ledger import Ledger
from ecluse.org import (
    create_api_token,
    find_person,
    principal_for,
    seed_demo_organisation,
)
from ecluse.vault import import_customers, vault_of

PG_URL = os.environ.get("ECLUSE_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
AGENT = "agent1@atlas-contact.example"
LEAD = "lead@atlas-contact.example"
SECTION = "Case view through the API (uvicorn)"
T = TypeVar("T")
# Not the event loop's clock: uvloop's counts whole milliseconds.
clock = time.perf_counter


@dataclass
class Setup:
    data_dir: Path
    token: str
    case_ids: list[str]


def prepare(data_dir: Path, database_url: str | None, customers: int, cases: int) -> Setup:
    """An installation with the demo organisation, customers and cases for one agent."""
    inst = init_installation(data_dir, database_url=database_url)
    try:
        seed_demo_organisation(
            inst.engine,
            random.Random(1),
            now=utcnow() - timedelta(days=30),
            keyring=inst.keyring,
        )
        csv_path = write_crm_csv(data_dir / "crm.csv", customers, seed=7, dirty=0.0)
        vault = vault_of(inst)
        import_customers(vault, csv_path, rejects_path=data_dir / "rejects.csv")
        engine = inst.engine
        with engine.connect() as conn:
            french = [
                r[0]
                for r in conn.exec_driver_sql(
                    "SELECT id FROM customers WHERE language = 'fr' ORDER BY id"
                )
            ]
        desk = desk_for(inst)
        agent = principal_for(engine, find_person(engine, AGENT).id)
        lead = principal_for(engine, find_person(engine, LEAD).id)
        ids = []
        for n in range(cases):
            case = desk.open_case(french[n % len(french)], "invoice_explanation")
            if case.assignee_id != agent.person_id:
                case = desk.assign(lead, case.id, agent.person_id)
            ids.append(case.id)
        token = create_api_token(engine, agent.person_id, "bench").token
        desk.ledger.close()
    finally:
        inst.close()
    return Setup(data_dir, token, ids)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def server(data_dir: Path, workers: int) -> Iterator[tuple[int, subprocess.Popen[bytes]]]:
    port = free_port()
    code = (
        "from pathlib import Path; from ecluse.api import serve; "
        f"serve(Path({str(data_dir)!r}), '127.0.0.1', {port}, {workers}, "
        "access_log=False, bench=True)"
    )
    log = data_dir / "server.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-c", code],
            stdout=subprocess.DEVNULL,
            stderr=out,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 120
        while True:
            if proc.poll() is not None:
                raise SystemExit("server exited: " + log.read_text()[-2000:])
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", port), timeout=1) as s,
            ):
                s.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\n\r\n")
                if s.recv(100).startswith(b"HTTP/1.1 200"):
                    break
            if time.monotonic() > deadline:
                raise SystemExit("server did not start in 120 s")
            time.sleep(0.3)
        if workers > 1:
            time.sleep(3)  # let every worker finish opening the installation
        yield port, proc
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def _children(pid: int) -> list[int]:
    out = [pid]
    with contextlib.suppress(OSError):
        for tid in os.listdir(f"/proc/{pid}/task"):
            text = Path(f"/proc/{pid}/task/{tid}/children").read_text()
            for child in text.split():
                out += _children(int(child))
    return out


def _process_cpu(pid: int) -> float:
    """User + system CPU seconds of one process (0 once it is gone)."""
    with contextlib.suppress(OSError):
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return 0.0


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process tree (the uvicorn supervisor and its workers)."""
    return sum(_process_cpu(p) for p in _children(pid))


def database_cpu_seconds() -> float:
    """User + system CPU of every PostgreSQL process on this machine (backends, WAL writer,
    checkpointer): the server shares the two cores, and each request costs it CPU too."""
    total = 0.0
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError):
                if Path(f"/proc/{entry}/comm").read_text().strip() == "postgres":
                    total += _process_cpu(int(entry))
    return total


@dataclass
class Load:
    sent: int
    ok: int
    errors: int
    p50_ms: float
    p99_ms: float
    throughput: float
    cpu_ms_per_request: float
    client_cpu_ms_per_request: float


async def _open_loop(
    port: int, paths: list[str], token: str, rate: float, seconds: float, conns: int
) -> tuple[list[float], int, float]:
    n = int(rate * seconds)
    queue: asyncio.Queue[tuple[float, str] | None] = asyncio.Queue()
    latencies: list[float] = []
    errors = 0
    auth = f"Authorization: Bearer {token}\r\nHost: 127.0.0.1\r\n\r\n".encode()
    start = clock() + 0.05
    hard_stop = start + seconds * 3 + 10  # bounded time even if the server falls behind
    last = start

    async def producer() -> None:
        i = 0
        while i < n and clock() < hard_stop:
            now = clock()
            while i < n and start + i / rate <= now:
                queue.put_nowait((start + i / rate, paths[i % len(paths)]))
                i += 1
            # Until the next request is due: polling at a fixed short interval burnt more
            # client CPU than the requests themselves at low rates.
            await asyncio.sleep(max(0.0, start + i / rate - clock()))
        for _ in range(conns):
            queue.put_nowait(None)

    async def worker() -> None:
        nonlocal errors, last
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while (item := await queue.get()) is not None:
                scheduled, path = item
                if clock() > hard_stop:
                    continue
                writer.write(f"GET {path} HTTP/1.1\r\n".encode() + auth)
                status = (await reader.readline()).split(b" ", 2)[1]
                length = 0
                while (line := await reader.readline()) not in (b"\r\n", b""):
                    name, _, value = line.partition(b":")
                    if name.lower() == b"content-length":
                        length = int(value)
                await reader.readexactly(length)
                last = clock()
                latencies.append(last - scheduled)
                if status != b"200":
                    errors += 1
        finally:
            writer.close()

    await asyncio.gather(producer(), *(worker() for _ in range(conns)))
    return latencies, errors, last - start


async def _closed_loop(port: int, paths: list[str], token: str, n: int) -> list[float]:
    """One connection, one request at a time: the latency of a request with no queueing."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    auth = f"Authorization: Bearer {token}\r\nHost: 127.0.0.1\r\n\r\n".encode()
    out = []
    try:
        for i in range(n):
            t = clock()
            writer.write(f"GET {paths[i % len(paths)]} HTTP/1.1\r\n".encode() + auth)
            assert (await reader.readline()).split(b" ", 2)[1] == b"200"
            length = 0
            while (line := await reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.partition(b":")
                if name.lower() == b"content-length":
                    length = int(value)
            await reader.readexactly(length)
            out.append((clock() - t) * 1000)
    finally:
        writer.close()
    return sorted(out)


def run(coro: Coroutine[Any, Any, T]) -> T:
    """Runs the load generator on uvloop (installed with uvicorn[standard]) when present: it
    shares the server's two cores, so every bit of client CPU is taken from the server."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coro)
    return uvloop.run(coro)


def measure(port: int, pid: int, paths: list[str], token: str, rate: float, seconds: float) -> Load:
    cpu0, client0 = cpu_seconds(pid), time.process_time()
    latencies, errors, elapsed = run(
        _open_loop(port, paths, token, rate, seconds, conns=min(128, max(8, int(rate / 10))))
    )
    cpu, client = cpu_seconds(pid) - cpu0, time.process_time() - client0
    ms = sorted(x * 1000 for x in latencies)
    return Load(
        sent=int(rate * seconds),
        ok=len(ms) - errors,
        errors=errors,
        p50_ms=percentile(ms, 0.5),
        p99_ms=percentile(ms, 0.99),
        throughput=len(ms) / elapsed if elapsed > 0 else 0.0,
        cpu_ms_per_request=1000 * cpu / max(1, len(ms)),
        client_cpu_ms_per_request=1000 * client / max(1, len(ms)),
    )


@dataclass
class Served:
    """A warmed-up server on a prepared installation, and the two endpoints' paths."""

    port: int
    pid: int
    token: str
    base: list[str]
    view: list[str]

    def load(self, paths: list[str], rate: float, seconds: float) -> Load:
        return measure(self.port, self.pid, paths, self.token, rate, seconds)


@contextlib.contextmanager
def served(url: str | None, args: argparse.Namespace) -> Iterator[Served]:
    with tempfile.TemporaryDirectory() as tmp:
        setup = prepare(Path(tmp) / "data", url, args.customers, args.cases)
        view = [f"/api/v1/cases/{c}" for c in setup.case_ids]
        base = [f"/api/v1/_bench/cases/{c}/row" for c in setup.case_ids]
        with server(setup.data_dir, args.workers) as (port, proc):
            it = Served(port, proc.pid, setup.token, base, view)
            for paths in (base, view):  # warm both (connections, caches)
                it.load(paths, 100, 2)
            yield it


def bench_backend(name: str, url: str | None, args: argparse.Namespace) -> list[str]:
    rows = []
    with served(url, args) as it:
        port, base, view = it.port, it.base, it.view
        one = {
            label: run(_closed_loop(port, paths, it.token, args.sequential))
            for label, paths in (("baseline", base), ("view", view))
        }
        b50, b99 = percentile(one["baseline"], 0.5), percentile(one["baseline"], 0.99)
        rows.append(
            f"| {name} | one at a time | baseline (row, no protection) "
            f"| {b50:.1f} | {b99:.1f} | | | | | 1× |"
        )
        ratio = percentile(one["view"], 0.5) / percentile(one["baseline"], 0.5)
        rows.append(
            f"| {name} | one at a time | case view | {percentile(one['view'], 0.5):.1f} "
            f"| {percentile(one['view'], 0.99):.1f} | | | | | {ratio:.2f}× (p50) |"
        )
        print(*rows[-2:], sep="\n", flush=True)
        for rate in args.rates:
            b = it.load(base, rate, args.seconds)
            v = it.load(view, rate, args.seconds)
            view_cost = f"{v.cpu_ms_per_request / b.cpu_ms_per_request:.2f}×"
            for label, r, cost in (
                ("baseline (row, no protection)", b, "1×"),
                ("case view", v, view_cost),
            ):
                rows.append(
                    f"| {name} | {rate:,} | {label} | {r.p50_ms:.1f} | {r.p99_ms:.1f} "
                    f"| {r.throughput:,.0f} | {r.errors} | {r.cpu_ms_per_request:.2f} "
                    f"| {r.client_cpu_ms_per_request:.2f} | {cost} |"
                )
                print(rows[-1], flush=True)
    return rows


def rounds_backend(name: str, url: str | None, args: argparse.Namespace) -> None:
    """Alternating rounds (baseline, then view) at one rate in one server: the same hour's
    spread of the cost ratio, with the database server's CPU counted as well."""
    rate = args.rates[-1]
    costs = []
    with served(url, args) as it:
        for n in range(1, args.rounds + 1):
            got = []
            for paths in (it.base, it.view):
                db0 = database_cpu_seconds() if url else 0.0
                load = it.load(paths, rate, args.seconds)
                db = 1000 * (database_cpu_seconds() - db0) / max(1, load.ok) if url else 0.0
                got.append((load, db))
            (b, b_db), (v, v_db) = got
            cost = v.cpu_ms_per_request / b.cpu_ms_per_request
            with_db = (v.cpu_ms_per_request + v_db) / (b.cpu_ms_per_request + b_db)
            costs.append((cost, with_db))
            db_cols = f"{b_db:.2f} / {v_db:.2f} | {with_db:.2f}× " if url else "- | - "
            print(
                f"| {name} | {n} | {b.cpu_ms_per_request:.2f} / {v.cpu_ms_per_request:.2f} "
                f"| {cost:.2f}× | {db_cols}| {b.p99_ms:.1f} / {v.p50_ms:.1f} / {v.p99_ms:.1f} "
                f"| {b.errors + v.errors} |",
                flush=True,
            )
    cost_median = statistics.median(c for c, _ in costs)
    db_median = f"{statistics.median(d for _, d in costs):.2f}×" if url else "-"
    print(f"| {name} | median | | {cost_median:.2f}× | | {db_median} | | |", flush=True)


@contextlib.contextmanager
def pg_schema_url() -> Iterator[str]:
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    sep = "&" if "?" in PG_URL else "?"
    try:
        yield f"{PG_URL}{sep}options={quote(f'-csearch_path={schema}')}"
    finally:
        with psycopg.connect(PG_URL, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def ledger_rows(args: argparse.Namespace, with_pg: bool) -> list[str]:
    """bench/ledger.py's measurements, shortened (see its own section for the full run)."""
    rows = []
    engines = [("SQLite", ledger_bench.sqlite_engine)]
    if with_pg:
        engines.append(("PostgreSQL", ledger_bench.pg_engine))
    for name, make in engines:
        with make() as eng:
            led = Ledger(eng, ledger_bench.KEY)
            rate, group = ledger_bench.appends_per_second(led, 16, args.seconds)
            ledger_bench.fill(led, args.ledger_entries)
            size = led.size()
            start = time.perf_counter()
            assert led.verify().ok
            verify_rate = size / (time.perf_counter() - start)
            led.close()
        rows.append(
            f"| {name} | {rate:,.0f} ({group:.1f} entries/commit, 16 threads) "
            f"| {verify_rate:,.0f} ({size:,} entries) |"
        )
        print(rows[-1], flush=True)
    return rows


def run_rounds(args: argparse.Namespace) -> None:
    print(
        f"{args.rounds} alternating rounds at {args.rates[-1]:,} req/s, {args.seconds:g} s per "
        "endpoint, one server per database\n"
        "| database | round | server CPU ms/req, baseline / view | cost "
        "| PostgreSQL CPU ms/req, baseline / view | cost with PostgreSQL "
        "| p99 baseline / p50, p99 view, ms | errors |\n"
        "|---|---:|---:|---:|---:|---:|---:|---:|"
    )
    rounds_backend("SQLite", None, args)
    if not args.no_pg and pg_reachable():
        with pg_schema_url() as url:
            rounds_backend("PostgreSQL", url, args)


def pg_reachable() -> bool:
    try:
        psycopg.connect(PG_URL, connect_timeout=3).close()
    except psycopg.OperationalError:
        print(f"PostgreSQL not reachable at {PG_URL}: skipped")
        return False
    return True


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rates", default="100,300,1000", help="request rates, comma-separated")
    ap.add_argument("--seconds", type=float, default=5.0, help="per rate and endpoint")
    ap.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    ap.add_argument("--sequential", type=int, default=300, help="one-at-a-time requests")
    ap.add_argument("--customers", type=int, default=400)
    ap.add_argument("--cases", type=int, default=200)
    ap.add_argument("--ledger-entries", type=int, default=100_000)
    ap.add_argument("--no-pg", action="store_true", help="skip PostgreSQL")
    ap.add_argument(
        "--rounds",
        type=int,
        default=0,
        help="instead: this many alternating rounds (baseline, view) at the last rate in one "
        "server, with PostgreSQL's own CPU; printed, not written",
    )
    ap.add_argument("--write", action="store_true", help="update docs/benchmarks.md")
    args = ap.parse_args()
    args.rates = [int(r) for r in args.rates.split(",")]
    if args.rounds and args.write:
        ap.error("--rounds prints its figures; --write records the full run's")
    started = machine()
    print(started)
    if args.rounds:
        run_rounds(args)
        return
    header = (
        "| database | req/s offered | endpoint | p50 ms | p99 ms | served req/s | errors "
        "| server CPU ms/req | load generator CPU ms/req | cost vs baseline |\n"
        "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|"
    )
    print(header)
    rows = bench_backend("SQLite", None, args)
    with_pg = not args.no_pg and pg_reachable()
    if with_pg:
        with pg_schema_url() as url:
            rows += bench_backend("PostgreSQL", url, args)
    print("| database | ledger durable appends/s | ledger verification entries/s |")
    ledger = ledger_rows(args, with_pg)
    if args.write:
        body = "\n".join(
            [
                f"Command: `.venv/bin/python bench/case_view.py {' '.join(sys.argv[1:])}`",
                "",
                f"Machine: {started}. {args.workers} uvicorn worker(s) (httptools, uvloop, no "
                "access log). Load generator (asyncio on uvloop, open loop, keep-alive "
                "connections) in the bench process, on the same machine as the server: its CPU "
                "is shown and comes off the server's two cores.",
                "",
                header,
                *rows,
                "",
                "| database | ledger durable appends/s | ledger verification entries/s |",
                "|---|---:|---:|",
                *ledger,
            ]
        )
        write_section(SECTION, body)


if __name__ == "__main__":
    main()
