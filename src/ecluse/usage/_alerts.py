"""Alerts: what fired on which pseudonymous line, the evidence, and the *proposed* actions.

An alert never acts. It carries graduated proposals for the analyst who decides; suspension can
only ever be proposed, and never for lines whose pattern fits intensive legitimate use. The one
automatic measure allowed (a bounded outgoing block for confirmed IRSF in progress) is decided
by :func:`auto_block_applies`, a pure function the case desk calls.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from ecluse.usage._config import UsageConfig

__all__ = [
    "FRAUD_DETECTORS",
    "Alert",
    "AutoBlockDecision",
    "Evidence",
    "ProposedAction",
    "Severity",
    "auto_block_applies",
    "propose_actions",
]


class Severity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class ProposedAction(StrEnum):
    """Graduated actions, mildest first; the analyst picks, the alert only proposes."""

    NO_ACTION = "no_action"
    ADVICE_OR_PLAN_CHANGE = "advice_or_plan_change"
    SPENDING_CAP = "spending_cap"
    OUTGOING_INTERNATIONAL_BLOCK = "outgoing_international_block"
    SUSPENSION = "suspension"


#: Detectors of fraud by a third party or by the subscriber; only these may propose suspension.
FRAUD_DETECTORS = frozenset({"sim_box", "irsf", "resale", "sim_swap"})

_BASE: Mapping[str, tuple[ProposedAction, ...]] = {
    "sim_box": (ProposedAction.ADVICE_OR_PLAN_CHANGE, ProposedAction.OUTGOING_INTERNATIONAL_BLOCK),
    "irsf": (ProposedAction.SPENDING_CAP, ProposedAction.OUTGOING_INTERNATIONAL_BLOCK),
    "resale": (ProposedAction.ADVICE_OR_PLAN_CHANGE, ProposedAction.SPENDING_CAP),
    "sim_swap": (ProposedAction.ADVICE_OR_PLAN_CHANGE, ProposedAction.OUTGOING_INTERNATIONAL_BLOCK),
    "wangiri": (ProposedAction.NO_ACTION, ProposedAction.ADVICE_OR_PLAN_CHANGE),
    "commercial_use": (ProposedAction.NO_ACTION, ProposedAction.ADVICE_OR_PLAN_CHANGE),
    "fair_use": (ProposedAction.NO_ACTION, ProposedAction.ADVICE_OR_PLAN_CHANGE),
    "charge_spike": (
        ProposedAction.NO_ACTION,
        ProposedAction.ADVICE_OR_PLAN_CHANGE,
        ProposedAction.SPENDING_CAP,
    ),
    "anomaly": (ProposedAction.NO_ACTION, ProposedAction.ADVICE_OR_PLAN_CHANGE),
}


def propose_actions(
    detector: str, severity: Severity, *, fits_legitimate_use: bool
) -> tuple[ProposedAction, ...]:
    """The graduated actions an analyst may choose from for one alert.

    Suspension is offered only for a high-severity fraud detector on a line whose pattern does
    *not* fit intensive legitimate use; for everything else it is not even on the menu.
    """
    actions = list(_BASE.get(detector, (ProposedAction.NO_ACTION,)))
    if (
        detector in FRAUD_DETECTORS
        and severity is Severity.HIGH
        and not fits_legitimate_use
        and ProposedAction.SUSPENSION not in actions
    ):
        actions.append(ProposedAction.SUSPENSION)
    return tuple(actions)


@dataclass(frozen=True)
class Evidence:
    """One measured fact: ``value`` against ``threshold`` and/or a ``baseline``."""

    metric: str
    value: float
    unit: str = ""
    threshold: float | None = None
    baseline: float | None = None
    baseline_kind: str = ""  # "configured", "own history", "plan peers"

    def to_dict(self) -> dict[str, Any]:
        return {
            "metric": self.metric,
            "value": self.value,
            "unit": self.unit,
            "threshold": self.threshold,
            "baseline": self.baseline,
            "baseline_kind": self.baseline_kind,
        }


@dataclass(frozen=True)
class Alert:
    """One detector firing on one line for one window. No clear personal data inside.

    ``line_id`` is a pseudonym (keyed HMAC of the MSISDN); other parties appear only as number
    ranges (country prefix and range class). ``explanation`` and ``legitimate`` are keyed by
    language (``en``, ``fr``, ``nl``).
    """

    line_id: str
    detector: str
    window: str
    window_start: datetime
    severity: Severity
    score: float  # how far past the firing threshold (1.0 = exactly at it)
    evidence: tuple[Evidence, ...]
    explanation: Mapping[str, str]
    legitimate: Mapping[str, tuple[str, ...]]
    proposed_actions: tuple[ProposedAction, ...]
    fits_legitimate_use: bool
    confirmed: bool  # several independent signals agree (used by the IRSF block)
    last_event_at: datetime
    ranges: tuple[str, ...] = field(default=())

    @property
    def alert_id(self) -> str:
        """Stable id: the same finding scored twice is the same alert."""
        key = f"{self.line_id}|{self.detector}|{self.window}|{self.window_start.isoformat()}"
        return "ua_" + hashlib.sha256(key.encode()).hexdigest()[:20]

    @property
    def proposes_suspension(self) -> bool:
        return ProposedAction.SUSPENSION in self.proposed_actions

    def to_dict(self) -> dict[str, Any]:
        return {
            "alert_id": self.alert_id,
            "line_id": self.line_id,
            "detector": self.detector,
            "window": self.window,
            "window_start": self.window_start.isoformat(),
            "severity": str(self.severity),
            "score": self.score,
            "evidence": [e.to_dict() for e in self.evidence],
            "explanation": dict(self.explanation),
            "legitimate": {k: list(v) for k, v in self.legitimate.items()},
            "proposed_actions": [str(a) for a in self.proposed_actions],
            "fits_legitimate_use": self.fits_legitimate_use,
            "confirmed": self.confirmed,
            "last_event_at": self.last_event_at.isoformat(),
            "ranges": list(self.ranges),
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True, ensure_ascii=False)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Alert:
        return cls(
            line_id=d["line_id"],
            detector=d["detector"],
            window=d["window"],
            window_start=datetime.fromisoformat(d["window_start"]),
            severity=Severity(d["severity"]),
            score=float(d["score"]),
            evidence=tuple(Evidence(**e) for e in d["evidence"]),
            explanation=dict(d["explanation"]),
            legitimate={k: tuple(v) for k, v in d["legitimate"].items()},
            proposed_actions=tuple(ProposedAction(a) for a in d["proposed_actions"]),
            fits_legitimate_use=bool(d["fits_legitimate_use"]),
            confirmed=bool(d["confirmed"]),
            last_event_at=datetime.fromisoformat(d["last_event_at"]),
            ranges=tuple(d.get("ranges", ())),
        )


@dataclass(frozen=True)
class AutoBlockDecision:
    """Whether the bounded automatic outgoing block applies, and its bounds if so."""

    applies: bool
    reason: str
    review_by: datetime | None = None  # a human must confirm by then ...
    lifts_at: datetime | None = None  # ... or the block lifts itself


def auto_block_applies(
    alert: Alert, *, now: datetime, config: UsageConfig | None = None
) -> AutoBlockDecision:
    """The only automatic measure: a temporary *outgoing* block for confirmed IRSF in progress.

    It applies when the alert is IRSF, high severity, confirmed by independent signals
    (volume to high-risk or premium ranges *and* parallel calls or cost), and its last
    fraudulent call is recent (``irsf_block_in_progress_min``). The block must be reviewed by
    a person within ``irsf_block_review_within_h`` hours, after which it lifts itself.
    """
    cfg = config or UsageConfig()
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    if alert.detector != "irsf":
        return AutoBlockDecision(False, "only IRSF in progress may be blocked automatically")
    if alert.severity is not Severity.HIGH or not alert.confirmed:
        return AutoBlockDecision(False, "IRSF pattern not confirmed at high severity")
    age = now.astimezone(UTC) - alert.last_event_at.astimezone(UTC)
    if age > timedelta(minutes=cfg.irsf_block_in_progress_min):
        return AutoBlockDecision(False, "IRSF pattern no longer in progress")
    review_by = now + timedelta(hours=cfg.irsf_block_review_within_h)
    return AutoBlockDecision(
        True,
        "confirmed high-severity IRSF in progress: temporary outgoing international block",
        review_by=review_by,
        lifts_at=review_by,
    )
