"""Service functions over one installation: ingest, score and persist alerts, report."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from ecluse.db import utcnow
from ecluse.installation import Installation
from ecluse.usage._alerts import Alert
from ecluse.usage._config import UsageConfig
from ecluse.usage._evaluate import Evaluation, evaluate, read_labels
from ecluse.usage._ingest import IngestReport, UsageStore, ingest_files
from ecluse.usage._pseudo import LinePseudonymiser
from ecluse.usage._score import ScoreResult, score_records
from ecluse.usage._tables import usage_alerts

__all__ = [
    "AlertCounts",
    "ScoreOutcome",
    "alert_counts",
    "ingest",
    "load_alerts",
    "save_alerts",
    "score",
    "store_of",
    "usage_config",
]


def usage_config(inst: Installation) -> UsageConfig:
    """The ``[usage]`` table of the installation's configuration, with defaults."""
    return UsageConfig.from_section(
        inst.settings.section("usage"), where=f"{inst.settings.config_path} [usage]"
    )


def store_of(inst: Installation) -> UsageStore:
    return UsageStore(inst.settings.data_dir / "usage")


def ingest(
    inst: Installation, paths: Sequence[Path], *, progress: Callable[[int, int], None] | None = None
) -> list[IngestReport]:
    """Ingest call-record files into the installation's store (idempotent per file)."""
    return ingest_files(inst.engine, store_of(inst), paths, progress=progress)


@dataclass
class ScoreOutcome:
    result: ScoreResult
    new_alerts: int
    evaluation: Evaluation | None = None


def score(
    inst: Installation,
    *,
    engine: str = "duckdb",
    labels: Path | None = None,
    windows: Sequence[str] | None = None,
    progress: Callable[[str], None] | None = None,
) -> ScoreOutcome:
    """Score the whole store, save new alerts, and evaluate against simulator labels if given."""
    pseudo = LinePseudonymiser.from_keyring(inst.keyring)
    result = score_records(
        [store_of(inst).records_dir],
        config=usage_config(inst),
        engine=engine,
        pseudonymiser=pseudo,
        windows=windows,
        progress=progress,
    )
    new = save_alerts(inst.engine, result.alerts)
    evaluation = None
    if labels is not None:
        evaluation = evaluate(result.alerts, read_labels(labels), pseudo, lines=result.lines)
    return ScoreOutcome(result, new, evaluation)


def save_alerts(engine: Engine, alerts: Sequence[Alert]) -> int:
    """Insert alerts not stored yet (same finding = same ``alert_id``); returns how many."""
    if not alerts:
        return 0
    ids = [a.alert_id for a in alerts]
    with engine.begin() as conn:
        known: set[str] = set()
        for i in range(0, len(ids), 500):
            known.update(
                conn.execute(
                    sa.select(usage_alerts.c.alert_id).where(
                        usage_alerts.c.alert_id.in_(ids[i : i + 500])
                    )
                ).scalars()
            )
        now = utcnow()
        rows = [
            {
                "alert_id": a.alert_id,
                "line_id": a.line_id,
                "detector": a.detector,
                "window": a.window,
                "window_start": a.window_start,
                "severity": str(a.severity),
                "score": a.score,
                "confirmed": a.confirmed,
                "proposes_suspension": a.proposes_suspension,
                "last_event_at": a.last_event_at,
                "created_at": now,
                "body": a.to_json(),
            }
            for a in {a.alert_id: a for a in alerts}.values()
            if a.alert_id not in known
        ]
        if rows:
            conn.execute(usage_alerts.insert(), rows)
    return len(rows)


def load_alerts(engine: Engine, *, limit: int | None = None) -> list[Alert]:
    """Stored alerts, most severe and newest first."""
    order = sa.case({"high": 0, "medium": 1}, value=usage_alerts.c.severity, else_=2)
    query = sa.select(usage_alerts.c.body).order_by(order, usage_alerts.c.window_start.desc())
    if limit:
        query = query.limit(limit)
    with engine.connect() as conn:
        return [Alert.from_dict(json.loads(b)) for b in conn.execute(query).scalars()]


@dataclass
class AlertCounts:
    total: int = 0
    by_detector: dict[tuple[str, str], int] = field(default_factory=dict)  # (detector, severity)
    suspension_proposals: int = 0
    confirmed_irsf: int = 0


def alert_counts(engine: Engine) -> AlertCounts:
    """Counts of stored alerts by detector and severity (the start of ``usage report``)."""
    t = usage_alerts.c
    out = AlertCounts()
    with engine.connect() as conn:
        for det, sev, n in conn.execute(
            sa.select(t.detector, t.severity, sa.func.count()).group_by(t.detector, t.severity)
        ):
            out.by_detector[(det, sev)] = int(n)
            out.total += int(n)
        out.suspension_proposals = int(
            conn.execute(
                sa.select(sa.func.count()).where(t.proposes_suspension.is_(True))
            ).scalar_one()
        )
        out.confirmed_irsf = int(
            conn.execute(
                sa.select(sa.func.count()).where(t.detector == "irsf", t.confirmed.is_(True))
            ).scalar_one()
        )
    return out
