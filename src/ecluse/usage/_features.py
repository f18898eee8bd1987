"""The feature job, one definition that DuckDB and Spark both run: a feed, the kernel, SQL.

1. **The feed** (:func:`feed_sql`): the stored records as the kernel's numeric columns, in the
   order the store keeps them (by line, then time): a record's kind, its window's start, the
   cell as a hash, the roaming country and plan as small integers.
2. **The kernel** (``_kernel``): one pass over each line's records gives one row per line and
   window: the volumes, distinct counts, concentration, number ranges and parallel calls.
3. **The per-line SQL** (:func:`features_sql`), over those rows: the names back as text, the
   shares, the plan's peers and the anomaly score against the line's own history (which the
   kernel gives: a line's windows come one after the other).

The engines differ only in how they move the records to the kernel (a DuckDB result stream, or
Spark partitions by line through ``mapInArrow``) and in four spellings (:class:`Dialect`).
Output: one row per line and window.

Concentration is measured as the share of the top number (``top1_share``) and the Herfindahl
index of outgoing traffic over the other parties (``hhi``: 1 = a single correspondent, 1/n =
n equally used ones), which needs no per-line ranking.
"""

from __future__ import annotations

from collections.abc import Sequence
from string import Template
from typing import Final, Protocol

from ecluse.usage._config import UsageConfig
from ecluse.usage._kernel import (
    INT_COLUMNS,
    KIND_DATA,
    KIND_SMS_IN,
    KIND_SMS_OUT,
    KIND_VOICE_IN,
    KIND_VOICE_OUT,
)
from ecluse.usage._schema import imei_text_sql

__all__ = ["WINDOWS", "Dialect", "features_sql", "feed_sql"]

WINDOWS: Final = ("hour", "day", "week", "month")


class Dialect(Protocol):
    """What DuckDB and Spark SQL spell differently."""

    def epoch(self, timestamp: str) -> str:
        """SQL: a timestamp as epoch seconds (BIGINT)."""
        ...

    def timestamp(self, seconds: str) -> str:
        """SQL: epoch seconds as a timestamp (UTC, no time zone)."""
        ...

    def text_hash(self, text: str) -> str:
        """SQL: a 64-bit hash of a text (BIGINT)."""
        ...

    def literal(self, text: str) -> str:
        """SQL: a string literal."""
        ...


_FEED = Template("""
SELECT msisdn, $w AS w, start_s,
  CAST(CASE
    WHEN type = 'voice' AND direction = 'out' THEN $vo
    WHEN type = 'voice' AND direction = 'in' THEN $vi
    WHEN type = 'sms' AND direction = 'out' THEN $so
    WHEN type = 'sms' AND direction = 'in' THEN $si
    WHEN type = 'data' THEN $dt
    ELSE 9 END AS TINYINT) AS kind,
  coalesce(other_party, 0) AS other_party,
  CAST(coalesce(duration_s, 0) AS BIGINT) AS duration_s,
  CAST(coalesce(bytes, 0) AS BIGINT) AS bytes,
  coalesce(charge, CAST(0 AS DOUBLE)) AS charge,
  CASE WHEN cell_id IS NULL THEN 0 ELSE $cell END AS cell,
  coalesce(imei, 0) AS imei,
  -- an ISO 3166 alpha-2 code (ingest checks it) as a number: both letters' codes
  CAST(CASE WHEN roaming_country IS NULL THEN 0
    ELSE ascii(substr(roaming_country, 1, 1)) * 256 + ascii(substr(roaming_country, 2, 1))
    END AS BIGINT) AS roaming,
  CAST($plan AS BIGINT) AS plan
FROM records
""")

