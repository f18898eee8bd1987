"""The ledger writer process against each worker committing its own entries, same run.

    .venv/bin/python bench/ledger_writer.py [--rates 100,300,1000] [--seconds 5] [--write]

Two client processes (the API's two workers, without HTTP) append case-view entries with
``Ledger.append_async`` on uvloop, open loop (each entry issued on a fixed schedule, whether
or not the earlier ones are committed; latency counted from the schedule), half the rate each:

* **writer:** through the ledger writer process of ``ecluse serve --workers N``
  (``api._workers.ledger_writer``), which commits both clients' entries together;
* **baseline:** each client commits its own entries (its group-commit helper thread), as a
  single-process server does.

It prints, per rate, the CPU time per entry of the clients and of the writer process (from
``/proc``, user + system), the writer's context switches per entry, entries per commit and
the latency p50 and p99. SQLite in the system temporary directory, as the tests and the other
benches use it. ``--write`` puts the table in ``docs/benchmarks.md``.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from multiprocessing.queues import Queue
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine, percentile, write_section
from ecluse.api._workers import ledger_writer
from ecluse.installation import init_installation, open_installation
from ecluse.ledger import NewEntry, ledger_for

SECTION = "Ledger writer process (bench/ledger_writer.py)"
CLIENTS = 2
_ENTRY = NewEntry(
    kind="view",
    actor="pbcdfghjkmnpq",
    subject="cbcdfghjkmnpqrstv",
    case_id="kbcdfghjkmnpqr",
    details={"fields": {"identity": "masked", "contracts": "clear", "invoices": "clear"}},
)


@dataclass
class ClientResult:
    cpu: float
    entries: int
    latencies: list[float]


def _client(
    data_dir: str,
    path: str | None,
    rate: float,
    seconds: float,
    out: Queue,  # type: ignore[type-arg]
    go: Any,
) -> None:
    import uvloop

    inst = open_installation(Path(data_dir), upgrade=False)
    led = ledger_for(inst)
    led.use_writer(path)

    async def one(due: float, latencies: list[float]) -> None:
        await led.append_async(_ENTRY)
        latencies.append(time.perf_counter() - due)

    async def main() -> ClientResult:
        await asyncio.gather(*(one(time.perf_counter(), []) for _ in range(20)))  # warm
        out.put("ready")
        go.wait()  # every client starts together, once the writer's CPU has been read
        latencies: list[float] = []
        count = int(rate * seconds)
        start, cpu = time.perf_counter() + 0.01, time.process_time()
        tasks = []
        for i in range(count):
            due = start + i / rate
            if (wait := due - time.perf_counter()) > 0:
                await asyncio.sleep(wait)
            tasks.append(asyncio.ensure_future(one(due, latencies)))
        await asyncio.gather(*tasks)
        cpu = time.process_time() - cpu
        await led.disconnect_writer()
        return ClientResult(cpu, count, latencies)

    out.put(uvloop.run(main()))
    led.close()
    inst.close()


def _proc_stat(pid: int) -> tuple[float, int]:
    """CPU seconds (user + system) and context switches of a process."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    status = Path(f"/proc/{pid}/status").read_text().splitlines()
    switches = sum(int(line.split()[1]) for line in status if "ctxt_switches" in line)
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK"), switches


@dataclass
class Run:
    client_us: float
    writer_us: float
    switches: float
    p50_ms: float
    p99_ms: float

    @property
    def total_us(self) -> float:
        return self.client_us + self.writer_us


def _run(data_dir: Path, path: str | None, writer_pid: int | None, rate: float, secs: float) -> Run:
    ctx = mp.get_context("spawn")
    out: Queue = ctx.Queue()  # type: ignore[type-arg]
    go = ctx.Event()
    clients = [
        ctx.Process(target=_client, args=(str(data_dir), path, rate / CLIENTS, secs, out, go))
        for _ in range(CLIENTS)
    ]
    for c in clients:
        c.start()
    for _ in clients:
        out.get()  # warmed up
    w0 = _proc_stat(writer_pid) if writer_pid else (0.0, 0)
    go.set()
    results: list[ClientResult] = [out.get() for _ in clients]
    w1 = _proc_stat(writer_pid) if writer_pid else (0.0, 0)
    for c in clients:
        c.join()
    entries = sum(r.entries for r in results)
    lat = sorted(x * 1000 for r in results for x in r.latencies)
    return Run(
        client_us=1e6 * sum(r.cpu for r in results) / entries,
        writer_us=1e6 * (w1[0] - w0[0]) / entries,
        switches=(w1[1] - w0[1]) / entries,
        p50_ms=percentile(lat, 0.5),
        p99_ms=percentile(lat, 0.99),
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rates", default="100,300,1000", help="entries/s, comma-separated")
    ap.add_argument("--seconds", type=float, default=5.0, help="per rate and variant")
    ap.add_argument("--write", action="store_true", help="update docs/benchmarks.md")
    args = ap.parse_args()
    started = machine()
    print(started)
    header = (
        "| entries/s | commits by | client CPU µs/entry | writer CPU µs/entry "
        "| total CPU µs/entry | writer context switches/entry | p50 ms | p99 ms "
        "| total vs baseline |\n"
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|"
    )
    print(header)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "data"
        init_installation(data_dir).close()
        for rate in (float(r) for r in args.rates.split(",")):
            base = _run(data_dir, None, None, rate, args.seconds)
            with ledger_writer(data_dir) as writer:
                time.sleep(1)
                run = _run(data_dir, writer.path, writer.pid, rate, args.seconds)
            for label, r, ratio in (
                ("each client (baseline)", base, "1×"),
                ("writer process", run, f"{run.total_us / base.total_us:.2f}×"),
            ):
                rows.append(
                    f"| {rate:,.0f} | {label} | {r.client_us:.0f} | {r.writer_us:.0f} "
                    f"| {r.total_us:.0f} | {r.switches:.2f} | {r.p50_ms:.1f} | {r.p99_ms:.1f} "
                    f"| {ratio} |"
                )
                print(rows[-1], flush=True)
    if args.write:
        write_section(
            SECTION,
            f"Command: `.venv/bin/python bench/ledger_writer.py {' '.join(sys.argv[1:])}`\n\n"
            f"Machine: {started}. {CLIENTS} client processes on uvloop, open loop, half the rate "
            "each; SQLite (WAL, `synchronous=FULL`) in the temporary directory.\n\n"
            + header
            + "\n"
            + "\n".join(rows),
        )


if __name__ == "__main__":
    main()
