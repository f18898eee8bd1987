"""People: operator staff and vendors' agents and team leads."""

from __future__ import annotations

import random
import secrets
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from ecluse.db import reading, utcnow
from ecluse.errors import InputError, NotFound
from ecluse.org import _tables as t
from ecluse.org._directory import site
from ecluse.org._model import Person
from ecluse.org._passwords import check_password_policy
from ecluse.org._policy import DEFAULT_POLICY, AccountPolicy
from ecluse.org._validate import (
    check_languages,
    check_name,
    check_role,
    check_skills,
    normalise_email,
)
from ecluse.vocabulary import VENDOR_ROLES, Role

__all__ = [
    "DEFAULT_CAPACITY",
    "add_person",
    "find_person",
    "get_person",
    "list_people",
    "person",
    "set_role",
    "update_person",
]

DEFAULT_CAPACITY = 8


def add_person(
    engine: Engine,
    *,
    email: str,
    display_name: str,
    role: Role | str,
    vendor_id: int | None = None,
    site_id: int | None = None,
    team_lead_id: int | None = None,
    skills: Iterable[str] = (),
    languages: Iterable[str] = (),
    capacity: int = DEFAULT_CAPACITY,
    password: str | None = None,
    policy: AccountPolicy = DEFAULT_POLICY,
    now: datetime | None = None,
    rng: random.Random | None = None,
) -> Person:
    """Add a person, with an initial password or none (see :func:`set_password`).

    Vendor roles need ``vendor_id`` and ``site_id``; operator roles must not have them. An
    agent's ``team_lead_id`` names a team lead of the same vendor. Languages default to the
    site's. ``rng`` makes the pseudonymous handle deterministic (demo seeding).
    """
    address = normalise_email(email)
    if password is not None:
        check_password_policy(password, address, policy)
    name = check_name(display_name, "display_name")
    the_role = check_role(role)
    skill_set = check_skills(skills)
    langs = check_languages(languages, required=False)
    _check_capacity(capacity)
    with engine.begin() as conn:
        if conn.execute(sa.select(t.people.c.id).where(t.people.c.email == address)).first():
            raise InputError("a person with this e-mail exists", field="email")
        if the_role in VENDOR_ROLES:
            if vendor_id is None or site_id is None:
                raise InputError("vendor roles need a vendor and a site", field="site")
            where = site(conn, site_id)
            if where.vendor_id != vendor_id:
                raise InputError("the site belongs to another vendor", field="site")
            langs = langs or where.languages
        elif vendor_id is not None or site_id is not None or team_lead_id is not None:
            raise InputError("operator roles have no vendor, site or team", field="role")
        _check_team(conn, the_role, vendor_id, team_lead_id)
        person_id = t.inserted_id(
            conn.execute(
                sa.insert(t.people).values(
                    handle=_new_handle(conn, the_role, rng),
                    display_name=name,
                    email=address,
                    role=the_role.value,
                    vendor_id=vendor_id,
                    site_id=site_id,
                    team_lead_id=team_lead_id,
                    skills=list(skill_set),
                    languages=list(langs),
                    capacity=capacity,
                    active=True,
                    created_at=now or utcnow(),
                    failed_logins=0,
                    password_hash=None if password is None else policy.hasher.hash(password),
                    password_changed_at=None if password is None else now or utcnow(),
                )
            )
        )
        return person(conn, person_id)


def get_person(engine: Engine, person_id: int) -> Person:
    with reading(engine) as conn:
        return person(conn, person_id)


def find_person(engine: Engine, email: str) -> Person:
    """The person whose login is ``email`` (case-insensitive)."""
    with reading(engine) as conn:
        pid = conn.execute(
            sa.select(t.people.c.id).where(t.people.c.email == normalise_email(email))
        ).scalar()
        if pid is None:
            raise NotFound("no person with this e-mail")
        return person(conn, pid)


def list_people(
    engine: Engine,
    *,
    vendor_id: int | None = None,
    site_id: int | None = None,
    role: Role | str | None = None,
    include_leavers: bool = False,
) -> list[Person]:
    query = sa.select(*_PUBLIC).order_by(t.people.c.id)
    if vendor_id is not None:
        query = query.where(t.people.c.vendor_id == vendor_id)
    if site_id is not None:
        query = query.where(t.people.c.site_id == site_id)
    if role is not None:
        query = query.where(t.people.c.role == check_role(role).value)
    if not include_leavers:
        query = query.where(t.people.c.active.is_(True))
    with reading(engine) as conn:
        return [_person_from_row(r) for r in conn.execute(query)]


