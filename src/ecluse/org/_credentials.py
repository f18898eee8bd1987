"""Passwords (argon2id) and the TOTP second factor (RFC 6238, no replay)."""

from __future__ import annotations

import hmac
from dataclasses import dataclass, field
from datetime import datetime

import pyotp
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from ecluse.db import utcnow
from ecluse.errors import InputError
from ecluse.keys import Keyring
from ecluse.org import _tables as t
from ecluse.org._errors import AuthError, AuthFailure
from ecluse.org._passwords import check_password_policy
from ecluse.org._people import person
from ecluse.org._policy import DEFAULT_POLICY, AccountPolicy

__all__ = [
    "TotpEnrolment",
    "activate_totp_secret",
    "confirm_totp",
    "enrol_totp",
    "new_totp_secret",
    "open_totp",
    "reseal_totp_secrets",
    "reset_password",
    "reset_totp",
    "seal_totp",
    "set_password",
    "use_totp",
]

_STEP_SECONDS = 30


def set_password(
    engine: Engine,
    person_id: int,
    password: str,
    *,
    now: datetime | None = None,
    policy: AccountPolicy = DEFAULT_POLICY,
) -> None:
    """Set a password (the person changing their own); clears a lockout, keeps sessions."""
    with engine.begin() as conn:
        _store_password(conn, person_id, password, now or utcnow(), policy)


def reset_password(
    engine: Engine,
    person_id: int,
    password: str,
    *,
    now: datetime | None = None,
    policy: AccountPolicy = DEFAULT_POLICY,
) -> int:
    """An administrator's reset (lost or exposed password): sets it, clears a lockout and
    revokes every open session of the person. Returns how many sessions were revoked."""
    now = now or utcnow()
    with engine.begin() as conn:
        _store_password(conn, person_id, password, now, policy)
        return conn.execute(
            sa.update(t.sessions)
            .where(t.sessions.c.person_id == person_id, t.sessions.c.revoked_at.is_(None))
            .values(revoked_at=now)
        ).rowcount


def _store_password(
    conn: Connection, person_id: int, password: str, now: datetime, policy: AccountPolicy
) -> None:
    who = person(conn, person_id)
    check_password_policy(password, who.email, policy)
    conn.execute(
        sa.update(t.people)
        .where(t.people.c.id == person_id)
        .values(
            password_hash=policy.hasher.hash(password),
            password_changed_at=now,
            failed_logins=0,
            locked_until=None,
        )
    )


@dataclass(frozen=True, slots=True)
class TotpEnrolment:
    """A pending TOTP secret; it takes effect once :func:`confirm_totp` sees a code."""

    uri: str = field(repr=False)  # otpauth:// provisioning URI (show as QR code)
    secret: str = field(repr=False)  # base32, for manual entry


def new_totp_secret() -> str:
    """A new TOTP seed from the system's CSPRNG (160 bits, base32)."""
    return pyotp.random_base32(32)


def _context(person_id: int) -> bytes:
    return b"ecluse.org.totp:" + str(person_id).encode()


def seal_totp(keyring: Keyring, person_id: int, secret: str) -> bytes:
    """A TOTP seed as stored: sealed under the KEK, bound to its person."""
    return keyring.seal_secret(secret.encode(), _context(person_id))


def open_totp(keyring: Keyring, person_id: int, sealed: bytes) -> str:
    return keyring.open_secret(sealed, _context(person_id)).decode()


def enrol_totp(
    engine: Engine,
    person_id: int,
    *,
    keyring: Keyring,
    issuer: str = "Ecluse",
) -> TotpEnrolment:
    """Start (or restart) enrolment: a new pending secret and its provisioning URI."""
    secret = new_totp_secret()
    with engine.begin() as conn:
        who = person(conn, person_id)
        conn.execute(
            sa.update(t.people)
            .where(t.people.c.id == person_id)
            .values(totp_pending=seal_totp(keyring, person_id, secret))
        )
    # The URI names the account by handle, so a lost phone does not leak the e-mail.
    uri = pyotp.TOTP(secret).provisioning_uri(name=who.handle, issuer_name=issuer)
    return TotpEnrolment(uri=uri, secret=secret)


