"""The console over real HTTP: headers, cookies, CSRF, role gates, and no clear data leaking."""

from __future__ import annotations

import re

import httpx
import pytest
import sqlalchemy as sa
from tests.web.conftest import Console, csrf_of, signed_in

from ecluse.cases import desk_for
from ecluse.org import find_person, mark_leaver, principal_for
from ecluse.vault import vault_of

PLANTED_NATNR = "85073003328"
PLANTED_EMAIL = "planted.canary@canary-mail.example"
PLANTED_IBAN = "BE71096123456769"


def _agent_case(console: Console, email: str) -> str:
    """An open case of that agent's own, its customer's record planted with canary values."""
    desk = desk_for(console.inst)
    agent = principal_for(console.inst.engine, find_person(console.inst.engine, email).id)
    case = next(c for c in desk.queue(agent) if c.assignee_id == agent.person_id)

    def plant(record: dict[str, object]) -> None:
        record["national_number"] = PLANTED_NATNR
        record["emails"] = [PLANTED_EMAIL]
        record["iban"] = PLANTED_IBAN

    with console.inst.engine.begin() as conn:
        vault_of(console.inst).update_record(conn, case.customer_id, plant)
    return case.id


def test_headers_and_cookies(console: Console) -> None:
    """GIVEN the sign-in page WHEN fetched and used THEN CSP, HttpOnly/SameSite cookies."""
    with httpx.Client(base_url=console.base) as client:
        _check_sign_in(console, client)


def _check_sign_in(console: Console, client: httpx.Client) -> None:
    page = client.get("/login")
    assert page.status_code == 200
    csp = page.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "<script>" not in page.text and "style=" not in page.text
    pre = page.headers["set-cookie"].lower()
    assert "httponly" in pre and "samesite=strict" in pre
    login = console.login("agent", "Atlas Contact")
    done = client.post(
        "/login",
        data={"csrf": csrf_of(page.text), "email": login.email, "password": login.password},
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"] == "/queue"
    session = next(c for c in done.headers.get_list("set-cookie") if "ecluse_console=" in c)
    assert "HttpOnly" in session and "SameSite=strict" in session.replace("Strict", "strict")
    assert "Secure" not in session  # turned off for the local http test server only


def test_static_assets_are_small_and_cached(console: Console) -> None:
    with httpx.Client(base_url=console.base) as client:
        for path in ("/static/console.css", "/static/console.js"):
            asset = client.get(path)
            assert asset.status_code == 200 and len(asset.content) < 16_000
            assert "max-age" in asset.headers["cache-control"] and asset.headers["etag"]
            again = client.get(path, headers={"If-None-Match": asset.headers["etag"]})
            assert again.status_code == 304


def test_forms_need_the_csrf_token(console: Console) -> None:
    login = console.login("agent", "Atlas Contact")
    with httpx.Client(base_url=console.base) as client, signed_in(console, login) as agent:
        page = client.get("/login")
        refused = client.post("/login", data={"email": login.email, "password": login.password})
        assert refused.status_code == 403
        assert "ecluse_console" not in refused.headers.get("set-cookie", "")
        case_id = re.findall(r'href="/cases/([a-z0-9]+)"', agent.get("/queue").text)[0]
        # A token from another form (the sign-in page's) does not pass either.
        forged = agent.post(
            f"/cases/{case_id}/note", data={"text": "x", "csrf": csrf_of(page.text)}
        )
        assert forged.status_code == 403


def test_roles_reach_only_their_pages(console: Console) -> None:
    with signed_in(console, console.login("agent", "Atlas Contact")) as agent:
        assert agent.get("/dpo").status_code == 403
        assert agent.get("/team").status_code == 403
        assert agent.get("/cases/kdoesnotexist000").status_code == 404
    with httpx.Client(base_url=console.base) as anonymous:
        gone = anonymous.get("/queue", follow_redirects=False)
    assert gone.status_code == 303 and gone.headers["location"] == "/login"


def test_another_vendors_case_is_not_found(console: Console) -> None:
    """A vendor agent cannot open a case of another vendor: 404, the same as no case."""
    desk = desk_for(console.inst)
    other = console.login("agent", "Vlaanderen Care")
    theirs = principal_for(console.inst.engine, find_person(console.inst.engine, other.email).id)
    case_id = desk.queue(theirs)[0].id
    with signed_in(console, console.login("agent", "Atlas Contact")) as agent:
        assert agent.get(f"/cases/{case_id}").status_code == 404


def test_agent_case_page_never_holds_hidden_values(console: Console) -> None:
    """GIVEN an agent's case whose customer carries planted values the policy hides
    WHEN the agent opens it, even after revealing what may be revealed
    THEN none of them is anywhere in the HTML."""
    login = console.login("agent", "Atlas Contact")
    case_id = _agent_case(console, login.email)
    customer = vault_of(console.inst).get(desk_for(console.inst).get(case_id).customer_id)
    with signed_in(console, login) as agent:
        _check_no_hidden_values(agent, case_id, customer.full_name)


def _check_no_hidden_values(agent: httpx.Client, case_id: str, full_name: str) -> None:
    page = agent.get(f"/cases/{case_id}")
    assert page.status_code == 200
    for hidden in (PLANTED_NATNR, PLANTED_EMAIL, PLANTED_IBAN, full_name):
        assert hidden not in page.text
    field = re.search(
        r'<select id="reveal-field" name="field" required>\s*<option value="(\w+)"', page.text
    )
    if field:
        shown = agent.post(
            f"/cases/{case_id}/reveal",
            data={"csrf": csrf_of(page.text), "field": field.group(1), "reason": "verify_identity"},
        )
        assert shown.status_code == 200
        for hidden in (PLANTED_NATNR, PLANTED_EMAIL, PLANTED_IBAN, full_name):
            assert hidden not in shown.text


@pytest.mark.parametrize("path", ["/portal", "/portal/data.json", "/portal/report.html"])
def test_portal_needs_its_own_sign_in(console: Console, path: str) -> None:
    with signed_in(console, console.login("agent", "Atlas Contact")) as agent:
        answer = agent.get(path)
    assert answer.status_code == 303 and answer.headers["location"] == "/portal/login"


def test_mounted_beside_the_json_api(console: Console) -> None:
    """``ecluse.api.create_app`` serves the console at ``/`` and the API under ``/api/v1``;
    the API's unknown paths still answer JSON."""
    import asyncio

    from ecluse.api import create_app

    async def fetch() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=create_app(console.inst, secure_cookie=False))
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            return [
                await client.get("/login"),
                await client.get("/api/v1/health"),
                await client.get("/api/v1/no-such-thing"),
            ]

    login, health, missing = asyncio.run(fetch())
    assert login.status_code == 200 and "text/html" in login.headers["content-type"]
    assert "default-src 'self'" in login.headers["content-security-policy"]
    assert health.json()["status"] == "ok"
    assert missing.status_code == 404 and missing.json()["error"] == "not_found"


