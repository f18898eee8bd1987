"""The operator, its vendors and their sites."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from ecluse.db import reading, utcnow
from ecluse.errors import InputError, NotFound
from ecluse.org import _tables as t
from ecluse.org._hours import BusinessHours
from ecluse.org._model import Operator, Site, Vendor, VendorStatus
from ecluse.org._validate import (
    check_aware,
    check_countries,
    check_country,
    check_languages,
    check_name,
)

__all__ = [
    "add_site",
    "add_vendor",
    "find_site",
    "find_vendor",
    "get_operator",
    "get_site",
    "get_vendor",
    "list_sites",
    "list_vendors",
    "set_operator",
    "set_vendor_status",
]


def set_operator(engine: Engine, name: str, country: str) -> Operator:
    """Name the operator of this installation (there is one; a rerun updates it)."""
    op = Operator(check_name(name), check_country(country))
    with engine.begin() as conn:
        values = {"name": op.name, "country": op.country}
        if conn.execute(sa.update(t.operator).values(**values)).rowcount == 0:
            conn.execute(sa.insert(t.operator).values(id=1, **values))
    return op


def get_operator(engine: Engine) -> Operator | None:
    with reading(engine) as conn:
        row = conn.execute(sa.select(t.operator.c.name, t.operator.c.country)).first()
    return Operator(row.name, row.country) if row else None


def add_vendor(
    engine: Engine,
    name: str,
    *,
    contract_start: datetime,
    countries: Iterable[str],
    contract_end: datetime | None = None,
    now: datetime | None = None,
) -> Vendor:
    name = check_name(name)
    codes = check_countries(countries)
    check_aware(contract_start, "contract_start")
    if contract_end is not None:
        check_aware(contract_end, "contract_end")
        if contract_end <= contract_start:
            raise InputError("the contract ends after it starts", field="contract_end")
    with engine.begin() as conn:
        if conn.execute(sa.select(t.vendors.c.id).where(t.vendors.c.name == name)).first():
            raise InputError("a vendor with this name exists", field="name")
        vendor_id = t.inserted_id(
            conn.execute(
                sa.insert(t.vendors).values(
                    name=name,
                    contract_start=contract_start,
                    contract_end=contract_end,
                    countries=list(codes),
                    status=VendorStatus.ACTIVE.value,
                    created_at=now or utcnow(),
                )
            )
        )
        return _vendor(conn, vendor_id)


def get_vendor(engine: Engine, vendor_id: int) -> Vendor:
    with reading(engine) as conn:
        return _vendor(conn, vendor_id)


def find_vendor(engine: Engine, name: str) -> Vendor:
    """The vendor named ``name`` (exact, after whitespace clean-up)."""
    with reading(engine) as conn:
        vid = conn.execute(
            sa.select(t.vendors.c.id).where(t.vendors.c.name == " ".join(name.split()))
        ).scalar()
        if vid is None:
            raise NotFound("no vendor with this name")
        return _vendor(conn, vid)


def list_vendors(engine: Engine) -> list[Vendor]:
    with reading(engine) as conn:
        rows = conn.execute(sa.select(t.vendors).order_by(t.vendors.c.name)).all()
    return [_vendor_from_row(r) for r in rows]


def set_vendor_status(engine: Engine, vendor_id: int, status: VendorStatus) -> Vendor:
    """Suspend or resume a vendor (ending a contract is :func:`end_vendor_contract`)."""
    if status is VendorStatus.ENDED:
        raise InputError("use end_vendor_contract to end a contract", field="status")
    with engine.begin() as conn:
        vendor = _vendor(conn, vendor_id)
        if vendor.status is VendorStatus.ENDED:
            raise InputError("this vendor's contract has ended", field="status")
        conn.execute(
            sa.update(t.vendors).where(t.vendors.c.id == vendor_id).values(status=status.value)
        )
        return _vendor(conn, vendor_id)


def add_site(
    engine: Engine,
    vendor_id: int,
    name: str,
    *,
    country: str,
    languages: Iterable[str],
    timezone: str,
    hours: str | BusinessHours,
) -> Site:
    """A vendor's site; ``hours`` like ``mon-fri 08:00-18:00`` in the site's ``timezone``."""
    name = check_name(name)
    code = check_country(country)
    langs = check_languages(languages)
    parsed = hours if isinstance(hours, BusinessHours) else BusinessHours.parse(hours, timezone)
    if parsed.timezone != timezone:
        raise InputError("business hours are in another time zone", field="timezone")
    with engine.begin() as conn:
        _vendor(conn, vendor_id)
        exists = conn.execute(
            sa.select(t.sites.c.id).where(t.sites.c.vendor_id == vendor_id, t.sites.c.name == name)
        ).first()
        if exists:
            raise InputError("this vendor has a site with this name", field="name")
        site_id = t.inserted_id(
            conn.execute(
                sa.insert(t.sites).values(
                    vendor_id=vendor_id,
                    name=name,
                    country=code,
                    languages=list(langs),
                    timezone=timezone,
                    hours=parsed.format(),
                )
            )
        )
        return site(conn, site_id)


def get_site(engine: Engine, site_id: int) -> Site:
    with reading(engine) as conn:
        return site(conn, site_id)


def find_site(engine: Engine, vendor_id: int, name: str) -> Site:
    with reading(engine) as conn:
        sid = conn.execute(
            sa.select(t.sites.c.id).where(
                t.sites.c.vendor_id == vendor_id, t.sites.c.name == " ".join(name.split())
            )
        ).scalar()
        if sid is None:
            raise NotFound("this vendor has no site with this name")
        return site(conn, sid)


def list_sites(engine: Engine, vendor_id: int | None = None) -> list[Site]:
    query = sa.select(t.sites).order_by(t.sites.c.vendor_id, t.sites.c.name)
    if vendor_id is not None:
        query = query.where(t.sites.c.vendor_id == vendor_id)
    with reading(engine) as conn:
        return [_site_from_row(r) for r in conn.execute(query)]


# -- helpers shared inside the package -------------------------------------------------------
def site(conn: Connection, site_id: int) -> Site:
    row = conn.execute(sa.select(t.sites).where(t.sites.c.id == site_id)).first()
    if row is None:
        raise NotFound(f"no site with id {site_id}")
    return _site_from_row(row)


def _vendor(conn: Connection, vendor_id: int) -> Vendor:
    row = conn.execute(sa.select(t.vendors).where(t.vendors.c.id == vendor_id)).first()
    if row is None:
        raise NotFound(f"no vendor with id {vendor_id}")
    return _vendor_from_row(row)


def _vendor_from_row(row: Any) -> Vendor:
    return Vendor(
        id=row.id,
        name=row.name,
        contract_start=row.contract_start,
        contract_end=row.contract_end,
        countries=tuple(row.countries),
        status=VendorStatus(row.status),
    )


def _site_from_row(row: Any) -> Site:
    return Site(
        id=row.id,
        vendor_id=row.vendor_id,
        name=row.name,
        country=row.country,
        languages=tuple(row.languages),
        hours=BusinessHours.parse(row.hours, row.timezone),
    )
