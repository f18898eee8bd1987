"""Seed a complete demo operator: customers, organisation, open cases, a signed checkpoint."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from ecluse.cases import Priority, desk_for
from ecluse.db import utcnow
from ecluse.demo._crm import write_crm_csv
from ecluse.installation import Installation
from ecluse.org import DemoLogin, seed_demo_organisation
from ecluse.vault import ImportReport, import_customers, vault_of
from ecluse.vocabulary import CaseStatus, CaseType

__all__ = ["DemoReport", "seed_demo"]

_CASE_MIX = (
    (CaseType.INVOICE_EXPLANATION, 5),
    (CaseType.METER_MOVE, 3),
    (CaseType.CONTRACT_RENEGOTIATION, 2),
    (CaseType.COMPLAINT, 2),
    (CaseType.LINE_RESTORE, 1),
    (CaseType.USAGE_REVIEW, 1),
    (CaseType.PRIVACY_REQUEST, 1),
)


@dataclass(frozen=True)
class DemoReport:
    data_dir: Path
    extract: Path
    imported: ImportReport
    logins: tuple[DemoLogin, ...]
    cases_opened: int


def seed_demo(
    inst: Installation,
    *,
    seed: int = 42,
    customers: int = 20_000,
    cases: int = 80,
    progress: Callable[[int, int], None] | None = None,
) -> DemoReport:
    """Build the synthetic Belgian operator in ``inst`` (deterministic for ``seed``)."""
    rng = random.Random(seed)
    data_dir = inst.settings.data_dir
    extract = write_crm_csv(data_dir / "demo" / "crm-extract.csv", customers, seed=seed)
    vault = vault_of(inst)
    imported = import_customers(
        vault,
        extract,
        rejects_path=data_dir / "demo" / "crm-extract.rejects.csv",
        progress=progress,
    )
    now = utcnow()
    organisation = seed_demo_organisation(
        inst.engine, rng, now=now - timedelta(days=90), keyring=inst.keyring
    )
    desk = desk_for(inst)
    weights = [w for _, w in _CASE_MIX]
    kinds = [k for k, _ in _CASE_MIX]
    opened = 0
    for n in range(cases):
        external = f"C-{rng.randrange(1, customers + 1):07d}"
        try:
            customer_id = vault.resolve(external)
        except Exception:  # a dirty row of the extract that was rejected: pick another
            continue
        kind = rng.choices(kinds, weights)[0]
        priority = rng.choices(list(Priority), [1, 6, 2, 1])[0]
        case = desk.open_case(
            customer_id, kind, priority=priority, origin="demo", now=now - timedelta(hours=n % 30)
        )
        opened += 1
        if case.assignee_id and rng.random() < 0.4:
            _advance(desk, case.id, case.assignee_id)
    desk.ledger.checkpoint()
    return DemoReport(data_dir, extract, imported, organisation.logins, opened)


def _advance(desk: object, case_id: str, assignee_id: int) -> None:
    from ecluse.cases import Desk
    from ecluse.org import principal_for

    assert isinstance(desk, Desk)
    agent = principal_for(desk.engine, assignee_id)
    desk.transition(agent, case_id, CaseStatus.IN_PROGRESS)
