"""Vault fixtures: CRM extracts written to disk, the vault of a fresh installation."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa

from ecluse.demo import COLUMNS, CrmRow, crm_rows
from ecluse.installation import Installation
from ecluse.vault import Vault, vault_of
from ecluse.vault._seal import unpack_index_keys
from ecluse.vault._tables import INDEX_KEY, customer_index, customers

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


def has_key(vault: Vault) -> bool:
    with vault.engine.connect() as conn:
        return any(ix["name"] == INDEX_KEY for ix in sa.inspect(conn).get_indexes("customer_index"))


def assert_index_matches_rows(vault: Vault) -> None:
    """The blind index holds exactly the entries the customer rows list, each once."""
    with vault.engine.connect() as conn:
        listed = sorted(
            (kind, digest, cid)
            for cid, blob in conn.execute(sa.select(customers.c.id, customers.c.index_keys))
            for kind, digest in unpack_index_keys(blob)
        )
        stored = sorted(
            (kind, bytes(digest), cid)
            for kind, digest, cid in conn.execute(
                sa.select(
                    customer_index.c.kind, customer_index.c.digest, customer_index.c.customer_id
                )
            )
        )
    assert listed and stored == listed
