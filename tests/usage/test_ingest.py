"""Ingest: validation with quarantine, dedup by record id, idempotency per file."""

from __future__ import annotations

import csv
import uuid
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine

from ecluse.usage import DuckDBEngine, UsageConfig, UsageStore, compute_features, ingest_files
from ecluse.usage._schema import party_text, stored_party
from tests.usage.crafted import DAY0, Records

HEADER = "record_id,msisdn,start_time,type,direction,other_party,duration_s,bytes,cell_id,imei,roaming_country,charge,plan"  # noqa: E501
GOOD = "R{n},+32470000001,2026-03-02T10:{m:02d}:00Z,voice,out,+32471000000,60,0,C1,350000000000001,,0.10,consumer_m"  # noqa: E501


def _stored(store: UsageStore) -> list[tuple[str, ...]]:
    return duckdb.sql(
        f"SELECT record_id, msisdn, CAST(start_time AS VARCHAR), other_party "
        f"FROM read_parquet('{store.records_dir}/**/*.parquet') ORDER BY record_id"
    ).fetchall()


def test_bad_rows_are_quarantined_with_place_and_reason(engine: Engine, tmp_path: Path) -> None:
    """GIVEN a CSV with good rows, bad values, a malformed line and a repeated record id
    WHEN ingested THEN good rows are stored by day, each bad row is reported with its row,
    line, column and reason (never its value), and the duplicate is dropped."""
    lines = [
        HEADER,
        GOOD.format(n=1, m=0),
        "R2,PLANTED-NOT-A-NUMBER,2026-03-02T10:01:00Z,voice,out,+32471000000,60,0,C1,,,0,",
        GOOD.format(n=3, m=2),
        "R4,+32470000001,yesterday-ish,sms,out,+32471000000,0,0,C1,,,0,",
        "R5,+32470000001,2026-03-02T10:04:00Z,fax,out,+32471000000,0,0,C1,,,0,",
        "R6,+32470000001,2026-03-02T10:05:00Z,voice,out,,60,0,C1,,,0,",
        "R7,+32470000001,2026-03-02T10:06:00Z,voice,out,+32471000000,-5,0,C1,,,0,",
        "R8,+32470000001,2026-03-02,10:07,voice,out,+32471000000,60,0,C1,,,0,,extra",
        GOOD.format(n=1, m=8),  # same record id as row 1
        "R9,0032470000002,2026-03-03 01:00:00+01:00,SMS,MT,0032 471 00 00 00,,,,,be,,",
    ]
    src = tmp_path / "drop" / "cdr-1.csv"
    src.parent.mkdir()
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    store = UsageStore(tmp_path / "usage")
    [rep] = ingest_files(engine, store, [src.parent])
    assert rep.status == "ingested"
    counts = (rep.rows_read, rep.rows_stored, rep.rows_duplicate, rep.rows_quarantined)
    assert counts == (10, 3, 1, 6)
    assert rep.quarantine_file is not None and rep.quarantine_file.parent == store.quarantine_dir
    text = rep.quarantine_file.read_text(encoding="utf-8")
    assert "PLANTED" not in text and "yesterday" not in text and "fax" not in text
    rows = list(csv.DictReader(text.splitlines()))
    got = {(r["line"], r["column"]) for r in rows}
    assert got == {
        ("3", "msisdn"),
        ("5", "start_time"),
        ("6", "type"),
        ("7", "other_party"),
        ("8", "duration_s"),
        ("9", ""),
    }
    assert all(r["file"] == "cdr-1.csv" and r["reason"] for r in rows)
    stored = _stored(store)
    assert [r[0] for r in stored] == ["R1", "R3", "R9"]
    # normalisation: 00 prefix, spaces, offsets to UTC, upper-case country, MT -> in; the store
    # keeps the E.164 numbers as their digits
    r9 = next(r for r in stored if r[0] == "R9")
    assert r9[1] == 32470000002 and r9[2] == "2026-03-03 00:00:00" and r9[3] == 32471000000
    assert sorted(p.name for p in store.records_dir.iterdir()) == [
        "day=2026-03-02",
        "day=2026-03-03",
    ]


def test_records_are_stored_by_line_then_time(engine: Engine, tmp_path: Path) -> None:
    """GIVEN records of two lines interleaved in time WHEN ingested THEN the stored file holds
    each line's records together, in time order (scoring groups by line)."""
    rows = [
        f"R{n},+3247000000{n % 2},2026-03-02T10:{59 - n:02d}:00Z,voice,out,+32471000000,60,0,"
        "C1,,,0,"
        for n in range(6)
    ]
    src = tmp_path / "cdr.csv"
    src.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    store = UsageStore(tmp_path / "usage")
    ingest_files(engine, store, [src])
    [stored] = list(store.records_dir.glob("day=*/*.parquet"))
    order = [r[0] for r in duckdb.sql(f"SELECT record_id FROM '{stored}'").fetchall()]
    assert order == ["R4", "R2", "R0", "R5", "R3", "R1"]


