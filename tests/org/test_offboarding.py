"""Offboarding: an ended contract or a leaver cuts access at once, open sessions included."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from ecluse.errors import InputError
from ecluse.org import (
    AuthError,
    AuthFailure,
    VendorStatus,
    create_api_token,
    end_vendor_contract,
    get_person,
    get_vendor,
    is_active,
    mark_leaver,
    people_without_access,
    principal_for,
    resolve_api_token,
    resolve_session,
    set_vendor_status,
)
from ecluse.org import _tables as t

from .conftest import NOW, World

MIN = timedelta(minutes=1)


def session_token(world: World, email: str) -> str:
    return world.login(email, now=NOW).token


def failure(world: World, token: str, at: object, *, api: bool = False) -> AuthFailure:
    resolve = resolve_api_token if api else resolve_session
    with pytest.raises(AuthError) as exc:
        resolve(world.engine, token, now=at, policy=world.policy)  # type: ignore[arg-type]
    return exc.value.reason


def test_ending_a_contract_cuts_open_sessions_at_that_moment(world: World) -> None:
    """GIVEN an agent and a team lead logged in WHEN the vendor's contract is ended now THEN
    their open sessions and tokens stop working, they cannot log in again, and the case desk
    is told whose cases to reroute."""
    agent = session_token(world, "agent@atlas.example")
    lead = session_token(world, "lead@atlas.example")
    token = create_api_token(world.engine, world.lead.id, "wallboard", now=NOW).token
    resolve_session(world.engine, agent, now=NOW + 5 * MIN)
    cut = NOW + 10 * MIN
    assert people_without_access(world.engine, cut) == []
    assert end_vendor_contract(world.engine, world.vendor.id, now=cut) == [
        world.lead.id,
        world.agent.id,
    ]
    assert failure(world, agent, cut) is AuthFailure.REVOKED
    assert failure(world, lead, cut) is AuthFailure.REVOKED
    assert failure(world, token, cut, api=True) is AuthFailure.REVOKED
    with pytest.raises(AuthError) as exc:
        world.login("agent@atlas.example", now=cut)
    assert exc.value.reason is AuthFailure.NO_ACCESS
    vendor = get_vendor(world.engine, world.vendor.id)
    assert vendor.status is VendorStatus.ENDED and vendor.contract_end == cut
    assert people_without_access(world.engine, cut) == [world.lead.id, world.agent.id]
    # Operator staff are untouched.
    assert world.login("analyst@op.example", now=cut).token


def test_a_contract_end_reached_by_the_clock_needs_no_call(world: World) -> None:
    """GIVEN a contract end set for 14:00 WHEN a session is used at 13:59 and at 14:00 THEN the
    first works and the second is refused, with nobody having run anything at 14:00."""
    end = NOW + timedelta(hours=5)
    assert end_vendor_contract(world.engine, world.vendor.id, at=end, now=NOW)
    assert get_vendor(world.engine, world.vendor.id).status is VendorStatus.ACTIVE
    token = session_token(world, "agent@atlas.example")
    api = create_api_token(world.engine, world.agent.id, "tool", now=NOW).token
    at = NOW
    while at + 20 * MIN < end:
        at += 20 * MIN
        resolve_session(world.engine, token, now=at)
    resolve_api_token(world.engine, api, now=end - timedelta(microseconds=1))
    assert failure(world, token, end) is AuthFailure.NO_ACCESS
    assert failure(world, api, end, api=True) is AuthFailure.NO_ACCESS
    assert people_without_access(world.engine, end - MIN) == []
    assert people_without_access(world.engine, end) == [world.lead.id, world.agent.id]
    # An end can be brought forward, never pushed back by this call.
    end_vendor_contract(world.engine, world.vendor.id, at=end + timedelta(days=9), now=NOW)
    assert get_vendor(world.engine, world.vendor.id).contract_end == end
    with pytest.raises(InputError, match="'at'"):
        end_vendor_contract(world.engine, world.vendor.id, at=world.vendor.contract_start, now=NOW)


def test_suspension_pauses_access(world: World) -> None:
    token = session_token(world, "agent@atlas.example")
    set_vendor_status(world.engine, world.vendor.id, VendorStatus.SUSPENDED)
    assert failure(world, token, NOW + MIN) is AuthFailure.NO_ACCESS
    assert world.agent.id in people_without_access(world.engine, NOW)
    set_vendor_status(world.engine, world.vendor.id, VendorStatus.ACTIVE)
    resolve_session(world.engine, token, now=NOW + 2 * MIN)


def test_a_leaver_loses_access_immediately(world: World) -> None:
    """GIVEN a team lead with a session and a token WHEN marked leaver THEN both are revoked,
    login is refused, and their agents no longer have them as lead."""
    token = session_token(world, "lead@atlas.example")
    api = create_api_token(world.engine, world.lead.id, "script", now=NOW).token
    left = mark_leaver(world.engine, world.lead.id, now=NOW + MIN)
    assert not left.active and left.left_at == NOW + MIN
    assert failure(world, token, NOW + MIN) is AuthFailure.REVOKED
    assert failure(world, api, NOW + MIN, api=True) is AuthFailure.REVOKED
    with pytest.raises(AuthError) as exc:
        world.login("lead@atlas.example", now=NOW)
    assert exc.value.reason is AuthFailure.NO_ACCESS
    assert people_without_access(world.engine, NOW) == [world.lead.id]
    assert get_person(world.engine, world.agent.id).team_lead_id is None
    assert not is_active(principal_for(world.engine, world.lead.id), NOW)
    # Marking twice keeps the first leaving time.
    assert mark_leaver(world.engine, world.lead.id, now=NOW + 9 * MIN).left_at == NOW + MIN


def test_access_is_checked_on_every_resolution(world: World) -> None:
    """GIVEN a principal's contract window WHEN checked at various times THEN only inside it;
    and even if a session row escaped revocation, resolution checks the person every time."""
    assert is_active(principal_for(world.engine, world.analyst.id), NOW + timedelta(days=9999))
    agent = principal_for(world.engine, world.agent.id)
    assert is_active(agent, NOW)
    assert not is_active(agent, world.vendor.contract_start - MIN)
    assert not is_active(agent, NOW + timedelta(days=365))
    token = session_token(world, "agent@atlas.example")
    with world.engine.begin() as conn:
        conn.execute(
            sa.update(t.people).where(t.people.c.id == world.agent.id).values(active=False)
        )
    assert failure(world, token, NOW + MIN) is AuthFailure.NO_ACCESS
