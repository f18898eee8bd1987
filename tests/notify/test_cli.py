"""``ecluse notify ...`` against a real local SMTP server."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ecluse.cli import app
from ecluse.installation import Installation, init_installation
from ecluse.notify import ChannelKind, Notification, enqueue
from tests.notify.conftest import SmtpPeer

runner = CliRunner()
LINK = "https://portal.example-op.be/contest/Zq3xY7bLw0PqR9sT1uVw2x"


def _smtp_env(monkeypatch: pytest.MonkeyPatch, peer: SmtpPeer) -> None:
    monkeypatch.setenv("ECLUSE_SMTP_HOST", peer.host)
    monkeypatch.setenv("ECLUSE_SMTP_PORT", str(peer.port))
    monkeypatch.setenv("ECLUSE_SMTP_SECURITY", "none")
    monkeypatch.setenv("ECLUSE_SMTP_FROM", "care@operator.example")
    for var in ("ECLUSE_SMS_URL", "ECLUSE_SMS_TOKEN"):
        monkeypatch.delenv(var, raising=False)


def _cli(inst: Installation, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["--data-dir", str(inst.settings.data_dir), "notify", *args])
    return result.exit_code, result.output


@pytest.fixture
def sqlite_inst(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Installation]:
    """One installation on SQLite only: the loop test is about the worker, not the database."""
    for var in (
        "ECLUSE_KEK",
        "ECLUSE_INDEX_KEY",
        "ECLUSE_SIGNING_KEY",
        "ECLUSE_SESSION_KEY",
        "ECLUSE_DATABASE_URL",
        "ECLUSE_ACTIVE_KEK",
        "ECLUSE_KEYS_DIR",
    ):
        monkeypatch.delenv(var, raising=False)
    installation = init_installation(tmp_path / "data")
    yield installation
    installation.close()


def test_send_pending_then_status(
    inst: Installation, smtp_server: SmtpPeer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GIVEN a queued e-mail WHEN `notify send-pending` runs THEN the relay has it and
    `notify status` says when the customer was contacted."""
    _smtp_env(monkeypatch, smtp_server)
    nid = enqueue(
        inst.engine,
        Notification(
            template="line_restored",
            channel=ChannelKind.EMAIL,
            recipient="client.planted@example.org",
            language="nl",
            params={"line_end": "42", "link": LINK},
        ),
        keyring=inst.keyring,
    )
    code, out = _cli(inst, "send-pending")
    assert code == 0, out
    assert "sent 1" in out
    [msg] = smtp_server.messages
    assert msg["Subject"] == "Uw lijn eindigend op 42 werkt weer normaal"
    code, out = _cli(inst, "status", nid)
    assert code == 0, out
    assert "sent" in out and "attempts 1" in out
    assert "planted" not in out
    code, out = _cli(inst, "send-pending")
    assert (code, "nothing due" in out) == (0, True)


def test_test_email(
    sqlite_inst: Installation, smtp_server: SmtpPeer, monkeypatch: pytest.MonkeyPatch
) -> None:
    _smtp_env(monkeypatch, smtp_server)
    inst = sqlite_inst
    code, out = _cli(inst, "test-email", "--to", "ops@operator.example", "--language", "fr")
    assert code == 0, out
    [msg] = smtp_server.messages
    assert msg["Subject"] == "Message de test Ecluse"
    assert msg["To"] == "ops@operator.example"


def test_errors_are_one_line_without_traceback(
    sqlite_inst: Installation, monkeypatch: pytest.MonkeyPatch
) -> None:
    inst = sqlite_inst
    for var in ("ECLUSE_SMTP_HOST", "ECLUSE_SMS_URL"):
        monkeypatch.delenv(var, raising=False)
    code, out = _cli(inst, "send-pending")
    assert code == 2 and "no notification channel configured" in out
    assert "Traceback" not in out
    code, out = _cli(inst, "status", "f" * 32)
    assert code == 2 and "no such notification" in out
    code, out = _cli(inst, "test-email", "--to", "ops@operator.example")
    assert code == 2 and "SMTP not configured" in out


def _wait_for(peer: SmtpPeer, count: int) -> None:
    deadline = time.monotonic() + 60
    while len(peer.messages) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(peer.messages) == count, "the looping worker did not deliver"


@pytest.mark.slow
def test_send_pending_loop_keeps_delivering_and_stops_on_interrupt(
    sqlite_inst: Installation, smtp_server: SmtpPeer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GIVEN a `send-pending --loop` worker WHEN messages are enqueued one after the other
    THEN each is delivered without a restart, and Ctrl-C stops the worker cleanly."""
    _smtp_env(monkeypatch, smtp_server)
    inst = sqlite_inst

    def login_code(code: str) -> Notification:
        return Notification(
            template="portal_login_code",
            channel=ChannelKind.EMAIL,
            recipient="client@example.org",
            language="en",
            params={"code": code, "minutes": 10},
        )

    enqueue(inst.engine, login_code("551904"), keyring=inst.keyring)
    worker = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from ecluse.cli import main; main()",
            "--data-dir",
            str(inst.settings.data_dir),
            "notify",
            "send-pending",
            "--loop",
            "--interval",
            "0.2",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=os.environ.copy(),
    )
    try:
        _wait_for(smtp_server, 1)
        enqueue(inst.engine, login_code("660215"), keyring=inst.keyring)
        _wait_for(smtp_server, 2)
        codes = [m.get_body(("plain",)).get_content() for m in smtp_server.messages]
        assert "551904" in codes[0] and "660215" in codes[1]
    finally:
        worker.send_signal(signal.SIGINT)
        out, _ = worker.communicate(timeout=30)
    assert worker.returncode == 0, out
    assert "stopped" in out and "Traceback" not in out