def test_rerun_is_a_no_op_and_overlaps_are_deduplicated(engine: Engine, tmp_path: Path) -> None:
    store = UsageStore(tmp_path / "usage")
    a = tmp_path / "a.csv"
    a.write_text("\n".join([HEADER, *(GOOD.format(n=i, m=i) for i in range(5))]) + "\n")
    b = tmp_path / "b.csv"  # overlaps R3, R4 and adds R5, R6
    b.write_text("\n".join([HEADER, *(GOOD.format(n=i, m=i) for i in range(3, 7))]) + "\n")
    first = ingest_files(engine, store, [a, b])
    assert [(r.rows_stored, r.rows_duplicate) for r in first] == [(5, 0), (2, 2)]
    again = ingest_files(engine, store, [a, b])
    assert [r.status for r in again] == ["already ingested"] * 2
    assert len(_stored(store)) == 7


def test_parquet_any_column_order_optional_columns_absent(engine: Engine, tmp_path: Path) -> None:
    r = Records()
    r.add(DAY0, party="+33612345678")
    r.add(DAY0, type="data", party=None, bytes=10_000)
    path = r.write(tmp_path / "in", text=True)
    import pyarrow.parquet as pq

    table = pq.read_table(path).drop_columns(["plan", "imei", "roaming_country"])
    pq.write_table(table.select(list(reversed(table.column_names))), path)
    store = UsageStore(tmp_path / "usage")
    [rep] = ingest_files(engine, store, [path])
    assert (rep.status, rep.rows_stored, rep.rows_quarantined) == ("ingested", 2, 0)


