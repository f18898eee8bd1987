"""Logging in and out: cookies, CSRF, bearer tokens, rate limit, lockout, expiry, ledger."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from ecluse.api import CSRF_HEADER, SESSION_COOKIE
from ecluse.db import utcnow
from ecluse.org import _tables as org_tables
from ecluse.org import create_api_token, find_person

from .conftest import AGENT, DPO, FAST_HASH, SUPERVISOR, World


def test_health_and_openapi_need_no_login(world: World) -> None:
    c = world.client()
    assert c.get("health").json()["status"] == "ok"
    spec = c.get("openapi.json").json()
    assert spec["info"]["title"] == "Ecluse API"
    assert "/api/v1/cases/{case_id}" in spec["paths"]
    assert not any("_bench" in p for p in spec["paths"])
    documented = {
        (m.upper(), p.removeprefix("/api/v1/")) for p, ops in spec["paths"].items() for m in ops
    }
    for route in (
        "POST auth/login", "POST auth/logout", "GET auth/me", "GET health", "GET cases",
        "POST cases", "GET cases/{case_id}", "POST cases/{case_id}/reveal",
        "POST cases/{case_id}/transition", "POST cases/{case_id}/take",
        "POST cases/{case_id}/assign", "POST cases/{case_id}/notes",
        "GET cases/{case_id}/history", "POST cases/{case_id}/edits", "GET edits/pending",
        "POST edits/{request_id}/decision", "GET ledger/checkpoint", "GET ledger/verify",
        "GET ledger/entries",
    ):  # fmt: skip
        assert tuple(route.split(" ")) in documented, route
    # the interactive pages would load scripts from a CDN: not served
    assert c.get("/api/v1/docs").status_code == 404
    assert c.get("cases").status_code == 401


def test_login_sets_a_strict_httponly_secure_cookie_and_is_ledgered(world: World) -> None:
    c = world.client()
    answer = c.login(DPO)
    assert answer.status_code == 200
    cookies = answer.headers.get_list("set-cookie")
    session = next(x for x in cookies if x.startswith(SESSION_COOKIE + "="))
    low = session.lower()
    assert "httponly" in low and "secure" in low and "samesite=strict" in low
    me = c.get("auth/me").json()
    assert me["role"] == "dpo" and me["via"] == "session"
    assert "email" not in me and DPO not in answer.text
    entries = world.desk.ledger.entries(kind="login")
    assert [e.actor for e in entries] == [me["handle"]]
    assert DPO not in repr(entries)


def test_secure_flag_can_be_turned_off_for_a_local_demo(world: World) -> None:
    from ecluse.api import create_app

    world.app = create_app(world.inst, secure_cookie=False, accounts=FAST_HASH)
    answer = world.client().login(AGENT)
    session = next(x for x in answer.headers.get_list("set-cookie") if x.startswith(SESSION_COOKIE))
    assert "secure" not in session.lower() and "httponly" in session.lower()


def test_failed_logins_are_ledgered_without_the_email(world: World) -> None:
    c = world.client()
    assert c.post("auth/login", {"email": AGENT, "password": "wrong-password-1"}).status_code == 401
    nobody = {"email": "nobody@nowhere.example", "password": "wrong-password-1"}
    answer = c.post("auth/login", nobody)
    assert answer.status_code == 401 and answer.json()["error"] == "bad_credentials"
    failed = world.desk.ledger.entries(kind="login_failed")
    assert [e.actor for e in failed] == [world.who(AGENT).handle, "unknown"]
    assert "nowhere" not in repr(failed) and AGENT not in repr(failed)


def test_cookie_writes_need_the_csrf_token(world: World) -> None:
    """GIVEN a logged-in supervisor WHEN a write comes without (or with a wrong) X-CSRF-Token
    THEN 403 and nothing happens; with the token it goes through."""
    c = world.logged_in(SUPERVISOR)
    body = {"customer_id": world.customer("fr"), "type": "invoice_explanation"}
    missing = c.post("cases", body, headers={CSRF_HEADER: ""})
    assert missing.status_code == 403 and missing.json()["error"] == "csrf"
    wrong = c.post("cases", body, headers={CSRF_HEADER: "x" * 43})
    assert wrong.status_code == 403
    assert c.get("cases").json()["cases"] == []
    assert c.post("cases", body).status_code == 201
    # logout is a write too
    assert c.post("auth/logout", headers={CSRF_HEADER: "nope"}).status_code == 403
    assert c.post("auth/logout").status_code == 200
    assert c.get("auth/me").status_code == 401


def test_bearer_token_needs_no_csrf(world: World) -> None:
    token = create_api_token(
        world.inst.engine, find_person(world.inst.engine, SUPERVISOR).id, "crm"
    )
    c = world.client()
    c.headers["Authorization"] = f"Bearer {token.token}"
    assert c.get("auth/me").json()["via"] == "token"
    body = {"customer_id": world.customer("nl"), "type": "complaint", "priority": "high"}
    assert c.post("cases", body).status_code == 201
    c.headers["Authorization"] = "Bearer eca_not-a-token"
    assert c.get("auth/me").status_code == 401
    c.headers["Authorization"] = "Basic dXNlcjpwYXNz"
    assert c.get("auth/me").status_code == 401


def test_login_is_rate_limited_per_source(world: World) -> None:
    c = world.client(client=("203.0.113.7", 5555))
    for _ in range(10):
        assert c.post("auth/login", {"email": "x@y.example", "password": "p"}).status_code == 401
    limited = c.post("auth/login", {"email": "x@y.example", "password": "p"})
    assert limited.status_code == 429 and limited.json()["error"] == "rate_limited"
    assert "retry-after" in limited.headers
    # the ten refused attempts are ledgered, the rate-limited one is not (a flood would fill it)
    assert [e.actor for e in world.desk.ledger.entries(kind="login_failed")] == ["unknown"] * 10
    # another source is not affected
    assert world.client(client=("203.0.113.8", 5555)).login(AGENT).status_code == 200


def test_lockout_surfaces_as_401(world: World) -> None:
    """A locked account answers the right password exactly as a wrong one (no oracle)."""
    c = world.client()
    for _ in range(5):
        c.post("auth/login", {"email": AGENT, "password": "wrong-password-1"})
    locked = c.login(AGENT)
    wrong = c.post("auth/login", {"email": AGENT, "password": "wrong-password-2"})
    assert locked.status_code == wrong.status_code == 401
    assert locked.json() == wrong.json() and locked.json()["error"] == "bad_credentials"
    assert "set-cookie" not in locked.headers


def test_expired_session_is_401(world: World) -> None:
    c = world.logged_in(AGENT)
    assert c.get("auth/me").status_code == 200
    with world.inst.engine.begin() as conn:
        conn.execute(
            sa.update(org_tables.sessions).values(last_seen_at=utcnow() - timedelta(hours=2))
        )
    gone = c.get("auth/me")
    assert gone.status_code == 401 and gone.json()["error"] == "expired"


def test_totp_is_required_for_the_dpo(world: World) -> None:
    c = world.client()
    password = world.login_of(DPO).password
    answer = c.post("auth/login", {"email": DPO, "password": password})
    assert answer.status_code == 401 and answer.json()["error"] == "totp_required"
    bad = c.post("auth/login", {"email": DPO, "password": password, "totp": "000000"})
    assert bad.status_code == 401
