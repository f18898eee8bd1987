"""Customer-portal sign-in: one-time codes through the outbox, hashed, 10 minutes, 5 tries."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

from ecluse.db import utcnow
from ecluse.demo import write_crm_csv
from ecluse.installation import Installation
from ecluse.notify import ChannelKind, Outgoing, deliver_pending
from ecluse.vault import import_customers, vault_of
from ecluse.web import (
    MAX_TRIES,
    end_portal_session,
    resolve_portal_session,
    start_portal_login,
    verify_portal_code,
)


class Inbox:
    """A notify channel that keeps what it is handed (the peer a real SMTP relay would be)."""

    kind = ChannelKind.EMAIL

    def __init__(self) -> None:
        self.sent: list[Outgoing] = []

    def send(self, message: Outgoing) -> str | None:
        self.sent.append(message)
        return None

    def close(self) -> None:
        return None


def _customer_with_email(inst: Installation, tmp_path: Path) -> tuple[str, str]:
    extract = write_crm_csv(tmp_path / "crm.csv", 30, seed=7, dirty=0.0)
    import_customers(vault_of(inst), extract, rejects_path=tmp_path / "rejects.csv")
    vault = vault_of(inst)
    for n in range(1, 31):
        customer = vault.get(vault.resolve(f"C-{n:07d}"))
        if customer.emails and len(vault.find("email", customer.emails[0])) == 1:
            return customer.id, customer.emails[0]
    raise AssertionError("no customer with an e-mail address")


def _mailed_code(inst: Installation, inbox: Inbox) -> str:
    deliver_pending(inst.engine, [inbox], keyring=inst.keyring)
    found = re.search(r"\b(\d{6})\b", inbox.sent[-1].text)
    assert found
    return found.group(1)


def test_code_signs_in_once(inst: Installation, tmp_path: Path) -> None:
    """GIVEN a known address WHEN the code mailed to it is typed THEN a portal session opens,
    in the customer's language; the same code does not work twice; the code is not stored."""
    customer_id, email = _customer_with_email(inst, tmp_path)
    inbox = Inbox()
    challenge = start_portal_login(inst, email)
    code = _mailed_code(inst, inbox)
    assert inbox.sent[-1].recipient == email
    with inst.engine.connect() as conn:
        stored = conn.execute(sa.text("SELECT * FROM portal_challenges")).one()
    assert code.encode() not in bytes(stored.code_hash) and code not in str(tuple(stored))
    wrong = "000000" if code != "000000" else "111111"
    assert verify_portal_code(inst, challenge, wrong) is None
    found = verify_portal_code(inst, challenge, code)
    assert found is not None
    token, who = found
    assert who.customer_id == customer_id
    assert resolve_portal_session(inst, token) == who
    assert verify_portal_code(inst, challenge, code) is None
    end_portal_session(inst, token)
    assert resolve_portal_session(inst, token) is None


def test_five_tries_then_dead(inst: Installation, tmp_path: Path) -> None:
    _, email = _customer_with_email(inst, tmp_path)
    challenge = start_portal_login(inst, email)
    code = _mailed_code(inst, Inbox())
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(MAX_TRIES):
        assert verify_portal_code(inst, challenge, wrong) is None
    assert verify_portal_code(inst, challenge, code) is None


def test_code_expires_after_ten_minutes(inst: Installation, tmp_path: Path) -> None:
    _, email = _customer_with_email(inst, tmp_path)
    start = utcnow()
    challenge = start_portal_login(inst, email, now=start)
    code = _mailed_code(inst, Inbox())
    late = start + timedelta(minutes=10, seconds=1)
    assert verify_portal_code(inst, challenge, code, now=late) is None


def test_unknown_address_sends_nothing(inst: Installation, tmp_path: Path) -> None:
    """An unknown address gets the same answer, but no message and no code that could work."""
    _customer_with_email(inst, tmp_path)
    inbox = Inbox()
    challenge = start_portal_login(inst, "nobody.known@nowhere-at-all.example")
    deliver_pending(inst.engine, [inbox], keyring=inst.keyring)
    assert inbox.sent == []
    assert all(verify_portal_code(inst, challenge, f"{n:06d}") is None for n in range(3))
