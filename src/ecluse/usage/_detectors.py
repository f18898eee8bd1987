"""Detectors: a SQL condition over the feature table (run by the engine) and an assessment.

The condition selects the few line-windows that fire, in bulk on the engine; the assessment
turns each of them into severity, evidence and plain-language explanations in Python.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ecluse.usage._alerts import Evidence, Severity
from ecluse.usage._config import UsageConfig
from ecluse.usage._explain import legitimate_texts, render, word

__all__ = ["DETECTORS", "Detector", "Finding", "legitimate_keys"]

Row = Mapping[str, Any]


@dataclass(frozen=True)
class Finding:
    severity: Severity
    score: float
    evidence: tuple[Evidence, ...]
    explanation: dict[str, str]
    legitimate: dict[str, tuple[str, ...]]
    fits_legitimate_use: bool
    confirmed: bool = False


@dataclass(frozen=True)
class Detector:
    name: str
    window: str
    condition: Callable[[UsageConfig], str]
    assess: Callable[[Row, UsageConfig], Finding]


def _n(v: Any) -> float:
    return float(v) if v is not None else 0.0


def _pct(v: Any) -> int:
    return round(100 * _n(v))


def _ranges(row: Row) -> str:
    prefix = row.get("risk_prefix")
    return f"{prefix}…" if prefix else "-"


def legitimate_keys(row: Row) -> tuple[tuple[str, ...], bool]:
    """Legitimate explanations that fit a line-window, and whether its whole pattern does."""
    keys: list[str] = []
    risky = _n(row["risk_out_n"]) > 0
    national = _n(row["national_share"]) >= 0.9
    intensive = (
        national
        and not risky
        and _n(row["distinct_out"]) <= 100
        and _n(row["daytime_share"]) >= 0.7
        and _n(row["in_share"]) >= 0.15
    )
    if intensive:
        keys.append("intensive_national")
    few = national and not risky and _n(row["hhi"]) >= 0.4 and _n(row["distinct_out"]) <= 5
    if few:
        keys.append("few_correspondents")
    if _n(row["in_share"]) >= 0.3:
        keys.append("two_way")
    if row.get("roaming_country"):
        keys.append("roaming")
    if national and _n(row["business_share"]) >= 0.6:
        keys.append("office_hours")
    if not risky and _n(row["out_countries"]) == 1 and _n(row["intl_share"]) > 0:
        keys.append("family_abroad")
    fits = intensive or few or (bool(row.get("roaming_country")) and not risky)
    return tuple(keys), fits


def _finding(
    detector: str,
    row: Row,
    severity: Severity,
    score: float,
    evidence: tuple[Evidence, ...],
    values: dict[str, Any],
    *,
    extra: tuple[str, ...] = (),
    confirmed: bool = False,
) -> Finding:
    keys, fits = legitimate_keys(row)
    keys = tuple(dict.fromkeys(extra + keys))
    country = row.get("roaming_country") or ""
    return Finding(
        severity=severity,
        score=round(score, 3),
        evidence=evidence,
        explanation=render(detector, values),
        legitimate=legitimate_texts(keys, {"country": country}),
        fits_legitimate_use=fits,
        confirmed=confirmed,
    )


# -- SIM box -------------------------------------------------------------------------------
def _simbox_cond(c: UsageConfig) -> str:
    return (
        f"distinct_out >= {c.simbox_min_distinct} AND voice_out_n >= {c.simbox_min_distinct} "
        f"AND out_in_ratio >= {c.simbox_min_out_in_ratio} AND cells <= {c.simbox_max_cells} "
        # a SIM box terminates international traffic onto national numbers
        "AND national_share >= 0.8"
    )


def _simbox(row: Row, c: UsageConfig) -> Finding:
    churn = _n(row["imeis"]) >= 2
    strong = churn or _n(row["distinct_out"]) >= 2 * c.simbox_min_distinct
    sev = Severity.HIGH if strong and _n(row["in_share"]) < 0.05 else Severity.MEDIUM
    ratio = _n(row["out_in_ratio"])
    ev = (
        Evidence("distinct_out", _n(row["distinct_out"]), "numbers", c.simbox_min_distinct,
                 baseline_kind="configured"),
        Evidence("out_in_ratio", round(ratio, 1), "", c.simbox_min_out_in_ratio,
                 baseline_kind="configured"),
        Evidence("cells", _n(row["cells"]), "cells", c.simbox_max_cells,
                 baseline_kind="configured"),
        Evidence("imei_changes", max(0.0, _n(row["imeis"]) - 1), "changes"),
        Evidence("national_share", round(_n(row["national_share"]), 3), "share"),
    )  # fmt: skip
    values = {
        "distinct_out": row["distinct_out"], "thr_distinct": c.simbox_min_distinct,
        "out_n": row["out_n"], "in_n": row["in_n"], "ratio": round(ratio),
        "thr_ratio": round(c.simbox_min_out_in_ratio), "cells": row["cells"],
        "imeis": row["imeis"],
    }  # fmt: skip
    score = _n(row["distinct_out"]) / c.simbox_min_distinct
    return _finding("sim_box", row, sev, score, ev, values, confirmed=churn)


# -- IRSF ----------------------------------------------------------------------------------
def _irsf_cond(c: UsageConfig) -> str:
    return f"risk_out_s >= {c.irsf_min_minutes * 60} AND risk_out_n >= {c.irsf_min_calls}"


def _irsf(row: Row, c: UsageConfig) -> Finding:
    minutes = _n(row["risk_out_s"]) / 60
    parallel = _n(row["overlap_n"]) >= c.irsf_parallel_min
    confirmed = parallel and _n(row["risk_out_n"]) >= c.irsf_min_calls
    sev = Severity.HIGH if parallel or minutes >= 3 * c.irsf_min_minutes else Severity.MEDIUM
    ev = (
        Evidence("risk_minutes", round(minutes, 1), "minutes", c.irsf_min_minutes,
                 baseline_kind="configured"),
        Evidence("risk_calls", _n(row["risk_out_n"]), "calls", c.irsf_min_calls,
                 baseline_kind="configured"),
        Evidence("parallel_calls", _n(row["overlap_n"]), "calls", c.irsf_parallel_min,
                 baseline_kind="configured"),
        Evidence("charge", round(_n(row["charge"]), 2), "EUR",
                 baseline=_round(row["charge_avg"]), baseline_kind="own history"),
    )  # fmt: skip
    values = {
        "risk_min": round(minutes), "risk_out_n": row["risk_out_n"], "ranges": _ranges(row),
        "thr_min": round(c.irsf_min_minutes), "overlap_n": row["overlap_n"],
        "charge": round(_n(row["charge"]), 2), "charge_avg": round(_n(row["charge_avg"]), 2),
    }  # fmt: skip
    return _finding("irsf", row, sev, minutes / c.irsf_min_minutes, ev, values,
                    confirmed=confirmed)  # fmt: skip


def _round(v: Any) -> float | None:
    return None if v is None else round(float(v), 2)


# -- Wangiri -------------------------------------------------------------------------------
def _wangiri_cond(c: UsageConfig) -> str:
    return f"risk_ring_n >= {c.wangiri_min_rings}"


def _wangiri(row: Row, c: UsageConfig) -> Finding:
    called_back = _n(row["risk_callback_n"]) > 0
    sev = Severity.MEDIUM if called_back else Severity.LOW
    ev = (
        Evidence("one_ring_calls", _n(row["risk_ring_n"]), "calls", c.wangiri_min_rings,
                 baseline_kind="configured"),
        Evidence("callbacks", _n(row["risk_callback_n"]), "numbers"),
    )  # fmt: skip
    values = {
        "risk_ring_n": row["risk_ring_n"], "risk_callback_n": row["risk_callback_n"],
        "ranges": _ranges(row),
    }  # fmt: skip
    return _finding("wangiri", row, sev, _n(row["risk_ring_n"]) / c.wangiri_min_rings, ev,
                    values, extra=("wangiri_target",))  # fmt: skip


# -- resale and commercial use (weekly) ---------------------------------------------------
def _resale_min(window: str, c: UsageConfig) -> int:
    return c.resale_min_distinct_day if window == "day" else c.resale_min_distinct_week


def _resale_cond(window: str) -> Callable[[UsageConfig], str]:
    def cond(c: UsageConfig) -> str:
        return (
            f"distinct_out >= {_resale_min(window, c)} "
            f"AND intl_share >= {c.resale_min_international_share} AND out_in_ratio >= 5"
        )

    return cond


def _resale(window: str) -> Callable[[Row, UsageConfig], Finding]:
    return lambda row, c: _resale_assess(window, row, c)


def _resale_assess(window: str, row: Row, c: UsageConfig) -> Finding:
    threshold = _resale_min(window, c)
    strong = _n(row["distinct_out"]) >= 2 * threshold
    sev = Severity.HIGH if strong and _n(row["out_countries"]) >= 5 else Severity.MEDIUM
    ev = (
        Evidence("distinct_out", _n(row["distinct_out"]), "numbers", threshold,
                 baseline_kind="configured"),
        Evidence("international_share", round(_n(row["intl_share"]), 3), "share",
                 c.resale_min_international_share, baseline_kind="configured"),
        Evidence("countries", _n(row["out_countries"]), "countries"),
        Evidence("out_in_ratio", round(_n(row["out_in_ratio"]), 1), ""),
    )  # fmt: skip
    values = {
        "distinct_out": row["distinct_out"], "thr_distinct": threshold,
        "window": lambda lang: word(window, lang), "intl_pct": _pct(row["intl_share"]),
        "thr_intl_pct": _pct(c.resale_min_international_share),
        "out_countries": row["out_countries"], "out_n": row["out_n"], "in_n": row["in_n"],
    }  # fmt: skip
    return _finding("resale", row, sev, _n(row["distinct_out"]) / threshold, ev, values)


def _commercial_cond(c: UsageConfig) -> str:
    plans = ", ".join("'" + p.replace("'", "") + "'" for p in c.business_plans) or "''"
    return (
        f"coalesce(plan, '') NOT IN ({plans}) AND distinct_out >= "
        f"{c.commercial_min_distinct_week} AND business_share >= "
        f"{c.commercial_min_daytime_share} AND intl_share < {c.resale_min_international_share}"
    )


def _commercial(row: Row, c: UsageConfig) -> Finding:
    ev = (
        Evidence("distinct_out", _n(row["distinct_out"]), "numbers",
                 c.commercial_min_distinct_week, baseline_kind="configured"),
        Evidence("office_hours_share", round(_n(row["business_share"]), 3), "share",
                 c.commercial_min_daytime_share, baseline_kind="configured"),
    )  # fmt: skip
    values = {
        "plan": row.get("plan") or "-", "distinct_out": row["distinct_out"],
        "thr_distinct": c.commercial_min_distinct_week,
        "business_pct": _pct(row["business_share"]),
    }  # fmt: skip
    score = _n(row["distinct_out"]) / c.commercial_min_distinct_week
    return _finding("commercial_use", row, Severity.LOW, score, ev, values,
                    extra=("office_hours",))  # fmt: skip


# -- fair use ------------------------------------------------------------------------------
def _fair_day_cond(c: UsageConfig) -> str:
    return f"voice_out_s > {c.fair_use_call_h_day * 3600} OR sms_out_n > {c.fair_use_sms_day}"


def _fair_week_cond(c: UsageConfig) -> str:
    return f"voice_out_s > {c.fair_use_call_h_week * 3600}"


def _fair_month_cond(c: UsageConfig) -> str:
    return f"distinct_sms_out > {c.fair_use_sms_recipients_month}"


def _fair(window: str) -> Callable[[Row, UsageConfig], Finding]:
    def assess(row: Row, c: UsageConfig) -> Finding:
        parts: list[tuple[str, float, float, str]] = []
        hours = _n(row["voice_out_s"]) / 3600
        if window == "day" and hours > c.fair_use_call_h_day:
            parts.append(("call_hours", round(hours, 1), c.fair_use_call_h_day, "hours"))
        if window == "week" and hours > c.fair_use_call_h_week:
            parts.append(("call_hours", round(hours, 1), c.fair_use_call_h_week, "hours"))
        if window == "day" and _n(row["sms_out_n"]) > c.fair_use_sms_day:
            parts.append(("sms", _n(row["sms_out_n"]), c.fair_use_sms_day, "SMS"))
        if window == "month" and _n(row["distinct_sms_out"]) > c.fair_use_sms_recipients_month:
            parts.append(
                ("recipients", _n(row["distinct_sms_out"]), c.fair_use_sms_recipients_month,
                 "recipients")
            )  # fmt: skip
        ev = tuple(Evidence(k, v, u, t, baseline_kind="configured") for k, v, t, u in parts)

        def what(lang: str) -> str:
            return "; ".join(word(k, lang).format(v=_fmt(v), t=_fmt(t)) for k, v, t, _ in parts)

        score = max((v / t for _, v, t, _ in parts), default=1.0)
        values = {"window": lambda lang: word(window, lang), "what": what}
        return _finding("fair_use", row, Severity.LOW, score, ev, values)

    return assess


def _fmt(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else f"{v:.1f}"


# -- charge spike --------------------------------------------------------------------------
def _spike_cond(c: UsageConfig) -> str:
    own = f"hist_n >= {c.min_history_days} AND charge >= {c.spike_factor} * greatest(charge_avg, 1)"
    peers = (
        f"hist_n < {c.min_history_days} AND peer_n >= 20 "
        f"AND charge >= {c.spike_factor} * greatest(peer_charge_avg, 1)"
    )
    return f"charge >= {c.spike_min_eur} AND (({own}) OR ({peers}))"


def _spike(row: Row, c: UsageConfig) -> Finding:
    own = _n(row["hist_n"]) >= c.min_history_days
    base = max(_n(row["charge_avg"] if own else row["peer_charge_avg"]), 1.0)
    kind = "own history" if own else "plan peers"
    factor = _n(row["charge"]) / base
    sev = (
        Severity.HIGH
        if factor >= 2 * c.spike_factor and _n(row["charge"]) >= 100
        else (Severity.MEDIUM)
    )
    ev = (
        Evidence("charge", round(_n(row["charge"]), 2), "EUR", c.spike_min_eur, round(base, 2),
                 kind),
        Evidence("peer_charge", _round(row["peer_charge_avg"]) or 0.0, "EUR",
                 baseline_kind="plan peers"),
    )  # fmt: skip
    values = {
        "charge": round(_n(row["charge"]), 2), "factor": round(factor, 1),
        "baseline": round(base, 2), "baseline_kind": lambda lang: word(kind, lang),
    }  # fmt: skip
    return _finding("charge_spike", row, sev, factor / c.spike_factor, ev, values)


# -- SIM swap ------------------------------------------------------------------------------
def _simswap_cond(c: UsageConfig) -> str:
    return (
        f"hist_n >= {c.min_history_days} AND prev_imei IS NOT NULL "
        # the handset changed in this window or the previous one (a swap late in the day)
        "AND (imei_first <> prev_imei OR imeis >= 2 OR prev_imeis >= 2) AND out_n >= 5 "
        f"AND intl_share - coalesce(intl_share_avg, 0) >= {c.simswap_min_international_rise}"
    )


def _simswap(row: Row, c: UsageConfig) -> Finding:
    rise = _n(row["intl_share"]) - _n(row["intl_share_avg"])
    ev = (
        Evidence("imei_changed", 1.0, ""),
        Evidence("international_share", round(_n(row["intl_share"]), 3), "share",
                 c.simswap_min_international_rise, _round(row["intl_share_avg"]),
                 "own history"),
        Evidence("countries", _n(row["out_countries"]), "countries"),
    )  # fmt: skip
    values = {
        "intl_pct": _pct(row["intl_share"]), "intl_avg_pct": _pct(row["intl_share_avg"]),
        "ranges": _ranges(row) if row.get("risk_prefix") else _countries(row["out_countries"]),
    }  # fmt: skip
    return _finding("sim_swap", row, Severity.HIGH, rise / c.simswap_min_international_rise, ev,
                    values, extra=("new_handset",), confirmed=True)  # fmt: skip


def _countries(n: Any) -> Callable[[str], str]:
    names = {"en": "countries", "fr": "pays", "nl": "landen"}
    return lambda lang: f"{n} {names[lang]}"


# -- anomaly against the line's own baseline ----------------------------------------------
def _anomaly_cond(c: UsageConfig) -> str:
    return f"anomaly_score >= {c.anomaly_threshold}"


def _anomaly(row: Row, c: UsageConfig) -> Finding:
    riskier = _n(row["risk_out_n"]) > 0 or (
        _n(row["intl_share"]) - _n(row["intl_share_avg"]) >= 0.3
    )
    sev = Severity.MEDIUM if riskier else Severity.LOW
    score = _n(row["anomaly_score"])
    ev = (
        Evidence("anomaly_score", round(score, 1), "z", c.anomaly_threshold,
                 baseline_kind="own history"),
        Evidence("out_n", _n(row["out_n"]), "events", baseline=_round(row["out_n_avg"]),
                 baseline_kind="own history"),
        Evidence("distinct_out", _n(row["distinct_out"]), "numbers",
                 baseline=_round(row["distinct_out_avg"]), baseline_kind="own history"),
    )  # fmt: skip
    values = {
        "score": round(score, 1), "thr": round(c.anomaly_threshold, 1), "hist_n": row["hist_n"],
        "out_n": row["out_n"], "out_avg": round(_n(row["out_n_avg"]), 1),
        "distinct_out": row["distinct_out"],
        "distinct_avg": round(_n(row["distinct_out_avg"]), 1),
    }  # fmt: skip
    return _finding("anomaly", row, sev, score / c.anomaly_threshold, ev, values)


DETECTORS: tuple[Detector, ...] = (
    Detector("sim_box", "day", _simbox_cond, _simbox),
    Detector("irsf", "day", _irsf_cond, _irsf),
    Detector("wangiri", "day", _wangiri_cond, _wangiri),
    Detector("resale", "day", _resale_cond("day"), _resale("day")),
    Detector("resale", "week", _resale_cond("week"), _resale("week")),
    Detector("commercial_use", "week", _commercial_cond, _commercial),
    Detector("fair_use", "day", _fair_day_cond, _fair("day")),
    Detector("fair_use", "week", _fair_week_cond, _fair("week")),
    Detector("fair_use", "month", _fair_month_cond, _fair("month")),
    Detector("charge_spike", "day", _spike_cond, _spike),
    Detector("sim_swap", "day", _simswap_cond, _simswap),
    Detector("anomaly", "day", _anomaly_cond, _anomaly),
)
