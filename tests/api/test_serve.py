"""``ecluse serve`` on a real uvicorn server: the factory opens the installation per worker."""

from __future__ import annotations

import gc
import os
import random
import re
import signal
import socket
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from ecluse.api._serve import app_from_environment
from ecluse.api._workers import WRITER_PROCESS, LedgerWriterProcess, bind_group
from ecluse.cases import desk_for
from ecluse.db import utcnow
from ecluse.installation import init_installation, open_installation
from ecluse.ledger import ledger_for
from ecluse.org import find_person, principal_for, seed_demo_organisation

from .conftest import AGENT, FAST_HASH, import_demo_customers

ATLAS_LEAD = "lead@atlas-contact.example"


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


CAPABILITY = "c4pab1l1tyT0kenPlanted"


def _start(data_dir: Path, port: int, workers: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "ECLUSE_DATA_DIR": str(data_dir)}
    cmd = [sys.executable, "-m", "ecluse", "serve", "--port", str(port)]
    cmd += ["--workers", str(workers), "--insecure-cookie"]
    # the access log (stdout) read with the rest (stderr), for what it must not hold
    return subprocess.Popen(
        cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True
    )


def _wait_healthy(proc: subprocess.Popen[bytes], base: str) -> None:
    deadline = time.monotonic() + 180  # imports are slow on a loaded machine
    while True:
        assert proc.poll() is None, proc.stdout.read().decode()[-2000:]  # type: ignore[union-attr]
        try:
            if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.3)


def _stop(proc: subprocess.Popen[bytes]) -> str:
    """Stop the server (SIGTERM to its group) and return what it logged."""
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(60)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    log = proc.stdout.read().decode()  # type: ignore[union-attr]
    proc.stdout.close()  # type: ignore[union-attr]
    return log


def _children(pid: int) -> list[int]:
    """A server's spawned children (not multiprocessing's resource tracker)."""
    out = []
    for tid in os.listdir(f"/proc/{pid}/task"):
        for child in Path(f"/proc/{pid}/task/{tid}/children").read_text().split():
            if "spawn_main" in Path(f"/proc/{child}/cmdline").read_text():
                out.append(int(child))
    return out


def _workers(pid: int) -> list[int]:
    """The API worker processes of a server (not its ledger writer), once the writer has
    named itself (until then it cannot be told from a worker: none are returned)."""
    children = _children(pid)
    names = [_name(p) for p in children]
    if names.count(WRITER_PROCESS) != 1:
        return []
    return [p for p, name in zip(children, names, strict=True) if name != WRITER_PROCESS]


def _writers(pid: int) -> list[int]:
    """The ledger writer processes of a server (one, unless it is being replaced)."""
    return [p for p in _children(pid) if _name(p) == WRITER_PROCESS]


