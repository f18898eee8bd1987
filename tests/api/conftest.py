"""API fixtures: the demo organisation, some customers, the app, and one client per person.

Requests go in-process through ``httpx.ASGITransport`` (no server, no mocks): the real app,
the real desk, policy, vault and ledger, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import asyncio
import csv
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pyotp
import pytest
from fastapi import FastAPI

from ecluse.api import CSRF_HEADER, create_app
from ecluse.cases import desk_for
from ecluse.db import utcnow
from ecluse.demo import COLUMNS, CrmRow, crm_rows
from ecluse.installation import Installation
from ecluse.org import (
    AccountPolicy,
    DemoLogin,
    seed_demo_organisation,
)
from ecluse.vault import import_customers, vault_of
from tests.cases.conftest import World as CasesWorld

ADMIN = "admin@lumen.example"
DPO = "dpo@lumen.example"
ANALYST = "analyst@lumen.example"
SUPERVISOR = "supervisor@lumen.example"
AGENT = "agent1@atlas-contact.example"  # works the cases in these tests
UNASSIGNED = "agent2@atlas-contact.example"  # same vendor and team, not assigned
TEAM_LEAD = "lead@atlas-contact.example"
OTHER_VENDOR = "agent1@vlaanderen-care.example"
OTHER_LEAD = "lead@vlaanderen-care.example"


class Client:
    """One person's browser or integration: its own cookie jar, CSRF token and headers."""

    def __init__(self, world: World, client: tuple[str, int] = ("127.0.0.1", 40000)) -> None:
        self.world = world
        transport = httpx.ASGITransport(app=world.app, client=client)
        self.http = httpx.AsyncClient(transport=transport, base_url="https://testserver")
        self.csrf: str | None = None
        self.headers: dict[str, str] = {}

    def request(self, method: str, path: str, **kw: Any) -> httpx.Response:
        headers = {**self.headers, **kw.pop("headers", {})}
        if self.csrf and method not in ("GET", "HEAD") and CSRF_HEADER not in headers:
            headers[CSRF_HEADER] = self.csrf
        url = path if path.startswith("/") else f"/api/v1/{path}"
        return self.world.run(self.http.request(method, url, headers=headers, **kw))

    def get(self, path: str, **kw: Any) -> httpx.Response:
        return self.request("GET", path, **kw)

    def post(self, path: str, json: Any = None, **kw: Any) -> httpx.Response:
        return self.request("POST", path, json=json, **kw)

    def login(self, email: str, **extra: Any) -> httpx.Response:
        login = self.world.login_of(email)
        body: dict[str, Any] = {"email": email, "password": login.password}
        if login.totp_secret:
            body["totp"] = pyotp.TOTP(login.totp_secret).now()
        body.update(extra)
        answer = self.post("auth/login", body)
        if answer.status_code == 200:
            self.csrf = answer.json()["csrf_token"]
        return answer


@dataclass
class World(CasesWorld):
    """The case desk's test world plus the app and the clients talking to it."""

    app: FastAPI = field(default=None)  # type: ignore[assignment]
    runner: asyncio.Runner = field(default_factory=asyncio.Runner)
    clients: list[Client] = field(default_factory=list)

    def run(self, coro: Any) -> Any:
        return self.runner.run(coro)

    def client(self, **kw: Any) -> Client:
        c = Client(self, **kw)
        self.clients.append(c)
        return c

    def logged_in(self, email: str) -> Client:
        c = self.client()
        answer = c.login(email)
        assert answer.status_code == 200, answer.text
        return c

    def login_of(self, email: str) -> DemoLogin:
        return next(x for x in self.org.logins if x.email == email)


def import_demo_customers(
    inst: Installation, tmp_path: Path
) -> tuple[list[CrmRow], dict[str, str]]:
    rows = [r for r in crm_rows(24, seed=3, dirty=0.0) if r["language"] in ("fr", "nl")]
    path = tmp_path / "crm.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    vault = vault_of(inst)
    import_customers(vault, path, rejects_path=tmp_path / "rejects.csv")
    return rows, {r["external_id"]: vault.resolve(r["external_id"]) for r in rows}


# Argon2 at its cheapest: the tests are about the API, not the hash's cost.
FAST_HASH = AccountPolicy(argon2_time_cost=1, argon2_memory_kib=1024)


@pytest.fixture
def world(inst: Installation, tmp_path: Path) -> Iterator[World]:
    org = seed_demo_organisation(
        inst.engine,
        random.Random(1),
        now=utcnow() - timedelta(days=30),
        policy=FAST_HASH,
        keyring=inst.keyring,
    )
    rows, ids = import_demo_customers(inst, tmp_path)
    w = World(inst, desk_for(inst), org, rows, ids, create_app(inst, accounts=FAST_HASH))
    yield w
    for c in w.clients:
        w.run(c.http.aclose())
    w.runner.close()
