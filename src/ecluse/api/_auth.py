"""Authentication: session cookie with CSRF token, or bearer API token; login and logout.

The session cookie is ``HttpOnly``, ``SameSite=Strict`` and (unless turned off for a local
http demo) ``Secure``. Every state-changing request authenticated by that cookie must carry
``X-CSRF-Token``: an HMAC of the session token under the installation's session key, handed
out at login (in the body and in a script-readable cookie). Bearer tokens are not sent by
browsers on their own, so they need no CSRF token.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response

from ecluse.api._errors import ApiError
from ecluse.api._schemas import LoginIn
from ecluse.api._state import State, api_state
from ecluse.errors import NotFound
from ecluse.ledger import EntryKind, NewEntry
from ecluse.org import (
    AuthError,
    AuthFailure,
    Principal,
    authenticate,
    get_person,
    logout,
    resolve_api_token,
    resolve_session,
)

__all__ = [
    "CSRF_COOKIE",
    "CSRF_HEADER",
    "SESSION_COOKIE",
    "Caller",
    "csrf_token",
    "current_principal",
    "principal_json",
    "router",
]

SESSION_COOKIE = "ecluse_session"
CSRF_COOKIE = "ecluse_csrf"
CSRF_HEADER = "X-CSRF-Token"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_COOKIE_PATH = "/api/"

router = APIRouter(tags=["auth"])


def csrf_token(session_key: bytes, session_token: str) -> str:
    mac = hmac.new(session_key, b"csrf|" + session_token.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def current_principal(request: Request) -> Principal:
    """The caller, from ``Authorization: Bearer`` or the session cookie (+ CSRF on writes)."""
    st = api_state(request)
    header = request.headers.get("authorization")
    if header is not None:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise AuthError(AuthFailure.UNKNOWN_TOKEN)
        return resolve_api_token(st.engine, token.strip(), policy=st.accounts)
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        raise ApiError(401, "unauthenticated", "log in or send a bearer token")
    principal = resolve_session(st.engine, cookie, policy=st.accounts)
    if request.method not in _SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER, "").encode("latin-1", "replace")
        expected = csrf_token(st.inst.keyring.session_key, cookie).encode()
        if not hmac.compare_digest(sent, expected):
            raise ApiError(403, "csrf", f"missing or wrong {CSRF_HEADER} header")
    return principal


Caller = Annotated[Principal, Depends(current_principal)]


def principal_json(p: Principal) -> dict[str, Any]:
    """Who the caller is, by pseudonymous handle only."""
    return {
        "person_id": p.person_id,
        "handle": p.handle,
        "role": p.role.value,
        "vendor_id": p.vendor_id,
        "site_id": p.site_id,
        "site_country": p.site_country,
        "team_id": p.team_id,
        "via": p.via,
    }


def _handle(st: State, person_id: int | None) -> str:
    if person_id is None:
        return "unknown"
    try:
        return get_person(st.engine, person_id).handle
    except NotFound:
        return "unknown"


@router.post("/auth/login", summary="Log in: e-mail, password and one-time code")
def login(body: LoginIn, request: Request, response: Response, st: State) -> dict[str, Any]:
    source = request.client.host if request.client else "unknown"
    try:
        session = authenticate(
            st.engine,
            body.email,
            body.password,
            body.totp,
            policy=st.accounts,
            source=source,
            limiter=st.limiter,
            keyring=st.inst.keyring,
        )
    except AuthError as exc:
        if exc.reason is AuthFailure.RATE_LIMITED:
            # Refused before any credential was looked at; ledgering each would let a
            # flood from one address fill the ledger.
            raise
        # Ledgered by handle only: the e-mail typed is never recorded.
        st.ledger.append(
            NewEntry(
                EntryKind.LOGIN_FAILED,
                _handle(st, exc.person_id),
                details={"reason": exc.reason.value},
            )
        )
        raise
    principal = resolve_session(st.engine, session.token, policy=st.accounts)
    st.ledger.append(
        NewEntry(
            EntryKind.LOGIN,
            principal.handle,
            details={"role": principal.role.value, "via": "password"},
        )
    )
    csrf = csrf_token(st.inst.keyring.session_key, session.token)
    max_age = int(st.accounts.session_absolute.total_seconds())
    common: dict[str, Any] = {
        "max_age": max_age,
        "path": _COOKIE_PATH,
        "secure": st.secure_cookie,
        "samesite": "strict",
    }
    response.set_cookie(SESSION_COOKIE, session.token, httponly=True, **common)
    response.set_cookie(CSRF_COOKIE, csrf, httponly=False, **common)
    return {
        "csrf_token": csrf,
        "expires_at": session.expires_at.isoformat(),
        "me": principal_json(principal),
    }


@router.post("/auth/logout", summary="End the cookie session")
def logout_route(
    request: Request, response: Response, principal: Caller, st: State
) -> dict[str, Any]:
    token = request.cookies.get(SESSION_COOKIE)
    if principal.via == "session" and token:
        logout(st.engine, token)
    for name in (SESSION_COOKIE, CSRF_COOKIE):
        response.delete_cookie(name, path=_COOKIE_PATH, secure=st.secure_cookie, samesite="strict")
    return {"ok": True}


@router.get("/auth/me", summary="Who the caller is")
def me(principal: Caller) -> dict[str, Any]:
    return principal_json(principal)
