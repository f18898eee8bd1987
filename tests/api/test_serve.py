"""``ecluse serve`` on a real uvicorn server: the factory opens the installation per worker."""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from ecluse.db import utcnow
from ecluse.installation import init_installation
from ecluse.org import seed_demo_organisation

from .conftest import AGENT, FAST_HASH


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.slow
def test_ecluse_serve_answers_on_loopback(tmp_path: Path) -> None:
    """GIVEN an installation with the demo organisation WHEN `ecluse serve --workers 2` runs
    THEN health, OpenAPI and a cookie login work over real HTTP in the spawned workers.

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
    inst.close()
    port = _port()
    env = {**os.environ, "ECLUSE_DATA_DIR": str(inst.settings.data_dir)}
    cmd = [sys.executable, "-m", "ecluse", "serve", "--port", str(port), "--workers", "2"]
    cmd.append("--insecure-cookie")
    proc = subprocess.Popen(
        cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True
    )
    base = f"http://127.0.0.1:{port}/api/v1"
    try:
        deadline = time.monotonic() + 180  # imports are slow on a loaded machine
        while True:
            assert proc.poll() is None, proc.stderr.read().decode()[-2000:]  # type: ignore[union-attr]
            try:
                if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.3)
        with httpx.Client(base_url=base, timeout=10) as client:
            assert client.get("/openapi.json").json()["info"]["title"] == "Ecluse API"
            login = client.post("/auth/login", json={"email": AGENT, "password": password})
            assert login.status_code == 200
            assert client.get("/auth/me").json()["role"] == "agent"
            assert client.get("/cases").status_code == 200
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log = proc.stderr.read().decode()  # type: ignore[union-attr]
        proc.stderr.close()  # type: ignore[union-attr]
    assert AGENT not in log and password not in log
