"""Usage review: call records in, explained alerts out, and never a line cut by a machine.

Call records are ingested from the mediation system's CSV/Parquet drops into a day-partitioned
Parquet store; features per line and window are computed by one SQL definition on DuckDB (or
Spark); detectors flag SIM boxes, IRSF, Wangiri, resale, fair-use excess, charge spikes, SIM
swaps and anomalies against the line's own history, each alert explained in plain words with
the legitimate explanations that fit. Alerts only *propose* graduated actions to a person.
"""

from __future__ import annotations

from ecluse.usage._alerts import (
    FRAUD_DETECTORS,
    Alert,
    AutoBlockDecision,
    Evidence,
    ProposedAction,
    Severity,
    auto_block_applies,
    propose_actions,
)
from ecluse.usage._config import UsageConfig
from ecluse.usage._detectors import DETECTORS, Detector
from ecluse.usage._engines import ENGINES, AnalyticsEngine, DuckDBEngine, SparkEngine, open_engine
from ecluse.usage._evaluate import Evaluation, ScenarioQuality, evaluate, read_labels
from ecluse.usage._features import WINDOWS, features_sql
from ecluse.usage._ingest import IngestReport, UsageStore, ingest_files
from ecluse.usage._pseudo import LinePseudonymiser
from ecluse.usage._ranges import NumberRange, RangeTable, load_ranges
from ecluse.usage._schema import RECORD_COLUMNS, STORED_TYPES
from ecluse.usage._score import ScoreResult, compute_features, score_records
from ecluse.usage._service import (
    AlertCounts,
    ScoreOutcome,
    alert_counts,
    ingest,
    load_alerts,
    save_alerts,
    score,
    store_of,
    usage_config,
)
from ecluse.usage._simulate import (
    FRAUD_SCENARIOS,
    LEGITIMATE_SCENARIOS,
    SimulationResult,
    simulate,
)

__all__ = [
    "DETECTORS",
    "ENGINES",
    "FRAUD_DETECTORS",
    "FRAUD_SCENARIOS",
    "LEGITIMATE_SCENARIOS",
    "RECORD_COLUMNS",
    "STORED_TYPES",
    "WINDOWS",
    "Alert",
    "AlertCounts",
    "AnalyticsEngine",
    "AutoBlockDecision",
    "Detector",
    "DuckDBEngine",
    "Evaluation",
    "Evidence",
    "IngestReport",
    "LinePseudonymiser",
    "NumberRange",
    "ProposedAction",
    "RangeTable",
    "ScenarioQuality",
    "ScoreOutcome",
    "ScoreResult",
    "Severity",
    "SimulationResult",
    "SparkEngine",
    "UsageConfig",
    "UsageStore",
    "alert_counts",
    "auto_block_applies",
    "compute_features",
    "evaluate",
    "features_sql",
    "ingest",
    "ingest_files",
    "load_alerts",
    "load_ranges",
    "open_engine",
    "propose_actions",
    "read_labels",
    "save_alerts",
    "score",
    "score_records",
    "simulate",
    "store_of",
    "usage_config",
]
