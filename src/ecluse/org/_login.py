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
    fails as ``bad_credentials``. An attempt is counted before its password is checked, so
    attempts sent at once are bounded by the lockout too. ``limiter`` and ``source`` (e.g. the
    client address) add a per-source rate limit.
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
    counted = _count_attempt(engine, row.id, now, policy)
    right = verify_password(policy, row.password_hash, password)
    if not counted:
        # Right password or wrong, a locked account answers like an unknown e-mail (and its
        # lock is not extended): an answer that told the right password apart would let
        # guessing go on through the lock, uncounted, and name the password when found.
        raise AuthError(AuthFailure.BAD_CREDENTIALS, person_id=row.id)
    if not right:
        raise AuthError(AuthFailure.BAD_CREDENTIALS, person_id=row.id)  # counted: a failure
    vendor_ok = row.status is None or contract_current(
        row.status, row.contract_start, row.contract_end, now
    )
    failure: AuthFailure | None = None
    if not row.active or not vendor_ok:
        failure = AuthFailure.NO_ACCESS
    elif row.totp_secret is None:
        if Role(row.role) in TOTP_REQUIRED_ROLES:
            failure = AuthFailure.TOTP_ENROLMENT_REQUIRED
    elif not totp:
        failure = AuthFailure.TOTP_REQUIRED
    if failure is not None:
        # The right password, but no session: not a failure, so the attempt is given back.
        _uncount_attempt(engine, row.id, now, policy)
        raise AuthError(failure, person_id=row.id)
    if row.totp_secret is not None and totp:
        with engine.begin() as conn:
            secret = open_totp(keyring, row.id, row.totp_secret)
            ok = use_totp(conn, row.id, secret, totp, now, policy.totp_window)
        if not ok:
            raise AuthError(AuthFailure.TOTP_INVALID, person_id=row.id)  # counted: a failure
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


def _unlocked(now: datetime) -> sa.ColumnElement[bool]:
    c = t.people.c
    return sa.or_(c.locked_until.is_(None), c.locked_until <= now)


def _count_attempt(engine: Engine, person_id: int, now: datetime, policy: AccountPolicy) -> bool:
    """Count an attempt as a failure before its password is checked; ``False`` when locked.

    One compare-and-set statement: attempts sent at once cannot all pass a lock state read
    before any of them was written, so at most ``lockout_failures`` are checked per lock. The
    attempt that reaches the limit locks the account (it is still checked: a success clears
    the lock) and the count starts afresh, as it does when the lock ends.
    """
    c = t.people.c
    reaches = c.failed_logins + 1 >= policy.lockout_failures
    until = sa.literal(now + policy.lockout, c.locked_until.type)
    with engine.begin() as conn:
        counted = conn.execute(
            sa.update(t.people)
            .where(c.id == person_id, _unlocked(now))
            .values(
                failed_logins=sa.case((reaches, 0), else_=c.failed_logins + 1),
                locked_until=sa.case((reaches, until), else_=c.locked_until),
            )
        )
    return counted.rowcount == 1


def _uncount_attempt(engine: Engine, person_id: int, now: datetime, policy: AccountPolicy) -> None:
    """Give back an attempt counted by :func:`_count_attempt`, unless the account has been
    locked since by others (the lock stands)."""
    c = t.people.c
    locked_by_it = sa.and_(c.failed_logins == 0, c.locked_until == now + policy.lockout)
    with engine.begin() as conn:
        conn.execute(
            sa.update(t.people)
            .where(
                c.id == person_id,
                sa.or_(sa.and_(c.failed_logins > 0, _unlocked(now)), locked_by_it),
            )
            .values(
                failed_logins=sa.case(
                    (c.failed_logins > 0, c.failed_logins - 1),
                    else_=max(policy.lockout_failures - 1, 0),
                ),
                locked_until=sa.case((c.failed_logins > 0, c.locked_until), else_=None),
            )
        )
