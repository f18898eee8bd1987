"""Logging in: password, lockout, second factor, and the session it opens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from ecluse.db import reading, utcnow
from ecluse.errors import InputError
from ecluse.keys import Keyring
from ecluse.org import _tables as t
from ecluse.org._credentials import open_totp, use_totp
from ecluse.org._errors import AuthError, AuthFailure
from ecluse.org._model import TOTP_REQUIRED_ROLES, Session, contract_current
from ecluse.org._passwords import verify_password
from ecluse.org._policy import DEFAULT_POLICY, AccountPolicy
from ecluse.org._ratelimit import RateLimiter
from ecluse.org._validate import normalise_email
from ecluse.vocabulary import Role

__all__ = ["SESSION_PREFIX", "TOKEN_PREFIX", "authenticate", "digest", "new_token"]

SESSION_PREFIX = "ecs_"
TOKEN_PREFIX = "eca_"


def new_token(prefix: str) -> str:
    """256 random bits, URL-safe; the prefix tells sessions and API tokens apart in logs."""
    return prefix + secrets.token_urlsafe(32)


def digest(token: str) -> bytes:
    """What the database keeps of a token: its SHA-256 (the token itself is never stored)."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).digest()


def authenticate(
    engine: Engine,
    email: str,
    password: str,
    totp: str | None = None,
    *,
    now: datetime | None = None,
    policy: AccountPolicy = DEFAULT_POLICY,
    source: str | None = None,
    limiter: RateLimiter | None = None,
    keyring: Keyring,
) -> Session:
    """Check e-mail, password and (when enrolled or required) a TOTP code; open a session.

    Raises :class:`AuthError`; its ``reason`` tells the API what to answer. An unknown e-mail
    and a wrong password are indistinguishable, in message and in time. Failures (wrong
    password or code) count per account: after ``policy.lockout_failures`` the account is
    locked for ``policy.lockout``, during which every attempt, even with the right password,
    fails as ``bad_credentials``. ``limiter`` and ``source`` (e.g. the client address) add a
    per-source rate limit.
    """
    now = now or utcnow()
    if limiter is not None and source is not None:
        limiter.hit(source, now)
    try:
        address = normalise_email(email)
    except InputError:
        address = ""
    p, v = t.people.c, t.vendors.c
    with reading(engine) as conn:
        row = conn.execute(
            sa.select(
                p.id,
                p.role,
                p.active,
                p.password_hash,
                p.locked_until,
                p.totp_secret,
                v.status,
                v.contract_start,
                v.contract_end,
            )
            .select_from(t.people.outerjoin(t.vendors, v.id == p.vendor_id))
            .where(p.email == address)
        ).first()
    if row is None:
        verify_password(policy, None, password)
        raise AuthError(AuthFailure.BAD_CREDENTIALS)
    locked = row.locked_until is not None and row.locked_until > now
    right = verify_password(policy, row.password_hash, password)
    if locked:
        # Right password or wrong, a locked account answers like an unknown e-mail (and its
        # lock is not extended): an answer that told the right password apart would let
        # guessing go on through the lock, uncounted, and name the password when found.
        raise AuthError(AuthFailure.BAD_CREDENTIALS, person_id=row.id)
    if not right:
        _failure(engine, row.id, now, policy)
        raise AuthError(AuthFailure.BAD_CREDENTIALS, person_id=row.id)
    vendor_ok = row.status is None or contract_current(
        row.status, row.contract_start, row.contract_end, now
    )
    if not row.active or not vendor_ok:
        raise AuthError(AuthFailure.NO_ACCESS, person_id=row.id)
    if row.totp_secret is None:
        if Role(row.role) in TOTP_REQUIRED_ROLES:
            raise AuthError(AuthFailure.TOTP_ENROLMENT_REQUIRED, person_id=row.id)
    elif not totp:
        raise AuthError(AuthFailure.TOTP_REQUIRED, person_id=row.id)
    else:
        with engine.begin() as conn:
            secret = open_totp(keyring, row.id, row.totp_secret)
            ok = use_totp(conn, row.id, secret, totp, now, policy.totp_window)
        if not ok:
            _failure(engine, row.id, now, policy)
            raise AuthError(AuthFailure.TOTP_INVALID, person_id=row.id)
    return _open_session(engine, row.id, row.password_hash, password, now, policy)


def _open_session(
    engine: Engine, person_id: int, stored: str, password: str, now: datetime, policy: AccountPolicy
) -> Session:
    token = new_token(SESSION_PREFIX)
    expires = now + policy.session_absolute
    values: dict[str, object] = {"failed_logins": 0, "locked_until": None}
    if policy.hasher.check_needs_rehash(stored):
        values["password_hash"] = policy.hasher.hash(password)  # cost raised since last set
    with engine.begin() as conn:
        conn.execute(sa.update(t.people).where(t.people.c.id == person_id).values(**values))
        session_id = t.inserted_id(
            conn.execute(
                sa.insert(t.sessions).values(
                    token_hash=digest(token),
                    person_id=person_id,
                    created_at=now,
                    last_seen_at=now,
                    expires_at=expires,
                )
            )
        )
    return Session(
        id=session_id, person_id=person_id, created_at=now, expires_at=expires, token=token
    )


def _failure(engine: Engine, person_id: int, now: datetime, policy: AccountPolicy) -> None:
    with engine.begin() as conn:
        # Increment in SQL so concurrent failures all count.
        conn.execute(
            sa.update(t.people)
            .where(t.people.c.id == person_id)
            .values(failed_logins=t.people.c.failed_logins + 1)
        )
        count = conn.execute(
            sa.select(t.people.c.failed_logins).where(t.people.c.id == person_id)
        ).scalar_one()
        if count >= policy.lockout_failures:
            conn.execute(
                sa.update(t.people)
                .where(t.people.c.id == person_id)
                .values(failed_logins=0, locked_until=now + policy.lockout)
            )