def confirm_totp(
    engine: Engine,
    person_id: int,
    code: str,
    *,
    keyring: Keyring,
    now: datetime | None = None,
    policy: AccountPolicy = DEFAULT_POLICY,
) -> None:
    """Activate the pending secret if ``code`` matches it (raises ``AuthError`` otherwise)."""
    now = now or utcnow()
    with engine.begin() as conn:
        pending = conn.execute(
            sa.select(t.people.c.totp_pending).where(t.people.c.id == person_id)
        ).scalar()
        if not pending:
            raise InputError("no TOTP enrolment pending; enrol first", field="totp")
        secret = open_totp(keyring, person_id, pending)
        step = _matching_step(secret, code, now, policy.totp_window)
        if step is None:
            raise AuthError(AuthFailure.TOTP_INVALID, person_id=person_id)
        conn.execute(
            sa.update(t.people)
            .where(t.people.c.id == person_id)
            .values(totp_secret=pending, totp_pending=None, totp_last_step=step)
        )


def reset_totp(engine: Engine, person_id: int) -> None:
    """Forget a person's second factor (lost device); they must enrol again."""
    with engine.begin() as conn:
        person(conn, person_id)
        conn.execute(
            sa.update(t.people)
            .where(t.people.c.id == person_id)
            .values(totp_secret=None, totp_pending=None, totp_last_step=None)
        )


def use_totp(
    conn: Connection, person_id: int, secret: str, code: str, now: datetime, window: int
) -> bool:
    """Check ``code`` and burn its time step, so the same code never works twice."""
    step = _matching_step(secret, code, now, window)
    if step is None:
        return False
    # Compare-and-set on the last used step: concurrent replays cannot both win.
    burnt = conn.execute(
        sa.update(t.people)
        .where(
            t.people.c.id == person_id,
            sa.or_(t.people.c.totp_last_step.is_(None), t.people.c.totp_last_step < step),
        )
        .values(totp_last_step=step)
    )
    return burnt.rowcount == 1


def _matching_step(secret: str, code: str, now: datetime, window: int) -> int | None:
    code = code.strip().replace(" ", "")
    if not code.isdigit() or len(code) != 6:
        return None
    totp = pyotp.TOTP(secret)
    current = int(now.timestamp()) // _STEP_SECONDS
    for offset in range(-window, window + 1):
        step = current + offset
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def activate_totp_secret(engine: Engine, person_id: int, secret: str, *, keyring: Keyring) -> None:
    """Install a known secret directly (demo seeding; people enrol with :func:`enrol_totp`)."""
    with engine.begin() as conn:
        person(conn, person_id)
        conn.execute(
            sa.update(t.people)
            .where(t.people.c.id == person_id)
            .values(
                totp_secret=seal_totp(keyring, person_id, secret),
                totp_pending=None,
                totp_last_step=None,
            )
        )


def reseal_totp_secrets(engine: Engine, keyring: Keyring) -> int:
    """Re-seal every stored TOTP seed under the active KEK (rotation); returns how many."""
    p = t.people.c
    done = 0
    with engine.begin() as conn:
        rows = conn.execute(
            sa.select(p.id, p.totp_secret, p.totp_pending).where(
                sa.or_(p.totp_secret.is_not(None), p.totp_pending.is_not(None))
            )
        ).all()
        for pid, secret, pending in rows:
            values = {
                name: keyring.reseal_secret(blob, _context(pid))
                for name, blob in (("totp_secret", secret), ("totp_pending", pending))
                if blob is not None
            }
            conn.execute(sa.update(t.people).where(p.id == pid).values(**values))
            done += 1
    return done
