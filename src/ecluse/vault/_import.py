"""Streaming, crash-safe, idempotent import of CRM extracts (CSV or JSON Lines).

Rows are parsed, validated and sealed in worker processes and upserted by external id in the
main process, one transaction per chunk; a first load into an empty vault builds the blind
index's key at the end (``_first_load``). A crash loses at most the chunk in flight; a rerun
upserts every row again, so every valid row ends up exactly once. Memory stays constant:
duplicates within a file are found through the database (the row records which run and line
wrote it), not through an in-memory set.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import secrets
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import IO, Any, NamedTuple

import sqlalchemy as sa

from ecluse._csvsafe import csv_safe
from ecluse.db import utcnow
from ecluse.errors import InputError
from ecluse.keys import BlindIndexer, KeyMaker
from ecluse.vault._first_load import first_load
from ecluse.vault._parse import OPTIONAL_COLUMNS, REQUIRED_COLUMNS, Reject, parse_row
from ecluse.vault._seal import KnownCustomers, SealedRow, seal_rows
from ecluse.vault._store import Vault
from ecluse.vault._tables import import_runs

__all__ = ["ImportReport", "import_customers"]

_CSV_FIELD_LIMIT = 64 * 1024 * 1024  # parse huge fields so they can be rejected by name
# A CSV row travels to the workers as its list of fields (the header goes once per chunk):
# building the dict there, not in the main process, keeps the main process for writing.
_Record = tuple[int, dict[str, Any] | list[str] | Reject]
_Chunk = tuple[tuple[str, ...], list[_Record], KnownCustomers]
#: SQLite page cache for the importing connection: the blind-index B-tree takes inserts at
#: random positions, and a default 2 MB cache makes most of them re-read pages.
_IMPORT_CACHE_KIB = 64 * 1024
Progress = Callable[[int, int], None]
_WORKER_NICENESS = 5


@dataclass
class ImportReport:
    run_id: str
    source: str
    rows_read: int = 0
    imported: int = 0
    flagged: int = 0
    rejected: int = 0
    rejects_path: Path | None = None
    ignored_columns: list[str] = field(default_factory=list)
    seconds: float = 0.0
    reasons: dict[str, int] = field(default_factory=dict)
    # a first load's build of the blind index's key at the end, in seconds (None: not one)
    index_seconds: float | None = None

    @property
    def rows_per_second(self) -> float:
        return self.rows_read / self.seconds if self.seconds else 0.0


class _CountingReader(io.RawIOBase):
    """Counts and hashes the bytes the text layer pulls, for progress and the run's digest."""

    def __init__(self, raw: IO[bytes]) -> None:
        self._raw = raw
        self.count = 0
        self.sha256 = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._raw.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        self.count += n
        self.sha256.update(data)
        return n


