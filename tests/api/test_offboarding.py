"""Offboarding and leavers, through the API: access ends at once, open sessions included."""

from __future__ import annotations

from datetime import timedelta

from ecluse.db import utcnow
from ecluse.org import create_api_token, end_vendor_contract, find_person, find_vendor, mark_leaver

from .conftest import AGENT, OTHER_VENDOR, TEAM_LEAD, UNASSIGNED, World


def test_ended_contract_cuts_open_sessions_and_tokens(world: World) -> None:
    """GIVEN Atlas people with an open session and an API token WHEN the contract ends
    THEN their next request is 401, they cannot log in again, their open cases go back to
    routing, and the other vendor is unaffected."""
    engine = world.inst.engine
    case = world.desk.open_case(world.customer("fr"), "invoice_explanation")
    assert case.assignee_id is not None
    agent = world.logged_in(AGENT)
    assert agent.get(f"cases/{case.id}").status_code in (200, 404)
    lead = world.client()
    token = create_api_token(engine, find_person(engine, TEAM_LEAD).id, "crm-sync")
    lead.headers["Authorization"] = f"Bearer {token.token}"
    other = world.logged_in(OTHER_VENDOR)
    assert lead.get("cases").status_code == 200

    atlas = find_vendor(engine, "Atlas Contact")
    end_vendor_contract(engine, atlas.id)
    moved = world.desk.reroute_without_access()

    for client in (agent, lead):
        for path in ("auth/me", "cases", f"cases/{case.id}"):
            assert client.get(path).status_code == 401, path
    assert agent.post(f"cases/{case.id}/notes", {"text": "still here?"}).status_code == 401
    assert world.client().login(AGENT).json()["error"] == "no_access"
    assert other.get("cases").status_code == 200
    assert case.id in moved
    assert world.desk.get(case.id).vendor_id != atlas.id


def test_contract_ending_later_cuts_access_at_that_moment(world: World) -> None:
    engine = world.inst.engine
    agent = world.logged_in(AGENT)
    atlas = find_vendor(engine, "Atlas Contact")
    end_vendor_contract(engine, atlas.id, at=utcnow() + timedelta(hours=1))
    assert agent.get("auth/me").status_code == 200  # still within the contract
    # the end moved into the past (as when the hour has passed)
    end_vendor_contract(engine, atlas.id, at=utcnow() - timedelta(seconds=1))
    assert agent.get("auth/me").status_code == 401


def test_leaver_is_401_immediately(world: World) -> None:
    engine = world.inst.engine
    leaver = world.logged_in(UNASSIGNED)
    stays = world.logged_in(AGENT)
    token = create_api_token(engine, find_person(engine, UNASSIGNED).id, "script")
    scripted = world.client()
    scripted.headers["Authorization"] = f"Bearer {token.token}"
    assert scripted.get("auth/me").status_code == 200

    mark_leaver(engine, find_person(engine, UNASSIGNED).id)

    assert leaver.get("auth/me").status_code == 401
    assert leaver.get("cases").status_code == 401
    assert scripted.get("cases").status_code == 401
    assert world.client().login(UNASSIGNED).status_code == 401
    assert stays.get("auth/me").status_code == 200
