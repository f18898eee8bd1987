"""Staff sign-in and sign-out, and the language switch."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ecluse.ledger import EntryKind, NewEntry
from ecluse.org import AuthError, AuthFailure, authenticate, get_person, logout
from ecluse.vocabulary import Role
from ecluse.web._forms import Storable
from ecluse.web._i18n import LANGUAGES
from ecluse.web._security import (
    LANG_COOKIE,
    PRE_COOKIE,
    SESSION_COOKIE,
    csrf_for,
    new_pre_token,
    safe_next,
)
from ecluse.web._session import Anonymous, Staff
from ecluse.web._state import Page

__all__ = ["home_for", "router", "with_pre_cookie"]

router = APIRouter()

_HOME = {
    Role.AGENT: "/queue",
    Role.TEAM_LEAD: "/team",
    Role.SUPERVISOR: "/queue",
    Role.ANALYST: "/reviews",
    Role.DPO: "/dpo",
    Role.ADMIN: "/dpo/transfers",
}


def home_for(role: Role) -> str:
    return _HOME.get(role, "/queue")


def with_pre_cookie(page: Page, render: str, **ctx: object) -> HTMLResponse:
    """Render a sign-in form, creating the pre-session cookie its CSRF token is bound to."""
    fresh = None
    if not page.csrf:
        fresh = new_pre_token()
        page.csrf = csrf_for(page.state.session_key, "pre", fresh)
    status = ctx.pop("status", 200)
    response = page.render(render, status=int(status), **ctx)  # type: ignore[call-overload]
    if fresh:
        response.set_cookie(PRE_COOKIE, fresh, **page.state.cookies.session(3600))  # type: ignore[arg-type]
    return response


@router.get("/login", response_class=HTMLResponse)
def login_form(page: Anonymous) -> HTMLResponse:
    return with_pre_cookie(page, "login.html")


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    page: Anonymous,
    email: Annotated[str, Form(max_length=320), Storable] = "",
    password: Annotated[str, Form(max_length=1024), Storable] = "",
    totp: Annotated[str, Form(max_length=12), Storable] = "",
) -> Response:
    st = page.state
    source = request.client.host if request.client else "unknown"
    try:
        session = authenticate(
            st.inst.engine,
            email,
            password,
            totp.strip() or None,
            policy=st.accounts,
            source=source,
            limiter=st.limiter,
            keyring=st.inst.keyring,
        )
    except AuthError as exc:
        handle = "unknown"
        if exc.person_id is not None:
            handle = get_person(st.inst.engine, exc.person_id).handle
        # Ledgered by handle only: what was typed is never recorded.
        st.ledger.append(
            NewEntry(
                EntryKind.LOGIN_FAILED,
                handle,
                details={"reason": exc.reason.value, "via": "console"},
            )
        )
        key = "rate_limited" if exc.reason is AuthFailure.RATE_LIMITED else "bad_login"
        return with_pre_cookie(page, "login.html", error=page.t(key), status=401)
    person = get_person(st.inst.engine, session.person_id)
    st.ledger.append(
        NewEntry(
            EntryKind.LOGIN,
            person.handle,
            details={"role": person.role.value, "via": "console"},
        )
    )
    response = RedirectResponse(home_for(person.role), status_code=303)
    max_age = int(st.accounts.session_absolute.total_seconds())
    response.set_cookie(SESSION_COOKIE, session.token, **st.cookies.session(max_age))  # type: ignore[arg-type]
    response.delete_cookie(PRE_COOKIE, path="/")
    return response


@router.post("/logout")
def sign_out(request: Request, page: Staff) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        logout(page.state.inst.engine, token)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(
        SESSION_COOKIE, path="/", secure=page.state.cookies.secure, httponly=True, samesite="strict"
    )
    return response


@router.get("/lang/{code}")
def set_language(code: str, request: Request) -> Response:
    """Remember the user's language (a preference only: no state changes on the server)."""
    target = safe_next(request.query_params.get("next"))
    response = RedirectResponse(target, status_code=303)
    if code in LANGUAGES:
        response.set_cookie(LANG_COOKIE, code, max_age=365 * 86400, path="/", samesite="lax")
    return response


@router.get("/")
def root(request: Request) -> Response:
    signed_in = request.cookies.get(SESSION_COOKIE)
    return RedirectResponse("/home" if signed_in else "/login", status_code=303)


@router.get("/home")
def home(page: Staff) -> Response:
    assert page.me is not None
    return RedirectResponse(home_for(page.me.role), status_code=303)