def set_role(engine: Engine, person_id: int, role: Role | str) -> Person:
    """Change a role within its side: operator roles among themselves, vendor roles likewise.

    The person's open sessions are revoked (they log in again under the new role); API tokens
    act with the new role from their next use.
    """
    new = check_role(role)
    with engine.begin() as conn:
        current = person(conn, person_id)
        if (new in VENDOR_ROLES) != current.is_vendor:
            raise InputError(
                "a role cannot move between operator and vendor sides; add a new person",
                field="role",
            )
        if not current.active:
            raise InputError("this person has left", field="role")
        if current.role is Role.TEAM_LEAD and new is not Role.TEAM_LEAD:
            members = conn.execute(
                sa.select(sa.func.count())
                .select_from(t.people)
                .where(t.people.c.team_lead_id == person_id, t.people.c.active.is_(True))
            ).scalar_one()
            if members:
                raise InputError("this team lead still leads agents; move them first", field="role")
        values: dict[str, Any] = {"role": new.value}
        if new is Role.TEAM_LEAD:
            values["team_lead_id"] = None
        conn.execute(sa.update(t.people).where(t.people.c.id == person_id).values(**values))
        if new is not current.role:
            # New rights (and maybe a TOTP duty) start with a new login.
            conn.execute(
                sa.update(t.sessions)
                .where(t.sessions.c.person_id == person_id, t.sessions.c.revoked_at.is_(None))
                .values(revoked_at=utcnow())
            )
        return person(conn, person_id)


def update_person(
    engine: Engine,
    person_id: int,
    *,
    display_name: str | None = None,
    skills: Iterable[str] | None = None,
    languages: Iterable[str] | None = None,
    capacity: int | None = None,
    team_lead_id: int | None = None,
    site_id: int | None = None,
) -> Person:
    """Change a person's profile; arguments left ``None`` keep their value."""
    values: dict[str, Any] = {}
    if display_name is not None:
        values["display_name"] = check_name(display_name, "display_name")
    if skills is not None:
        values["skills"] = list(check_skills(skills))
    if languages is not None:
        values["languages"] = list(check_languages(languages))
    if capacity is not None:
        _check_capacity(capacity)
        values["capacity"] = capacity
    with engine.begin() as conn:
        current = person(conn, person_id)
        if (team_lead_id is not None or site_id is not None) and not current.is_vendor:
            raise InputError("operator roles have no site or team", field="team")
        if team_lead_id is not None:
            _check_team(conn, current.role, current.vendor_id, team_lead_id)
            values["team_lead_id"] = team_lead_id
        if site_id is not None:
            if site(conn, site_id).vendor_id != current.vendor_id:
                raise InputError("the site belongs to another vendor", field="site")
            values["site_id"] = site_id
        if values:
            conn.execute(sa.update(t.people).where(t.people.c.id == person_id).values(**values))
        return person(conn, person_id)


# -- helpers shared inside the package -------------------------------------------------------
_PUBLIC = (
    t.people.c.id,
    t.people.c.handle,
    t.people.c.display_name,
    t.people.c.email,
    t.people.c.role,
    t.people.c.vendor_id,
    t.people.c.site_id,
    t.people.c.team_lead_id,
    t.people.c.skills,
    t.people.c.languages,
    t.people.c.capacity,
    t.people.c.active,
    t.people.c.left_at,
    (t.people.c.totp_secret.is_not(None)).label("totp_enrolled"),
)


def person(conn: Connection, person_id: int) -> Person:
    row = conn.execute(sa.select(*_PUBLIC).where(t.people.c.id == person_id)).first()
    if row is None:
        raise NotFound(f"no person with id {person_id}")
    return _person_from_row(row)


def _person_from_row(row: Any) -> Person:
    return Person(
        id=row.id,
        handle=row.handle,
        display_name=row.display_name,
        email=row.email,
        role=Role(row.role),
        vendor_id=row.vendor_id,
        site_id=row.site_id,
        team_lead_id=row.team_lead_id,
        skills=tuple(row.skills),
        languages=tuple(row.languages),
        capacity=row.capacity,
        active=bool(row.active),
        left_at=row.left_at,
        totp_enrolled=bool(row.totp_enrolled),
    )


def _check_capacity(capacity: int) -> None:
    if not 0 <= capacity <= 1000:
        raise InputError("capacity is a number of open cases from 0 to 1000", field="capacity")


def _check_team(conn: Connection, role: Role, vendor_id: int | None, lead_id: int | None) -> None:
    if lead_id is None:
        return
    if role is not Role.AGENT:
        raise InputError("only agents belong to a team lead's team", field="team")
    lead = conn.execute(
        sa.select(t.people.c.role, t.people.c.vendor_id, t.people.c.active).where(
            t.people.c.id == lead_id
        )
    ).first()
    if lead is None or lead.role != Role.TEAM_LEAD.value or not lead.active:
        raise InputError("the team lead is not an active team lead", field="team")
    if lead.vendor_id != vendor_id:
        raise InputError("the team lead works for another vendor", field="team")


def _new_handle(conn: Connection, role: Role, rng: random.Random | None) -> str:
    # Pseudonymous, shown to customers instead of a name; never derived from the person.
    prefix = "agt" if role in VENDOR_ROLES else "opr"
    for attempt in range(64):
        digits = 4 if attempt < 32 else 8  # widen if the short space gets crowded
        value = rng.getrandbits(digits * 4) if rng else secrets.randbits(digits * 4)
        handle = f"{prefix}-{value:0{digits}x}"
        if not conn.execute(sa.select(t.people.c.id).where(t.people.c.handle == handle)).first():
            return handle
    raise RuntimeError("could not draw a free handle")  # pragma: no cover