def test_agent_hands_back_and_takes_from_team_queue(console: Console) -> None:
    """GIVEN an agent's own case WHEN handed back to the team queue THEN it shows there, and
    'take' makes it theirs again."""
    login = console.login("agent", "Vlaanderen Care")
    desk = desk_for(console.inst)
    me = principal_for(console.inst.engine, find_person(console.inst.engine, login.email).id)
    case = next(
        c for c in desk.queue(me) if c.assignee_id == me.person_id and c.status.value == "assigned"
    )
    with signed_in(console, login) as agent:
        page = agent.get(f"/cases/{case.id}")
        back = agent.post(
            f"/cases/{case.id}/status", data={"csrf": csrf_of(page.text), "to": "new"}
        )
        assert back.status_code == 303
        queue = agent.get("/queue").text
        team_part = queue.split('id="team-h"', 1)[1]
        assert f"/cases/{case.id}" in team_part
        page = agent.get(f"/cases/{case.id}")
        assert 'id="take"' in page.text
        took = agent.post(f"/cases/{case.id}/take", data={"csrf": csrf_of(page.text)})
        assert took.status_code == 303
    assert desk.get(case.id).assignee_id == me.person_id


def test_dpo_sees_a_tampered_ledger(console: Console) -> None:
    """GIVEN a ledger row changed behind Ecluse's back WHEN the DPO opens the ledger page
    THEN it says the ledger is damaged and names the first bad entry."""
    dpo = console.login("dpo")
    # an agent's view of one of their cases: a ledger entry with masked fields to alter
    desk = desk_for(console.inst)
    login = console.login("agent", "Vlaanderen Care")
    agent = principal_for(console.inst.engine, find_person(console.inst.engine, login.email).id)
    desk.view(agent, next(c.id for c in desk.queue(agent) if c.assignee_id == agent.person_id))
    with console.inst.engine.begin() as conn:
        idx, details = conn.execute(
            sa.text(
                "SELECT idx, details FROM ledger_entries"
                " WHERE kind = 'view' AND details LIKE '%\"masked\"%' ORDER BY idx"
            )
        ).first()  # type: ignore[misc]
        conn.execute(
            sa.text("UPDATE ledger_entries SET details = :d WHERE idx = :i"),
            {"d": details.replace('"masked"', '"clear"', 1), "i": idx},
        )
    try:
        with signed_in(console, dpo) as client:
            page = client.get("/dpo")
        assert page.status_code == 200
        status = re.search(r'id="verify-status">(.*?)</p>', page.text, re.S)
        assert status and f"#{idx}" in status.group(1)
        assert 'class="error"' in page.text
    finally:
        with console.inst.engine.begin() as conn:
            conn.execute(
                sa.text("UPDATE ledger_entries SET details = :d WHERE idx = :i"),
                {"d": details, "i": idx},
            )


