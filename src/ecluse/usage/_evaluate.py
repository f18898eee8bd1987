"""Detection quality on simulated data: precision and recall per scenario, from the labels."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ecluse.errors import EcluseError
from ecluse.usage._alerts import Alert
from ecluse.usage._pseudo import LinePseudonymiser
from ecluse.usage._simulate import FRAUD_SCENARIOS, LEGITIMATE_SCENARIOS

__all__ = ["Evaluation", "ScenarioQuality", "evaluate"]


@dataclass(frozen=True)
class ScenarioQuality:
    """Line-level quality of one scenario.

    For a fraud scenario, its detector of the same name is the one judged: ``precision`` is
    the share of lines it flagged that really are that scenario, ``recall`` the share of the
    scenario's lines it flagged. For every scenario (legitimate ones and ``normal`` included)
    ``alerted`` counts lines with any alert and ``suspension_proposals`` lines with an alert
    proposing suspension, which must be zero for legitimate cases.
    """

    scenario: str
    lines: int
    alerted: int
    suspension_proposals: int
    precision: float | None = None
    recall: float | None = None
    flagged: int = 0


@dataclass(frozen=True)
class Evaluation:
    scenarios: tuple[ScenarioQuality, ...]

    @property
    def legitimate_suspensions(self) -> int:
        return sum(
            q.suspension_proposals
            for q in self.scenarios
            if q.scenario in LEGITIMATE_SCENARIOS or q.scenario == "normal"
        )


def read_labels(path: Path) -> dict[str, str]:
    """``labels.csv`` from the simulator: MSISDN -> scenario."""
    try:
        with path.open(newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
    except OSError as exc:
        raise EcluseError(f"{path}: cannot read labels ({exc.strerror})") from None
    if rows and not {"msisdn", "scenario"} <= set(rows[0]):
        raise EcluseError(f"{path}: labels need the columns msisdn and scenario")
    return {r["msisdn"]: r["scenario"] for r in rows}


def evaluate(
    alerts: Sequence[Alert],
    labels: dict[str, str],
    pseudonymiser: LinePseudonymiser,
    *,
    lines: int,
) -> Evaluation:
    """Compare alerts with labels (scenario per MSISDN; unlabelled lines are ``normal``)."""
    scenario_of = {pseudonymiser.line_id(m): s for m, s in labels.items()}
    size: dict[str, int] = {}
    for s in scenario_of.values():
        size[s] = size.get(s, 0) + 1
    size["normal"] = max(0, lines - len(scenario_of))
    alerted: dict[str, set[str]] = {}
    suspended: dict[str, set[str]] = {}
    flagged: dict[str, set[str]] = {}
    for a in alerts:
        s = scenario_of.get(a.line_id, "normal")
        alerted.setdefault(s, set()).add(a.line_id)
        if a.proposes_suspension:
            suspended.setdefault(s, set()).add(a.line_id)
        flagged.setdefault(a.detector, set()).add(a.line_id)
    out: list[ScenarioQuality] = []
    for s in (*FRAUD_SCENARIOS, *LEGITIMATE_SCENARIOS, "normal"):
        if s not in size:
            continue
        precision = recall = None
        hit = flagged.get(s, set())
        if s in FRAUD_SCENARIOS:
            true = {ln for ln in hit if scenario_of.get(ln) == s}
            precision = len(true) / len(hit) if hit else None
            recall = len(true) / size[s] if size[s] else None
        out.append(
            ScenarioQuality(
                scenario=s,
                lines=size[s],
                alerted=len(alerted.get(s, ())),
                suspension_proposals=len(suspended.get(s, ())),
                precision=precision,
                recall=recall,
                flagged=len(hit) if s in FRAUD_SCENARIOS else 0,
            )
        )
    return Evaluation(tuple(out))
