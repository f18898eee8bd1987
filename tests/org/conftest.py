"""Fixtures of the organisation tests: a cheap argon2 profile and a small organisation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from ecluse.keys import Keyring
from ecluse.org import (
    AccountPolicy,
    Person,
    Session,
    Site,
    Vendor,
    add_person,
    add_site,
    add_vendor,
    authenticate,
    set_password,
)
from ecluse.vocabulary import Role

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # a Monday
PASSWORD = "correct horse battery staple"


@pytest.fixture
def policy() -> AccountPolicy:
    # Real argon2id with a small cost so that dozens of logins stay quick; the default
    # profile is checked on its own in test_accounts.
    return AccountPolicy(argon2_time_cost=1, argon2_memory_kib=1024)


@dataclass
class World:
    engine: Engine
    policy: AccountPolicy
    vendor: Vendor
    site: Site
    lead: Person
    agent: Person
    analyst: Person
    admin: Person
    keyring: Keyring

    def login(self, email: str, password: str = PASSWORD, **kw: Any) -> Session:
        """``authenticate`` with this world's engine, policy and keyring."""
        return authenticate(
            self.engine, email, password, policy=self.policy, keyring=self.keyring, **kw
        )


@pytest.fixture
def world(engine: Engine, policy: AccountPolicy, keyring: Keyring) -> World:
    vendor = add_vendor(
        engine,
        "Atlas Contact",
        contract_start=NOW - timedelta(days=30),
        contract_end=NOW + timedelta(days=365),
        countries=["MA"],
        now=NOW,
    )
    site = add_site(
        engine,
        vendor.id,
        "Casablanca",
        country="ma",
        languages=["fr"],
        timezone="Africa/Casablanca",
        hours="mon-fri 08:00-18:00",
    )
    where = {"vendor_id": vendor.id, "site_id": site.id}
    lead = add_person(
        engine, email="lead@atlas.example", display_name="Lead", role=Role.TEAM_LEAD, **where
    )
    agent = add_person(
        engine,
        email="Agent@Atlas.example",
        display_name="Agent One",
        role="agent",
        skills=["meter_move", "invoice_explanation"],
        team_lead_id=lead.id,
        **where,
    )
    analyst = add_person(
        engine, email="analyst@op.example", display_name="Analyst", role=Role.ANALYST
    )
    admin = add_person(engine, email="admin@op.example", display_name="Admin", role=Role.ADMIN)
    for who in (lead, agent, analyst, admin):
        set_password(engine, who.id, PASSWORD, now=NOW, policy=policy)
    return World(engine, policy, vendor, site, lead, agent, analyst, admin, keyring)