def import_customers(
    vault: Vault,
    path: Path,
    *,
    rejects_path: Path,
    encoding: str = "utf-8",
    fmt: str | None = None,
    workers: int | None = None,
    chunk_size: int = 5000,
    progress: Progress | None = None,
) -> ImportReport:
    """Import one extract; rejected rows go to ``rejects_path`` with line, field and reason."""
    fmt = fmt or ("jsonl" if path.suffix.lower() in {".jsonl", ".ndjson", ".json"} else "csv")
    if fmt not in {"csv", "jsonl"}:
        raise InputError(f"unknown format {fmt!r} (csv or jsonl)", where=str(path))
    if not path.is_file():
        raise InputError("no such file", where=str(path))
    if workers is None:
        workers = 2 if path.stat().st_size > 2_000_000 else 0
    report = ImportReport(run_id="imp" + secrets.token_hex(6), source=path.name)
    started = time.perf_counter()
    with path.open("rb") as raw_file:
        counter = _CountingReader(raw_file)
        text = io.TextIOWrapper(
            io.BufferedReader(counter, 1 << 20),
            encoding="utf-8-sig" if encoding.lower() in {"utf-8", "utf8"} else encoding,
            errors="surrogateescape",
            newline="",
        )
        header: list[str] = []
        records = _read_csv(text, path, report, header) if fmt == "csv" else _read_jsonl(text)
        _start_run(vault, report)
        rejects_path.parent.mkdir(parents=True, exist_ok=True)
        with (
            rejects_path.open("w", newline="", encoding="utf-8") as rejects_file,
            first_load(vault.engine) as first,
        ):
            writer = csv.writer(rejects_file)
            writer.writerow(["file", "line", "field", "reason", "external_id"])

            def reject(r: Reject) -> None:
                report.rejected += 1
                key = f"{r.field}: {r.reason.split(' (')[0]}"
                report.reasons[key] = report.reasons.get(key, 0) + 1
                writer.writerow(
                    [path.name, r.line, r.field, csv_safe(r.reason), csv_safe(r.external_id)]
                )

            keys = _Keys(vault.keyring.indexer, vault.keyring.key_maker)
            chunks = _prepared_chunks(
                records, header, keys, vault.known_customers, chunk_size, workers
            )
            for prepared in chunks:
                good = [p for p in prepared if isinstance(p, SealedRow)]
                report.rows_read += len(prepared)
                for bad in prepared:
                    if isinstance(bad, Reject):
                        reject(bad)
                with vault.engine.begin() as conn:
                    if conn.dialect.name == "sqlite":
                        conn.exec_driver_sql(f"PRAGMA cache_size=-{_IMPORT_CACHE_KIB}")
                    duplicates = vault.write_batch(conn, good, report.run_id, first_load=first)
                    imported = len(good) - len(duplicates)
                    report.imported += imported
                    dup_lines = {d.line for d in duplicates}
                    report.flagged += sum(
                        1 for p in good if p.invalid_fields and p.line not in dup_lines
                    )
                    _progress_run(conn, report, prepared[-1].line)
                for dup in duplicates:
                    reject(dup)
                rejects_file.flush()
                if progress:
                    progress(counter.count, report.rows_read)
            loaded = time.perf_counter()
        if first:  # its key was built as the block ended
            report.index_seconds = time.perf_counter() - loaded
        report.seconds = time.perf_counter() - started
        _finish_run(vault, report, counter.sha256.hexdigest())
    report.rejects_path = rejects_path
    return report


class _Keys(NamedTuple):
    """What parsing and sealing need: the blind-index key and the active KEK, nothing else."""

    indexer: BlindIndexer
    maker: KeyMaker


def _prepared_chunks(
    records: Iterable[_Record],
    header: list[str],
    keys: _Keys,
    known: Callable[[list[str]], KnownCustomers],
    size: int,
    workers: int,
) -> Iterator[list[SealedRow | Reject]]:
    """Parsed and sealed chunks, in file order; ``header`` is filled by the CSV reader once it
    has read it. Each chunk travels with the customers it names who are already known, so
    their rows are sealed under their own id and key where they are parsed."""

    def with_known(chunk: list[_Record]) -> _Chunk:
        head = tuple(header)
        return head, chunk, known(_external_ids(head, chunk))

    chunks = (with_known(chunk) for chunk in _chunked(records, size))
    if workers <= 0:
        for chunk in chunks:
            yield _prepare(chunk, keys)
        return
    ctx = get_context("forkserver")
    with ProcessPoolExecutor(
        workers, mp_context=ctx, initializer=_init_worker, initargs=(keys,)
    ) as pool:
        pending: deque[Future[list[SealedRow | Reject]]] = deque()
        for chunk in chunks:
            pending.append(pool.submit(_prepare_in_worker, chunk))
            if len(pending) >= workers * 2:  # bounded in-flight work: constant memory
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


_worker_keys: _Keys | None = None


def _init_worker(keys: _Keys) -> None:
    global _worker_keys
    _worker_keys = keys
    # The writing process is the pipeline's serial stage: when the cores are all busy it goes
    # first, and the workers take what is left (they are ahead by a few chunks anyway).
    os.nice(_WORKER_NICENESS)


