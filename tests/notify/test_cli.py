"""``ecluse notify ...`` against a real local SMTP server."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from ecluse.cli import app
from ecluse.installation import Installation
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
    inst: Installation, smtp_server: SmtpPeer, monkeypatch: pytest.MonkeyPatch
) -> None:
    _smtp_env(monkeypatch, smtp_server)
    code, out = _cli(inst, "test-email", "--to", "ops@operator.example", "--language", "fr")
    assert code == 0, out
    [msg] = smtp_server.messages
    assert msg["Subject"] == "Message de test Ecluse"
    assert msg["To"] == "ops@operator.example"


def test_errors_are_one_line_without_traceback(
    inst: Installation, monkeypatch: pytest.MonkeyPatch
) -> None:
    for var in ("ECLUSE_SMTP_HOST", "ECLUSE_SMS_URL"):
        monkeypatch.delenv(var, raising=False)
    code, out = _cli(inst, "send-pending")
    assert code == 2 and "no notification channel configured" in out
    assert "Traceback" not in out
    code, out = _cli(inst, "status", "f" * 32)
    assert code == 2 and "no such notification" in out
    code, out = _cli(inst, "test-email", "--to", "ops@operator.example")
    assert code == 2 and "SMTP not configured" in out
