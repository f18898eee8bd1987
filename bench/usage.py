"""Usage scoring benchmark: DuckDB against a straightforward pandas implementation, and Spark.

Scores simulated call records (one day, ~35 records per line) from Parquet: the daily job
(features per line and day, the day detectors, alerts). Each engine runs in its own process so
that its peak memory is its own. pandas runs on a subset (it needs far more memory) and DuckDB
runs on that same subset too, so the ratio compares like with like; DuckDB also runs at full
size. Then detection quality on a simulated month: precision and recall per scenario, and
suspension proposals on legitimate lines (must be zero).

    .venv/bin/python bench/usage.py                   # issue #5: 1M lines, one day (~35M records)
    .venv/bin/python bench/usage.py --records 2000000 --no-spark --no-quality  # quick

Each row carries the 1-minute load average when its worker ended: above ~2 other work shared
the 2 cores, and the CPU-time rate is then the fairer figure.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shlex
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import ROOT, machine, write_section

WORK = ROOT / "bench" / ".work"
PER_LINE = 35  # records per line and day in the simulator


def _dataset(lines: int, days: int = 1) -> Path:
    from ecluse.usage import simulate

    # "-store2": files written as the store keeps them (by line, then time, the numbers and
    # IMEIs as integers); an older cache (time order, or text numbers) would be scored slower
    # and must not be reused
    out = WORK / f"usage-{lines}l-{days}d-store2"
    done = out / ".done"
    if not done.exists():
        t = time.perf_counter()
        res = simulate(out, lines=lines, days=days, seed=1)
        done.write_text(str(res.records))
        print(f"  simulated {res.records:,} records in {time.perf_counter() - t:.0f} s", flush=True)
    return out


def _records(path: Path) -> int:
    return int((path / ".done").read_text())


# -- workers (each in its own process) -----------------------------------------------------
def _peak_mb() -> float:
    """This process's own peak RSS: VmHWM belongs to its address space, whereas ru_maxrss is
    carried over fork and exec (a worker started by a parent that simulated gigabytes of records
    would report the parent's peak)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _java_peak_mb() -> float:
    """Peak RSS of this process's JVM children (Spark), from /proc VmHWM."""
    total = 0.0
    me = os.getpid()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) != me:
                continue
            for line in (stat.parent / "status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    total += int(line.split()[1]) / 1024
        except (OSError, IndexError, ValueError):
            continue
    return total


def worker_engine(engine: str, data: Path) -> dict[str, Any]:
    from ecluse.usage import score_records

    eng: Any = engine
    if engine == "spark":
        from ecluse.usage import SparkEngine

        eng = SparkEngine(master="local[2]")
        eng.session.sparkContext.setLogLevel("ERROR")
    w0, c0 = time.perf_counter(), time.process_time()
    res = score_records([data / "cdr"], engine=eng, windows=("day",))
    wall, cpu = time.perf_counter() - w0, time.process_time() - c0
    out = {
        "records": res.records,
        "lines": res.lines,
        "alerts": len(res.alerts),
        "wall": wall,
        "cpu": cpu,
        "peak_mb": _peak_mb(),
    }
    if engine == "spark":
        out["jvm_peak_mb"] = _java_peak_mb()
        eng.close()
    return out


def pandas_features(data: Path) -> Any:
    """The same per-day features, written the way a pandas user would."""
    import numpy as np
    import pandas as pd

    from ecluse.usage import UsageConfig, load_ranges

    cfg = UsageConfig()
    files = sorted((data / "cdr").glob("*.parquet"))
    df = pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
    # the store keeps the numbers and IMEIs as integers (ecluse.usage._schema): back to their
    # text, which the number ranges are written in (the simulator writes no short codes)
    df["msisdn"] = "+" + df["msisdn"].astype(str)
    party = df["other_party"].dropna().astype("int64")
    df["other_party"] = ("+" + party.astype(str)).reindex(df.index)
    imei = df["imei"].dropna().astype("int64")
    df["imei"] = imei.astype(str).str[1:].reindex(df.index)
    off = cfg.local_utc_offset_h * 3600
    df["start_s"] = df["start_time"].astype("int64") // 10**6
    df["w"] = df["start_time"].dt.floor("D")
    lh = ((df["start_s"] + off) % 86400) // 3600
    wd = ((df["start_s"] + off) // 86400 + 3) % 7
    voice, sms, data_ = df["type"] == "voice", df["type"] == "sms", df["type"] == "data"
    out, inn = df["direction"] == "out", df["direction"] == "in"
    talk = ~data_
    df["voice_out_n"] = (voice & out).astype(int)
    df["voice_in_n"] = (voice & inn).astype(int)
    df["sms_out_n"] = (sms & out).astype(int)
    df["sms_in_n"] = (sms & inn).astype(int)
    df["data_n"] = data_.astype(int)
    df["voice_out_s"] = np.where(voice & out, df["duration_s"], 0)
    df["voice_in_s"] = np.where(voice & inn, df["duration_s"], 0)
    df["data_bytes"] = np.where(data_, df["bytes"], 0)
    df["short_n"] = (voice & (df["duration_s"] <= cfg.short_call_s)).astype(int)
    df["night_n"] = (talk & ((lh >= cfg.night_start_h) | (lh < cfg.night_end_h))).astype(int)
    df["daytime_n"] = (talk & (lh >= 7) & (lh < 21)).astype(int)
    df["business_n"] = (talk & (wd < 5) & (lh >= 8) & (lh < 18)).astype(int)
    ring = voice & inn & (df["duration_s"] <= cfg.one_ring_s)
    df["ring_n"] = ring.astype(int)
    df["ring_s"] = df["start_s"].where(ring)
    df["call_out_s"] = df["start_s"].where(voice & out)
    sums = [
        "voice_out_n", "voice_in_n", "sms_out_n", "sms_in_n", "data_n", "voice_out_s",
        "voice_in_s", "data_bytes", "short_n", "night_n", "daytime_n", "business_n", "ring_n",
        "charge",
    ]  # fmt: skip
    keys = ["msisdn", "w", "other_party"]
    pairs = df.groupby(keys, dropna=False, sort=False).agg(
        **{c: (c, "sum") for c in sums},
        n_records=("start_s", "size"),
        first_ring_s=("ring_s", "min"),
        last_call_out_s=("call_out_s", "max"),
        last_event_s=("start_s", "max"),
        plan=("plan", "max"),
    )
    pairs = pairs.reset_index()
    # longest-prefix classification of the distinct parties, one dictionary per prefix length
    ranges = load_ranges()
    parties = pd.Series(pairs["other_party"].dropna().unique())
    cls = pd.Series(index=parties, dtype=object)
    country = pd.Series(index=parties, dtype=object)
    for n in sorted({len(r.prefix) for r in ranges.ranges}):
        table = {r.prefix: r for r in ranges.ranges if len(r.prefix) == n}
        hit = parties.str[:n].map(table)
        found = hit.notna().to_numpy()
        cls[found] = [r.range_class for r in hit[found]]
        country[found] = [r.country for r in hit[found]]
    pairs["cls"] = pairs["other_party"].map(cls).fillna("short_code")
    pairs["country"] = pairs["other_party"].map(country).fillna("")
    home = pairs["country"] == cfg.home_country
    has_party = pairs["other_party"].notna()
    pairs["out_n"] = pairs["voice_out_n"] + pairs["sms_out_n"]
    pairs["in_n"] = pairs["voice_in_n"] + pairs["sms_in_n"]
    risky = (pairs["cls"] == "high_risk") | ((pairs["cls"] == "premium") & ~home)
    intl = (pairs["cls"] != "short_code") & ~home
    pairs["d_out"] = (has_party & (pairs["out_n"] > 0)).astype(int)
    pairs["d_in"] = (has_party & (pairs["in_n"] > 0)).astype(int)
    pairs["d_sms"] = (has_party & (pairs["sms_out_n"] > 0)).astype(int)
    pairs["sq"] = np.where(has_party, pairs["out_n"] ** 2, 0)
    pairs["top"] = np.where(has_party, pairs["out_n"], 0)
    pairs["national_out_n"] = np.where(pairs["cls"] == "national", pairs["out_n"], 0)
    pairs["intl_out_n"] = np.where(intl, pairs["out_n"], 0)
    pairs["risk_out_n"] = np.where(risky, pairs["out_n"], 0)
    pairs["risk_out_s"] = np.where(risky, pairs["voice_out_s"], 0)
    pairs["risk_ring_n"] = np.where(risky, pairs["ring_n"], 0)
    pairs["callback"] = (
        risky & (pairs["ring_n"] > 0) & (pairs["last_call_out_s"] > pairs["first_ring_s"])
    ).astype(int)
    pairs["out_country"] = pairs["country"].where(intl & (pairs["out_n"] > 0))
    line = pairs.groupby(["msisdn", "w"], sort=False).agg(
        **{c: (c, "sum") for c in [*sums, "n_records"]},
        plan=("plan", "max"),
        last_event_s=("last_event_s", "max"),
        distinct_out=("d_out", "sum"),
        distinct_in=("d_in", "sum"),
        distinct_sms_out=("d_sms", "sum"),
        top1_n=("top", "max"),
        sq_n=("sq", "sum"),
        national_out_n=("national_out_n", "sum"),
        intl_out_n=("intl_out_n", "sum"),
        risk_out_n=("risk_out_n", "sum"),
        risk_out_s=("risk_out_s", "sum"),
        risk_ring_n=("risk_ring_n", "sum"),
        risk_callback_n=("callback", "sum"),
        out_countries=("out_country", "nunique"),
    )
    ordered = df.sort_values("start_s", kind="stable")
    dev = ordered.groupby(["msisdn", "w"], sort=False).agg(
        cells=("cell_id", "nunique"),
        imeis=("imei", "nunique"),
        imei_first=("imei", "first"),
        imei_last=("imei", "last"),
        roaming_countries=("roaming_country", "nunique"),
        roaming_country=("roaming_country", "last"),
    )
    calls = ordered[voice & out & (df["duration_s"] > 0)][["msisdn", "w", "start_s", "duration_s"]]
    calls = calls.sort_values(["msisdn", "w", "start_s"], kind="stable")
    calls["end_s"] = calls["start_s"] + calls["duration_s"]
    prev = calls.groupby(["msisdn", "w"], sort=False)["end_s"].transform(
        lambda s: s.cummax().shift(1)
    )
    calls["overlap"] = (calls["start_s"] < prev).astype(int)
    overlap = calls.groupby(["msisdn", "w"], sort=False)["overlap"].sum().rename("overlap_n")
    feat = line.join(dev).join(overlap).fillna({"overlap_n": 0}).reset_index()
    n_out = (feat["voice_out_n"] + feat["sms_out_n"]).clip(lower=1)
    n_all = feat["voice_out_n"] + feat["sms_out_n"] + feat["voice_in_n"] + feat["sms_in_n"]
    for c in ("national_out_n", "intl_out_n", "top1_n"):
        feat[c.replace("_n", "_share")] = feat[c] / n_out
    feat["hhi"] = feat["sq_n"] / n_out**2
    feat["night_share"] = feat["night_n"] / n_all.clip(lower=1)
    peers = feat.groupby(["plan", "w"])["charge"]
    feat["peer_charge_avg"] = peers.transform("mean")
    feat["peer_charge_std"] = peers.transform("std")
    return feat


def worker_pandas(data: Path) -> dict[str, Any]:
    w0, c0 = time.perf_counter(), time.process_time()
    feat = pandas_features(data)
    wall, cpu = time.perf_counter() - w0, time.process_time() - c0
    records = int(feat["n_records"].sum())
    # same numbers as Ecluse's features (feed, kernel, per-line SQL)?
    from ecluse.usage import DuckDBEngine, UsageConfig, compute_features

    eng = DuckDBEngine()
    compute_features(eng, [data / "cdr"], UsageConfig(), ["day"])
    cols = ["distinct_out", "risk_out_s", "overlap_n", "cells", "imeis", "sq_n", "night_n"]
    duck = eng.fetch(
        f"SELECT msisdn, window_start AS w, {', '.join(cols)} FROM features_day"
    ).to_pandas()
    duck["w"] = duck["w"].astype(feat["w"].dtype)
    merged = feat[["msisdn", "w", *cols]].merge(duck, on=["msisdn", "w"], suffixes=("_pd", "_db"))
    same = all((merged[f"{c}_pd"] == merged[f"{c}_db"]).all() for c in cols)
    return {
        "records": records,
        "wall": wall,
        "cpu": cpu,
        "peak_mb": _peak_mb(),
        "same_as_sql": bool(same and len(merged) == len(feat) == len(duck)),
    }


def worker_quality(data: Path) -> dict[str, Any]:
    from ecluse.usage import LinePseudonymiser, evaluate, read_labels, score_records

    pseudo = LinePseudonymiser.from_secret()
    w0 = time.perf_counter()
    res = score_records([data / "cdr"], pseudonymiser=pseudo)
    wall = time.perf_counter() - w0
    ev = evaluate(res.alerts, read_labels(data / "labels.csv"), pseudo, lines=res.lines)
    return {
        "records": res.records,
        "lines": res.lines,
        "wall": wall,
        "alerts": len(res.alerts),
        "legit_suspensions": ev.legitimate_suspensions,
        "scenarios": [q.__dict__ for q in ev.scenarios],
    }


def _run(kind: str, data: Path) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--worker", kind, "--data", str(data)]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"worker {kind} failed:\n{proc.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    result["load"] = os.getloadavg()[0]
    return result


# -- the run --------------------------------------------------------------------------------
def _rate(r: dict[str, Any]) -> str:
    return f"{r['records'] / r['wall']:,.0f}"


def _cpu_rate(r: dict[str, Any]) -> str:
    """Records per second if the process had had 2 idle cores (its CPU time over 2 cores).

    Not for Spark: the work happens in the JVM, whose CPU time this process does not see.
    """
    if "jvm_peak_mb" in r:
        return "-"
    return f"{r['records'] / max(r['cpu'], 1e-9) * 2:,.0f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--records",
        type=int,
        default=1_000_000 * PER_LINE,
        help="size of the DuckDB run (default: issue #5's one million lines, one day)",
    )
    ap.add_argument("--pandas-records", type=int, default=3_500_000)
    ap.add_argument("--spark-records", type=int, default=3_500_000)
    ap.add_argument("--quality-lines", type=int, default=10_000)
    ap.add_argument("--quality-days", type=int, default=30)
    ap.add_argument("--no-spark", action="store_true")
    ap.add_argument("--no-quality", action="store_true", help="skip the simulated month")
    ap.add_argument("--no-write", action="store_true", help="do not update docs/benchmarks.md")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        fn = {
            "duckdb": lambda d: worker_engine("duckdb", d),
            "spark": lambda d: worker_engine("spark", d),
            "pandas": worker_pandas,
            "quality": worker_quality,
        }[args.worker]
        print(json.dumps(fn(args.data)))
        return

    where = machine()
    print(where, flush=True)
    full = _dataset(max(1, args.records // PER_LINE))
    subset = _dataset(max(1, min(args.records, args.pandas_records) // PER_LINE))
    print("duckdb, full size ...", flush=True)
    duck_full = _run("duckdb", full)
    print("duckdb, pandas subset ...", flush=True)
    duck_sub = _run("duckdb", subset)
    print("pandas, subset ...", flush=True)
    pand = _run("pandas", subset)
    spark = None
    if not args.no_spark:
        sdata = _dataset(max(1, min(args.records, args.spark_records) // PER_LINE))
        print("spark local[2] ...", flush=True)
        spark = _run("spark", sdata)
    quality = None
    if not args.no_quality:
        print("quality, simulated month ...", flush=True)
        quality = _run("quality", _dataset(args.quality_lines, args.quality_days))

    ratio = (duck_sub["records"] / duck_sub["wall"]) / (pand["records"] / pand["wall"])
    # pandas works on one core, DuckDB on both: CPU time compares the work, wall time the wait
    cpu_ratio = pand["cpu"] / duck_sub["cpu"]
    rows = [
        ("DuckDB (full size)", duck_full),
        ("DuckDB (pandas subset)", duck_sub),
        ("pandas (subset)", pand),
    ]
    if spark:
        rows.append(("Spark local[2]", spark))
    lines = [
        "| engine | records | wall s | records/s | records/s on 2 idle cores (CPU time) | peak RSS MB | load avg |",  # noqa: E501
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, r in rows:
        mem = f"{r['peak_mb']:,.0f}"
        if "jvm_peak_mb" in r:
            mem += f" (+ JVM {r['jvm_peak_mb']:,.0f})"
        lines.append(
            f"| {name} | {r['records']:,} | {r['wall']:.1f} | {_rate(r)} | {_cpu_rate(r)} | {mem} "
            f"| {r['load']:.1f} |"
        )
    lines.append("")
    lines.append(
        f"DuckDB / pandas on the same {pand['records']:,} records: **{ratio:.1f}×** in wall "
        f"time, {cpu_ratio:.1f}× in CPU time (pandas features equal to Ecluse's: "
        f"{'yes' if pand['same_as_sql'] else 'NO'})."
    )
    body = "\n".join(
        [
            f"`.venv/bin/python bench/usage.py {shlex.join(sys.argv[1:])}` — {where}.",
            "",
            "Scoring = the daily job from Parquet, in a fresh process: features per line and day "
            "(one definition: a DuckDB feed, the numba kernel, per-line SQL), day detectors, "
            "alerts. Simulated records, one day, ~35 per line.",
            "",
            *lines,
            *(_quality_table(quality) if quality else []),
        ]
    )
    print()
    print(body)
    # a section without the quality table would drop the detection figures from the docs
    if not args.no_write and quality:
        write_section("Usage scoring", body)


def _quality_table(quality: dict[str, Any]) -> list[str]:
    q = [
        "",
        f"Detection quality on a simulated month ({quality['lines']:,} lines, "
        f"{quality['records']:,} records, every detector and window, scored in "
        f"{quality['wall']:.0f} s):",
        "",
        "| scenario | lines | precision | recall | lines alerted | suspension proposed |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for s in quality["scenarios"]:
        p = "-" if s["precision"] is None else f"{s['precision']:.2f}"
        r = "-" if s["recall"] is None else f"{s['recall']:.2f}"
        q.append(
            f"| {s['scenario']} | {s['lines']:,} | {p} | {r} | {s['alerted']:,} | "
            f"{s['suspension_proposals']:,} |"
        )
    q += [
        "",
        f"Suspension proposals on legitimate or normal lines: **{quality['legit_suspensions']}**.",
    ]
    return q


if __name__ == "__main__":
    main()
