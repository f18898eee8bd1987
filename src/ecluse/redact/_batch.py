"""Bulk redaction of plain text or JSON Lines, on every core.

Each record (a line of text, or one field of a JSON object per line) is its own case: its
tokens are numbered from 1 and do not link records. A bad record is reported with its line
number and reason and the rest goes through; output is deterministic, so a rerun gives the
same file.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from itertools import islice
from typing import Any, TextIO

from ecluse.redact._pseudo import apply_tokens
from ecluse.redact._redactor import Redactor
from ecluse.redact._tokens import TokenMap
from ecluse.redact._types import RedactConfig

__all__ = ["BatchReport", "redact_lines"]

_CHUNK = 128


@dataclass
class BatchReport:
    """What a batch did: record counts, entity counts, and rejected lines (number, reason)."""

    records: int = 0
    redacted: int = 0
    entities: Counter[str] = field(default_factory=Counter)
    rejected: list[tuple[int, str]] = field(default_factory=list)


_worker: dict[str, Any] = {}


def _init(config: RedactConfig, fmt: str, field_name: str, lang: str) -> None:
    _worker.update(redactor=Redactor(config), fmt=fmt, field=field_name, lang=lang)


def _process(chunk: list[tuple[int, str]]) -> list[tuple[int, str | None, str | None, list[str]]]:
    """(line number, output line or None, rejection reason or None, entity types found)."""
    redactor: Redactor = _worker["redactor"]
    fmt, field_name, lang = _worker["fmt"], _worker["field"], _worker["lang"]
    texts: list[str] = []
    parsed: list[tuple[int, Any, str | None]] = []
    for lineno, line in chunk:
        if fmt == "text":
            parsed.append((lineno, None, None))
            texts.append(line)
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            parsed.append((lineno, None, f"not valid JSON ({exc.msg})"))
            continue
        if not isinstance(obj, dict):
            parsed.append((lineno, None, "not a JSON object"))
            continue
        value = obj.get(field_name)
        if not isinstance(value, str):
            why = "missing" if value is None else "not a string"
            parsed.append((lineno, None, f"field {field_name!r}: {why}"))
            continue
        parsed.append((lineno, obj, None))
        texts.append(value)
    found = iter(redactor.analyze_many(texts, lang=lang))
    out: list[tuple[int, str | None, str | None, list[str]]] = []
    text_iter = iter(texts)
    for lineno, obj, rejected in parsed:
        if rejected is not None:
            out.append((lineno, None, rejected, []))
            continue
        spans = next(found)
        # each record is its own case: a fresh token map, tokens numbered from 1
        redacted = apply_tokens(next(text_iter), spans, TokenMap(), lang).text
        kinds = [s.entity.value for s in spans]
        if obj is None:
            out.append((lineno, redacted, None, kinds))
        else:
            obj[field_name] = redacted
            out.append((lineno, json.dumps(obj, ensure_ascii=False), None, kinds))
    return out


def _chunks(lines: Iterable[str]) -> Iterator[list[tuple[int, str]]]:
    numbered = ((i, line.rstrip("\r\n")) for i, line in enumerate(lines, start=1))
    records = ((i, line) for i, line in numbered if line.strip())
    while chunk := list(islice(records, _CHUNK)):
        yield chunk


def redact_lines(
    lines: Iterable[str],
    out: TextIO,
    *,
    fmt: str = "text",
    field_name: str = "text",
    lang: str = "auto",
    config: RedactConfig | None = None,
    jobs: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> BatchReport:
    """Redact every record of ``lines`` into ``out`` (one output line per input record).

    ``fmt`` is ``text`` (each non-blank line is a message) or ``jsonl`` (``field_name`` of
    each object is redacted, the other fields are copied). ``jobs`` worker processes
    (default: every core; 1 runs in this process). Blank lines are skipped; rejected lines
    are reported, not written.
    """
    if fmt not in ("text", "jsonl"):
        raise ValueError("fmt must be 'text' or 'jsonl'")
    config = config or RedactConfig()
    jobs = jobs or os.cpu_count() or 1
    report = BatchReport()
    initargs = (config, fmt, field_name, lang)

    def consume(results: Iterable[list[tuple[int, str | None, str | None, list[str]]]]) -> None:
        for chunk in results:
            for lineno, line, reason, kinds in chunk:
                report.records += 1
                if reason is not None:
                    report.rejected.append((lineno, reason))
                    continue
                assert line is not None
                out.write(line + "\n")
                report.redacted += bool(kinds)
                report.entities.update(kinds)
            if progress:
                progress(len(chunk))

    if jobs == 1:
        _init(*initargs)
        consume(_process(c) for c in _chunks(lines))
    else:
        with ProcessPoolExecutor(jobs, initializer=_init, initargs=initargs) as pool:
            consume(pool.map(_process, _chunks(lines), chunksize=1))
    return report