def test_team_lead_never_approves_their_own_request(console: Console) -> None:
    """GIVEN a change the team lead asked for themself WHEN they look at their approvals
    THEN it is not offered to them, and approving it anyway is refused; it stays pending."""
    lead = console.login("team_lead", "Atlas Contact")
    engine = console.inst.engine
    desk = desk_for(console.inst)
    me = principal_for(engine, find_person(engine, lead.email).id)
    dpo = principal_for(engine, find_person(engine, console.login("dpo").email).id)
    case = next(
        c
        for c in desk.queue(me)
        if c.case_type.value in ("invoice_explanation", "contract_renegotiation")
    )
    with signed_in(console, lead) as client:
        page = client.get(f"/cases/{case.id}")
        asked = client.post(
            f"/cases/{case.id}/edit",
            data={"csrf": csrf_of(page.text), "field": "iban", "value": "BE68539007547034"},
        )
        assert asked.status_code == 200 and 'class="notice"' in asked.text
        mine = [r for r in desk.pending_edits(dpo) if r["requested_by"] == me.person_id]
        request_id = mine[-1]["id"]
        team = client.get("/team")
        assert f'action="/team/edits/{request_id}"' not in team.text
        refused = client.post(
            f"/team/edits/{request_id}", data={"csrf": csrf_of(team.text), "decision": "approve"}
        )
        assert refused.status_code == 403
    assert any(r["id"] == request_id for r in desk.pending_edits(dpo))


def test_a_leaver_is_out_at_once(console: Console) -> None:
    """GIVEN an agent signed in WHEN marked as leaver THEN their very next page is the
    sign-in form, and signing in again is refused. (Last in this module: it removes an agent.)"""
    login = console.logins["agent3@vlaanderen-care.example"]
    with signed_in(console, login) as agent:
        assert agent.get("/queue").status_code == 200
        mark_leaver(console.inst.engine, find_person(console.inst.engine, login.email).id)
        gone = agent.get("/queue")
        assert gone.status_code == 303 and gone.headers["location"] == "/login"
        form = agent.get("/login")
        again = agent.post(
            "/login",
            data={"csrf": csrf_of(form.text), "email": login.email, "password": login.password},
        )
        assert again.status_code == 401


def test_agent_reads_the_thread_pseudonymised_and_replies(console: Console) -> None:
    """GIVEN a customer message naming them WHEN the agent opens the case THEN the thread
    shows tokens, never the name; a reply with tokens is accepted and re-identified."""
    login = console.login("agent", "Atlas Contact")
    case_id = _agent_case(console, login.email)
    desk = desk_for(console.inst)
    customer = vault_of(console.inst).get(desk.get(case_id).customer_id)
    desk.messages.post_message(case_id, f"Bonjour, je suis {customer.full_name}, merci.")
    with signed_in(console, login) as agent:
        page = agent.get(f"/cases/{case_id}")
        assert customer.last_name not in page.text and "[PERSON_1]" in page.text
        sent = agent.post(
            f"/cases/{case_id}/reply",
            data={"csrf": csrf_of(page.text), "text": "Bonjour [PERSON_1], c'est réglé."},
        )
        assert sent.status_code in (200, 303)
    (reply,) = [
        m
        for m in desk.messages.thread(
            principal_for(console.inst.engine, find_person(console.inst.engine, login.email).id),
            case_id,
        )
        if m.direction == "outbound"
    ]
    assert reply.status == "ready"
    assert customer.last_name in desk.messages.outgoing_text(reply.id)


def test_text_no_database_can_store_gets_the_form_page_not_a_500(console: Console) -> None:
    """GIVEN free-text form fields (sign-in, a note, a reply)
    WHEN they hold a NUL character (PostgreSQL refuses it in text: a 500 in the driver)
    THEN the console answers its 422 page naming the field, and nothing is stored."""
    with httpx.Client(base_url=console.base) as client:
        page = client.get("/login")
        refused = client.post(
            "/login",
            data={"csrf": csrf_of(page.text), "email": "a\x00@example.be", "password": "x"},
            follow_redirects=False,
        )
        assert refused.status_code == 422 and "email" in refused.text
    login = console.login("agent", "Atlas Contact")
    case_id = _agent_case(console, login.email)
    history = desk_for(console.inst).history
    with signed_in(console, login) as agent:
        page = agent.get(f"/cases/{case_id}")
        for path in (f"/cases/{case_id}/note", f"/cases/{case_id}/reply"):
            sent = agent.post(path, data={"csrf": csrf_of(page.text), "text": "ok\x00not ok"})
            assert sent.status_code == 422 and "text" in sent.text, path
    principal = principal_for(console.inst.engine, find_person(console.inst.engine, login.email).id)
    assert not any("not ok" in str(e) for e in history(principal, case_id))
