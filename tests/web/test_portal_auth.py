"""Customer-portal sign-in: one-time codes through the outbox, hashed, 10 minutes, 5 tries."""

from __future__ import annotations

import re
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from ecluse.db import utcnow
from ecluse.demo import write_crm_csv
from ecluse.installation import Installation
from ecluse.notify import ChannelKind, Outgoing, deliver_pending
from ecluse.vault import import_customers, vault_of
from ecluse.web import (
    MAX_CODES_PER_HOUR,
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


def test_codes_per_customer_are_capped(inst: Installation, tmp_path: Path) -> None:
    """GIVEN a customer's address asked for again and again WHEN the hourly cap is reached
    THEN no further code is sent and no further challenge can be won, so the guesses against
    one customer stay bounded (each challenge allows MAX_TRIES); an hour later it works again."""
    _, email = _customer_with_email(inst, tmp_path)
    inbox = Inbox()
    start = utcnow()

    def ask(at: datetime) -> str:
        challenge = start_portal_login(inst, email, now=at)
        deliver_pending(inst.engine, [inbox], keyring=inst.keyring, now=at)
        return challenge

    for n in range(MAX_CODES_PER_HOUR):
        ask(start + timedelta(minutes=n))
    assert len(inbox.sent) == MAX_CODES_PER_HOUR
    over = start + timedelta(minutes=MAX_CODES_PER_HOUR)
    capped = ask(over)
    assert len(inbox.sent) == MAX_CODES_PER_HOUR  # nothing more sent
    with inst.engine.connect() as conn:
        owner = conn.execute(
            sa.text("SELECT customer_id FROM portal_challenges WHERE id = :id"), {"id": capped}
        ).scalar()
    assert owner is None  # dead: no code of any kind can open it
    later = start + timedelta(hours=1, minutes=1)
    challenge = ask(later)
    assert len(inbox.sent) == MAX_CODES_PER_HOUR + 1
    code = re.search(r"\b(\d{6})\b", inbox.sent[-1].text)
    assert code and verify_portal_code(inst, challenge, code.group(1), now=later) is not None


def test_expired_challenges_are_purged_a_day_later(inst: Installation, tmp_path: Path) -> None:
    """GIVEN challenges of a sign-in two days ago and of one an hour ago
    WHEN someone starts signing in THEN only the recent ones are kept: the table holds what
    the hourly count and the live codes need, not every challenge ever made."""
    _, email = _customer_with_email(inst, tmp_path)
    now = utcnow()
    old = start_portal_login(inst, email, now=now - timedelta(days=2))
    recent = start_portal_login(inst, "nobody@example.be", now=now - timedelta(hours=1))
    current = start_portal_login(inst, email, now=now)
    with inst.engine.connect() as conn:
        kept = set(conn.execute(sa.text("SELECT id FROM portal_challenges")).scalars())
    assert kept == {recent, current} and old not in kept


# PostgreSQL only: on SQLite writers are serialised by BEGIN IMMEDIATE, the race cannot happen
@pytest.mark.parametrize("db_url", ["pg"], indirect=True)
def test_tries_sent_at_once_cannot_pass_the_limit(inst: Installation, tmp_path: Path) -> None:
    """GIVEN the last try of a challenge WHEN a try waits on the row while another try uses
    that last one THEN the waiting try is refused, even with the right code."""
    _, email = _customer_with_email(inst, tmp_path)
    challenge = start_portal_login(inst, email)
    code = _mailed_code(inst, Inbox())
    table = sa.table("portal_challenges", sa.column("id"), sa.column("tries"))
    with inst.engine.begin() as conn:
        conn.execute(table.update().where(table.c.id == challenge).values(tries=MAX_TRIES - 1))
    found: list[object] = []
    with inst.engine.connect() as other:
        other.begin()  # another try, under way: it holds the row
        other.execute(table.update().where(table.c.id == challenge).values(tries=table.c.tries))
        racer = threading.Thread(
            target=lambda: found.append(verify_portal_code(inst, challenge, code))
        )
        racer.start()
        deadline = time.monotonic() + 10
        while not _waits_on_a_lock(inst, "UPDATE portal_challenges"):
            assert time.monotonic() < deadline, "the try never waited on the row"
            time.sleep(0.01)
        other.execute(table.update().where(table.c.id == challenge).values(tries=MAX_TRIES))
        other.commit()
        racer.join(timeout=10)
    assert found == [None]


def _waits_on_a_lock(inst: Installation, statement: str) -> bool:
    # A fresh transaction each look: pg_stat_activity is a snapshot per transaction.
    with inst.engine.connect() as conn:
        return (
            conn.execute(
                sa.text(
                    "SELECT 1 FROM pg_stat_activity WHERE state = 'active'"
                    " AND wait_event_type = 'Lock' AND starts_with(query, :statement)"
                ),
                {"statement": statement},
            ).first()
            is not None
        )
