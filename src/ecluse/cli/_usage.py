"""``ecluse usage ...``: ingest call records, simulate, score, list alerts, report."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from ecluse.cli._app import app, console, err_console, installation
from ecluse.usage import (
    ENGINES,
    WINDOWS,
    Evaluation,
    alert_counts,
    ingest,
    load_alerts,
    score,
    simulate,
)

__all__ = ["usage_app"]

usage_app = typer.Typer(
    help="Usage review: call records in, explained alerts out; people decide.",
    no_args_is_help=True,
)
app.add_typer(usage_app, name="usage")


def _bar(label: str) -> Progress:
    return Progress(
        TextColumn(label), BarColumn(), MofNCompleteColumn(), console=err_console, transient=True
    )


@usage_app.command("ingest")
def ingest_cmd(
    paths: Annotated[list[Path], typer.Argument(help="CSV/Parquet files or directories of them.")],
) -> None:
    """Validate, quarantine, deduplicate and store call-record files (idempotent per file)."""
    with installation() as inst, _bar("ingesting") as bar:
        task = bar.add_task("ingest", total=None)
        reports = ingest(
            inst, paths, progress=lambda n, total: bar.update(task, completed=n, total=total)
        )
    table = Table("file", "status", "read", "stored", "duplicates", "quarantined", "note")
    for r in reports:
        note = r.message or (str(r.quarantine_file) if r.quarantine_file else "")
        table.add_row(
            r.file, r.status, f"{r.rows_read:,}", f"{r.rows_stored:,}", f"{r.rows_duplicate:,}",
            f"{r.rows_quarantined:,}", note,
        )  # fmt: skip
    console.print(table)
    rejected = [r for r in reports if r.status == "rejected"]
    for r in rejected:
        typer.echo(f"rejected: {r.file}: {r.message}", err=True)
    if rejected:
        raise typer.Exit(1)


@usage_app.command("simulate")
def simulate_cmd(
    out: Annotated[Path, typer.Option("--out", help="Directory to write the files into.")],
    lines: Annotated[int, typer.Option(help="Number of lines (subscribers).")] = 10_000,
    days: Annotated[int, typer.Option(help="Number of days, one file per day.")] = 30,
    seed: Annotated[int, typer.Option(help="Random seed: same seed, same files.")] = 1,
    fmt: Annotated[str, typer.Option("--format", help="parquet or csv.")] = "parquet",
) -> None:
    """Write realistic call records with labelled fraud scenarios and hard legitimate cases."""
    with _bar("simulating days") as bar:
        task = bar.add_task("simulate", total=days)
        res = simulate(
            out, lines=lines, days=days, seed=seed, fmt=fmt,
            progress=lambda d, total: bar.update(task, completed=d),
        )  # fmt: skip
    console.print(f"{res.records:,} records for {res.lines:,} lines in {len(res.files)} files")
    console.print(f"labels: {res.labels}")
    for name, n in sorted(res.scenarios.items()):
        console.print(f"  {name}: {n} lines")


def _print_evaluation(ev: Evaluation) -> None:
    table = Table(
        "scenario", "lines", "precision", "recall", "lines alerted", "suspension proposed"
    )
    for q in ev.scenarios:
        table.add_row(
            q.scenario,
            f"{q.lines:,}",
            "-" if q.precision is None else f"{q.precision:.2f}",
            "-" if q.recall is None else f"{q.recall:.2f}",
            f"{q.alerted:,}",
            f"{q.suspension_proposals:,}",
        )
    console.print(table)
    console.print(
        f"suspension proposals on legitimate or normal lines: {ev.legitimate_suspensions}"
    )


@usage_app.command("score")
def score_cmd(
    engine: Annotated[str, typer.Option(help=f"Analytics engine: {' or '.join(ENGINES)}.")] = (
        "duckdb"
    ),
    labels: Annotated[
        Path | None,
        typer.Option(help="labels.csv from 'usage simulate': print precision and recall."),
    ] = None,
    window: Annotated[
        list[str] | None,
        typer.Option(help=f"Only detectors of this window ({', '.join(WINDOWS)}); repeatable."),
    ] = None,
) -> None:
    """Compute features and run the detectors over the stored records; save new alerts."""
    with installation() as inst, console.status("scoring") as status:
        outcome = score(
            inst, engine=engine, labels=labels, windows=window or None,
            progress=lambda step: status.update(f"scoring: {step}"),
        )  # fmt: skip
    r = outcome.result
    rate = r.records / r.seconds if r.seconds else 0.0
    console.print(
        f"{r.records:,} records, {r.lines:,} lines scored on {r.engine} in {r.seconds:.1f} s "
        f"({rate:,.0f} records/s); {len(r.alerts):,} alerts, {outcome.new_alerts:,} new"
    )
    if outcome.evaluation:
        _print_evaluation(outcome.evaluation)


@usage_app.command("alerts")
def alerts_cmd(
    limit: Annotated[int, typer.Option(help="How many alerts to show.")] = 20,
    lang: Annotated[str, typer.Option(help="Language of the explanations: en, fr or nl.")] = "en",
) -> None:
    """List stored alerts, most severe first, with their explanation and proposed actions."""
    with installation() as inst:
        alerts = load_alerts(inst.engine, limit=limit)
    if lang not in ("en", "fr", "nl"):
        raise typer.BadParameter("--lang is en, fr or nl")
    for a in alerts:
        console.print(
            f"[bold]{a.severity}[/bold] {a.detector} ({a.window} of "
            f"{a.window_start:%Y-%m-%d}) line {a.line_id}  [{a.alert_id}]"
        )
        console.print(f"  {a.explanation[lang]}", highlight=False)
        for text in a.legitimate[lang]:
            console.print(f"  legitimate? {text}", highlight=False)
        console.print(f"  proposed: {', '.join(a.proposed_actions)}")


@usage_app.command("report")
def report_cmd() -> None:
    """Alerts by detector and severity, then what people did with them: time to first human
    look, time to decision, suspensions, reversals (wrongful suspensions), time to restore."""
    from ecluse.review import review_report

    with installation() as inst:
        counts = alert_counts(inst.engine)
        review = review_report(inst.engine)
    table = Table("detector", "severity", "alerts")
    for (det, sev), n in sorted(counts.by_detector.items()):
        table.add_row(det, sev, f"{n:,}")
    console.print(table)
    console.print(f"alerts: {counts.total:,}")
    console.print(
        f"alerts proposing suspension (a person decides): {counts.suspension_proposals:,}"
    )
    console.print(f"confirmed IRSF (bounded automatic block eligible): {counts.confirmed_irsf:,}")
    console.print("\n".join(review.lines()), highlight=False)