def _running(pid: int) -> bool:
    """Whether a process exists and is not a zombie (exited, not yet reaped)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _name(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


def _sockets(pid: int) -> set[int]:
    """Inodes of the sockets a process holds open."""
    found = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            found.add(int(target[8:-1]))
    return found


def _established_to(port: int) -> set[int]:
    """Inodes of the server-side ends of established TCP connections on ``port``."""
    inodes = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        f = line.split()
        if int(f[1].split(":")[1], 16) == port and f[3] == "01":  # local port, ESTABLISHED
            inodes.add(int(f[9]))
    return inodes


def test_bind_group_puts_sockets_on_one_port() -> None:
    """GIVEN port 0 WHEN three sockets are bound as a group THEN they share the port the
    first one got, each with SO_REUSEPORT (so the kernel spreads connections over them)."""
    group = bind_group("127.0.0.1", 0, 3)
    try:
        ports = {s.getsockname()[1] for s in group}
        assert len(ports) == 1 and ports != {0}
        assert all(s.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT) for s in group)
        port = ports.pop()
        with socket.socket() as other, pytest.raises(OSError):
            other.bind(("127.0.0.1", port))  # not in the group: refused
        with pytest.raises(OSError):  # nor does a second group join it (a second server)
            bind_group("127.0.0.1", port, 2)
    finally:
        for s in group:
            s.close()


@pytest.mark.slow
def test_workers_share_the_connections_and_a_dead_one_is_replaced(tmp_path: Path) -> None:
    """GIVEN `ecluse serve --workers 2` WHEN 100 connections open at once THEN both workers
    hold a fair share of them (uvicorn's shared socket gave one worker most of a burst);
    WHEN a worker is killed THEN the API keeps answering and a new worker takes its place."""
    inst = init_installation(tmp_path / "data")
    inst.close()
    port = _port()
    proc = _start(inst.settings.data_dir, port, 2)
    base = f"http://127.0.0.1:{port}/api/v1"
    conns: list[socket.socket] = []
    try:
        _wait_healthy(proc, base)
        deadline = time.monotonic() + 60
        while len(workers := _workers(proc.pid)) < 2:  # the second may still be importing
            assert time.monotonic() < deadline, "the second worker did not start"
            time.sleep(0.3)
        time.sleep(2)  # and opening the installation
        for _ in range(100):
            conn = socket.create_connection(("127.0.0.1", port), timeout=10)
            conn.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\n\r\n")
            conns.append(conn)
        for conn in conns:
            assert conn.recv(200).startswith(b"HTTP/1.1 200")
        established = _established_to(port)
        shares = sorted(len(_sockets(w) & established) for w in workers)
        assert sum(shares) == 100
        assert shares[0] >= 30, shares  # binomial(100, 1/2): below 30 has odds of 4 in 100,000
        for conn in conns:
            conn.close()
        os.kill(workers[0], signal.SIGKILL)
        assert httpx.get(f"{base}/health", timeout=10).status_code == 200
        deadline = time.monotonic() + 120
        while workers[0] in (now := _workers(proc.pid)) or len(now) < 2:
            assert time.monotonic() < deadline, "no worker replaced the killed one"
            time.sleep(0.3)
    finally:
        for conn in conns:
            conn.close()
        log = _stop(proc)
    assert "starting another" in log


@pytest.mark.slow
def test_ecluse_serve_answers_on_loopback(tmp_path: Path) -> None:
    """GIVEN an installation with the demo organisation and an agent's open cases WHEN
    `ecluse serve --workers 2` runs THEN health, OpenAPI, a cookie login and case views work
    over real HTTP in the spawned workers; the views are recorded by the one ledger writer
    process, and the ledger verifies once the server has stopped.

    SQLite only: what runs on both databases is the app itself (the in-process tests);
    this checks the process plumbing, which is the same for both.
    """
    inst = init_installation(tmp_path / "data")
    org = seed_demo_organisation(
        inst.engine,
        random.Random(1),
        now=utcnow() - timedelta(days=30),
        policy=FAST_HASH,
        keyring=inst.keyring,
    )
    password = next(x.password for x in org.logins if x.email == AGENT)
    _, customers = import_demo_customers(inst, tmp_path)
    desk = desk_for(inst)
    agent = principal_for(inst.engine, find_person(inst.engine, AGENT).id)
    lead = principal_for(inst.engine, find_person(inst.engine, ATLAS_LEAD).id)
    case_ids = []
    for customer in list(customers.values())[:3]:
        case = desk.open_case(customer, "invoice_explanation")
        if case.assignee_id != agent.person_id:
            case = desk.assign(lead, case.id, agent.person_id)
        case_ids.append(case.id)
    before = desk.ledger.size()
    desk.ledger.close()
    inst.close()
    port = _port()
    proc = _start(inst.settings.data_dir, port, 2)
    base = f"http://127.0.0.1:{port}/api/v1"
    try:
        _wait_healthy(proc, base)
        deadline = time.monotonic() + 60
        while not _workers(proc.pid):  # the writer is running and has named itself
            assert time.monotonic() < deadline, "no ledger writer process"
            time.sleep(0.3)
        with httpx.Client(base_url=base, timeout=10) as client:
            assert client.get("/openapi.json").json()["info"]["title"] == "Ecluse API"
            login = client.post("/auth/login", json={"email": AGENT, "password": password})
            assert login.status_code == 200
            assert client.get("/auth/me").json()["role"] == "agent"
            assert client.get("/cases").status_code == 200
            # a customer's contest link: the capability it carries stays out of the log
            contest = httpx.get(f"http://127.0.0.1:{port}/portal/contest/{CAPABILITY}")
            assert contest.status_code < 500
            for case_id in case_ids * 3:
                assert client.get(f"/cases/{case_id}").status_code == 200
            # The writer stops (its own log then counts the nine views): the views go on,
            # appended by the workers themselves, and the server starts another writer,
            # which records the views after that.
            (first,) = _writers(proc.pid)
            os.kill(first, signal.SIGTERM)
            # An entry sent before a worker has seen its connection close would be answered
            # 503 (it may or may not have been recorded): wait until the writer is gone.
            while _running(first):
                assert time.monotonic() < deadline + 60, "the writer did not stop"
                time.sleep(0.1)
            time.sleep(0.3)
            for case_id in case_ids:
                assert client.get(f"/cases/{case_id}").status_code == 200
            while not (again := _writers(proc.pid)) or again == [first]:
                assert time.monotonic() < deadline + 60, "the writer was not started again"
                time.sleep(0.3)
            time.sleep(1.5)  # past the workers' delay before they try the writer again
            for case_id in case_ids:
                assert client.get(f"/cases/{case_id}").status_code == 200
    finally:
        log = _stop(proc)
    assert AGENT not in log and password not in log
    assert "GET /api/v1/cases HTTP/1.1" in log  # the access log was read
    assert CAPABILITY not in log and "/portal/contest/…" in log
    assert "ledger writer: 9 entries in " in log  # the nine views, recorded by the writer
    assert "ledger writer exited (0)" in log
    assert re.search(r"ledger writer: [3-6] entries in ", log)  # the second writer's share
    inst = open_installation(inst.settings.data_dir)
    try:
        led = ledger_for(inst)
        views = [e for e in led.entries(start=before) if e.kind == "view"]
        assert sorted(e.case_id for e in views) == sorted(case_ids * 5)
        assert led.verify().ok
        led.close()
    finally:
        inst.close()


def test_the_app_factory_hides_start_up_objects_from_the_collector(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GIVEN an installation WHEN a worker builds its app THEN what start-up made is frozen
    out of the cyclic collector's sight: a full collection under load walked it all and
    stopped the worker for 70-110 ms each time, freeing nothing."""
    init_installation(tmp_path / "data").close()
    monkeypatch.setenv("ECLUSE_DATA_DIR", str(tmp_path / "data"))
    gc.unfreeze()
    try:
        app = app_from_environment()
        assert gc.get_freeze_count() > 50_000
        app.state.ecluse.inst.close()
    finally:
        gc.unfreeze()


def test_a_writer_that_keeps_dying_young_is_started_again_ever_more_slowly(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """GIVEN a ledger writer that cannot start (no installation where it looks) WHEN the
    supervisor finds it dead THEN another is started only after a delay, which doubles."""
    writer = LedgerWriterProcess(tmp_path / "no-installation")
    try:
        writer.start()

        def dies() -> None:
            deadline = time.monotonic() + 60
            while writer._proc is not None and writer._proc.is_alive():
                assert time.monotonic() < deadline, "the writer did not fail"
                time.sleep(0.1)

        dies()
        writer.revive()
        assert "another starts in 1 s" in caplog.text
        first = writer._proc
        writer.revive()
        assert writer._proc is first  # not yet
        time.sleep(1.1)
        writer.revive()
        assert writer._proc is not first
        dies()
        writer.revive()
        assert "another starts in 2 s" in caplog.text
    finally:
        writer.stop()
    assert not os.path.exists(os.path.dirname(writer.path))
