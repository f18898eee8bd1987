"""The customer portal: sign in by one-time code; who saw my data; my cases; my data."""

from __future__ import annotations

import dataclasses
import importlib.util
import json
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ecluse.cases._tables import cases as cases_table
from ecluse.db import reading, utcnow
from ecluse.ledger import NewEntry
from ecluse.org import AuthError
from ecluse.privacy import access_report, render_access_report_html
from ecluse.vault import vault_of
from ecluse.web._forms import Storable
from ecluse.web._portal_auth import end_portal_session, start_portal_login, verify_portal_code
from ecluse.web._security import PORTAL_COOKIE, PRE_COOKIE
from ecluse.web._session import Anonymous, Customer
from ecluse.web._signin import with_pre_cookie
from ecluse.web._state import Page

__all__ = ["router"]

router = APIRouter(prefix="/portal")

_CHALLENGE_COOKIE = "ecluse_portal_challenge"
# The printable report is self-contained (its own <style>): it gets its own, script-free CSP.
_REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"


@router.get("/login", response_class=HTMLResponse)
def portal_login_form(page: Anonymous) -> HTMLResponse:
    return with_pre_cookie(page, "portal_login.html")


@router.post("/login")
def portal_login(
    request: Request, page: Anonymous, email: Annotated[str, Form(max_length=320), Storable] = ""
) -> Response:
    # Each request sends an e-mail: the same per-source limit as sign-ins keeps this page
    # from being used to flood someone's mailbox.
    source = request.client.host if request.client else "unknown"
    try:
        page.state.limiter.hit("portal|" + source, page.now or utcnow())
    except AuthError:
        return with_pre_cookie(page, "portal_login.html", error=page.t("rate_limited"), status=429)
    challenge = start_portal_login(page.state.inst, email, language=page.lang)
    response = RedirectResponse("/portal/code", status_code=303)
    response.set_cookie(_CHALLENGE_COOKIE, challenge, **page.state.cookies.session(600))  # type: ignore[arg-type]
    return response


@router.get("/code", response_class=HTMLResponse)
def portal_code_form(page: Anonymous) -> HTMLResponse:
    return with_pre_cookie(page, "portal_code.html", info=page.t("code_sent"))


@router.post("/code", response_class=HTMLResponse)
def portal_code(
    request: Request, page: Anonymous, code: Annotated[str, Form(max_length=12), Storable] = ""
) -> Response:
    challenge = request.cookies.get(_CHALLENGE_COOKIE, "")
    found = verify_portal_code(page.state.inst, challenge[:64], code) if challenge else None
    if found is None:
        return with_pre_cookie(page, "portal_code.html", error=page.t("bad_code"), status=401)
    token, who = found
    page.state.ledger.append(NewEntry("portal_login", "customer", who.customer_id))
    response = RedirectResponse("/portal", status_code=303)
    response.set_cookie(PORTAL_COOKIE, token, **page.state.cookies.session(2 * 3600))  # type: ignore[arg-type]
    response.delete_cookie(_CHALLENGE_COOKIE, path="/")
    response.delete_cookie(PRE_COOKIE, path="/")
    return response


def _my_cases(page: Page) -> list[dict[str, Any]]:
    # The desk has no "cases of one customer" service yet; this read shows the customer their own.
    c = cases_table.c
    with reading(page.state.inst.engine) as conn:
        rows = conn.execute(
            sa.select(c.id, c.case_type, c.status, c.created_at, c.outcome)
            .where(c.customer_id == page.customer)
            .order_by(c.created_at.desc())
            .limit(100)
        ).all()
    return [dict(r._mapping) for r in rows]


@router.get("", response_class=HTMLResponse)
def portal_home(page: Customer) -> HTMLResponse:
    assert page.customer is not None
    report = access_report(page.state.ledger, page.customer, page.lang)
    return page.render(
        "portal.html",
        report=report,
        cases=_my_cases(page),
        contest=_contest_available(),
    )


@router.get("/report.html", response_class=HTMLResponse)
def portal_report(page: Customer) -> HTMLResponse:
    assert page.customer is not None
    report = access_report(page.state.ledger, page.customer, page.lang)
    page.state.ledger.append(
        NewEntry("portal_export", "customer", page.customer, details={"format": "html"})
    )
    return HTMLResponse(
        render_access_report_html(report),
        headers={"Content-Security-Policy": _REPORT_CSP, "Cache-Control": "no-store"},
    )


@router.get("/data.json")
def portal_data(page: Customer) -> Response:
    assert page.customer is not None
    customer = vault_of(page.state.inst).get(page.customer)
    record = dataclasses.asdict(customer)
    record.pop("issues", None)
    body = {
        "customer": record,
        "cases": [{**c, "created_at": c["created_at"].isoformat()} for c in _my_cases(page)],
        "who_saw_my_data": access_report(page.state.ledger, page.customer, page.lang).to_json(),
    }
    page.state.ledger.append(
        NewEntry("portal_export", "customer", page.customer, details={"format": "json"})
    )
    return Response(
        json.dumps(body, ensure_ascii=False, indent=2, default=str),
        media_type="application/json",
        headers={
            "Content-Disposition": 'attachment; filename="my-data.json"',
            "Cache-Control": "no-store",
        },
    )


@router.post("/logout")
def portal_logout(request: Request, page: Customer) -> Response:
    end_portal_session(page.state.inst, request.cookies.get(PORTAL_COOKIE))
    response = RedirectResponse("/portal/login", status_code=303)
    response.delete_cookie(PORTAL_COOKIE, path="/")
    return response


def _contest_available() -> bool:
    # Looked up, not imported: the usage-review module brings heavy analytics libraries.
    return importlib.util.find_spec("ecluse.review") is not None
