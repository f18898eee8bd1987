"""Simulator: deterministic per seed, labelled, readable by the pipeline."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from ecluse.errors import EcluseError
from ecluse.usage import simulate


def _content(directory: Path) -> list[tuple[object, ...]]:
    return duckdb.sql(
        f"SELECT * FROM read_parquet('{directory}/cdr/*.parquet') ORDER BY record_id"
    ).fetchall()


def test_same_seed_same_records_other_seed_other_records(tmp_path: Path) -> None:
    a = simulate(tmp_path / "a", lines=120, days=3, seed=42)
    b = simulate(tmp_path / "b", lines=120, days=3, seed=42)
    simulate(tmp_path / "c", lines=120, days=3, seed=43)
    assert a.records == b.records > 5_000
    assert _content(tmp_path / "a") == _content(tmp_path / "b")
    assert _content(tmp_path / "a") != _content(tmp_path / "c")
    assert a.labels.read_text() == b.labels.read_text()
    assert sum(a.scenarios.values()) == len(a.labels.read_text().splitlines()) - 1


def test_files_are_in_the_store_order_by_line_then_time(tmp_path: Path) -> None:
    res = simulate(tmp_path, lines=60, days=1, seed=1)
    rows = duckdb.sql(f"SELECT msisdn, start_time FROM '{res.files[0]}'").fetchall()
    assert rows == sorted(rows) and len({r[0] for r in rows}) > 1


def test_csv_output_matches_the_schema(tmp_path: Path) -> None:
    res = simulate(tmp_path, lines=60, days=1, seed=1, fmt="csv")
    header = res.files[0].read_text().splitlines()[0].split(",")
    assert header[:5] == ["record_id", "msisdn", "start_time", "type", "direction"]
    assert "plan" in header


def test_bad_arguments_are_explained(tmp_path: Path) -> None:
    with pytest.raises(EcluseError, match="--lines"):
        simulate(tmp_path, lines=0, days=1)
    with pytest.raises(EcluseError, match="--format"):
        simulate(tmp_path, lines=10, days=1, fmt="xlsx")
