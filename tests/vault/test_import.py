"""Importing CRM extracts: good rows, flagged rows, rejected rows, idempotent reruns."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from ecluse.demo import COLUMNS, CrmRow
from ecluse.errors import InputError
from ecluse.vault import Vault, import_customers
from ecluse.vault._parse import Prepared, parse_row
from ecluse.vault._seal import KnownCustomers, SealedRow, seal_rows
from ecluse.vault._tables import customer_index, customers

from .conftest import WriteCsv


def _rejects(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _count(vault: Vault) -> int:
    with vault.engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(customers)).scalar_one())


def test_clean_file_imports_every_row_and_rerun_is_idempotent(
    vault: Vault, write_csv: WriteCsv, clean_rows: list[CrmRow], tmp_path: Path
) -> None:
    """GIVEN a clean extract WHEN imported twice THEN every row is there exactly once."""
    path = write_csv(clean_rows)
    first = import_customers(vault, path, rejects_path=tmp_path / "r.csv")
    assert (first.imported, first.rejected, first.flagged) == (50, 0, 0)
    with vault.engine.connect() as conn:
        index_rows = conn.execute(
            sa.select(sa.func.count()).select_from(customer_index)
        ).scalar_one()
    ids_before = {vault.resolve(r["external_id"]) for r in clean_rows}
    someone = vault.resolve(clean_rows[0]["external_id"])
    with vault.engine.connect() as conn:
        note = vault.data_key(conn, someone).seal(b"a note", b"aad")
    second = import_customers(vault, path, rejects_path=tmp_path / "r.csv")
    assert (second.imported, second.rejected) == (50, 0)
    assert _count(vault) == 50
    assert {vault.resolve(r["external_id"]) for r in clean_rows} == ids_before
    assert vault.get(someone).last_name == clean_rows[0]["last_name"]
    with vault.engine.connect() as conn:  # a known customer keeps their data key
        assert vault.data_key(conn, someone).open(note, b"aad") == b"a note"
    with vault.engine.connect() as conn:
        assert (
            conn.execute(sa.select(sa.func.count()).select_from(customer_index)).scalar_one()
            == index_rows
        )


def test_record_round_trips_and_is_found_by_every_blind_index(
    vault: Vault, write_csv: WriteCsv, clean_rows: list[CrmRow], tmp_path: Path
) -> None:
    row = clean_rows[0]
    import_customers(vault, write_csv(clean_rows), rejects_path=tmp_path / "r.csv")
    cid = vault.resolve(row["external_id"])
    c = vault.get(cid)
    assert (c.first_name, c.last_name, c.national_number) == (
        row["first_name"],
        row["last_name"],
        row["national_number"],
    )
    assert c.addresses[0].postcode == row["postcode"]
    assert vault.find("phone", row["phone"]) == [cid]
    assert vault.find("email", row["email"].upper()) == [cid]
    assert vault.find("national_number", row["national_number"]) == [cid]
    assert vault.find("iban", " ".join(row["iban"][i : i + 4] for i in range(0, 16, 4))) == [cid]
    if row["ean_electricity"]:
        assert vault.find("ean", row["ean_electricity"]) == [cid]
    assert vault.find("phone", "+32 470 00 00 01") == []


def test_update_changes_record_and_reindexes(
    vault: Vault, write_csv: WriteCsv, clean_rows: list[CrmRow], tmp_path: Path
) -> None:
    import_customers(vault, write_csv(clean_rows[:1]), rejects_path=tmp_path / "r.csv")
    old_email = clean_rows[0]["email"]
    changed = dict(clean_rows[0], email="nouvelle.adresse@example.be")
    import_customers(vault, write_csv([changed], name="v2.csv"), rejects_path=tmp_path / "r.csv")
    cid = vault.resolve(changed["external_id"])
    assert vault.get(cid).emails == ("nouvelle.adresse@example.be",)
    assert vault.find("email", "nouvelle.adresse@example.be") == [cid]
    assert vault.find("email", old_email) == []


def test_invalid_optional_fields_are_flagged_not_dropped(
    vault: Vault, write_csv: WriteCsv, clean_rows: list[CrmRow], tmp_path: Path
) -> None:
    """GIVEN a row with a bad e-mail and a truncated phone WHEN imported THEN the customer is
    imported, both fields are flagged with their reasons, and the raw values are kept sealed."""
    row = dict(clean_rows[0], email="jean.dupont@", phone="0470 12 34")
    report = import_customers(vault, write_csv([row]), rejects_path=tmp_path / "r.csv")
    assert (report.imported, report.flagged, report.rejected) == (1, 1, 0)
    c = vault.get(vault.resolve(row["external_id"]))
    assert c.emails == () and c.phones == ()
    assert {(i.field, i.raw) for i in c.issues} == {
        ("email", "jean.dupont@"),
        ("phone", "0470 12 34"),
    }
    with vault.engine.connect() as conn:
        assert conn.execute(sa.select(customers.c.invalid_fields)).scalar() == "email,phone"


@pytest.mark.parametrize(
    ("change", "field", "reason"),
    [
        ({"first_name": "", "last_name": ""}, "last_name", "missing"),
        ({"external_id": ""}, "external_id", "missing"),
        ({"external_id": "C 1; DROP TABLE"}, "external_id", "not a CRM id"),
        ({"last_name": "Du\x00pont"}, "last_name", "NUL byte"),
        ({"city": "x" * 10_000_000}, "city", "field too long"),
    ],
)
def test_rows_without_usable_identity_are_rejected_with_line_field_reason(
    vault: Vault,
    write_csv: WriteCsv,
    clean_rows: list[CrmRow],
    tmp_path: Path,
    change: dict[str, str],
    field: str,
    reason: str,
) -> None:
    rows = [clean_rows[0], dict(clean_rows[1], **change), clean_rows[2]]
    report = import_customers(vault, write_csv(rows), rejects_path=tmp_path / "r.csv")
    assert (report.imported, report.rejected) == (2, 1)
    (rejected,) = _rejects(tmp_path / "r.csv")
    assert rejected["line"] == "3" and rejected["field"] == field and reason in rejected["reason"]
    # the rejects file names the place, never the personal values
    assert clean_rows[1]["first_name"] not in (tmp_path / "r.csv").read_text()


def test_duplicate_external_ids_in_one_file(
    vault: Vault, write_csv: WriteCsv, clean_rows: list[CrmRow], tmp_path: Path
) -> None:
    dup = dict(clean_rows[1], external_id=clean_rows[0]["external_id"])
    report = import_customers(
        vault, write_csv([clean_rows[0], dup]), rejects_path=tmp_path / "r.csv"
    )
    assert (report.imported, report.rejected) == (1, 1)
    (rejected,) = _rejects(tmp_path / "r.csv")
    assert rejected["line"] == "3" and "first on line 2" in rejected["reason"]


def test_structurally_broken_lines(vault: Vault, clean_rows: list[CrmRow], tmp_path: Path) -> None:
    """Truncated lines, extra fields and an unterminated quote are rejected by line number."""
    good = [",".join(r[c] for c in COLUMNS) for r in clean_rows[:3]]
    lines = [
        ",".join(COLUMNS),
        good[0],
        good[1].rsplit(",", 5)[0],  # truncated
        good[2] + ",extra,fields",
        '"C-9,unterminated',
    ]
    path = tmp_path / "broken.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = import_customers(vault, path, rejects_path=tmp_path / "r.csv")
    assert report.imported == 1
    rejected = _rejects(tmp_path / "r.csv")
    assert [r["line"] for r in rejected] == ["3", "4", "5"]
    assert "expected" in rejected[0]["reason"]


def test_wrong_encoding_rejects_rows_by_line_and_the_rest_goes_through(
    vault: Vault, clean_rows: list[CrmRow], tmp_path: Path
) -> None:
    rows = [dict(clean_rows[0], first_name="Hélène"), clean_rows[1]]
    path = tmp_path / "latin1.csv"
    with path.open("w", newline="", encoding="latin-1") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    report = import_customers(vault, path, rejects_path=tmp_path / "r.csv")
    assert (report.imported, report.rejected) == (1, 1)
    assert "UTF-8" in _rejects(tmp_path / "r.csv")[0]["reason"]
    again = import_customers(vault, path, rejects_path=tmp_path / "r2.csv", encoding="latin-1")
    assert (again.imported, again.rejected) == (2, 0)
    assert vault.get(vault.resolve(rows[0]["external_id"])).first_name == "Hélène"


def test_missing_required_columns_is_a_clear_error(vault: Vault, tmp_path: Path) -> None:
    path = tmp_path / "partial.csv"
    path.write_text("external_id,first_name\nC-1,Jean\n", encoding="utf-8")
    with pytest.raises(InputError) as exc:
        import_customers(vault, path, rejects_path=tmp_path / "r.csv")
    assert f"{path}:1" in str(exc.value) and "last_name" in str(exc.value)


def test_extra_columns_are_ignored_and_reported(
    vault: Vault, write_csv: WriteCsv, clean_rows: list[CrmRow], tmp_path: Path
) -> None:
    rows = [dict(r, loyalty_tier="gold") for r in clean_rows[:2]]
    path = write_csv(rows, columns=(*COLUMNS, "loyalty_tier"))
    report = import_customers(vault, path, rejects_path=tmp_path / "r.csv")
    assert report.imported == 2 and report.ignored_columns == ["loyalty_tier"]


def test_semicolon_delimited_excel_export(
    vault: Vault, clean_rows: list[CrmRow], tmp_path: Path
) -> None:
    path = tmp_path / "excel.csv"
    with path.open("w", newline="", encoding="utf-8-sig") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS, delimiter=";")
        writer.writeheader()
        writer.writerows({**r, "contracts": "", "invoices": ""} for r in clean_rows[:3])
    assert import_customers(vault, path, rejects_path=tmp_path / "r.csv").imported == 3


def test_formula_injection_is_neutralised_in_the_rejects_export(
    vault: Vault, write_csv: WriteCsv, clean_rows: list[CrmRow], tmp_path: Path
) -> None:
    evil = dict(clean_rows[0], external_id="=cmd|x", first_name="", last_name="")
    named = dict(clean_rows[1], last_name="=HYPERLINK(1)")
    import_customers(vault, write_csv([evil, named]), rejects_path=tmp_path / "r.csv")
    text = (tmp_path / "r.csv").read_text()
    assert ",=" not in text
    # a formula-looking name is still a name: stored as given, neutralised on export
    assert vault.get(vault.resolve(named["external_id"])).last_name == "=HYPERLINK(1)"


def test_json_lines_with_nested_values_and_a_bad_line(
    vault: Vault, clean_rows: list[CrmRow], tmp_path: Path
) -> None:
    a = dict(clean_rows[0], phone=[clean_rows[0]["phone"], "02 512 34 56"])
    a["contracts"] = [
        {"id": "K1", "product": "Elec Flex", "start": "2024-01-01", "monthly_eur": 62}
    ]
    path = tmp_path / "crm.jsonl"
    path.write_text(json.dumps(a) + "\n{not json\n" + json.dumps(clean_rows[1]) + "\n[1,2]\n")
    report = import_customers(vault, path, rejects_path=tmp_path / "r.csv")
    assert (report.imported, report.rejected) == (2, 2)
    assert [r["line"] for r in _rejects(tmp_path / "r.csv")] == ["2", "4"]
    c = vault.get(vault.resolve(a["external_id"]))
    assert c.phones[1] == "+3225123456" and c.contracts[0].product == "Elec Flex"


def test_large_file_through_worker_processes(vault: Vault, tmp_path: Path) -> None:
    from ecluse.demo import write_crm_csv

    path = write_crm_csv(tmp_path / "big.csv", 3000, seed=5)
    report = import_customers(
        vault, path, rejects_path=tmp_path / "r.csv", workers=2, chunk_size=500
    )
    assert report.rows_read == 3000
    assert report.imported + report.rejected == 3000
    assert _count(vault) == report.imported


def _sealed(vault: Vault, row: CrmRow, known: KnownCustomers) -> SealedRow:
    prepared = parse_row(dict(row), 2, vault.keyring.indexer)
    assert isinstance(prepared, Prepared)
    (sealed,) = seal_rows([prepared], vault.keyring.key_maker, known)
    assert isinstance(sealed, SealedRow)
    return sealed


@pytest.mark.parametrize("known_when_sealed", [True, False])
def test_a_known_customer_keeps_id_and_key_however_the_row_was_sealed(
    vault: Vault,
    write_csv: WriteCsv,
    clean_rows: list[CrmRow],
    tmp_path: Path,
    known_when_sealed: bool,
) -> None:
    """GIVEN a known customer WHEN a new row for them was sealed under their own key (the
    workers knew them) or under a fresh one (they arrived meanwhile) THEN the write keeps their
    id and data key, and the record opens with the new values."""
    row = clean_rows[0]
    import_customers(vault, write_csv([row]), rejects_path=tmp_path / "r.csv")
    cid = vault.resolve(row["external_id"])
    known = vault.known_customers([row["external_id"]]) if known_when_sealed else {}
    assert (cid in {c for c, _ in known.values()}) is known_when_sealed
    changed = CrmRow(**{**row, "last_name": "Vandenberghe", "email": "nieuw@voorbeeld.be"})  # type: ignore[typeddict-item]
    sealed = _sealed(vault, changed, known)
    with vault.engine.begin() as conn:
        key_before = vault.data_key(conn, cid).seal(b"note", b"aad")
        assert vault.write_batch(conn, [sealed], "run-2") == []
    assert vault.resolve(row["external_id"]) == cid
    assert vault.get(cid).last_name == "Vandenberghe"
    with vault.engine.connect() as conn:
        assert vault.data_key(conn, cid).open(key_before, b"aad") == b"note"
    # the blind indexes follow: the new e-mail finds them, the old one no longer does
    assert vault.find("email", "nieuw@voorbeeld.be") == [cid]
    assert vault.find("email", row["email"]) == []
    assert vault.find("iban", row["iban"]) == [cid]


def test_a_row_sealed_for_a_customer_erased_since_makes_a_new_customer(
    vault: Vault, write_csv: WriteCsv, clean_rows: list[CrmRow], tmp_path: Path
) -> None:
    """GIVEN a row sealed under a known customer's key WHEN that customer is erased before the
    write THEN the row becomes a new customer (new id, new key), never the erased one."""
    row = clean_rows[0]
    import_customers(vault, write_csv([row]), rejects_path=tmp_path / "r.csv")
    cid = vault.resolve(row["external_id"])
    sealed = _sealed(vault, row, vault.known_customers([row["external_id"]]))
    assert sealed.customer_id == cid and not sealed.fresh
    vault.erase(cid)
    with vault.engine.begin() as conn:
        assert vault.write_batch(conn, [sealed], "run-2") == []
    new = vault.resolve(row["external_id"])
    assert new != cid and vault.get(new).last_name == row["last_name"]
