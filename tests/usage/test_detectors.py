"""Each detector on small crafted records (DuckDB engine)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from ecluse.usage import (
    Alert,
    LinePseudonymiser,
    ProposedAction,
    Severity,
    auto_block_applies,
    score_records,
)
from tests.usage.crafted import DAY0, LINE, Records, national

PSEUDO = LinePseudonymiser.from_secret(b"k" * 32)


def _score(recs: Records, tmp_path: Path) -> list[Alert]:
    recs.write(tmp_path / "in")
    return score_records([tmp_path / "in"], pseudonymiser=PSEUDO).alerts


def _only(alerts: list[Alert], detector: str, window: str = "day") -> Alert:
    found = [a for a in alerts if a.detector == detector and a.window == window]
    assert len(found) == 1, [(a.detector, a.window) for a in alerts]
    return found[0]


def test_sim_box(tmp_path: Path) -> None:
    """GIVEN a fresh SIM calling 150 distinct national numbers from one cell, two handsets
    WHEN scored THEN a high SIM-box alert explains it and suspension is one proposal."""
    r = Records()
    for i in range(150):
        r.add(DAY0 + timedelta(minutes=5 * i), party=national(i), imei=f"35000000000000{i % 2}")
    a = _only(_score(r, tmp_path), "sim_box")
    assert a.severity is Severity.HIGH
    assert a.line_id == PSEUDO.line_id(LINE) and LINE not in a.to_json()
    assert {e.metric: e.value for e in a.evidence}["distinct_out"] == 150
    assert "150 distinct numbers" in a.explanation["en"]
    assert "150 numéros distincts" in a.explanation["fr"]
    assert ProposedAction.SUSPENSION in a.proposed_actions
    assert a.proposed_actions[0] is not ProposedAction.SUSPENSION  # mildest first


def test_irsf_in_progress_allows_only_the_bounded_block(tmp_path: Path) -> None:
    """GIVEN two parallel streams of long calls to an international-networks range
    WHEN scored THEN a confirmed high IRSF alert, and the automatic block applies only while
    the fraud is in progress."""
    r = Records()
    r.baseline(3)
    night = DAY0 + timedelta(days=3, hours=1)
    for stream in range(2):
        for i in range(4):
            r.add(night + timedelta(minutes=25 * i), party=f"+88216000{stream}", duration=1400,
                  charge=70.0)  # fmt: skip
    alerts = _score(r, tmp_path)
    a = _only(alerts, "irsf")
    assert a.severity is Severity.HIGH and a.confirmed
    assert a.ranges == ("+882 (high_risk)",)
    assert "+88216000" not in a.to_json()  # the number appears as its range only
    last = a.last_event_at
    assert last == night + timedelta(minutes=75, seconds=1400)  # end of the last risky call
    assert auto_block_applies(a, now=last + timedelta(minutes=10)).applies
    decision = auto_block_applies(a, now=last + timedelta(minutes=10))
    assert decision.lifts_at == last + timedelta(minutes=10, hours=4)
    assert not auto_block_applies(a, now=last + timedelta(hours=3)).applies
    for other in alerts:
        if other.detector != "irsf":
            assert not auto_block_applies(other, now=last).applies


def test_wangiri_victim_is_advised_not_suspended(tmp_path: Path) -> None:
    r = Records()
    r.baseline(2)
    ring = DAY0 + timedelta(days=2, hours=10)
    r.add(ring, direction="in", party="+25261000111", duration=1)
    r.add(ring + timedelta(minutes=40), party="+25261000111", duration=90, charge=4.5)
    a = _only(_score(r, tmp_path), "wangiri")
    assert a.severity is Severity.MEDIUM
    assert not a.proposes_suspension
    assert any("target" in t for t in a.legitimate["en"])
    assert "1 number(s) called back" in a.explanation["en"]


def test_resale_by_day(tmp_path: Path) -> None:
    r = Records()
    countries = ["+212", "+216", "+90", "+234", "+33", "+44", "+40"]
    for i in range(130):
        party = f"{countries[i % 7]}6{i:07d}"
        r.add(DAY0 + timedelta(minutes=8 * i), party=party, duration=400)
    a = _only(_score(r, tmp_path), "resale", "day")
    assert a.severity is Severity.HIGH
    assert "130 distinct numbers" in a.explanation["en"]


def test_fair_use_thresholds(tmp_path: Path) -> None:
    """Calls over 6 h a day and more than 500 SMS a day: low severity, no suspension."""
    r = Records()
    for i in range(25):  # 25 x 16 min = 6.7 h
        r.add(DAY0 + timedelta(minutes=20 * i), party=national(i % 10), duration=960)
    for i in range(501):
        r.add(DAY0 + timedelta(hours=12, seconds=60 * i), type="sms", party=national(i % 8),
              duration=0)  # fmt: skip
    a = _only(_score(r, tmp_path), "fair_use")
    assert a.severity is Severity.LOW and not a.proposes_suspension
    assert "6.7 hours of outgoing calls (limit 6)" in a.explanation["en"]
    assert "501 SMS sent (limit 500)" in a.explanation["en"]


def test_fair_use_monthly_recipients(tmp_path: Path) -> None:
    r = Records()
    for i in range(251):
        r.add(DAY0 + timedelta(days=i % 20, minutes=i), type="sms", party=national(i), duration=0)
    a = _only(_score(r, tmp_path), "fair_use", "month")
    assert "SMS to 251 distinct recipients (limit 250)" in a.explanation["en"]


def test_charge_spike_against_own_history(tmp_path: Path) -> None:
    r = Records()
    r.baseline(8, charge=0.1)
    r.add(DAY0 + timedelta(days=8, hours=10), party="+33612345678", duration=3000, charge=60.0)
    a = _only(_score(r, tmp_path), "charge_spike")
    ev = {e.metric: e for e in a.evidence}["charge"]
    assert ev.value == 60.0 and ev.baseline_kind == "own history"
    assert ProposedAction.SPENDING_CAP in a.proposed_actions and not a.proposes_suspension


def test_sim_swap_then_unusual_destinations(tmp_path: Path) -> None:
    r = Records()
    r.baseline(8)
    new = DAY0 + timedelta(days=8, hours=10)
    for i in range(8):
        r.add(new + timedelta(minutes=20 * i), party=f"+2348{i:08d}", imei="359999999999999")
    a = _only(_score(r, tmp_path), "sim_swap")
    assert a.severity is Severity.HIGH
    assert "100% of outgoing traffic international against 0% usually" in a.explanation["en"]
    assert ProposedAction.OUTGOING_INTERNATIONAL_BLOCK in a.proposed_actions


def test_anomaly_against_own_baseline(tmp_path: Path) -> None:
    r = Records()
    r.baseline(10)
    day = DAY0 + timedelta(days=10, hours=8)
    for i in range(40):
        r.add(day + timedelta(minutes=10 * i), party=national(i % 30))
    a = _only(_score(r, tmp_path), "anomaly")
    assert a.severity is Severity.LOW and not a.proposes_suspension
    assert "against its own last 10 active days" in a.explanation["en"]


def test_commercial_use_on_consumer_plan_suggests_a_plan(tmp_path: Path) -> None:
    r = Records()
    for d in range(5):
        day = DAY0 + timedelta(days=d, hours=8, minutes=10)
        for i in range(30):
            r.add(day + timedelta(minutes=15 * i), party=national(d * 30 + i))
            r.add(day + timedelta(minutes=15 * i + 5), party=national(d * 30 + i),
                  direction="in")  # fmt: skip
    a = _only(_score(r, tmp_path), "commercial_use", "week")
    assert a.proposed_actions == (ProposedAction.NO_ACTION, ProposedAction.ADVICE_OR_PLAN_CHANGE)
    assert any("business plan" in t for t in a.legitimate["en"])
