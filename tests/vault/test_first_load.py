"""A first load: on SQLite the blind index's key is dropped for the import and built at the end."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from ecluse.cli import app
from ecluse.demo import CrmRow
from ecluse.installation import Installation
from ecluse.vault import Vault, import_customers
from ecluse.vault._first_load import build_index_key
from ecluse.vault._tables import INDEX_KEY

from .conftest import WriteCsv, assert_index_matches_rows, has_key

# A first load drops the key on SQLite only (PostgreSQL keeps it: the first test shows it).
SQLITE_ONLY = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def test_a_first_load_builds_the_key_at_the_end_and_a_later_import_keeps_it(
    vault: Vault, write_csv: WriteCsv, clean_rows: list[CrmRow], tmp_path: Path
) -> None:
    """GIVEN an empty vault WHEN customers are imported, then more THEN on SQLite the first
    import runs without the key and builds it at the end, the second keeps it throughout (on
    PostgreSQL both keep it), and every customer is found by their phone."""
    sqlite = vault.engine.dialect.name == "sqlite"
    seen: list[bool] = []
    first, later = clean_rows[:30], clean_rows[30:]
    report = import_customers(
        vault,
        write_csv(first),
        rejects_path=tmp_path / "r.csv",
        chunk_size=10,
        progress=lambda _b, _r: seen.append(has_key(vault)),
    )
    assert seen == [not sqlite] * 3
    assert (report.index_seconds is not None) is sqlite
    assert has_key(vault)
    assert_index_matches_rows(vault)

    seen.clear()
    report = import_customers(
        vault,
        write_csv(later, name="later.csv"),
        rejects_path=tmp_path / "r.csv",
        chunk_size=10,
        progress=lambda _b, _r: seen.append(has_key(vault)),
    )
    assert seen and all(seen)
    assert report.index_seconds is None
    assert_index_matches_rows(vault)
    for row in clean_rows:
        assert vault.find("phone", row["phone"]) == [vault.resolve(row["external_id"])]


@SQLITE_ONLY
def test_a_rerun_after_a_first_load_died_replaces_changed_entries_and_builds_the_key(
    vault: Vault, write_csv: WriteCsv, clean_rows: list[CrmRow], tmp_path: Path
) -> None:
    """GIVEN the state a first load killed after its first chunks leaves (customers written,
    the key missing) WHEN the operator reruns it with a phone and an e-mail corrected THEN
    look-ups answered meanwhile, the old entries are gone, the new ones found, the key built."""
    rows = clean_rows[:20]
    import_customers(vault, write_csv(rows), rejects_path=tmp_path / "r.csv")
    with vault.engine.begin() as conn:
        conn.exec_driver_sql(f"DROP INDEX {INDEX_KEY}")
    who = vault.resolve(rows[0]["external_id"])
    assert vault.find("phone", rows[0]["phone"]) == [who]  # a scan, without the key

    # the demo's first customer has their phone as their mobile line too
    new = {
        "phone": "+32 470 12 34 56",
        "mobile_lines": "+32470123456",
        "email": "corrige@example.be",
    }
    fixed = [dict(rows[0], **new), *rows[1:]]
    import_customers(vault, write_csv(fixed, name="fixed.csv"), rejects_path=tmp_path / "r.csv")
    assert has_key(vault)
    assert vault.find("phone", "+32470123456") == [who]
    assert vault.find("email", "corrige@example.be") == [who]
    assert vault.find("phone", rows[0]["phone"]) == []
    assert vault.find("email", rows[0]["email"]) == []
    assert vault.find("national_number", rows[0]["national_number"]) == [who]
    assert_index_matches_rows(vault)


@SQLITE_ONLY
def test_building_the_key_keeps_one_copy_of_an_entry_stored_twice(
    vault: Vault, write_csv: WriteCsv, clean_rows: list[CrmRow], tmp_path: Path
) -> None:
    import_customers(vault, write_csv(clean_rows[:5]), rejects_path=tmp_path / "r.csv")
    with vault.engine.begin() as conn:
        conn.exec_driver_sql(f"DROP INDEX {INDEX_KEY}")
        conn.exec_driver_sql(
            "INSERT INTO customer_index (kind, digest, customer_id)"
            " SELECT kind, digest, customer_id FROM customer_index LIMIT 3"
        )
    build_index_key(vault.engine)
    assert has_key(vault)
    assert_index_matches_rows(vault)


def test_the_command_says_when_it_built_the_index_of_a_first_load(
    inst: Installation, vault: Vault, write_csv: WriteCsv, clean_rows: list[CrmRow]
) -> None:
    data_dir = str(inst.settings.data_dir)
    for name, rows, said in (("a.csv", clean_rows[:10], True), ("b.csv", clean_rows[10:], False)):
        result = CliRunner().invoke(
            app, ["--data-dir", data_dir, "customers", "import", str(write_csv(rows, name=name))]
        )
        assert result.exit_code == 0, result.output
        built = "first load: blind index built in" in result.output
        assert built is (said and vault.engine.dialect.name == "sqlite")
