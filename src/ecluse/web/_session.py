"""Who is asking: staff sessions, the customer portal's sessions, CSRF checks and language."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from ecluse.db import utcnow
from ecluse.org import AuthError, resolve_session
from ecluse.vocabulary import Role
from ecluse.web._i18n import pick_language
from ecluse.web._portal_auth import PortalCustomer, resolve_portal_session
from ecluse.web._security import (
    LANG_COOKIE,
    PORTAL_COOKIE,
    PRE_COOKIE,
    SESSION_COOKIE,
    csrf_for,
    csrf_ok,
)
from ecluse.web._state import ConsoleState, Page, console_state

__all__ = [
    "Anonymous",
    "BadCsrf",
    "Customer",
    "SignInFirst",
    "Staff",
    "anonymous_page",
    "require_role",
]

_SAFE = frozenset({"GET", "HEAD"})


class SignInFirst(Exception):
    """No valid session: the handler redirects to the right sign-in page."""

    def __init__(self, portal: bool = False) -> None:
        super().__init__("sign in first")
        self.portal = portal


class BadCsrf(Exception):
    """A form without the right CSRF token."""


async def _sent_csrf(request: Request) -> str | None:
    if request.method in _SAFE:
        return None
    form = await request.form()
    value = form.get("csrf")
    return value if isinstance(value, str) else ""


SentCsrf = Annotated[str | None, Depends(_sent_csrf)]
State = Annotated[ConsoleState, Depends(console_state)]


def _staff_page(request: Request, st: State, sent: SentCsrf) -> Page:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise SignInFirst()
    now = utcnow()
    try:
        me = resolve_session(st.inst.engine, token, now=now, policy=st.accounts)
    except AuthError:
        raise SignInFirst() from None
    if sent is not None and not csrf_ok(st.session_key, "staff", token, sent):
        raise BadCsrf()
    known = sorted(
        me.languages,
        key=lambda lang: ("fr", "nl", "en").index(lang) if lang in ("fr", "nl", "en") else 9,
    )
    lang = pick_language(
        request.cookies.get(LANG_COOKIE), request.headers.get("accept-language"), known
    )
    return Page(st, lang, csrf_for(st.session_key, "staff", token), request.url.path, me, now=now)


def _portal_page(request: Request, st: State, sent: SentCsrf) -> Page:
    token = request.cookies.get(PORTAL_COOKIE)
    now = utcnow()
    who: PortalCustomer | None = resolve_portal_session(st.inst, token, now=now)
    if who is None or token is None:
        raise SignInFirst(portal=True)
    if sent is not None and not csrf_ok(st.session_key, "portal", token, sent):
        raise BadCsrf()
    lang = pick_language(request.cookies.get(LANG_COOKIE), None, [who.language])
    page = Page(st, lang, csrf_for(st.session_key, "portal", token), request.url.path, now=now)
    page.customer = who.customer_id
    return page


def anonymous_page(request: Request, st: State, sent: SentCsrf) -> Page:
    """Sign-in pages: CSRF bound to a random pre-session cookie (set by the handler)."""
    pre = request.cookies.get(PRE_COOKIE)
    if sent is not None and not csrf_ok(st.session_key, "pre", pre, sent):
        raise BadCsrf()
    lang = pick_language(request.cookies.get(LANG_COOKIE), request.headers.get("accept-language"))
    csrf = csrf_for(st.session_key, "pre", pre) if pre else ""
    return Page(st, lang, csrf, request.url.path, now=utcnow())


Staff = Annotated[Page, Depends(_staff_page)]
Customer = Annotated[Page, Depends(_portal_page)]
Anonymous = Annotated[Page, Depends(anonymous_page)]


def require_role(page: Page, *roles: Role) -> None:
    from ecluse.errors import PermissionDenied

    if page.me is None or page.me.role not in roles:
        raise PermissionDenied("this page is not for your role")
