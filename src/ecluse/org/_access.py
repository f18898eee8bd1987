"""Who has access now: the principal query, offboarding, and the checks every request runs.

Access is re-checked on every resolution, not only at login: a person marked leaver, or a
vendor whose contract has ended or is suspended, loses access at that instant, whatever
sessions or tokens they hold.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from ecluse.db import reading, utcnow
from ecluse.errors import InputError, NotFound
from ecluse.org import _tables as t
from ecluse.org._directory import get_vendor
from ecluse.org._model import Person, Principal, VendorStatus, contract_current
from ecluse.org._people import person
from ecluse.org._validate import check_aware
from ecluse.vocabulary import Role

__all__ = [
    "end_vendor_contract",
    "is_active",
    "mark_leaver",
    "people_without_access",
    "principal_columns",
    "principal_for",
    "principal_from_row",
    "revoke_credentials",
]


def principal_columns() -> tuple[Any, ...]:
    """Columns of the one-row principal query (people ⟕ vendors ⟕ sites)."""
    p, v, s = t.people.c, t.vendors.c, t.sites.c
    return (
        p.id.label("person_id"),
        p.handle,
        p.role,
        p.vendor_id,
        p.site_id,
        p.team_lead_id,
        p.skills,
        p.languages,
        p.active,
        s.country.label("site_country"),
        v.contract_start,
        v.contract_end,
        v.status.label("vendor_status"),
    )


def principal_join() -> Any:
    return t.people.outerjoin(t.vendors, t.vendors.c.id == t.people.c.vendor_id).outerjoin(
        t.sites, t.sites.c.id == t.people.c.site_id
    )


def principal_from_row(row: Any, via: str, credential_id: int | None) -> Principal:
    role = Role(row.role)
    team = row.person_id if role is Role.TEAM_LEAD else row.team_lead_id
    return Principal(
        person_id=row.person_id,
        handle=row.handle,
        role=role,
        vendor_id=row.vendor_id,
        site_id=row.site_id,
        site_country=row.site_country,
        team_id=team,
        skills=frozenset(row.skills),
        languages=frozenset(row.languages),
        active=bool(row.active),
        contract_start=row.contract_start,
        contract_end=row.contract_end,
        vendor_status=VendorStatus(row.vendor_status) if row.vendor_status else None,
        via=via,
        credential_id=credential_id,
    )


def is_active(principal: Principal, now: datetime) -> bool:
    """Whether this principal may act at ``now`` (not a leaver; vendor contract current)."""
    if not principal.active:
        return False
    if principal.vendor_id is None:
        return True
    if principal.vendor_status is None or principal.contract_start is None:
        return False
    return contract_current(
        principal.vendor_status, principal.contract_start, principal.contract_end, now
    )


def principal_for(engine: Engine, person_id: int) -> Principal:
    """The principal of a person, without any access check (e.g. ``policy explain``)."""
    with reading(engine) as conn:
        row = conn.execute(
            sa.select(*principal_columns())
            .select_from(principal_join())
            .where(t.people.c.id == person_id)
        ).first()
    if row is None:
        raise NotFound(f"no person with id {person_id}")
    return principal_from_row(row, "directory", None)


def people_without_access(engine: Engine, now: datetime | None = None) -> list[int]:
    """Ids of the people who may not act at ``now``: leavers, and everyone of a vendor whose
    contract has not started, has ended or is suspended. The case desk returns their open
    cases to routing."""
    now = now or utcnow()
    v = t.vendors.c
    vendor_cut = sa.or_(
        v.status != VendorStatus.ACTIVE.value,
        v.contract_start > now,
        sa.and_(v.contract_end.is_not(None), v.contract_end <= now),
    )
    query = (
        sa.select(t.people.c.id)
        .select_from(t.people.outerjoin(t.vendors, v.id == t.people.c.vendor_id))
        .where(sa.or_(t.people.c.active.is_(False), sa.and_(v.id.is_not(None), vendor_cut)))
        .order_by(t.people.c.id)
    )
    with reading(engine) as conn:
        return list(conn.execute(query).scalars())


def mark_leaver(engine: Engine, person_id: int, *, now: datetime | None = None) -> Person:
    """The person has left: no access from ``now``; sessions and API tokens revoked.

    A team lead's agents keep working and need a new lead (``update_person``).
    """
    now = now or utcnow()
    with engine.begin() as conn:
        person(conn, person_id)
        conn.execute(
            sa.update(t.people)
            .where(t.people.c.id == person_id, t.people.c.active.is_(True))
            .values(active=False, left_at=now)
        )
        conn.execute(
            sa.update(t.people)
            .where(t.people.c.team_lead_id == person_id)
            .values(team_lead_id=None)
        )
        revoke_credentials(conn, [person_id], now)
        return person(conn, person_id)


def end_vendor_contract(
    engine: Engine, vendor_id: int, *, at: datetime | None = None, now: datetime | None = None
) -> list[int]:
    """End a vendor's contract at ``at`` (default: now). Returns its people's ids.

    From that instant none of them can log in or use a session or token, since every
    resolution checks the contract. When the end is not in the future, their sessions and
    tokens are also revoked here and the vendor is marked ended.
    """
    now = now or utcnow()
    at = at or now
    check_aware(at, "at")
    vendor = get_vendor(engine, vendor_id)
    if at <= vendor.contract_start:
        raise InputError("a contract ends after it starts", field="at")
    end = min(at, vendor.contract_end) if vendor.contract_end else at
    with engine.begin() as conn:
        values: dict[str, Any] = {"contract_end": end}
        if end <= now:
            values["status"] = VendorStatus.ENDED.value
        conn.execute(sa.update(t.vendors).where(t.vendors.c.id == vendor_id).values(**values))
        ids = list(
            conn.execute(
                sa.select(t.people.c.id)
                .where(t.people.c.vendor_id == vendor_id)
                .order_by(t.people.c.id)
            ).scalars()
        )
        if end <= now:
            revoke_credentials(conn, ids, now)
    return ids


def revoke_credentials(conn: Connection, person_ids: Iterable[int], now: datetime) -> None:
    ids = list(person_ids)
    if not ids:
        return
    for table in (t.sessions, t.api_tokens):
        conn.execute(
            sa.update(table)
            .where(table.c.person_id.in_(ids), table.c.revoked_at.is_(None))
            .values(revoked_at=now)
        )
