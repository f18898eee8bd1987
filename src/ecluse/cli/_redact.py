"""``ecluse redact``: pseudonymise personal data in plain text or JSON Lines, on every core."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, TextIO

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from ecluse.cli._app import app, data_dir, err_console
from ecluse.config import load_settings
from ecluse.errors import InputError
from ecluse.redact import RedactConfig
from ecluse.redact._batch import redact_lines


def _open_input(source: str) -> tuple[TextIO, int | None]:
    if source == "-":
        return sys.stdin, None
    path = Path(source)
    try:
        with path.open("rb") as fh:
            total = sum(1 for line in fh if line.strip())
        return path.open(encoding="utf-8"), total
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", where=str(path)) from None


@app.command("redact")
def redact(
    source: Annotated[
        str, typer.Argument(metavar="[FILE|-]", help="Input file, or - for standard input.")
    ] = "-",
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write here instead of standard output."),
    ] = None,
    fmt: Annotated[
        str,
        typer.Option(
            "--format",
            help="text (one message per line) or jsonl; default: jsonl for .jsonl/.ndjson files.",
        ),
    ] = "auto",
    field: Annotated[str, typer.Option("--field", help="JSON Lines field to redact.")] = "text",
    lang: Annotated[str, typer.Option("--lang", help="auto, fr, nl or en.")] = "auto",
    jobs: Annotated[
        int, typer.Option("--jobs", "-j", min=0, help="Worker processes (0: every core).")
    ] = 0,
    no_ner: Annotated[
        bool, typer.Option("--no-ner", help="Skip the French spaCy model (faster, fewer names).")
    ] = False,
) -> None:
    """Replace personal data by typed tokens ([PERSON_1], [PHONE_1], ...) in each record.

    Each record is its own case: tokens restart at 1 and link nothing across records. The
    operator's allow-list and number patterns come from the "redact" table of ecluse.toml.
    Rejected lines are listed on standard error with their line number; the rest goes through.
    """
    if lang not in ("auto", "fr", "nl", "en"):
        raise InputError("must be auto, fr, nl or en", field="--lang")
    if fmt == "auto":
        fmt = "jsonl" if source.endswith((".jsonl", ".ndjson")) else "text"
    if fmt not in ("text", "jsonl"):
        raise InputError("must be text or jsonl", field="--format")
    settings = load_settings(data_dir())
    config = RedactConfig.from_section(settings.section("redact"))
    if no_ner:
        config = RedactConfig(**{**config.__dict__, "use_ner": False})
    reader, total = _open_input(source)
    writer: TextIO = output.open("w", encoding="utf-8") if output else sys.stdout
    try:
        with Progress(
            TextColumn("redacting"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err_console,
            transient=True,
        ) as bar:
            task = bar.add_task("redact", total=total)
            report = redact_lines(
                reader,
                writer,
                fmt=fmt,
                field_name=field,
                lang=lang,
                config=config,
                jobs=jobs or None,
                progress=lambda n: bar.advance(task, n),
            )
    finally:
        if reader is not sys.stdin:
            reader.close()
        if output:
            writer.close()
    where = source if source != "-" else "stdin"
    for lineno, reason in report.rejected:
        err_console.print(
            f"{where}:{lineno}: {reason}", markup=False, highlight=False, soft_wrap=True
        )
    found = ", ".join(f"{k} {v}" for k, v in sorted(report.entities.items())) or "nothing"
    err_console.print(
        f"{report.records} records, {report.redacted} with personal data ({found}), "
        f"{len(report.rejected)} rejected",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )
