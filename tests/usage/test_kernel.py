"""The feature kernel against a plain Python reference, batch boundaries and record order."""

from __future__ import annotations

import itertools
import statistics
from collections import defaultdict
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ecluse.usage import DuckDBEngine, UsageConfig, compute_features, load_ranges
from ecluse.usage import _kernel as kernel
from ecluse.usage._kernel import (
    KERNEL_INPUTS,
    LINE_COLUMNS,
    KernelSetup,
    UnsortedRecords,
    line_rows,
)
from ecluse.usage._ranges import RangeTable
from tests.usage.crafted import DAY0, Records

CFG = UsageConfig(history_days=2)  # a short history: the cap is reached
RANGES = load_ranges()
SETUP = KernelSetup.of(CFG, RANGES)
T0 = int(DAY0.timestamp())
KINDS = {
    ("voice", "out"): kernel.KIND_VOICE_OUT,
    ("voice", "in"): kernel.KIND_VOICE_IN,
    ("sms", "out"): kernel.KIND_SMS_OUT,
    ("sms", "in"): kernel.KIND_SMS_IN,
    ("data", "out"): kernel.KIND_DATA,
}
# other parties: national, a Belgian premium range, foreign, high-risk, short codes, none
PARTIES = [32471000001, 32471000002, 3290123456, 33612345678, 2244123456, 6751234567, -1112, 0]
ROAMING = [0, ord("F") * 256 + ord("R"), ord("N") * 256 + ord("L")]

record = st.fixed_dictionaries(
    {
        "msisdn": st.sampled_from([32470000001, 32470000002, 32470000003]),
        "start_s": st.integers(T0 - 3600, T0 + 2 * 86400),
        "kind": st.sampled_from(sorted(KINDS.values())),
        "other_party": st.sampled_from(PARTIES),
        "duration_s": st.sampled_from([0, 1, 2, 3, 5, 40, 600, 4000]),
        "bytes": st.integers(0, 10**6),
        "charge": st.sampled_from([0.0, 0.1, 2.5, 30.0]),
        "cell": st.sampled_from([0, 11, -12, 13]),
        "imei": st.sampled_from([0, 1350000000000001, 1350000000000002]),
        "roaming": st.sampled_from(ROAMING),
        "plan": st.sampled_from([-1, 0, 1]),
    }
)


def _sorted(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = sorted(records, key=lambda r: (r["msisdn"], r["start_s"]))
    for r in out:
        r["w"] = r["start_s"] - r["start_s"] % 86400
    return out


def _batches(records: list[dict[str, Any]], cuts: list[int]) -> list[pa.RecordBatch]:
    types = {"kind": pa.int8(), "charge": pa.float64()}
    table = pa.table(
        {c: pa.array([r[c] for r in records], type=types.get(c, pa.int64())) for c in KERNEL_INPUTS}
    )
    edges = sorted({0, len(records), *(c for c in cuts if 0 < c < len(records))})
    return [table.slice(a, b - a).to_batches()[0] for a, b in itertools.pairwise(edges)]


def _kernel_rows(batches: list[pa.RecordBatch]) -> list[dict[str, Any]]:
    table = pa.Table.from_batches(list(line_rows(batches, SETUP)))
    return sorted(table.to_pylist(), key=lambda r: (r["msisdn"], r["w"]))


def _range_of(party: int, table: RangeTable) -> tuple[int, Any]:
    r = table.classify(f"+{party}") if party > 0 else None
    return (table.ranges.index(r), r) if r else (-1, None)


def _reference(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The features of each line and day, computed the plain way from their definitions."""
    groups: dict[tuple[int, int], list[dict[str, Any]]] = defaultdict(list)
    for r in records:
        groups[(r["msisdn"], r["w"])].append(r)
    rows = []
    for (line, w), recs in sorted(groups.items()):
        row = dict.fromkeys(LINE_COLUMNS, 0)
        row.update(msisdn=line, w=w, plan=max(r["plan"] for r in recs), n_records=len(recs))
        kinds = [r["kind"] for r in recs]
        for name, k in [("voice_out", 0), ("voice_in", 1), ("sms_out", 2), ("sms_in", 3)]:
            row[f"{name}_n"] = kinds.count(k)
        row["data_n"] = kinds.count(kernel.KIND_DATA)
        row["voice_out_s"] = sum(r["duration_s"] for r in recs if r["kind"] == 0)
        row["voice_in_s"] = sum(r["duration_s"] for r in recs if r["kind"] == 1)
        row["data_bytes"] = sum(r["bytes"] for r in recs if r["kind"] == kernel.KIND_DATA)
        row["short_n"] = sum(
            r["kind"] in (0, 1) and r["duration_s"] <= CFG.short_call_s for r in recs
        )
        talk = [r for r in recs if r["kind"] != kernel.KIND_DATA]
        off = int(CFG.local_utc_offset_h) * 3600
        hour = [((r["start_s"] + off) % 86400) // 3600 for r in talk]
        day = [((r["start_s"] + off) // 86400 + 3) % 7 for r in talk]
        row["night_n"] = sum(h >= CFG.night_start_h or h < CFG.night_end_h for h in hour)
        row["daytime_n"] = sum(7 <= h < 21 for h in hour)
        row["business_n"] = sum(d < 5 and 8 <= h < 18 for h, d in zip(hour, day, strict=True))
        row["charge"] = sum(r["charge"] for r in recs)
        row["last_event_s"] = max(r["start_s"] for r in recs)
        row["cells"] = len({r["cell"] for r in recs} - {0})
        imeis = [r["imei"] for r in recs if r["imei"]]
        row["imeis"] = len(set(imeis))
        row["imei_first"] = imeis[0] if imeis else 0
        row["imei_last"] = imeis[-1] if imeis else 0
        roaming = [r["roaming"] for r in recs if r["roaming"]]
        row["roaming_countries"] = len(set(roaming))
        row["roaming"] = roaming[-1] if roaming else 0
        prev_end = None
        for r in recs:
            if r["kind"] == 0 and r["duration_s"] > 0:
                row["overlap_n"] += prev_end is not None and r["start_s"] < prev_end
                end = r["start_s"] + r["duration_s"]
                prev_end = end if prev_end is None else max(prev_end, end)
        countries = set()
        risk_key, row["risk_range"], row["risk_last_end_s"] = -1, -1, -1
        for party in sorted({r["other_party"] for r in recs} - {0}):
            mine = [r for r in recs if r["other_party"] == party]
            out_n = sum(r["kind"] in (0, 2) for r in mine)
            in_n = sum(r["kind"] in (1, 3) for r in mine)
            ring = [
                r["start_s"] for r in mine if r["kind"] == 1 and r["duration_s"] <= CFG.one_ring_s
            ]
            calls = [r for r in mine if r["kind"] == 0]
            voice_s = sum(r["duration_s"] for r in calls)
            row["distinct_out"] += out_n > 0
            row["distinct_in"] += in_n > 0
            row["distinct_sms_out"] += any(r["kind"] == 2 for r in mine)
            row["top1_n"] = max(row["top1_n"], out_n)
            row["sq_n"] += out_n * out_n
            index, rng = _range_of(party, RANGES)
            cls = rng.range_class if rng else None
            foreign = rng is not None and rng.country != CFG.home_country
            row["national_out_n"] += out_n if cls == "national" else 0
            row["intl_out_n"] += out_n if foreign else 0
            row["premium_out_n"] += out_n if cls == "premium" else 0
            row["high_risk_out_n"] += out_n if cls == "high_risk" else 0
            if foreign and out_n:
                countries.add(rng.country)  # type: ignore[union-attr]
            if cls == "high_risk" or (cls == "premium" and foreign):
                row["risk_out_n"] += out_n
                row["risk_out_s"] += voice_s
                row["risk_ring_n"] += len(ring)
                last_out = max((r["start_s"] for r in calls), default=None)
                row["risk_callback_n"] += (
                    bool(ring) and last_out is not None and last_out > min(ring)
                )
                ends = [r["start_s"] + r["duration_s"] for r in calls]
                row["risk_last_end_s"] = max([row["risk_last_end_s"], *ends])
                key = voice_s * 1000 + out_n * 10 + len(ring)
                if key > risk_key:
                    risk_key, row["risk_range"] = key, index
        row["out_countries"] = len(countries)
        rows.append(row)
    return _with_history(rows)


def _with_history(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each line-window against the line's previous windows, at most ``history_days``."""
    for i, row in enumerate(rows):
        before = rows[max(0, i - CFG.history_days) : i]
        prev = [r for r in before if r["msisdn"] == row["msisdn"]]
        row["hist_n"] = len(prev)
        row["prev_imei"] = prev[-1]["imei_last"] if prev else 0
        row["prev_imeis"] = prev[-1]["imeis"] if prev else -1
        out_n = [r["voice_out_n"] + r["sms_out_n"] for r in prev]
        for name, values in [
            ("charge", [r["charge"] for r in prev]),
            ("out_n", out_n),
            ("voice_out_s", [r["voice_out_s"] for r in prev]),
            ("distinct_out", [r["distinct_out"] for r in prev]),
        ]:
            row[f"{name}_avg"] = statistics.mean(values) if values else None
            row[f"{name}_std"] = statistics.stdev(values) if len(values) > 1 else None
        shares = [r["intl_out_n"] / max(n, 1) for r, n in zip(prev, out_n, strict=True)]
        row["intl_share_avg"] = statistics.mean(shares) if shares else None
    return rows


def _same(kernel_rows: list[dict[str, Any]], reference: list[dict[str, Any]]) -> None:
    assert len(kernel_rows) == len(reference)
    for k, r in zip(kernel_rows, reference, strict=True):
        for c in kernel.FLOAT_COLUMNS:
            assert k[c] == (None if r[c] is None else pytest.approx(r[c])), c
        # ties in time leave the first and last handset and roaming country open
        loose = {"imei_first", "imei_last", "roaming", "prev_imei"}
        diff = {c: (k[c], r[c]) for c in kernel.INT_COLUMNS if c not in loose and k[c] != r[c]}
        assert not diff, (k["msisdn"], k["w"], diff)


def test_row_positions_match_the_column_names() -> None:
    for i, name in enumerate(kernel.INT_COLUMNS):
        assert getattr(kernel, f"_{name.upper()}") == i
    for i, name in enumerate(kernel.FLOAT_COLUMNS):
        assert getattr(kernel, f"_F{name.upper()}") == i


@settings(max_examples=150, deadline=None)
@given(st.lists(record, min_size=1, max_size=60), st.lists(st.integers(0, 60), max_size=6))
def test_kernel_equals_the_plain_definitions_whatever_the_batches(
    records: list[dict[str, Any]], cuts: list[int]
) -> None:
    """GIVEN random records of three lines over two days, cut into random batches (a line's
    records spanning batches) WHEN the kernel runs THEN each line-day's row equals the plain
    Python computation of every feature."""
    ordered = _sorted(records)
    times = [r["start_s"] for r in ordered]
    _same(_kernel_rows(_batches(ordered, cuts)), _reference(ordered))
    # distinct times: the first and last handset and roaming country are then defined too
    if len(set(times)) == len(times):
        got, want = _kernel_rows(_batches(ordered, cuts)), _reference(ordered)
        for g, r in zip(got, want, strict=True):
            tied = ("imei_first", "imei_last", "roaming", "prev_imei")
            assert [g[c] for c in tied] == [r[c] for c in tied]


def _plain(*records: tuple[int, int]) -> list[dict[str, Any]]:
    """Records of (line, start second) with everything else zero."""
    return [dict.fromkeys(KERNEL_INPUTS, 0) | {"msisdn": m, "start_s": t} for m, t in records]


@pytest.mark.parametrize(
    "records",
    [
        pytest.param(_plain((2, T0), (1, T0 + 1), (3, T0 + 2), (3, T0 + 3)), id="line order"),
        pytest.param(_plain((1, T0), (2, T0), (3, T0 + 3), (3, T0 + 2)), id="time order"),
        pytest.param(_plain((1, T0), (3, T0), (2, T0), (2, T0 + 1)), id="across batches"),
    ],
)
def test_records_out_of_order_are_refused(records: list[dict[str, Any]]) -> None:
    for r in records:
        r["w"] = T0
    with pytest.raises(UnsortedRecords):
        _kernel_rows(_batches(records, [2]))


def test_engine_sorts_records_stored_in_several_files_a_day(tmp_path: Path) -> None:
    """GIVEN one day of two lines stored in two files, each line's calls split between them
    WHEN the features are computed THEN they equal those of the same records in one file."""
    one, first, second = Records(), Records(), Records()
    for i, line in enumerate(("+32470000001", "+32470000002") * 6):
        at = DAY0.replace(hour=9 + i)
        party = "+2244123456" if i % 3 else "+32471000000"
        for part in (one, first if i % 2 else second):
            part.add(at, line=line, party=party, duration=30 + i)
    one.write(tmp_path / "one", "day.parquet")
    first.write(tmp_path / "two", "a.parquet")
    second.write(tmp_path / "two", "b.parquet")
    assert pq.read_table(tmp_path / "two" / "a.parquet").num_rows == 6
    rows = []
    for where in ("one", "two"):
        eng = DuckDBEngine()
        compute_features(eng, [tmp_path / where], CFG, ["day"])
        rows.append(eng.fetch("SELECT * FROM features_day ORDER BY msisdn").to_pylist())
        eng.close()
    assert rows[0] == rows[1]
    assert [r["high_risk_out_n"] for r in rows[0]] == [4, 4]


def test_a_line_longer_than_a_batch_is_one_row() -> None:
    records = _sorted(_plain(*((5, T0 + i) for i in range(200))))
    for i, r in enumerate(records):
        r["other_party"] = 32471000000 + i % 70
    rows = _kernel_rows(_batches(records, list(range(0, 200, 7))))
    assert len(rows) == 1
    assert rows[0]["n_records"] == 200 and rows[0]["distinct_out"] == 70
