"""Ingest call-record files (CSV or Parquet) into the day-partitioned Parquet store.

DuckDB reads each file as text, one validation query finds the first problem of every row,
bad rows go to a quarantine file (file, row, line, column, reason; never the values), the good
rows are deduplicated by record id (within the file and against the store) and written under
``records/day=YYYY-MM-DD/``. Files are named after the content hash, so a rerun after a crash
rewrites the same files, and the registry of ingested hashes makes a second run a no-op.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from ecluse.db import utcnow
from ecluse.errors import EcluseError
from ecluse.usage._schema import (
    RECORD_COLUMNS,
    REQUIRED_COLUMNS,
    legacy_imei_sql,
    legacy_number_sql,
    legacy_party_sql,
)
from ecluse.usage._tables import usage_ingested_files

__all__ = ["IngestReport", "UsageStore", "ingest_files"]

_E164 = r"\+[1-9][0-9]{6,14}"


@dataclass(frozen=True)
class UsageStore:
    """``<data-dir>/usage``: ``records/`` (Parquet by day) and ``quarantine/`` (CSV reports)."""

    root: Path

    @property
    def records_dir(self) -> Path:
        return self.root / "records"

    @property
    def quarantine_dir(self) -> Path:
        return self.root / "quarantine"


@dataclass(frozen=True)
class IngestReport:
    file: str
    status: str  # "ingested", "already ingested" or "rejected"
    rows_read: int = 0
    rows_stored: int = 0
    rows_duplicate: int = 0
    rows_quarantined: int = 0
    quarantine_file: Path | None = None
    message: str = ""


def _number(col: str) -> str:
    """SQL normalising a phone number to E.164: drop spaces, ``00`` -> ``+``, add ``+``."""
    raw = f"replace(replace(trim({col}), ' ', ''), '-', '')"
    return (
        f"CASE WHEN {raw} LIKE '00%' THEN '+' || substr({raw}, 3) "
        f"WHEN {raw} LIKE '+%' THEN {raw} "
        f"WHEN length({raw}) >= 7 THEN '+' || {raw} ELSE {raw} END"
    )


# (column, condition that makes the row bad, reason); the first that holds is reported
_CHECKS: tuple[tuple[str, str, str], ...] = (
    ("record_id", "record_id IS NULL OR trim(record_id) = ''", "missing"),
    ("msisdn", f"NOT coalesce(regexp_full_match(n_msisdn, '{_E164}'), false)",
     "not an international (E.164) number"),
    ("start_time", "t_start IS NULL", "missing or not an ISO 8601 date-time"),
    ("type", "n_type NOT IN ('voice', 'sms', 'data')", "not one of voice, sms, data"),
    ("direction", "n_direction NOT IN ('out', 'in')", "not one of out, in"),
    ("other_party", "n_type IN ('voice', 'sms') AND n_party IS NULL",
     "missing for a voice call or SMS"),
    ("other_party",
     f"n_party IS NOT NULL AND NOT regexp_full_match(n_party, '{_E164}|[0-9]{{2,6}}')",
     "not an international number or short code"),
    ("duration_s", "t_duration IS NULL OR t_duration < 0", "not a whole number of seconds >= 0"),
    ("bytes", "t_bytes IS NULL OR t_bytes < 0", "not a whole number >= 0"),
    ("imei", "n_imei IS NOT NULL AND NOT regexp_full_match(n_imei, '[0-9]{14,16}')",
     "not 14 to 16 digits"),
    ("roaming_country",
     "n_roaming IS NOT NULL AND NOT regexp_full_match(n_roaming, '[A-Z]{2}')",
     "not an ISO 3166 two-letter code"),
    ("charge", "t_charge IS NULL OR t_charge < 0 OR isnan(t_charge)", "not an amount >= 0"),
)  # fmt: skip


def _typed_sql() -> str:
    """Normalise and type the raw text columns of ``raw`` (one row per input row)."""
    party = f"nullif({_number('other_party')}, '')"
    return f"""
    SELECT rn, record_id,
      {_number("msisdn")} AS n_msisdn,
      CAST(TRY_CAST(trim(start_time) AS TIMESTAMPTZ) AS TIMESTAMP) AS t_start,
      lower(trim(type)) AS n_type,
      CASE lower(trim(direction)) WHEN 'mo' THEN 'out' WHEN 'mt' THEN 'in'
        ELSE lower(trim(direction)) END AS n_direction,
      {party} AS n_party,
      TRY_CAST(coalesce(nullif(trim(duration_s), ''), '0') AS INTEGER) AS t_duration,
      TRY_CAST(coalesce(nullif(trim(bytes), ''), '0') AS BIGINT) AS t_bytes,
      nullif(trim(cell_id), '') AS n_cell,
      nullif(trim(imei), '') AS n_imei,
      nullif(upper(trim(roaming_country)), '') AS n_roaming,
      TRY_CAST(coalesce(nullif(trim(charge), ''), '0') AS DOUBLE) AS t_charge,
      nullif(trim(plan), '') AS n_plan
    FROM raw
    """


def _problem_sql() -> str:
    whens = " ".join(f"WHEN {cond} THEN '{col}|{why}'" for col, cond, why in _CHECKS)
    return f"SELECT *, CASE {whens} END AS problem FROM ({_typed_sql()})"


def _file_hash(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _expand(paths: Iterable[Path]) -> list[Path]:
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            out.extend(sorted(f for f in p.rglob("*") if f.is_file() and _kind(f) is not None))
        else:
            out.append(p)
    return out


def _kind(path: Path) -> str | None:
    name = path.name.lower()
    if name.endswith((".csv", ".csv.gz")):
        return "csv"
    if name.endswith(".parquet"):
        return "parquet"
    return None


def _q(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _csv_header(path: Path) -> list[str]:
    import gzip

    opener: Any = gzip.open if path.name.lower().endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8", newline="") as fh:
        header = next(csv.reader(fh), None)
    if not header:
        raise EcluseError(f"{path.name}: line 1: empty file, expected a header row")
    return [h.strip().lower() for h in header]


def _load_raw(con: Any, path: Path, kind: str) -> tuple[list[str], list[int]]:
    """Create the text table ``raw`` (``rn`` + the record columns); returns (columns, rejects)."""
    rejected: list[int] = []
    if kind == "csv":
        con.execute("DROP TABLE IF EXISTS csv_rejects")
        con.execute("DROP TABLE IF EXISTS csv_rejects_scan")
        header = _csv_header(path)
        columns = "{" + ", ".join(f"{_q(h)}: 'VARCHAR'" for h in header) + "}"
        source = (
            f"read_csv({_q(str(path))}, header = true, auto_detect = false, "
            f"columns = {columns}, store_rejects = true, rejects_table = 'csv_rejects', "
            "rejects_scan = 'csv_rejects_scan')"
        )
    else:
        source = f"read_parquet({_q(str(path))}, file_row_number = true)"
        desc = con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()
        header = [str(r[0]).lower() for r in desc if r[0] != "file_row_number"]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise EcluseError(f"{path.name}: missing column(s): {', '.join(missing)}")
    cols = ", ".join(
        f'CAST("{c}" AS VARCHAR) AS {c}' if c in header else f"CAST(NULL AS VARCHAR) AS {c}"
        for c in RECORD_COLUMNS
    )
    rn = "file_row_number + 1" if kind == "parquet" else "row_number() OVER ()"
    con.execute(f"CREATE OR REPLACE TEMP TABLE raw AS SELECT {rn} AS rn, {cols} FROM {source}")
    if kind == "csv":
        rejected = [int(r[0]) for r in con.execute(
            "SELECT DISTINCT line FROM csv_rejects ORDER BY line").fetchall()]  # fmt: skip
    return header, rejected


def _line_of(rn: int, rejected: Sequence[int]) -> int:
    """Physical CSV line of the ``rn``-th accepted row, skipping header and rejected lines."""
    line = rn + 1
    for bad in rejected:
        if bad <= line:
            line += 1
    return line


def _write_quarantine(
    con: Any, store: UsageStore, path: Path, digest: str, kind: str, rejected: Sequence[int]
) -> tuple[int, Path | None]:
    bad = con.execute(
        "SELECT rn, problem FROM checked WHERE problem IS NOT NULL ORDER BY rn"
    ).fetchall()
    if not bad and not rejected:
        return 0, None
    store.quarantine_dir.mkdir(parents=True, exist_ok=True)
    out = store.quarantine_dir / f"{path.stem}-{digest[:12]}.csv"
    rows: list[tuple[int | str, int | str, str, str]] = []
    for line in rejected:
        rows.append(("", line, "", "malformed CSV row (wrong number of fields or quoting)"))
    for rn, problem in bad:
        col, _, why = str(problem).partition("|")
        rows.append((int(rn), _line_of(int(rn), rejected) if kind == "csv" else "", col, why))
    rows.sort(key=lambda r: int(r[1] or r[0] or 0))
    with out.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["file", "row", "line", "column", "reason"])
        for row in rows:
            w.writerow([path.name, *row])
    return len(rows), out


def _ingest_one(con: Any, engine: Engine, store: UsageStore, path: Path) -> IngestReport:
    kind = _kind(path)
    if kind is None:
        return IngestReport(path.name, "rejected", message="not a .csv, .csv.gz or .parquet file")
    if not path.is_file():
        return IngestReport(path.name, "rejected", message="no such file")
    digest = _file_hash(path)
    with engine.connect() as conn:
        seen = conn.execute(
            sa.select(usage_ingested_files.c.content_hash).where(
                usage_ingested_files.c.content_hash == digest
            )
        ).first()
    if seen:
        return IngestReport(path.name, "already ingested", message="same content ingested before")
    try:
        _, rejected = _load_raw(con, path, kind)
    except EcluseError as exc:
        return IngestReport(path.name, "rejected", message=str(exc).partition(": ")[2])
    except Exception as exc:  # DuckDB's own parse errors name the file, never the values
        return IngestReport(
            path.name, "rejected", message=f"unreadable {kind}: {type(exc).__name__}"
        )
    con.execute(f"CREATE OR REPLACE TEMP TABLE checked AS {_problem_sql()}")
    read = int(con.execute("SELECT count(*) FROM raw").fetchone()[0]) + len(rejected)
    quarantined, qfile = _write_quarantine(con, store, path, digest, kind, rejected)
    con.execute(
        "CREATE OR REPLACE TEMP TABLE fresh AS SELECT * FROM checked WHERE problem IS NULL "
        "QUALIFY row_number() OVER (PARTITION BY trim(record_id) ORDER BY rn) = 1"
    )
    days = [str(r[0]) for r in con.execute(
        "SELECT DISTINCT CAST(t_start AS DATE) FROM fresh").fetchall()]  # fmt: skip
    mine = f"f{digest[:16]}_"
    existing = [
        str(f)
        for d in days
        for f in sorted((store.records_dir / f"day={d}").glob("*.parquet"))
        if not f.name.startswith(mine)  # a rerun after a crash rewrites its own files
    ]
    if existing:
        listing = ", ".join(_q(f) for f in existing)
        con.execute(
            "DELETE FROM fresh WHERE trim(record_id) IN "
            # by name: stores of earlier versions hold the numbers as text
            f"(SELECT record_id FROM read_parquet([{listing}], union_by_name = true))"
        )
    stored = int(con.execute("SELECT count(*) FROM fresh").fetchone()[0])
    if stored:
        store.records_dir.mkdir(parents=True, exist_ok=True)
        # numbers as integers (see _schema); by line, then time: scoring groups by line, and a
        # line's rows together keep its groups in cache and compress better
        con.execute(
            f"""COPY (
              SELECT trim(record_id) AS record_id, {legacy_number_sql("n_msisdn")} AS msisdn,
                t_start AS start_time, n_type AS type, n_direction AS direction,
                {legacy_party_sql("n_party")} AS other_party,
                t_duration AS duration_s, t_bytes AS bytes, n_cell AS cell_id,
                {legacy_imei_sql("n_imei")} AS imei,
                n_roaming AS roaming_country, t_charge AS charge, n_plan AS plan,
                CAST(t_start AS DATE) AS day
              FROM fresh ORDER BY msisdn, t_start
            ) TO {_q(str(store.records_dir))} (FORMAT parquet, PARTITION_BY (day),
              OVERWRITE_OR_IGNORE, FILENAME_PATTERN '{mine}{{i}}')"""
        )
    duplicates = read - quarantined - stored
    with engine.begin() as conn:
        conn.execute(
            usage_ingested_files.insert().values(
                content_hash=digest,
                file_name=path.name[:255],
                ingested_at=utcnow(),
                rows_read=read,
                rows_stored=stored,
                rows_duplicate=duplicates,
                rows_quarantined=quarantined,
            )
        )
    return IngestReport(path.name, "ingested", read, stored, duplicates, quarantined, qfile)


def ingest_files(
    engine: Engine,
    store: UsageStore,
    paths: Sequence[Path],
    *,
    progress: Callable[[int, int], None] | None = None,
) -> list[IngestReport]:
    """Ingest files (or directories of them); one report per file, bad files never stop the rest."""
    import duckdb

    files = _expand(paths)
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    reports: list[IngestReport] = []
    try:
        for n, path in enumerate(files, 1):
            reports.append(_ingest_one(con, engine, store, path))
            if progress:
                progress(n, len(files))
    finally:
        con.close()
    return reports
