"""The feature job: one SQL definition that DuckDB and Spark SQL both run.

Inputs are three relations the engine registers: ``records`` (the stored call records plus
``start_s``, epoch seconds), ``ranges`` (the number-range table with ``plen``, the prefix length)
and ``range_lens`` (the distinct prefix lengths). The records are read three times: one wide
aggregation per line, window, cell, handset and roaming country (few groups: the volumes and,
rolled up, the distinct cells and handsets), one narrow one per line, window and other party
(nearly as many groups as records: only what the distinct counts, concentration and number
ranges need), and one window function over outgoing calls; everything else works on those
aggregates. Number ranges are matched on the distinct heads of the numbers, not on every
number. The SQL sticks to the dialect both engines share (``date_trunc``, ``max_by``/``min_by``,
``stddev_samp``, ``count_if``, named windows, ``CASE``), so the features are defined once.
The numbers arrive as the store keeps them, integers (see ``_schema``), which group and join
far more cheaply than text (so do the handsets' IMEIs); a head is a number's first digits, and
the line's number and IMEIs are turned back into text only in the per-line result.
Output: one row per line and window.

Concentration is measured as the share of the top number (``top1_share``) and the Herfindahl
index of outgoing traffic over the other parties (``hhi``: 1 = a single correspondent, 1/n =
n equally used ones), which needs no per-line ranking.
"""

from __future__ import annotations

from string import Template
from typing import Final

from ecluse.usage._config import UsageConfig
from ecluse.usage._ranges import MAX_PREFIX_LEN
from ecluse.usage._schema import imei_text_sql

__all__ = ["WINDOWS", "features_sql"]

WINDOWS: Final = ("hour", "day", "week", "month")

# each record's kind and local time of day, computed once per record: the aggregates test these
# flags instead of comparing strings and dividing times again for every counter. A subquery
# placed in each pass rather than a shared CTE, which DuckDB would materialise (all records).
_RECS = Template("""(
  SELECT msisdn, other_party, cell_id, imei, roaming_country, plan, start_s, duration_s,
    bytes, charge, $w AS w,
    type = 'voice' AND direction = 'out' AS vo,
    type = 'voice' AND direction = 'in' AS vi,
    type = 'sms' AND direction = 'out' AS so,
    type = 'sms' AND direction = 'in' AS si,
    type = 'data' AS dt,
    (start_s + $off) % 86400 AS sod,
    (floor((start_s + $off) / 86400) + 3) % 7 AS wd
  FROM records
) r""")

