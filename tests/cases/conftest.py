"""Case desk fixtures: an installation with the demo organisation and some customers."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from ecluse.cases import Desk
from ecluse.db import utcnow
from ecluse.demo import CrmRow, crm_rows
from ecluse.installation import Installation
from ecluse.org import (
    DemoOrganisation,
    Principal,
    find_person,
    principal_for,
    seed_demo_organisation,
)
from ecluse.vault import import_customers, vault_of

# A Wednesday morning in business hours everywhere.
NOW = datetime(2026, 11, 18, 9, 30, tzinfo=utcnow().tzinfo)


@dataclass
class World:
    inst: Installation
    desk: Desk
    org: DemoOrganisation
    rows: list[CrmRow]
    customer_ids: dict[str, str]  # external id -> vault id

    def who(self, email: str) -> Principal:
        return principal_for(self.inst.engine, find_person(self.inst.engine, email).id)

    def customer(self, language: str, n: int = 0) -> str:
        ids = [self.customer_ids[r["external_id"]] for r in self.rows if r["language"] == language]
        return ids[n]

    def row_of(self, customer_id: str) -> CrmRow:
        ext = next(k for k, v in self.customer_ids.items() if v == customer_id)
        return next(r for r in self.rows if r["external_id"] == ext)


ATLAS_AGENT1 = "agent1@atlas-contact.example"
ATLAS_AGENT2 = "agent2@atlas-contact.example"
ATLAS_LEAD = "lead@atlas-contact.example"
VLAANDEREN_AGENT1 = "agent1@vlaanderen-care.example"
VLAANDEREN_LEAD = "lead@vlaanderen-care.example"


@pytest.fixture
def world(inst: Installation, tmp_path: Path) -> World:
    org = seed_demo_organisation(
        inst.engine, random.Random(1), now=NOW - timedelta(days=30), keyring=inst.keyring
    )
    rows = [r for r in crm_rows(40, seed=3, dirty=0.0) if r["language"] in ("fr", "nl")]
    path = tmp_path / "crm.csv"
    import csv

    from ecluse.demo import COLUMNS

    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    vault = vault_of(inst)
    import_customers(vault, path, rejects_path=tmp_path / "r.csv")
    ids = {r["external_id"]: vault.resolve(r["external_id"]) for r in rows}
    return World(inst, Desk(inst), org, rows, ids)