_FEATURES = Template("""
WITH base AS (
  SELECT concat('+', CAST(l.msisdn AS STRING)) AS msisdn, $window_start AS window_start,
    $plan AS plan,
    $line_cols
    l.charge,
    l.voice_out_n + l.sms_out_n AS out_n,
    l.voice_in_n + l.sms_in_n AS in_n,
    r.prefix AS risk_prefix,
    l.overlap_n,
    l.cells,
    l.imeis,
    CASE WHEN l.imei_first <> 0 THEN $imei_first END AS imei_first,
    CASE WHEN l.imei_last <> 0 THEN $imei_last END AS imei_last,
    l.roaming_countries,
    CASE WHEN l.roaming > 0 THEN concat(chr(CAST(floor(l.roaming / 256) AS INT)),
                                        chr(CAST(l.roaming % 256 AS INT))) END AS roaming_country,
    l.last_event_s,
    CASE WHEN l.risk_last_end_s >= 0 THEN l.risk_last_end_s END AS risk_last_end_s,
    l.hist_n, l.charge_avg, l.charge_std, l.out_n_avg, l.out_n_std, l.voice_out_s_avg,
    l.voice_out_s_std, l.distinct_out_avg, l.distinct_out_std, l.intl_share_avg,
    CASE WHEN l.prev_imei <> 0 THEN $prev_imei END AS prev_imei,
    CASE WHEN l.prev_imeis >= 0 THEN l.prev_imeis END AS prev_imeis
  FROM $lines l
  -- the kernel names the most used risky range by its place in the table
  LEFT JOIN ranges r ON r.idx = l.risk_range
),
shares AS (
  SELECT b.*,
    CAST(out_n AS DOUBLE) / greatest(in_n, 1) AS out_in_ratio,
    CAST(top1_n AS DOUBLE) / greatest(out_n, 1) AS top1_share,
    CAST(sq_n AS DOUBLE) / greatest(out_n * out_n, 1) AS hhi,
    CAST(national_out_n AS DOUBLE) / greatest(out_n, 1) AS national_share,
    CAST(intl_out_n AS DOUBLE) / greatest(out_n, 1) AS intl_share,
    CAST(premium_out_n AS DOUBLE) / greatest(out_n, 1) AS premium_share,
    CAST(high_risk_out_n AS DOUBLE) / greatest(out_n, 1) AS high_risk_share,
    CAST(short_n AS DOUBLE) / greatest(voice_out_n + voice_in_n, 1) AS short_share,
    CAST(night_n AS DOUBLE) / greatest(out_n + in_n, 1) AS night_share,
    CAST(daytime_n AS DOUBLE) / greatest(out_n + in_n, 1) AS daytime_share,
    CAST(business_n AS DOUBLE) / greatest(out_n + in_n, 1) AS business_share,
    CAST(in_n AS DOUBLE) / greatest(out_n + in_n, 1) AS in_share
  FROM base b
),
peers AS (
  -- the plan's average line that window: an aggregate, cheaper than a window over every line
  SELECT plan AS peer_plan, window_start AS peer_w,
    CAST(count(*) AS BIGINT) AS peer_n,
    avg(charge) AS peer_charge_avg,
    stddev_samp(charge) AS peer_charge_std
  FROM shares
  GROUP BY plan, window_start
),
hist AS (
  SELECT s.*, p.peer_n, p.peer_charge_avg, p.peer_charge_std
  FROM shares s
  JOIN peers p ON p.peer_plan IS NOT DISTINCT FROM s.plan AND p.peer_w = s.window_start
)
SELECT hist.*,
  CASE WHEN hist_n >= $min_hist THEN greatest(
    (out_n - out_n_avg) / greatest(coalesce(out_n_std, 0), 0.25 * out_n_avg, 3.0),
    (voice_out_s - voice_out_s_avg)
      / greatest(coalesce(voice_out_s_std, 0), 0.25 * voice_out_s_avg, 300.0),
    (distinct_out - distinct_out_avg)
      / greatest(coalesce(distinct_out_std, 0), 0.25 * distinct_out_avg, 3.0),
    (charge - charge_avg) / greatest(coalesce(charge_std, 0), 0.25 * charge_avg, 2.0)
  ) END AS anomaly_score
FROM hist
""")

# the kernel's counters, as they come (the other integer columns are named back or are times)
_NOT_COUNTS: Final = frozenset(
    [
        "msisdn",
        "w",
        "plan",
        "last_event_s",
        "cells",
        "imeis",
        "imei_first",
        "imei_last",
        "roaming_countries",
        "roaming",
        "overlap_n",
        "risk_range",
        "risk_last_end_s",
        "hist_n",
        "prev_imei",
        "prev_imeis",
    ]
)
_COUNTS: Final = tuple(c for c in INT_COLUMNS if c not in _NOT_COUNTS)


def _check(window: str) -> None:
    if window not in WINDOWS:
        raise ValueError(f"unknown window {window!r}; one of {', '.join(WINDOWS)}")


def _plan_case(column: str, plans: Sequence[str], dialect: Dialect, *, to_rank: bool) -> str:
    """SQL: a plan name as its rank among ``plans`` (sorted; -1 for none), or back."""
    if to_rank:
        whens = " ".join(f"WHEN {dialect.literal(p)} THEN {i}" for i, p in enumerate(plans))
        return f"CASE {column} {whens} ELSE -1 END" if plans else "-1"
    whens = " ".join(f"WHEN {i} THEN {dialect.literal(p)}" for i, p in enumerate(plans))
    return f"CASE {column} {whens} END" if plans else "CAST(NULL AS STRING)"


def _window_start(window: str, dialect: Dialect) -> str:
    """SQL: the start of a record's window (UTC) in epoch seconds; whole hours, days and weeks
    (from Monday; 1970-01-01 was a Thursday) in integer arithmetic, cheaper than a date."""
    span = {"hour": 3600, "day": 86400, "week": 7 * 86400}.get(window)
    if span is None:
        return dialect.epoch(f"date_trunc('{window}', start_time)")
    shift = 3 * 86400 if window == "week" else 0
    return f"start_s - (start_s + {shift}) % {span}"


def feed_sql(window: str, dialect: Dialect, plans: Sequence[str]) -> str:
    """The records of view ``records`` as the kernel's input columns (``plans``: every plan
    name in the records, sorted, so that the largest rank is the largest name)."""
    _check(window)
    return _FEED.substitute(
        w=_window_start(window, dialect),
        vo=KIND_VOICE_OUT,
        vi=KIND_VOICE_IN,
        so=KIND_SMS_OUT,
        si=KIND_SMS_IN,
        dt=KIND_DATA,
        cell=dialect.text_hash("cell_id"),
        plan=_plan_case("plan", plans, dialect, to_rank=True),
    )


def features_sql(window: str, cfg: UsageConfig, dialect: Dialect, plans: Sequence[str]) -> str:
    """The feature query for one window (hour, day, week or month), over the kernel's rows of
    that window in table ``lines_<window>``."""
    _check(window)
    return _FEATURES.substitute(
        lines=f"lines_{window}",
        window_start=dialect.timestamp("l.w"),
        plan=_plan_case("l.plan", plans, dialect, to_rank=False),
        line_cols="\n    ".join(f"l.{n}," for n in _COUNTS),
        imei_first=imei_text_sql("l.imei_first"),
        imei_last=imei_text_sql("l.imei_last"),
        prev_imei=imei_text_sql("l.prev_imei"),
        min_hist=int(cfg.min_history_days),
    )
