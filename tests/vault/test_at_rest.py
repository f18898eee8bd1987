"""No clear personal data at rest: planted values never appear in the database bytes."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from ecluse.demo import CrmRow
from ecluse.installation import Installation
from ecluse.vault import Vault, import_customers

from ..conftest import PG_URL, pg_schema
from .conftest import WriteCsv

PLANTED = {
    "first_name": "Zéphyrine",
    "last_name": "Quaxwellborg",
    "email": "zephyrine.quaxwellborg@plantedmail.be",
    "phone": "0470 99 88 71",
    "street": "Rue Inventée-Unique",
}


def _planted_needles(row: CrmRow) -> list[bytes]:
    values = [*PLANTED.values(), row["iban"], row["national_number"], "+32470998871", "470998871"]
    if row["ean_electricity"]:
        values.append(row["ean_electricity"])
    return [v.encode() for v in values] + [v.encode("utf-16-le") for v in PLANTED.values()]


def _database_bytes(inst: Installation, db_url: str, tmp_path: Path) -> bytes:
    if db_url.startswith("sqlite"):
        db = Path(db_url.removeprefix("sqlite:///"))
        return b"".join(p.read_bytes() for p in (db, Path(f"{db}-wal")) if p.exists())
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        pytest.fail("pg_dump not installed (Debian package postgresql-client)")
    schema = pg_schema(db_url)
    out = subprocess.run(
        [pg_dump, "--no-owner", "-n", str(schema), PG_URL.split("?")[0]],
        check=True,
        capture_output=True,
    )
    return out.stdout


def test_planted_values_never_appear_in_database_files_or_dumps(
    inst: Installation,
    vault: Vault,
    db_url: str,
    write_csv: WriteCsv,
    clean_rows: list[CrmRow],
    tmp_path: Path,
) -> None:
    """GIVEN unique planted values WHEN imported (and re-imported) THEN neither the SQLite
    file, its WAL nor a pg_dump contains any of them, while the vault still reads them back."""
    row = dict(clean_rows[0], **PLANTED)
    path = write_csv([row, *clean_rows[1:5]])
    import_customers(vault, path, rejects_path=tmp_path / "r.csv")
    import_customers(vault, path, rejects_path=tmp_path / "r.csv")
    assert vault.get(vault.resolve(row["external_id"])).last_name == PLANTED["last_name"]
    raw = _database_bytes(inst, db_url, tmp_path)
    assert len(raw) > 10_000
    assert row["external_id"].encode() in raw  # sanity: the scan does see the database
    for needle in _planted_needles(row):
        assert needle not in raw, needle


def test_flagged_invalid_values_are_sealed_too(
    inst: Installation,
    vault: Vault,
    db_url: str,
    write_csv: WriteCsv,
    clean_rows: list[CrmRow],
    tmp_path: Path,
) -> None:
    row = dict(clean_rows[0], email="planted-bad-address-at-nowhere", phone="0470 55")
    import_customers(vault, write_csv([row]), rejects_path=tmp_path / "r.csv")
    raw = _database_bytes(inst, db_url, tmp_path)
    assert b"planted-bad-address-at-nowhere" not in raw