def test_a_bad_file_does_not_stop_the_others(engine: Engine, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("record_id,msisdn\nR1,+32470000001\n")
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    good = tmp_path / "good.csv"
    good.write_text(f"{HEADER}\n{GOOD.format(n=1, m=1)}\n")
    other = tmp_path / "notes.txt"
    other.write_text("hello")
    reps = ingest_files(engine, UsageStore(tmp_path / "usage"), [bad, empty, good, other])
    assert [r.status for r in reps] == ["rejected", "rejected", "ingested", "rejected"]
    assert "missing column(s): start_time, type, direction" in reps[0].message
    assert "line 1" in reps[1].message


_row = st.fixed_dictionaries(
    {
        "id": st.integers(1, 30),
        "msisdn": st.sampled_from(["+32470000001", "32470000002", "+3247", "x", ""]),
        "time": st.sampled_from(["2026-03-02T10:00:00Z", "2026-03-04 23:59:59", "2026-13-01", ""]),
        "type": st.sampled_from(["voice", "sms", "data", "VOICE", "mms"]),
        "dir": st.sampled_from(["out", "in", "MO", "sideways"]),
        "party": st.sampled_from(["+32471000000", "1234", "", "abc"]),
        "duration": st.sampled_from(["60", "0", "", "-1", "1.5"]),
        "charge": st.sampled_from(["0.1", "", "-2", "NaN", "free"]),
    }
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=st.lists(_row, max_size=25))
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_every_row_is_stored_quarantined_or_a_duplicate(
    engine: Engine, tmp_path: Path, rows: list[dict[str, object]]
) -> None:
    """Property: read = stored + duplicates + quarantined, and a rerun changes nothing."""
    run = tmp_path / uuid.uuid4().hex
    run.mkdir()
    body = [HEADER, f"U-{run.name},+32470000009,2026-03-02T00:00:00Z,data,out,,0,1,,,,0,"]
    for r in rows:
        body.append(
            f"R{r['id']},{r['msisdn']},{r['time']},{r['type']},{r['dir']},{r['party']},"
            f"{r['duration']},0,C1,,,{r['charge']},p"
        )
    src = run / "f.csv"
    src.write_text("\n".join(body) + "\n")
    store = UsageStore(run / "usage")
    [rep] = ingest_files(engine, store, [src])
    assert rep.rows_read == len(rows) + 1
    assert rep.rows_stored + rep.rows_duplicate + rep.rows_quarantined == rep.rows_read
    stored = _stored(store) if rep.rows_stored else []
    assert len(stored) == rep.rows_stored == len({s[0] for s in stored})
    assert ingest_files(engine, store, [src])[0].status == "already ingested"


def test_short_codes_are_stored_apart_from_numbers(engine: Engine, tmp_path: Path) -> None:
    """GIVEN voice calls and SMS with short codes, one with a leading zero, beside E.164 numbers
    WHEN ingested THEN the store keeps each as an integer that reads back as the same text, no
    short code equal to a number, and the scoring counts them as distinct short codes."""
    parties = ["112", "0800", "800", "+32471000000", "+881612345678901", "+1234567"]
    imeis = ["01234567890123", "350000000000001", "", "", "1234567890123456", ""]
    rows = [
        f"R{n},+32470000001,2026-03-02T10:{n:02d}:00Z,{'sms' if n % 2 else 'voice'},out,{party},"
        f"60,0,C1,{imei},,0,"
        for n, (party, imei) in enumerate(zip(parties, imeis, strict=True))
    ]
    src = tmp_path / "cdr.csv"
    src.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    store = UsageStore(tmp_path / "usage")
    [rep] = ingest_files(engine, store, [src])
    assert (rep.rows_stored, rep.rows_quarantined) == (6, 0)
    stored = {r[0]: r[3] for r in _stored(store)}
    assert [stored[f"R{n}"] for n in range(6)] == [
        -1112,
        -10800,
        -1800,
        32471000000,
        881612345678901,
        1234567,
    ]
    assert [party_text(stored[f"R{n}"]) for n in range(6)] == parties
    assert [stored_party(p) for p in parties] == [stored[f"R{n}"] for n in range(6)]
    # IMEIs: leading zeros kept
    got = duckdb.sql(
        f"SELECT imei FROM read_parquet('{store.records_dir}/**/*.parquet') ORDER BY record_id"
    ).fetchall()
    assert [g[0] for g in got] == [101234567890123, 1350000000000001, None, None,
                                   11234567890123456, None]  # fmt: skip
    duck = DuckDBEngine()
    compute_features(duck, [store.records_dir], UsageConfig(), ["day"])
    [row] = duck.fetch(
        "SELECT msisdn, out_n, distinct_out, national_out_n, intl_out_n, high_risk_out_n, "
        "imeis, imei_first, imei_last FROM features_day"
    ).to_pylist()
    duck.close()
    # short codes: neither national nor international; +881...: high risk; +1234567: the US
    assert row == {
        "msisdn": "+32470000001",
        "out_n": 6,
        "distinct_out": 6,
        "national_out_n": 1,
        "intl_out_n": 2,
        "high_risk_out_n": 1,
        "imeis": 3,
        "imei_first": "01234567890123",
        "imei_last": "1234567890123456",
    }


def test_a_store_of_an_earlier_version_with_text_numbers_still_scores(
    engine: Engine, tmp_path: Path
) -> None:
    """GIVEN a day stored by an earlier version (numbers as text) WHEN new records of that day
    are ingested and the day is scored THEN duplicates against the old file are dropped, and
    the old file's records give the same features as the same records stored as integers."""
    r = Records()
    r.baseline(1)
    r.add(DAY0 + timedelta(hours=20), party="112")
    r.add(DAY0 + timedelta(hours=21), party="+8821612345", duration=600)
    old = tmp_path / "old" / "day=2026-03-02"
    r.write(old, "legacy.parquet", text=True)
    new = tmp_path / "new" / "day=2026-03-02"
    r.write(new, "current.parquet")

    def features(where: Path) -> list[dict[str, object]]:
        duck = DuckDBEngine()
        compute_features(duck, [where], UsageConfig(), ["day"])
        rows: list[dict[str, object]] = duck.fetch(
            "SELECT * EXCLUDE (peer_charge_avg, peer_charge_std) FROM features_day"
        ).to_pylist()
        duck.close()
        return rows

    assert features(tmp_path / "old") == features(tmp_path / "new")
    assert features(tmp_path / "old")[0]["distinct_out"] == 7

    # an ingest into a store holding the old file: same record ids are duplicates
    store = UsageStore(tmp_path / "usage")
    (store.records_dir / "day=2026-03-02").mkdir(parents=True)
    (old / "legacy.parquet").rename(store.records_dir / "day=2026-03-02" / "legacy.parquet")
    src = tmp_path / "more.csv"
    src.write_text(
        "\n".join([HEADER, GOOD.format(n=1, m=0), GOOD.format(n=999, m=1)]) + "\n",
        encoding="utf-8",
    )
    [rep] = ingest_files(engine, store, [src])
    assert (rep.rows_stored, rep.rows_duplicate) == (1, 1)
    mixed = features(store.records_dir)
    assert mixed[0]["n_records"] == len(r.rows) + 1
