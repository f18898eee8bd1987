"""The directory: operator, vendors, sites and people, and their validation."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from sqlalchemy.engine import Engine

from ecluse.errors import InputError, NotFound
from ecluse.org import (
    AccountPolicy,
    AuthError,
    VendorStatus,
    add_person,
    add_site,
    add_vendor,
    authenticate,
    find_person,
    find_site,
    find_vendor,
    get_operator,
    get_person,
    list_people,
    list_sites,
    list_vendors,
    principal_for,
    resolve_session,
    set_operator,
    set_role,
    set_vendor_status,
    update_person,
)
from ecluse.vocabulary import Role

from .conftest import NOW, PASSWORD, World


def test_one_operator_and_unknown_ids(engine: Engine) -> None:
    assert get_operator(engine) is None
    set_operator(engine, "Lumen", "be")
    set_operator(engine, "Lumen Energie", "BE")
    op = get_operator(engine)
    assert op is not None and (op.name, op.country) == ("Lumen Energie", "BE")
    with pytest.raises(NotFound):
        get_person(engine, 42)
    with pytest.raises(NotFound):
        find_person(engine, "nobody@example.org")
    with pytest.raises(NotFound):
        principal_for(engine, 42)


def test_vendor_and_site_round_trip(world: World) -> None:
    engine = world.engine
    assert find_vendor(engine, "Atlas  Contact") == world.vendor
    assert world.vendor.countries == ("MA",)
    assert world.vendor.status is VendorStatus.ACTIVE
    assert world.vendor.is_current(NOW)
    assert not world.vendor.is_current(NOW + timedelta(days=400))
    assert [v.name for v in list_vendors(engine)] == ["Atlas Contact"]
    site = find_site(engine, world.vendor.id, "Casablanca")
    assert site == world.site and site.country == "MA" and site.timezone == "Africa/Casablanca"
    assert site.hours.format() == "mon-fri 08:00-18:00"
    assert list_sites(engine, world.vendor.id) == [site]


_BAD_VENDORS = [
    ({"countries": ["XX"]}, "countries"),
    ({"countries": []}, "countries"),
    ({"contract_end": NOW - timedelta(days=1)}, "contract_end"),
    ({"contract_start": NOW.replace(tzinfo=None)}, "contract_start"),
]


def test_bad_vendor_input_names_the_field(engine: Engine) -> None:
    for kwargs, field in _BAD_VENDORS:
        args: dict[str, object] = {"contract_start": NOW, "countries": ["BE"], **kwargs}
        with pytest.raises(InputError, match=field):
            add_vendor(engine, "V", **args)  # type: ignore[arg-type]
    assert list_vendors(engine) == []


_BAD_SITES = [
    ({"country": "ZZ"}, "country"),
    ({"languages": ["french"]}, "languages"),
    ({"languages": []}, "languages"),
    ({"timezone": "Mars/Olympus"}, "timezone"),
    ({"hours": "mon 18:00-08:00"}, "hours clause 1"),
]


def test_bad_or_duplicate_site_and_vendor_input(world: World) -> None:
    for kwargs, field in _BAD_SITES:
        args: dict[str, object] = {
            "country": "BE",
            "languages": ["nl"],
            "timezone": "Europe/Brussels",
            "hours": "mon-fri 08:00-18:00",
            **kwargs,
        }
        with pytest.raises(InputError, match=field):
            add_site(world.engine, world.vendor.id, "Antwerpen", **args)  # type: ignore[arg-type]
    assert list_sites(world.engine) == [world.site]
    with pytest.raises(InputError, match="exists"):
        add_vendor(world.engine, "Atlas Contact", contract_start=NOW, countries=["MA"])
    with pytest.raises(InputError, match="site with this name"):
        add_site(
            world.engine,
            world.vendor.id,
            "Casablanca",
            country="MA",
            languages=["fr"],
            timezone="Africa/Casablanca",
            hours="mon 08:00-09:00",
        )


def test_people_carry_handle_team_skills_and_languages(world: World) -> None:
    agent = find_person(world.engine, "AGENT@atlas.example")
    assert agent.email == "agent@atlas.example"
    assert agent.handle.startswith("agt-") and len(agent.handle) == 8
    assert world.analyst.handle.startswith("opr-")
    assert agent.languages == ("fr",)  # the site's, by default
    assert agent.skills == ("meter_move", "invoice_explanation")
    assert agent.team_lead_id == world.lead.id and agent.capacity == 8
    assert (world.analyst.vendor_id, world.analyst.site_id) == (None, None)
    principal = principal_for(world.engine, agent.id)
    assert principal.team_id == world.lead.id and principal.site_country == "MA"
    assert principal_for(world.engine, world.lead.id).team_id == world.lead.id
    assert principal_for(world.engine, world.analyst.id).team_id is None


def test_handles_are_deterministic_with_an_rng(engine: Engine) -> None:
    a = add_person(engine, email="a@op.example", display_name="A", role="dpo", rng=random.Random(7))
    assert a.handle == f"opr-{random.Random(7).getrandbits(16):04x}"


_BAD_PEOPLE = [
    ({"email": "not-an-email"}, "email"),
    ({"email": "agent@atlas.example"}, "email"),  # taken
    ({"role": "janitor"}, "role"),
    ({"skills": ["hacking"]}, "skills"),
    ({"languages": ["xyz"]}, "languages"),
    ({"capacity": -1}, "capacity"),
    ({"display_name": "  "}, "display_name"),
    ({"site_id": None}, "site"),
    ({"role": "analyst"}, "role"),  # operator role with a vendor
]


def test_bad_person_input_names_the_field(world: World) -> None:
    for kwargs, field in _BAD_PEOPLE:
        args: dict[str, object] = {
            "email": "new@atlas.example",
            "display_name": "New",
            "role": "agent",
            "vendor_id": world.vendor.id,
            "site_id": world.site.id,
            **kwargs,
        }
        with pytest.raises(InputError, match=field):
            add_person(world.engine, **args)  # type: ignore[arg-type]
    assert len(list_people(world.engine)) == 4


def test_team_lead_must_be_a_lead_of_the_same_vendor(world: World) -> None:
    with pytest.raises(InputError, match="team"):
        update_person(world.engine, world.lead.id, team_lead_id=world.agent.id)
    with pytest.raises(InputError, match="not an active team lead"):
        add_person(
            world.engine,
            email="x@atlas.example",
            display_name="X",
            role="agent",
            vendor_id=world.vendor.id,
            site_id=world.site.id,
            team_lead_id=world.agent.id,
        )


def test_set_role_stays_on_its_side(world: World, policy: AccountPolicy) -> None:
    """GIVEN an analyst logged in WHEN promoted to supervisor THEN the role changes and the
    open session ends; sides (operator, vendor) never mix."""
    token = authenticate(
        world.engine, "analyst@op.example", PASSWORD, policy=policy, keyring=world.keyring
    ).token
    assert set_role(world.engine, world.analyst.id, "supervisor").role is Role.SUPERVISOR
    with pytest.raises(AuthError):
        resolve_session(world.engine, token)
    with pytest.raises(InputError, match="operator and vendor"):
        set_role(world.engine, world.agent.id, Role.ADMIN)
    with pytest.raises(InputError, match="still leads"):
        set_role(world.engine, world.lead.id, Role.AGENT)
    promoted = set_role(world.engine, world.agent.id, Role.TEAM_LEAD)
    assert promoted.team_lead_id is None


def test_update_and_list_people(world: World) -> None:
    updated = update_person(
        world.engine, world.agent.id, skills=["complaint"], languages=["FR", "en"], capacity=3
    )
    assert (updated.skills, updated.languages, updated.capacity) == (
        ("complaint",),
        ("fr", "en"),
        3,
    )
    assert get_person(world.engine, world.agent.id) == updated
    engine = world.engine
    assert {p.id for p in list_people(engine, vendor_id=world.vendor.id)} == {
        world.lead.id,
        world.agent.id,
    }
    assert [p.id for p in list_people(engine, role=Role.ADMIN)] == [world.admin.id]


def test_suspending_a_vendor(world: World) -> None:
    suspended = set_vendor_status(world.engine, world.vendor.id, VendorStatus.SUSPENDED)
    assert not suspended.is_current(NOW)
    assert set_vendor_status(world.engine, world.vendor.id, VendorStatus.ACTIVE).is_current(NOW)
    with pytest.raises(InputError, match="end_vendor_contract"):
        set_vendor_status(world.engine, world.vendor.id, VendorStatus.ENDED)
