"""Hard legitimate cases: intensive but legitimate use never yields a suspension proposal."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from ecluse.usage import (
    LEGITIMATE_SCENARIOS,
    LinePseudonymiser,
    ProposedAction,
    Severity,
    SimulationResult,
    evaluate,
    propose_actions,
    read_labels,
    score_records,
)
from tests.usage.conftest import cdr_dir
from tests.usage.crafted import DAY0, LINE, Records

PSEUDO = LinePseudonymiser.from_secret(b"p" * 32)


def test_nursery_director_in_an_outbreak(tmp_path: Path) -> None:
    """GIVEN a quiet line for ten days, then two crisis days: the doctor again and again,
    some sixty parents and staff by SMS and calls, in daytime, many calls coming back
    WHEN scored THEN whatever fires is explained with the legitimate reading, in EN and FR,
    and suspension is never proposed."""
    r = Records()
    r.baseline(10, plan="consumer_s", charge=0.0)
    doctor = "+32470999001"
    for d in (10, 11):
        day = DAY0 + timedelta(days=d, hours=7)
        for i in range(12):  # the doctor, long calls
            r.add(day + timedelta(minutes=50 * i), party=doctor, duration=900)
        for i in range(62):  # parents, staff, authorities
            parent = f"+3248{i:07d}"
            r.add(day + timedelta(minutes=10 * i + 3), party=parent, type="sms", duration=0)
            r.add(day + timedelta(minutes=10 * i + 5), party=parent, type="sms", duration=0,
                  direction="in")  # fmt: skip
            if i % 2:
                r.add(day + timedelta(minutes=10 * i + 7), party=parent, duration=120)
                r.add(day + timedelta(minutes=10 * i + 9), party=parent, direction="in")
    alerts = score_records([r.write(tmp_path / "in").parent], pseudonymiser=PSEUDO).alerts
    assert alerts, "an unusual day should still be visible to an analyst"
    for a in alerts:
        assert not a.proposes_suspension, a.detector
        assert a.severity is Severity.LOW, (a.detector, a.severity)
        assert a.fits_legitimate_use
        assert any("intensive personal or professional use" in t for t in a.legitimate["en"])
        assert any("usage personnel ou professionnel intensif" in t for t in a.legitimate["fr"])
        assert a.line_id == PSEUDO.line_id(LINE)


def test_teenager_sms_burst_to_two_friends(tmp_path: Path) -> None:
    r = Records()
    r.baseline(8)
    evening = DAY0 + timedelta(days=8, hours=16)
    for i in range(620):
        friend = "+32490000001" if i % 3 else "+32490000002"
        r.add(evening + timedelta(seconds=40 * i), party=friend, type="sms", duration=0)
        r.add(evening + timedelta(seconds=40 * i + 20), party=friend, type="sms", duration=0,
              direction="in")  # fmt: skip
    alerts = score_records([r.write(tmp_path / "in").parent], pseudonymiser=PSEUDO).alerts
    fair = [a for a in alerts if a.detector == "fair_use"]
    assert fair and "620 SMS sent (limit 500)" in fair[0].explanation["en"]
    assert all(not a.proposes_suspension for a in alerts)
    assert any("one or two correspondents" in t for t in fair[0].legitimate["en"])


def test_suspension_is_only_ever_a_proposal_for_fraud() -> None:
    for det in ("fair_use", "anomaly", "charge_spike", "wangiri", "commercial_use"):
        for sev in Severity:
            assert ProposedAction.SUSPENSION not in propose_actions(
                det, sev, fits_legitimate_use=False
            )
    for det in ("sim_box", "irsf", "resale", "sim_swap"):
        assert ProposedAction.SUSPENSION in propose_actions(
            det, Severity.HIGH, fits_legitimate_use=False
        )
        assert ProposedAction.SUSPENSION not in propose_actions(
            det, Severity.HIGH, fits_legitimate_use=True
        )
        assert ProposedAction.SUSPENSION not in propose_actions(
            det, Severity.MEDIUM, fits_legitimate_use=False
        )


def test_simulated_population(small_sim: SimulationResult) -> None:
    """On a simulated population every fraud scenario is caught, no legitimate or normal line
    gets a suspension proposal, and no alert carries a clear MSISDN."""
    result = score_records([cdr_dir(small_sim)], pseudonymiser=PSEUDO)
    labels = read_labels(small_sim.labels)
    ev = evaluate(result.alerts, labels, PSEUDO, lines=result.lines)
    by = {q.scenario: q for q in ev.scenarios}
    assert ev.legitimate_suspensions == 0
    for s in LEGITIMATE_SCENARIOS:
        assert by[s].lines >= 2 and by[s].suspension_proposals == 0
    for s in ("sim_box", "irsf", "wangiri", "resale", "sim_swap"):
        assert by[s].recall == 1.0, by[s]
        assert (by[s].precision or 0) >= 0.8, by[s]
    dump = json.dumps([a.to_dict() for a in result.alerts])
    assert not any(m in dump for m in labels)
