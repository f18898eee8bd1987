"""One definition of the features: DuckDB and Spark give the same features and alerts."""

from __future__ import annotations

import math
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
