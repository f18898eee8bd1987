"""Customer-portal sign-in by a one-time code sent by e-mail through the notify outbox.

The code is six digits, stored only as an HMAC under the installation's session key, valid
for 10 minutes and for at most 5 tries; a customer is sent at most 5 codes an hour, so the
guesses against one customer are bounded however many addresses ask. Whether the address is
known or not, the customer sees the same answer (no way to probe who is a customer). A
signed-in customer holds a random session token whose SHA-256 alone is stored.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from ecluse.db import reading, utcnow
from ecluse.errors import InputError
from ecluse.installation import Installation
from ecluse.notify import ChannelKind, Notification, enqueue
from ecluse.vault import vault_of
from ecluse.web._tables import portal_challenges, portal_sessions

__all__ = [
    "CODE_MINUTES",
    "MAX_CODES_PER_HOUR",
    "MAX_TRIES",
    "PortalCustomer",
    "end_portal_session",
    "resolve_portal_session",
    "start_portal_login",
    "verify_portal_code",
]

CODE_MINUTES = 10
MAX_TRIES = 5
MAX_CODES_PER_HOUR = 5
SESSION_HOURS = 2
_KEPT_DAYS = 1
_WRITTEN = ("fr", "nl", "en")


@dataclass(frozen=True, slots=True)
class PortalCustomer:
    customer_id: str
    language: str


def _code_hash(key: bytes, challenge_id: str, code: str) -> bytes:
    return hmac.new(key, f"portal-code|{challenge_id}|{code}".encode(), hashlib.sha256).digest()


def start_portal_login(
    inst: Installation, email: str, *, now: datetime | None = None, language: str = "en"
) -> str:
    """Open a sign-in challenge for ``email``; returns its id (to keep in a cookie).

    A code is e-mailed only when exactly one customer has that address and fewer than
    ``MAX_CODES_PER_HOUR`` were sent to them in the last hour; otherwise the challenge
    exists but no code can ever match it.
    """
    now = now or utcnow()
    address = email.strip()
    if not address or len(address) > 254 or "@" not in address:
        raise InputError("enter an e-mail address", field="email")
    vault = vault_of(inst)
    try:
        found = vault.find("email", address)
    except InputError:
        found = []
    challenge_id = secrets.token_urlsafe(24)
    code = f"{secrets.randbelow(1_000_000):06d}"
    customer_id = found[0] if len(found) == 1 else None
    expires = now + timedelta(minutes=CODE_MINUTES)
    key = inst.keyring.session_key
    with inst.engine.begin() as conn:
        # challenges kept a day past their expiry (the hour's count needs one hour of them)
        conn.execute(
            portal_challenges.delete().where(
                portal_challenges.c.expires_at < now - timedelta(days=_KEPT_DAYS)
            )
        )
        if customer_id is not None and _codes_sent(conn, customer_id, now) >= MAX_CODES_PER_HOUR:
            # Each code allows MAX_TRIES guesses: without a cap per customer, asking again
            # and again (from many addresses) would allow as many guesses as wanted.
            customer_id = None
        conn.execute(
            portal_challenges.insert().values(
                id=challenge_id,
                customer_id=customer_id,
                # Unknown address: hash a code nobody was sent, so timing and rows look alike.
                code_hash=_code_hash(key, challenge_id, code if customer_id else "x" + code),
                created_at=now,
                expires_at=expires,
                tries=0,
            )
        )
        if customer_id is not None:
            # The customer's language when we write in it (some speak German), else the page's.
            own = vault.get(customer_id, conn).language
            lang = own if own in _WRITTEN else language
            enqueue(
                conn,
                Notification(
                    template="portal_login_code",
                    channel=ChannelKind.EMAIL,
                    recipient=address,
                    language=lang,
                    params={"code": code, "minutes": CODE_MINUTES},
                    expires_at=expires,
                ),
                keyring=inst.keyring,
                now=now,
            )
    return challenge_id


def _codes_sent(conn: sa.Connection, customer_id: str, now: datetime) -> int:
    c = portal_challenges.c
    return int(
        conn.execute(
            sa.select(sa.func.count()).where(
                c.customer_id == customer_id, c.created_at > now - timedelta(hours=1)
            )
        ).scalar_one()
    )


def verify_portal_code(
    inst: Installation, challenge_id: str, code: str, *, now: datetime | None = None
) -> tuple[str, PortalCustomer] | None:
    """A new portal session ``(token, customer)`` for the right code, else ``None``.

    Every try counts, right or wrong; after ``MAX_TRIES`` or ``CODE_MINUTES`` the challenge
    is dead and a new code must be asked for.
    """
    now = now or utcnow()
    code = code.strip().replace(" ", "")
    c = portal_challenges.c
    live = (c.id == challenge_id, c.used_at.is_(None), c.expires_at > now)
    with inst.engine.begin() as conn:
        # The try is counted and checked in one statement (compare-and-set): tries sent at
        # once cannot all pass a count read before any of them was written, and the row
        # stays locked by this update until commit.
        counted = conn.execute(
            portal_challenges.update().where(*live, c.tries < MAX_TRIES).values(tries=c.tries + 1)
        )
        if counted.rowcount != 1:
            return None
        row = conn.execute(sa.select(c.customer_id, c.code_hash).where(c.id == challenge_id)).one()
        expected = _code_hash(inst.keyring.session_key, challenge_id, code)
        if row.customer_id is None or not hmac.compare_digest(expected, bytes(row.code_hash)):
            return None
        conn.execute(portal_challenges.update().where(c.id == challenge_id).values(used_at=now))
        token = "ecp_" + secrets.token_urlsafe(32)
        conn.execute(
            portal_sessions.insert().values(
                token_hash=hashlib.sha256(token.encode()).digest(),
                customer_id=row.customer_id,
                created_at=now,
                expires_at=now + timedelta(hours=SESSION_HOURS),
            )
        )
        customer_id = str(row.customer_id)
    language = vault_of(inst).get(customer_id).language or "en"
    return token, PortalCustomer(customer_id, language)


def resolve_portal_session(
    inst: Installation, token: str | None, *, now: datetime | None = None
) -> PortalCustomer | None:
    if not token or len(token) > 128:
        return None
    now = now or utcnow()
    s = portal_sessions.c
    with reading(inst.engine) as conn:
        row = conn.execute(
            sa.select(s.customer_id, s.expires_at, s.revoked_at).where(
                s.token_hash == hashlib.sha256(token.encode()).digest()
            )
        ).first()
        if row is None or row.revoked_at is not None or row.expires_at <= now:
            return None
        lang = conn.execute(
            sa.text("SELECT language FROM customers WHERE id = :id AND erased_at IS NULL"),
            {"id": row.customer_id},
        ).scalar()
    if lang is None and not _exists(inst, str(row.customer_id)):
        return None
    return PortalCustomer(str(row.customer_id), str(lang or "en"))


def _exists(inst: Installation, customer_id: str) -> bool:
    with reading(inst.engine) as conn:
        return (
            conn.execute(
                sa.text("SELECT 1 FROM customers WHERE id = :id AND erased_at IS NULL"),
                {"id": customer_id},
            ).first()
            is not None
        )


def end_portal_session(
    inst: Installation, token: str | None, *, now: datetime | None = None
) -> None:
    if not token:
        return
    with inst.engine.begin() as conn:
        conn.execute(
            portal_sessions.update()
            .where(portal_sessions.c.token_hash == hashlib.sha256(token.encode()).digest())
            .values(revoked_at=now or utcnow())
        )
