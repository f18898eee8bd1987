"""A real console server over a seeded demo installation, and a local SMTP server.

``console``: the demo operator (300 customers, 30 cases) on SQLite, served by uvicorn on a
free localhost port for the whole module. ``mailbox``: aiosmtpd on a free port; the portal's
one-time codes travel through the notify outbox and a real SMTP session into it.
"""

from __future__ import annotations

import email
import email.policy
import os
import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
import uvicorn
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from ecluse.demo import seed_demo
from ecluse.installation import Installation, init_installation
from ecluse.notify import SmtpChannel, SmtpConfig, deliver_pending
from ecluse.org import DemoLogin, RateLimiter
from ecluse.web import create_console_app

_KEY_VARS = (
    "ECLUSE_KEK",
    "ECLUSE_INDEX_KEY",
    "ECLUSE_SIGNING_KEY",
    "ECLUSE_SESSION_KEY",
    "ECLUSE_DATABASE_URL",
    "ECLUSE_ACTIVE_KEK",
    "ECLUSE_KEYS_DIR",
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Mailbox:
    port: int
    messages: list[email.message.EmailMessage] = field(default_factory=list)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.content if isinstance(envelope.content, bytes) else b""
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        self.messages.append(msg)  # type: ignore[arg-type]
        return "250 OK"

    def channel(self) -> SmtpChannel:
        return SmtpChannel(
            SmtpConfig(
                host="127.0.0.1", port=self.port, sender="care@lumen.example", security="none"
            )
        )

    def _texts(self, recipient: str) -> list[str]:
        out = []
        for msg in reversed(self.messages):
            if recipient in str(msg["To"]):
                body = msg.get_body(preferencelist=("plain",))
                out.append(body.get_content() if body is not None else "")
        return out

    def last_link(self, recipient: str, marker: str) -> str:
        for text in self._texts(recipient):
            found = re.search(r"https?://\S*" + re.escape(marker) + r"[A-Za-z0-9_\-]+", text)
            if found:
                return found.group(0)
        raise AssertionError("no such link was mailed to that address")

    def last_code(self, recipient: str) -> str:
        for msg in reversed(self.messages):
            if recipient in str(msg["To"]):
                body = msg.get_body(preferencelist=("plain",))
                text = body.get_content() if body is not None else ""
                found = re.search(r"\b(\d{6})\b", text)
                if found:
                    return found.group(1)
        raise AssertionError("no code was mailed to that address")


@dataclass
class Console:
    base: str
    inst: Installation
    logins: dict[str, DemoLogin]
    mailbox: Mailbox

    def login(self, role: str, organisation: str | None = None) -> DemoLogin:
        for login in self.logins.values():
            if login.role.value == role and (
                organisation is None or login.organisation == organisation
            ):
                return login
        raise KeyError(role)

    def deliver(self) -> None:
        channel = self.mailbox.channel()
        try:
            deliver_pending(self.inst.engine, [channel], keyring=self.inst.keyring)
        finally:
            channel.close()


@pytest.fixture(scope="session")
def mailbox() -> Iterator[Mailbox]:
    box = Mailbox(free_port())
    controller = Controller(box, hostname="127.0.0.1", port=box.port)
    controller.start()
    yield box
    controller.stop()


@pytest.fixture(scope="session")
def console(tmp_path_factory: pytest.TempPathFactory, mailbox: Mailbox) -> Iterator[Console]:
    saved = {v: os.environ.pop(v) for v in _KEY_VARS if v in os.environ}
    data_dir: Path = tmp_path_factory.mktemp("console") / "data"
    inst = init_installation(data_dir)
    report = seed_demo(inst, customers=300, cases=30)
    # Every test signs in from 127.0.0.1: a limit above what the whole run needs.
    app = create_console_app(inst, secure_cookie=False, limiter=RateLimiter(1000))
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("console server did not start")
        time.sleep(0.05)
    yield Console(base, inst, {login.email: login for login in report.logins}, mailbox)
    server.should_exit = True
    thread.join(timeout=10)
    inst.close()
    os.environ.update(saved)


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "the form has no CSRF token"
    return found.group(1)


@contextmanager
def signed_in(console: Console, login: DemoLogin) -> Iterator[httpx.Client]:
    """An HTTP client signed in as ``login`` through the console's own form."""
    with httpx.Client(base_url=console.base, follow_redirects=False, timeout=20) as client:
        form = client.get("/login")
        data = {"csrf": csrf_of(form.text), "email": login.email, "password": login.password}
        if login.totp_secret:
            data["totp"] = totp_code(login.totp_secret)
        done = client.post("/login", data=data)
        assert done.status_code == 303, done.text[:300]
        yield client


_last_step: dict[str, int] = {}


def totp_code(secret: str) -> str:
    """A fresh code: each 30-second step works once, so a second sign-in takes the next step
    (accepted one step ahead), waiting when even that one was used."""
    import pyotp

    current = int(time.time()) // 30
    step = max(current, _last_step.get(secret, -1) + 1)
    while step > int(time.time()) // 30 + 1:
        time.sleep(1)
    _last_step[secret] = step
    return str(pyotp.TOTP(secret).at(step * 30))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # The console tests share one seeded server and build on each other's steps (a change the
    # agent asks for, the team lead approves): under `--dist loadgroup` they stay on one worker,
    # in file order.
    if not config.pluginmanager.hasplugin("xdist"):
        return
    here = Path(__file__).parent
    for item in items:
        if "console" in getattr(item, "fixturenames", ()) and here in Path(item.path).parents:
            item.add_marker(pytest.mark.xdist_group("console"))