_FEATURES = Template("""
WITH cells AS (
  -- everything that sums per line and window, with the cell, handset and roaming country as
  -- extra keys (a line has few of them) so that one pass also gives their distinct counts;
  -- count_if gives a BIGINT where sum(CASE ...) would widen to a 128-bit sum
  SELECT msisdn, w, cell_id, imei, roaming_country,
    max(plan) AS plan,
    count(*) AS n_records,
    count_if(vo) AS voice_out_n,
    count_if(vi) AS voice_in_n,
    count_if(so) AS sms_out_n,
    count_if(si) AS sms_in_n,
    count_if(dt) AS data_n,
    sum(CASE WHEN vo THEN duration_s ELSE 0 END) AS voice_out_s,
    sum(CASE WHEN vi THEN duration_s ELSE 0 END) AS voice_in_s,
    sum(CASE WHEN dt THEN bytes ELSE 0 END) AS data_bytes,
    sum(charge) AS charge,
    count_if((vo OR vi) AND duration_s <= $short) AS short_n,
    count_if(NOT dt AND $night) AS night_n,
    count_if(NOT dt AND sod >= 7 * 3600 AND sod < 21 * 3600) AS daytime_n,
    count_if(NOT dt AND wd < 5 AND sod >= 8 * 3600 AND sod < 18 * 3600) AS business_n,
    min(start_s) AS first_s,
    max(start_s) AS last_s
  FROM $recs
  GROUP BY msisdn, w, cell_id, imei, roaming_country
),
lines AS (
  SELECT msisdn, w,
    max(plan) AS plan,
    $line_sums
    sum(charge) AS charge,
    max(last_s) AS last_event_s,
    count(DISTINCT cell_id) AS cells,
    count(DISTINCT imei) AS imeis,
    min_by(imei, CASE WHEN imei IS NOT NULL THEN first_s END) AS imei_first,
    max_by(imei, CASE WHEN imei IS NOT NULL THEN last_s END) AS imei_last,
    count(DISTINCT roaming_country) AS roaming_countries,
    max_by(roaming_country, CASE WHEN roaming_country IS NOT NULL THEN last_s END)
      AS roaming_country
  FROM cells
  GROUP BY msisdn, w
),
pairs AS (
  -- per line, window and other party only what distinct counts, concentration and the
  -- number ranges need: these groups are nearly as many as the records, so keep them narrow
  SELECT msisdn, w, other_party,
    count_if(vo OR so) AS out_n,
    count_if(vi OR si) AS in_n,
    count_if(so) AS sms_out_n,
    sum(CASE WHEN vo THEN duration_s ELSE 0 END) AS voice_out_s,
    count_if(vi AND duration_s <= $one_ring) AS ring_n,
    min(CASE WHEN vi AND duration_s <= $one_ring THEN start_s END) AS first_ring_s,
    max(CASE WHEN vo THEN start_s END) AS last_call_out_s,
    max(CASE WHEN vo THEN start_s + duration_s END) AS last_call_end_s
  FROM $recs
  WHERE other_party IS NOT NULL
  GROUP BY msisdn, w, other_party
),
party_class AS (
  -- longest-prefix classification of each distinct head of a number (its first
  -- $head_digits digits, the longest a prefix can be): heads are far fewer than numbers, and
  -- only they are turned into text. An equi-join on (length, prefix) instead of a range
  -- join, which both engines plan well. Short codes (negative) have no head and no range.
  SELECT m.hd,
         max_by(m.range_class, m.plen) AS range_class,
         max_by(m.country, m.plen) AS country,
         max_by(m.prefix, m.plen) AS prefix
  FROM (
    SELECT k.hd, r.range_class, r.country, r.prefix, r.plen
    FROM (
      -- the candidate prefix of each length as a column, so that the join is on equal keys
      SELECT p.hd, l.plen, substr(concat('+', CAST(p.hd AS STRING)), 1, l.plen) AS candidate
      FROM (SELECT DISTINCT $head AS hd FROM pairs WHERE other_party > 0) p
      CROSS JOIN range_lens l
    ) k
    JOIN ranges r ON r.plen = k.plen AND r.prefix = k.candidate
  ) m
  GROUP BY m.hd
),
pairs_c AS (
  SELECT p.*,
    coalesce(c.range_class, 'short_code') AS cls,
    coalesce(c.country, '') AS country,
    c.prefix,
    CASE WHEN c.range_class = 'high_risk'
              OR (c.range_class = 'premium' AND c.country <> '$home') THEN 1 ELSE 0 END AS risky
  FROM pairs p LEFT JOIN party_class c ON c.hd = $p_head
),
party_agg AS (
  SELECT msisdn, w,
    max(CASE WHEN risky = 1 THEN last_call_end_s END) AS risk_last_end_s,
    sum(CASE WHEN out_n > 0 THEN 1 ELSE 0 END) AS distinct_out,
    sum(CASE WHEN in_n > 0 THEN 1 ELSE 0 END) AS distinct_in,
    sum(CASE WHEN sms_out_n > 0 THEN 1 ELSE 0 END) AS distinct_sms_out,
    max(out_n) AS top1_n,
    sum(out_n * out_n) AS sq_n,
    sum(CASE WHEN cls = 'national' THEN out_n ELSE 0 END) AS national_out_n,
    sum(CASE WHEN cls <> 'short_code' AND country <> '$home' THEN out_n ELSE 0 END)
      AS intl_out_n,
    sum(CASE WHEN cls = 'premium' THEN out_n ELSE 0 END) AS premium_out_n,
    sum(CASE WHEN cls = 'high_risk' THEN out_n ELSE 0 END) AS high_risk_out_n,
    sum(risky * out_n) AS risk_out_n,
    sum(risky * voice_out_s) AS risk_out_s,
    sum(risky * ring_n) AS risk_ring_n,
    sum(CASE WHEN risky = 1 AND ring_n > 0 AND last_call_out_s > first_ring_s
        THEN 1 ELSE 0 END) AS risk_callback_n,
    max_by(CASE WHEN risky = 1 THEN prefix END,
           CASE WHEN risky = 1 THEN voice_out_s * 1000 + out_n * 10 + ring_n END)
      AS risk_prefix
  FROM pairs_c
  GROUP BY msisdn, w
),
countries AS (
  -- a filtered two-step distinct count: a DISTINCT aggregate over every pair costs far more
  SELECT msisdn, w, count(*) AS out_countries
  FROM (
    SELECT DISTINCT msisdn, w, country FROM pairs_c
    WHERE out_n > 0 AND cls <> 'short_code' AND country <> '$home'
  ) c
  GROUP BY msisdn, w
),
calls AS (
  SELECT msisdn, w, start_s,
    max(start_s + duration_s) OVER (PARTITION BY msisdn, w ORDER BY start_s
        ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev_end_s
  FROM $recs
  WHERE vo AND duration_s > 0
),
overlap_agg AS (
  SELECT msisdn, w, sum(CASE WHEN start_s < prev_end_s THEN 1 ELSE 0 END) AS overlap_n
  FROM calls GROUP BY msisdn, w
),
base AS (
  SELECT concat('+', CAST(l.msisdn AS STRING)) AS msisdn, l.w AS window_start, l.plan,
    $line_cols
    CAST(l.charge AS DOUBLE) AS charge,
    CAST(l.voice_out_n + l.sms_out_n AS BIGINT) AS out_n,
    CAST(l.voice_in_n + l.sms_in_n AS BIGINT) AS in_n,
    p.risk_prefix,
    CAST(coalesce(o.overlap_n, 0) AS BIGINT) AS overlap_n,
    CAST(l.cells AS BIGINT) AS cells,
    CAST(l.imeis AS BIGINT) AS imeis,
    $imei_first AS imei_first, $imei_last AS imei_last,
    CAST(l.roaming_countries AS BIGINT) AS roaming_countries,
    l.roaming_country,
    CAST(l.last_event_s AS BIGINT) AS last_event_s,
    CAST(p.risk_last_end_s AS BIGINT) AS risk_last_end_s
  FROM lines l
  -- a line with data sessions only has no party and no outgoing call
  LEFT JOIN party_agg p ON p.msisdn = l.msisdn AND p.w = l.w
  LEFT JOIN countries c ON c.msisdn = l.msisdn AND c.w = l.w
  LEFT JOIN overlap_agg o ON o.msisdn = l.msisdn AND o.w = l.w
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
  SELECT s.*,
    CAST(count(*) OVER h AS BIGINT) AS hist_n,
    avg(charge) OVER h AS charge_avg,
    stddev_samp(charge) OVER h AS charge_std,
    avg(out_n) OVER h AS out_n_avg,
    stddev_samp(out_n) OVER h AS out_n_std,
    avg(voice_out_s) OVER h AS voice_out_s_avg,
    stddev_samp(voice_out_s) OVER h AS voice_out_s_std,
    avg(distinct_out) OVER h AS distinct_out_avg,
    stddev_samp(distinct_out) OVER h AS distinct_out_std,
    avg(intl_share) OVER h AS intl_share_avg,
    lag(imei_last) OVER (PARTITION BY msisdn ORDER BY window_start) AS prev_imei,
    lag(imeis) OVER (PARTITION BY msisdn ORDER BY window_start) AS prev_imeis,
    p.peer_n, p.peer_charge_avg, p.peer_charge_std
  FROM shares s
  JOIN peers p ON p.peer_plan IS NOT DISTINCT FROM s.plan AND p.peer_w = s.window_start
  WINDOW h AS (PARTITION BY msisdn ORDER BY window_start
               ROWS BETWEEN $hist PRECEDING AND 1 PRECEDING)
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

# integer counters of the line aggregate, cast to BIGINT in the output
_LINE_COUNTS: Final = (
    "n_records",
    "voice_out_n",
    "voice_in_n",
    "sms_out_n",
    "sms_in_n",
    "data_n",
    "voice_out_s",
    "voice_in_s",
    "data_bytes",
    "short_n",
    "night_n",
    "daytime_n",
    "business_n",
)
# and those of the per-party aggregate, 0 for a line without any party
_PARTY_COUNTS: Final = (
    "distinct_out",
    "distinct_in",
    "distinct_sms_out",
    "top1_n",
    "sq_n",
    "national_out_n",
    "intl_out_n",
    "premium_out_n",
    "high_risk_out_n",
    "risk_out_n",
    "risk_out_s",
    "risk_ring_n",
    "risk_callback_n",
)


# a head: the first digits of a stored E.164 number (7 to 15 digits), as many as the longest
# prefix of a range has after its "+"
_HEAD_DIGITS: Final = MAX_PREFIX_LEN - 1
_MAX_DIGITS: Final = 15


def _head(number: str) -> str:
    """SQL: the head of a stored number, NULL for a short code (negative).

    Integer arithmetic both engines evaluate alike: numbers stay below 2**53, so the division
    in doubles is exact enough for ``floor`` to drop exactly the trailing digits.
    """
    cases = " ".join(
        f"WHEN {number} >= {10 ** (d - 1)} THEN "
        f"CAST(floor({number} / {10 ** (d - _HEAD_DIGITS)}) AS BIGINT)"
        for d in range(_MAX_DIGITS, _HEAD_DIGITS, -1)
    )
    return f"CASE {cases} WHEN {number} > 0 THEN {number} END"


def features_sql(window: str, cfg: UsageConfig) -> str:
    """The feature query for one window (hour, day, week or month)."""
    if window not in WINDOWS:
        raise ValueError(f"unknown window {window!r}; one of {', '.join(WINDOWS)}")
    # local second of the day and day of week (0 = Monday; 1970-01-01 was a Thursday), in
    # integer arithmetic both engines evaluate alike
    off = int(cfg.local_utc_offset_h) * 3600
    ns, ne = cfg.night_start_h, cfg.night_end_h
    op = "OR" if ns > ne else "AND"
    return _FEATURES.substitute(
        recs=_RECS.substitute(w=f"date_trunc('{window}', start_time)", off=off),
        night=f"(sod >= {int(ns) * 3600} {op} sod < {int(ne) * 3600})",
        line_sums="\n    ".join(f"sum({n}) AS {n}," for n in _LINE_COUNTS),
        line_cols="\n    ".join(
            [
                *(f"CAST(l.{n} AS BIGINT) AS {n}," for n in _LINE_COUNTS),
                *(f"CAST(coalesce(p.{n}, 0) AS BIGINT) AS {n}," for n in _PARTY_COUNTS),
                "CAST(coalesce(c.out_countries, 0) AS BIGINT) AS out_countries,",
            ]
        ),
        imei_first=imei_text_sql("l.imei_first"),
        imei_last=imei_text_sql("l.imei_last"),
        head=_head("other_party"),
        p_head=_head("p.other_party"),
        head_digits=_HEAD_DIGITS,
        one_ring=int(cfg.one_ring_s),
        short=int(cfg.short_call_s),
        home=cfg.home_country.replace("'", ""),
        hist=int(cfg.history_days),
        min_hist=int(cfg.min_history_days),
    )
