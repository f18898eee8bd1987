"""Per-request resolution of a session or API token into a :class:`Principal`.

One indexed query (the token digest is unique) joins the credential, the person, the vendor
and the site; the leaver flag and the vendor contract are checked every time, so access ends
the moment they change. Last-seen/last-used times are refreshed at most every
``policy.touch_every`` so most requests are reads.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from ecluse.db import Prebuilt, UTCDateTime, reading, utcnow
from ecluse.org import _tables as t
from ecluse.org._access import is_active, principal_columns, principal_from_row, principal_join
from ecluse.org._errors import AuthError, AuthFailure
from ecluse.org._login import TOKEN_PREFIX, digest, new_token
from ecluse.org._model import Principal
from ecluse.org._people import person
from ecluse.org._policy import DEFAULT_POLICY, AccountPolicy
from ecluse.org._validate import check_name

__all__ = [
    "ApiToken",
    "ApiTokenInfo",
    "create_api_token",
    "list_api_tokens",
    "logout",
    "resolve_api_token",
    "resolve_session",
    "revoke_api_token",
    "revoke_sessions",
]

_MAX_TOKEN = 128


def resolve_session(
    engine: Engine,
    token: str,
    *,
    now: datetime | None = None,
    policy: AccountPolicy = DEFAULT_POLICY,
) -> Principal:
    """The principal behind a session token, or ``AuthError`` (unknown, revoked, expired,
    idle too long, leaver, vendor contract not current)."""
    now = now or utcnow()
    row = _lookup(engine, _SESSION_QUERY, token)
    if row.revoked_at is not None:
        raise AuthError(AuthFailure.REVOKED, person_id=row.person_id)
    if now >= row.expires_at or now - row.last_seen_at >= policy.session_idle:
        raise AuthError(AuthFailure.EXPIRED, person_id=row.person_id)
    principal = principal_from_row(row, "session", row.credential_id)
    if not is_active(principal, now):
        raise AuthError(AuthFailure.NO_ACCESS, person_id=row.person_id)
    if now - row.last_seen_at >= policy.touch_every:
        _touch(engine, t.sessions, row.credential_id, now)
    return principal


def resolve_api_token(
    engine: Engine,
    token: str,
    *,
    now: datetime | None = None,
    policy: AccountPolicy = DEFAULT_POLICY,
) -> Principal:
    """The principal behind an API token (its person's role and scope), or ``AuthError``."""
    now = now or utcnow()
    row = _lookup(engine, _TOKEN_QUERY, token)
    if row.revoked_at is not None:
        raise AuthError(AuthFailure.REVOKED, person_id=row.person_id)
    principal = principal_from_row(row, "token", row.credential_id)
    if not is_active(principal, now):
        raise AuthError(AuthFailure.NO_ACCESS, person_id=row.person_id)
    if row.last_used_at is None or now - row.last_used_at >= policy.touch_every:
        _touch(engine, t.api_tokens, row.credential_id, now)
    return principal


def logout(engine: Engine, token: str, *, now: datetime | None = None) -> None:
    """Revoke the session holding ``token`` (unknown tokens are ignored)."""
    with engine.begin() as conn:
        conn.execute(
            sa.update(t.sessions)
            .where(t.sessions.c.token_hash == digest(token), t.sessions.c.revoked_at.is_(None))
            .values(revoked_at=now or utcnow())
        )


def revoke_sessions(engine: Engine, person_id: int, *, now: datetime | None = None) -> int:
    """Revoke every open session of a person (e.g. after a password reset); returns how many."""
    with engine.begin() as conn:
        return conn.execute(
            sa.update(t.sessions)
            .where(t.sessions.c.person_id == person_id, t.sessions.c.revoked_at.is_(None))
            .values(revoked_at=now or utcnow())
        ).rowcount


@dataclass(frozen=True, slots=True)
class ApiTokenInfo:
    """What may be listed about an API token: never the token."""

    id: int
    person_id: int
    name: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


@dataclass(frozen=True, slots=True)
class ApiToken:
    """A new API token. ``token`` is shown once and never stored."""

    info: ApiTokenInfo
    token: str = field(repr=False)

    @property
    def id(self) -> int:
        return self.info.id


def create_api_token(
    engine: Engine, person_id: int, name: str, *, now: datetime | None = None
) -> ApiToken:
    """A token acting as ``person_id`` for an integration, named for the admin's records."""
    label = check_name(name)
    now = now or utcnow()
    token = new_token(TOKEN_PREFIX)
    with engine.begin() as conn:
        if not person(conn, person_id).active:
            raise AuthError(AuthFailure.NO_ACCESS, person_id=person_id)
        token_id = t.inserted_id(
            conn.execute(
                sa.insert(t.api_tokens).values(
                    token_hash=digest(token), person_id=person_id, name=label, created_at=now
                )
            )
        )
    return ApiToken(ApiTokenInfo(token_id, person_id, label, now, None, None), token)


def revoke_api_token(engine: Engine, token_id: int, *, now: datetime | None = None) -> bool:
    """Revoke a token by id; ``False`` if it was unknown or already revoked."""
    with engine.begin() as conn:
        done = conn.execute(
            sa.update(t.api_tokens)
            .where(t.api_tokens.c.id == token_id, t.api_tokens.c.revoked_at.is_(None))
            .values(revoked_at=now or utcnow())
        )
    return done.rowcount == 1


def list_api_tokens(engine: Engine, person_id: int | None = None) -> list[ApiTokenInfo]:
    c = t.api_tokens.c
    query = sa.select(c.id, c.person_id, c.name, c.created_at, c.last_used_at, c.revoked_at)
    if person_id is not None:
        query = query.where(c.person_id == person_id)
    with reading(engine) as conn:
        return [ApiTokenInfo(*r) for r in conn.execute(query.order_by(c.id))]


def _credential_query(table: sa.Table, *extra: sa.ColumnElement[Any]) -> Prebuilt:
    # Built once and run on the driver: every request pays for this query.
    return Prebuilt(
        sa.select(
            table.c.id.label("credential_id"), table.c.revoked_at, *extra, *principal_columns()
        )
        .select_from(table.join(principal_join(), t.people.c.id == table.c.person_id))
        .where(table.c.token_hash == sa.bindparam("digest"))
    )


_SESSION_QUERY = _credential_query(t.sessions, t.sessions.c.last_seen_at, t.sessions.c.expires_at)
_TOKEN_QUERY = _credential_query(t.api_tokens, t.api_tokens.c.last_used_at)
_TOUCH = {
    table.name: sa.update(table)
    .where(table.c.id == sa.bindparam("row_id"))
    .values({column: sa.bindparam("now", type_=UTCDateTime())})
    for table, column in ((t.sessions, "last_seen_at"), (t.api_tokens, "last_used_at"))
}


def _lookup(engine: Engine, query: Prebuilt, token: str) -> Any:
    if not isinstance(token, str) or not 0 < len(token) <= _MAX_TOKEN:
        raise AuthError(AuthFailure.UNKNOWN_TOKEN)
    row = query.first(engine, {"digest": digest(token)})
    if row is None:
        raise AuthError(AuthFailure.UNKNOWN_TOKEN)
    return row


def _touch(engine: Engine, table: sa.Table, row_id: int, now: datetime) -> None:
    with engine.begin() as conn:
        conn.execute(_TOUCH[table.name], {"row_id": row_id, "now": now})
