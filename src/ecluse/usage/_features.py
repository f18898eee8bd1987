"""The feature job: one SQL definition that DuckDB and Spark SQL both run.

Inputs are three relations the engine registers: ``records`` (the stored call records plus
``start_s``, epoch seconds), ``ranges`` (the number-range table with ``plen``, the prefix length)
and ``range_lens`` (the distinct prefix lengths). The records are read in one wide aggregation
per line, window and other party, one narrow one for cells and handsets, and one window
function over outgoing calls; everything else works on those aggregates. The SQL sticks to
the dialect both engines share (``date_trunc``, ``max_by``/``min_by``, ``stddev_samp``,
named windows, ``CASE``), so the features are defined once. Output: one row per line and window.

Concentration is measured as the share of the top number (``top1_share``) and the Herfindahl
index of outgoing traffic over the other parties (``hhi``: 1 = a single correspondent, 1/n =
n equally used ones), which needs no per-line ranking.
"""

from __future__ import annotations

from string import Template
from typing import Final

from ecluse.usage._config import UsageConfig

__all__ = ["WINDOWS", "features_sql"]

WINDOWS: Final = ("hour", "day", "week", "month")

_FEATURES = Template("""
WITH pairs AS (
  -- the one full pass over the records: everything that sums, per line, window and party
  -- (data sessions form the party-less group)
  SELECT msisdn, $w AS w, other_party,
    max(plan) AS plan,
    count(*) AS n_records,
    sum(CASE WHEN type = 'voice' AND direction = 'out' THEN 1 ELSE 0 END) AS voice_out_n,
    sum(CASE WHEN type = 'voice' AND direction = 'in' THEN 1 ELSE 0 END) AS voice_in_n,
    sum(CASE WHEN type = 'sms' AND direction = 'out' THEN 1 ELSE 0 END) AS sms_out_n,
    sum(CASE WHEN type = 'sms' AND direction = 'in' THEN 1 ELSE 0 END) AS sms_in_n,
    sum(CASE WHEN type = 'data' THEN 1 ELSE 0 END) AS data_n,
    sum(CASE WHEN type = 'voice' AND direction = 'out' THEN duration_s ELSE 0 END)
      AS voice_out_s,
    sum(CASE WHEN type = 'voice' AND direction = 'in' THEN duration_s ELSE 0 END) AS voice_in_s,
    sum(CASE WHEN type = 'data' THEN bytes ELSE 0 END) AS data_bytes,
    sum(charge) AS charge,
    sum(CASE WHEN type = 'voice' AND duration_s <= $short THEN 1 ELSE 0 END) AS short_n,
    sum(CASE WHEN type <> 'data' AND $night THEN 1 ELSE 0 END) AS night_n,
    sum(CASE WHEN type <> 'data' AND $lh >= 7 AND $lh < 21 THEN 1 ELSE 0 END) AS daytime_n,
    sum(CASE WHEN type <> 'data' AND $wd < 5 AND $lh >= 8 AND $lh < 18 THEN 1 ELSE 0 END)
      AS business_n,
    sum(CASE WHEN direction = 'in' AND type = 'voice' AND duration_s <= $one_ring
        THEN 1 ELSE 0 END) AS ring_n,
    min(CASE WHEN direction = 'in' AND type = 'voice' AND duration_s <= $one_ring
        THEN start_s END) AS first_ring_s,
    max(CASE WHEN direction = 'out' AND type = 'voice' THEN start_s END) AS last_call_out_s,
    max(CASE WHEN direction = 'out' AND type = 'voice' THEN start_s + duration_s END)
      AS last_call_end_s,
    max(start_s) AS last_event_s
  FROM records
  GROUP BY msisdn, $w, other_party
),
party_class AS (
  -- longest-prefix classification of each distinct party: an equi-join on (length, prefix)
  -- instead of a range join, which both engines plan well
  SELECT m.other_party,
         max_by(m.range_class, m.plen) AS range_class,
         max_by(m.country, m.plen) AS country,
         max_by(m.prefix, m.plen) AS prefix
  FROM (
    SELECT k.other_party, r.range_class, r.country, r.prefix, r.plen
    FROM (
      -- the candidate prefix of each length as a column, so that the join is on equal keys
      SELECT p.other_party, l.plen, substr(p.other_party, 1, l.plen) AS candidate
      FROM (SELECT DISTINCT other_party FROM pairs WHERE other_party IS NOT NULL) p
      CROSS JOIN range_lens l
    ) k
    JOIN ranges r ON r.plen = k.plen AND r.prefix = k.candidate
  ) m
  GROUP BY m.other_party
),
pairs_c AS (
  SELECT p.*,
    p.voice_out_n + p.sms_out_n AS out_n,
    p.voice_in_n + p.sms_in_n AS in_n,
    coalesce(c.range_class, 'short_code') AS cls,
    coalesce(c.country, '') AS country,
    c.prefix,
    CASE WHEN c.range_class = 'high_risk'
              OR (c.range_class = 'premium' AND c.country <> '$home') THEN 1 ELSE 0 END AS risky
  FROM pairs p LEFT JOIN party_class c ON c.other_party = p.other_party
),
line_agg AS (
  SELECT msisdn, w,
    max(plan) AS plan,
    sum(charge) AS charge,
    $line_sums
    max(last_event_s) AS last_event_s,
    max(CASE WHEN risky = 1 THEN last_call_end_s END) AS risk_last_end_s,
    sum(CASE WHEN out_n > 0 AND other_party IS NOT NULL THEN 1 ELSE 0 END) AS distinct_out,
    sum(CASE WHEN in_n > 0 AND other_party IS NOT NULL THEN 1 ELSE 0 END) AS distinct_in,
    sum(CASE WHEN sms_out_n > 0 AND other_party IS NOT NULL THEN 1 ELSE 0 END)
      AS distinct_sms_out,
    max(CASE WHEN other_party IS NOT NULL THEN out_n ELSE 0 END) AS top1_n,
    sum(CASE WHEN other_party IS NOT NULL THEN out_n * out_n ELSE 0 END) AS sq_n,
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
      AS risk_prefix,
    count(DISTINCT CASE WHEN out_n > 0 AND cls <> 'short_code' AND country <> '$home'
          THEN country END) AS out_countries
  FROM pairs_c
  GROUP BY msisdn, w
),
devices AS (
  -- cells, handsets and roaming: a narrow pass, distinct counts on its small result
  SELECT msisdn, w,
    count(DISTINCT cell_id) AS cells,
    count(DISTINCT imei) AS imeis,
    min_by(imei, CASE WHEN imei IS NOT NULL THEN first_s END) AS imei_first,
    max_by(imei, CASE WHEN imei IS NOT NULL THEN last_s END) AS imei_last,
    count(DISTINCT roaming_country) AS roaming_countries,
    max_by(roaming_country, CASE WHEN roaming_country IS NOT NULL THEN last_s END)
      AS roaming_country
  FROM (
    SELECT msisdn, $w AS w, cell_id, imei, roaming_country,
      min(start_s) AS first_s, max(start_s) AS last_s
    FROM records
    GROUP BY msisdn, $w, cell_id, imei, roaming_country
  ) d
  GROUP BY msisdn, w
),
calls AS (
  SELECT msisdn, $w AS w, start_s,
    max(start_s + duration_s) OVER (PARTITION BY msisdn, $w ORDER BY start_s
        ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev_end_s
  FROM records
  WHERE type = 'voice' AND direction = 'out' AND duration_s > 0
),
overlap_agg AS (
  SELECT msisdn, w, sum(CASE WHEN start_s < prev_end_s THEN 1 ELSE 0 END) AS overlap_n
  FROM calls GROUP BY msisdn, w
),
base AS (
  SELECT l.msisdn, l.w AS window_start, l.plan,
    $line_cols
    CAST(l.charge AS DOUBLE) AS charge,
    CAST(l.voice_out_n + l.sms_out_n AS BIGINT) AS out_n,
    CAST(l.voice_in_n + l.sms_in_n AS BIGINT) AS in_n,
    l.risk_prefix,
    CAST(coalesce(o.overlap_n, 0) AS BIGINT) AS overlap_n,
    CAST(d.cells AS BIGINT) AS cells,
    CAST(d.imeis AS BIGINT) AS imeis,
    d.imei_first, d.imei_last,
    CAST(d.roaming_countries AS BIGINT) AS roaming_countries,
    d.roaming_country,
    CAST(l.last_event_s AS BIGINT) AS last_event_s,
    CAST(l.risk_last_end_s AS BIGINT) AS risk_last_end_s
  FROM line_agg l
  JOIN devices d ON d.msisdn = l.msisdn AND d.w = l.w
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
    CAST(count(*) OVER peers AS BIGINT) AS peer_n,
    avg(charge) OVER peers AS peer_charge_avg,
    stddev_samp(charge) OVER peers AS peer_charge_std
  FROM shares s
  WINDOW h AS (PARTITION BY msisdn ORDER BY window_start
               ROWS BETWEEN $hist PRECEDING AND 1 PRECEDING),
         peers AS (PARTITION BY plan, window_start)
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

# integer counters summed from the per-party aggregate to the line, cast to BIGINT in the output
_SUMS: Final = (
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
_COUNTS: Final = (
    *_SUMS,
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
    "out_countries",
)


def features_sql(window: str, cfg: UsageConfig) -> str:
    """The feature query for one window (hour, day, week or month)."""
    if window not in WINDOWS:
        raise ValueError(f"unknown window {window!r}; one of {', '.join(WINDOWS)}")
    off = int(cfg.local_utc_offset_h) * 3600
    # local hour of day and day of week (0 = Monday; 1970-01-01 was a Thursday), in arithmetic
    # both engines evaluate alike
    lh = f"floor(((start_s + {off}) % 86400) / 3600)"
    wd = f"((floor((start_s + {off}) / 86400) + 3) % 7)"
    ns, ne = cfg.night_start_h, cfg.night_end_h
    op = "OR" if ns > ne else "AND"
    return _FEATURES.substitute(
        w=f"date_trunc('{window}', start_time)",
        lh=lh,
        wd=wd,
        night=f"({lh} >= {ns} {op} {lh} < {ne})",
        line_sums="\n    ".join(f"sum({n}) AS {n}," for n in _SUMS),
        line_cols="\n    ".join(f"CAST(l.{n} AS BIGINT) AS {n}," for n in _COUNTS),
        one_ring=int(cfg.one_ring_s),
        short=int(cfg.short_call_s),
        home=cfg.home_country.replace("'", ""),
        hist=int(cfg.history_days),
        min_hist=int(cfg.min_history_days),
    )