def _prepare_in_worker(chunk: _Chunk) -> list[SealedRow | Reject]:
    assert _worker_keys is not None
    return _prepare(chunk, _worker_keys)


def _prepare(chunk: _Chunk, keys: _Keys) -> list[SealedRow | Reject]:
    header, records, known = chunk
    parsed = [
        v
        if isinstance(v, Reject)
        else parse_row(
            dict(zip(header, v, strict=True)) if isinstance(v, list) else v, line, keys.indexer
        )
        for line, v in records
    ]
    return seal_rows(parsed, keys.maker, known)


def _external_ids(header: tuple[str, ...], records: list[_Record]) -> list[str]:
    """The external ids a chunk names, as ``parse_row`` reads them (blank ones left out)."""
    at = header.index("external_id") if "external_id" in header else -1
    ids = (
        str(v.get("external_id") or "") if isinstance(v, dict) else v[at] if at >= 0 else ""
        for _, v in records
        if not isinstance(v, Reject)
    )
    return [i for i in (x.strip() for x in ids) if i]


def _chunked(records: Iterable[_Record], size: int) -> Iterator[list[_Record]]:
    chunk: list[_Record] = []
    for record in records:
        chunk.append(record)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _read_csv(
    text: IO[str], path: Path, report: ImportReport, header_out: list[str]
) -> Iterator[_Record]:
    csv.field_size_limit(_CSV_FIELD_LIMIT)
    first = text.readline()
    if not first.strip():
        raise InputError("empty file: expected a header line", where=f"{path}:1")
    delimiter = max(",;\t", key=first.count)
    header = [h.strip().lower() for h in next(csv.reader([first], delimiter=delimiter))]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise InputError(f"missing required columns: {', '.join(missing)}", where=f"{path}:1")
    known = set(REQUIRED_COLUMNS) | set(OPTIONAL_COLUMNS)
    report.ignored_columns = [h for h in header if h not in known]
    header_out[:] = header
    reader = csv.reader(text, delimiter=delimiter, strict=True)
    line = 1
    while True:
        start = line + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            line = reader.line_num + 1
            yield start, Reject(start, "-", f"malformed CSV ({exc})")
            continue
        line = reader.line_num + 1
        if not row or row == [""]:
            continue
        if len(row) != len(header):
            yield start, Reject(start, "-", f"expected {len(header)} fields, got {len(row)}")
            continue
        yield start, row


def _read_jsonl(text: IO[str]) -> Iterator[_Record]:
    for number, raw in enumerate(text, start=1):
        if not raw.strip():
            continue
        try:
            value = json.loads(raw)
        except json.JSONDecodeError as exc:
            yield number, Reject(number, "-", f"invalid JSON ({exc.msg} at column {exc.colno})")
            continue
        except UnicodeEncodeError:
            yield number, Reject(number, "-", "not valid UTF-8")
            continue
        if not isinstance(value, dict):
            yield number, Reject(number, "-", "a line must be a JSON object")
            continue
        yield number, {str(k).lower(): v for k, v in value.items()}


def _start_run(vault: Vault, report: ImportReport) -> None:
    with vault.engine.begin() as conn:
        conn.execute(
            import_runs.insert().values(
                id=report.run_id, source=report.source[:255], status="running", started_at=utcnow()
            )
        )


def _progress_run(conn: sa.Connection, report: ImportReport, last_line: int) -> None:
    conn.execute(
        import_runs.update()
        .where(import_runs.c.id == report.run_id)
        .values(
            last_line=last_line,
            rows_imported=report.imported,
            rows_flagged=report.flagged,
            rows_rejected=report.rejected,
        )
    )


def _finish_run(vault: Vault, report: ImportReport, sha256: str) -> None:
    with vault.engine.begin() as conn:
        conn.execute(
            import_runs.update()
            .where(import_runs.c.id == report.run_id)
            .values(
                status="done",
                sha256=sha256,
                finished_at=utcnow(),
                rows_imported=report.imported,
                rows_flagged=report.flagged,
                rows_rejected=report.rejected,
            )
        )
