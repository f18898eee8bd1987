"""Vault fixtures: CRM extracts written to disk, the vault of a fresh installation."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

import pytest

from ecluse.demo import COLUMNS, CrmRow, crm_rows
from ecluse.installation import Installation
from ecluse.vault import Vault, vault_of

WriteCsv = Callable[..., Path]


@pytest.fixture
def vault(inst: Installation) -> Vault:
    return vault_of(inst)


@pytest.fixture
def write_csv(tmp_path: Path) -> WriteCsv:
    """Write rows (dicts; missing columns empty) as a CRM CSV extract."""

    def write(
        rows: list[CrmRow], name: str = "crm.csv", columns: tuple[str, ...] = COLUMNS
    ) -> Path:
        path = tmp_path / name
        with path.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=columns, extrasaction="ignore")
            writer.writeheader()
            writer.writerows({c: r.get(c, "") for c in columns} for r in rows)
        return path

    return write


@pytest.fixture
def clean_rows() -> list[CrmRow]:
    return list(crm_rows(50, seed=7, dirty=0.0))
