"""One definition of the features: DuckDB and Spark give the same features and alerts."""

from __future__ import annotations

import math
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from ecluse.usage import (
    DuckDBEngine,
    LinePseudonymiser,
    SimulationResult,
    SparkEngine,
    UsageConfig,
    compute_features,
    score_records,
)
from tests.usage.conftest import cdr_dir
from tests.usage.crafted import DAY0, Records

pytestmark = pytest.mark.slow


def _rows(engine: Any, window: str) -> list[dict[str, Any]]:
    table = engine.fetch(f"SELECT * FROM features_{window} ORDER BY msisdn, window_start")
    rows: list[dict[str, Any]] = table.to_pylist()
    for r in rows:
        r["window_start"] = r["window_start"].replace(tzinfo=None)
    return rows


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        if a is None or b is None:
            return a is b
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    return bool(a == b)


def test_duckdb_and_spark_compute_the_same_features_and_alerts(
    tiny_sim: SimulationResult, spark: Any
) -> None:
    """GIVEN the same records WHEN both engines run the one feature SQL THEN every feature of
    every line-day is equal (floats to 1e-9) and the same alerts come out."""
    cfg = UsageConfig()
    paths = [cdr_dir(tiny_sim)]
    duck, sp = DuckDBEngine(), SparkEngine(session=spark)
    compute_features(duck, paths, cfg, ["day"])
    compute_features(sp, paths, cfg, ["day"])
    d, s = _rows(duck, "day"), _rows(sp, "day")
    assert len(d) == len(s) > 400
    assert list(d[0]) == list(s[0])
    for rd, rs in zip(d, s, strict=True):
        diff = [k for k in rd if not _same(rd[k], rs[k])]
        assert not diff, (rd["window_start"], diff)
    duck.close()
    sp.close()

    pseudo = LinePseudonymiser.from_secret(b"s" * 32)
    a = score_records(paths, pseudonymiser=pseudo)
    b = score_records(paths, pseudonymiser=pseudo, engine=SparkEngine(session=spark))
    assert b.engine == "spark" and a.records == b.records
    key = sorted((x.alert_id, x.severity, x.proposed_actions, x.score) for x in a.alerts)
    assert key == sorted((x.alert_id, x.severity, x.proposed_actions, x.score) for x in b.alerts)
    assert {x.detector for x in a.alerts} >= {"sim_box", "irsf", "wangiri", "resale"}


def test_spark_reads_a_store_of_an_earlier_version_like_duckdb(tmp_path: Path, spark: Any) -> None:
    """GIVEN one day in two files, one as the store keeps it (integer numbers) and one as an
    earlier version stored it (text numbers, a short code among them) WHEN both engines compute
    the features THEN they agree."""
    new, old = Records(), Records()
    new.baseline(1)
    old.baseline(1, line="+32470000002")
    old.add(DAY0 + timedelta(hours=20), line="+32470000002", party="0800")
    old.add(DAY0 + timedelta(hours=21), line="+32470000002", party="+8821612345", duration=600)
    new.write(tmp_path / "day", "current.parquet")
    old.write(tmp_path / "day", "legacy.parquet", text=True)
    cfg = UsageConfig()
    duck, sp = DuckDBEngine(), SparkEngine(session=spark)
    compute_features(duck, [tmp_path / "day"], cfg, ["day"])
    compute_features(sp, [tmp_path / "day"], cfg, ["day"])
    d, s = _rows(duck, "day"), _rows(sp, "day")
    duck.close()
    sp.close()
    assert [r["msisdn"] for r in d] == ["+32470000001", "+32470000002"]
    assert d[1]["distinct_out"] == 7 and d[1]["high_risk_out_n"] == 1
    for rd, rs in zip(d, s, strict=True):
        assert not [k for k in rd if not _same(rd[k], rs[k])]
