"""The scoring pipeline: features on an engine, detector conditions in bulk, alerts in Python."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ecluse.usage._alerts import Alert, propose_actions
from ecluse.usage._config import UsageConfig
from ecluse.usage._detectors import DETECTORS, Detector
from ecluse.usage._engines import AnalyticsEngine, open_engine
from ecluse.usage._features import features_sql, feed_sql
from ecluse.usage._kernel import KernelSetup
from ecluse.usage._pseudo import LinePseudonymiser
from ecluse.usage._ranges import load_ranges

__all__ = ["ScoreResult", "compute_features", "score_records"]


@dataclass
class ScoreResult:
    alerts: list[Alert]
    records: int
    lines: int
    seconds: float
    timings: dict[str, float] = field(default_factory=dict)
    engine: str = "duckdb"


def _ts(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    raise TypeError(f"not a timestamp: {type(value).__name__}")


def compute_features(
    engine: AnalyticsEngine,
    paths: Sequence[Path],
    config: UsageConfig,
    windows: Sequence[str],
) -> dict[str, float]:
    """Register inputs and define ``features_<window>`` for each window (the kernel's rows in
    ``lines_<window>``); returns timings."""
    timings: dict[str, float] = {}
    engine.register_records(paths)
    ranges = load_ranges(config.number_ranges or None)
    engine.register_ranges(ranges)
    setup = KernelSetup.of(config, ranges)
    found = engine.fetch("SELECT DISTINCT plan FROM records WHERE plan IS NOT NULL")
    plans = sorted(str(p) for p in found.column("plan").to_pylist())
    for w in windows:
        t = time.perf_counter()
        engine.kernel(f"lines_{w}", feed_sql(w, engine, plans), setup)
        engine.define(f"features_{w}", features_sql(w, config, engine, plans))
        timings[f"features_{w}"] = time.perf_counter() - t
    return timings


def _hits(engine: AnalyticsEngine, window: str, dets: list[Detector], cfg: UsageConfig) -> Any:
    flags = ", ".join(f"({d.condition(cfg)}) AS hit_{i}" for i, d in enumerate(dets))
    where = " OR ".join(f"({d.condition(cfg)})" for d in dets)
    return engine.fetch(
        f"SELECT *, {flags} FROM features_{window} WHERE {where} ORDER BY msisdn, window_start"
    ).to_pylist()


def score_records(
    paths: Sequence[Path],
    *,
    config: UsageConfig | None = None,
    engine: str | AnalyticsEngine = "duckdb",
    pseudonymiser: LinePseudonymiser | None = None,
    windows: Sequence[str] | None = None,
    progress: Callable[[str], None] | None = None,
) -> ScoreResult:
    """Score call-record Parquet files (or directories of them) and return the alerts.

    ``windows`` limits the run to the detectors of those windows (e.g. ``("day",)`` for the
    daily job); by default every detector runs (day, week and month features).
    """
    cfg = config or UsageConfig()
    pseudo = pseudonymiser or LinePseudonymiser.from_secret()
    eng = open_engine(engine) if isinstance(engine, str) else engine
    started = time.perf_counter()
    try:
        by_window: dict[str, list[Detector]] = {}
        for d in DETECTORS:
            if windows is None or d.window in windows:
                by_window.setdefault(d.window, []).append(d)
        if progress:
            progress("features")
        timings = compute_features(eng, paths, cfg, list(by_window))
        t = time.perf_counter()
        alerts: list[Alert] = []
        for window, dets in by_window.items():
            if progress:
                progress(f"detectors ({window})")
            for row in _hits(eng, window, dets, cfg):
                for i, det in enumerate(dets):
                    if row[f"hit_{i}"]:
                        alerts.append(_alert(det, row, cfg, pseudo))
        timings["detectors"] = time.perf_counter() - t
        widest = next(w for w in ("month", "week", "day", "hour") if w in by_window)
        counts = eng.fetch(
            "SELECT CAST(sum(n_records) AS BIGINT) AS n, count(DISTINCT msisdn) AS lines "
            f"FROM lines_{widest}"
        ).to_pylist()[0]
        return ScoreResult(
            alerts=alerts,
            records=int(counts["n"] or 0),
            lines=int(counts["lines"] or 0),
            seconds=time.perf_counter() - started,
            timings=timings,
            engine=eng.name,
        )
    finally:
        if isinstance(engine, str):
            eng.close()


def _alert(
    det: Detector, row: dict[str, Any], cfg: UsageConfig, pseudo: LinePseudonymiser
) -> Alert:
    f = det.assess(row, cfg)
    prefix = row.get("risk_prefix")
    return Alert(
        line_id=pseudo.line_id(row["msisdn"]),
        detector=det.name,
        window=det.window,
        window_start=_ts(row["window_start"]),
        severity=f.severity,
        score=f.score,
        evidence=f.evidence,
        explanation=f.explanation,
        legitimate=f.legitimate,
        proposed_actions=propose_actions(
            det.name, f.severity, fits_legitimate_use=f.fits_legitimate_use
        ),
        fits_legitimate_use=f.fits_legitimate_use,
        confirmed=f.confirmed,
        last_event_at=datetime.fromtimestamp(int(_last_event(det, row)), UTC),
        ranges=(f"{prefix} ({_class_of(row)})",) if prefix else (),
    )


def _last_event(det: Detector, row: dict[str, Any]) -> int:
    """For IRSF, when the last call to a risky range ended (is the fraud still in progress?)."""
    if det.name == "irsf" and row.get("risk_last_end_s") is not None:
        return int(row["risk_last_end_s"])
    return int(row["last_event_s"])


def _class_of(row: dict[str, Any]) -> str:
    return "high_risk" if row.get("high_risk_out_n") or row.get("risk_ring_n") else "premium"
