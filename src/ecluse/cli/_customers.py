"""``ecluse customers``: import CRM extracts and operator-side admin look-ups."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from ecluse.cli._app import app, console, installation
from ecluse.errors import InputError
from ecluse.vault import Customer, ImportReport, import_customers, vault_of
from ecluse.vault._store import LOOKUP_KINDS

customers_app = typer.Typer(
    help="Operator-side customer administration (vendor roles never get these).",
    no_args_is_help=True,
)
app.add_typer(customers_app, name="customers")


@customers_app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="CRM extract: CSV (, ; or tab) or JSON Lines.")],
    rejects: Annotated[
        Path | None,
        typer.Option(
            help="Where to write rejected rows (default: <data-dir>/rejects/<file>.rejects.csv)."
        ),
    ] = None,
    encoding: Annotated[str, typer.Option(help="Text encoding of the file.")] = "utf-8",
    fmt: Annotated[
        str | None, typer.Option("--format", help="csv or jsonl (default: by extension).")
    ] = None,
    workers: Annotated[
        int | None, typer.Option(help="Parser processes (default: 2 for large files).")
    ] = None,
) -> None:
    """Import (upsert by external id) a CRM extract; rejected rows go to a rejects file.

    Rows whose optional fields are invalid (a bad e-mail, a wrong phone) are imported with
    those fields flagged; only rows without a usable identity are rejected. Rerunning the same
    file is idempotent.
    """
    with installation() as inst:
        target = rejects or inst.settings.data_dir / "rejects" / f"{file.name}.rejects.csv"
        size = file.stat().st_size if file.is_file() else 0
        with Progress(
            TextColumn("[bold]importing[/]"),
            BarColumn(),
            DownloadColumn(),
            TextColumn("{task.fields[rows]} rows"),
            TimeRemainingColumn(),
            console=console,
            transient=True,
        ) as bar:
            task = bar.add_task("import", total=size, rows=0)
            report = import_customers(
                vault_of(inst),
                file,
                rejects_path=target,
                encoding=encoding,
                fmt=fmt,
                workers=workers,
                progress=lambda done, rows: bar.update(task, completed=done, rows=rows),
            )
    _print_report(report)


def _print_report(report: ImportReport) -> None:
    console.print(
        f"{report.source}: {report.rows_read} rows read in {report.seconds:.1f} s "
        f"({report.rows_per_second:,.0f} rows/s)"
    )
    console.print(f"  imported: {report.imported} (of which {report.flagged} with flagged fields)")
    console.print(
        f"  rejected: {report.rejected}" + (f" -> {report.rejects_path}" if report.rejected else "")
    )
    for reason, count in sorted(report.reasons.items(), key=lambda kv: -kv[1]):
        console.print(f"    {count:>7}  {reason}", highlight=False)
    if report.ignored_columns:
        console.print(f"  ignored columns: {', '.join(report.ignored_columns)}", highlight=False)
    if report.index_seconds is not None:
        console.print(f"  first load: blind index built in {report.index_seconds:.1f} s")


@customers_app.command("show")
def show(ref: Annotated[str, typer.Argument(help="Vault id or CRM external id.")]) -> None:
    """Print one customer's record (operator admins only: this is clear data)."""
    with installation() as inst:
        vault = vault_of(inst)
        customer = vault.get(vault.resolve(ref))
    _print_customer(customer)


def _print_customer(c: Customer) -> None:
    table = Table(show_header=False, box=None)
    table.add_row("vault id", c.id)
    table.add_row("external id", c.external_id or "")
    table.add_row("name", c.full_name)
    table.add_row("language", c.language or "?")
    table.add_row("birth date", c.birth_date or "")
    table.add_row("national number", c.national_number or "")
    for a in c.addresses:
        table.add_row("address", a.one_line())
    table.add_row("phones", ", ".join(c.phones))
    table.add_row("e-mails", ", ".join(c.emails))
    table.add_row("IBAN", c.iban or "")
    for k in c.contracts:
        table.add_row("contract", f"{k.id} {k.product} since {k.start}")
    for m in c.lines:
        table.add_row("mobile line", f"{m.msisdn} {m.plan}")
    for s in c.supply_points:
        table.add_row("supply point", f"{s.ean} ({s.energy})")
    for issue in c.issues:
        table.add_row("[yellow]flagged[/]", f"{issue.field}: {issue.reason}")
    console.print(table)


@customers_app.command("find")
def find(
    phone: Annotated[str | None, typer.Option(help="Any national or international format.")] = None,
    email: Annotated[str | None, typer.Option()] = None,
    national_number: Annotated[
        str | None, typer.Option(help="National register or BIS number.")
    ] = None,
    iban: Annotated[str | None, typer.Option()] = None,
    ean: Annotated[str | None, typer.Option(help="18-digit supply-point EAN.")] = None,
) -> None:
    """Find customers by exact value through blind indexes; prints vault and external ids."""
    given = {
        k: v
        for k, v in {
            "phone": phone,
            "email": email,
            "national_number": national_number,
            "iban": iban,
            "ean": ean,
        }.items()
        if v
    }
    if len(given) != 1:
        raise InputError(
            f"give exactly one of --{', --'.join(k.replace('_', '-') for k in LOOKUP_KINDS)}"
        )
    ((kind, value),) = given.items()
    with installation() as inst:
        vault = vault_of(inst)
        ids = vault.find(kind, value)
        if not ids:
            console.print("no customer found")
            raise typer.Exit(1)
        for cid in ids:
            console.print(f"{cid}\t{vault.get(cid).external_id or ''}")


@customers_app.command("erase")
def erase(
    ref: Annotated[str, typer.Argument(help="Vault id or CRM external id.")],
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
) -> None:
    """Erase a customer (GDPR Art. 17): destroy their data key; their data becomes unreadable."""
    with installation() as inst:
        vault = vault_of(inst)
        cid = vault.resolve(ref)
        if not yes:
            typer.confirm(f"Erase customer {cid}? This cannot be undone.", abort=True)
        vault.erase(cid)
    console.print(f"erased {cid}")


@customers_app.command("access-report")
def access_report_cmd(
    ref: Annotated[str, typer.Argument(help="Vault id or CRM external id.")],
    fmt: Annotated[str, typer.Option("--format", help="json or html (printable).")] = "json",
    lang: Annotated[
        str | None, typer.Option(help="fr, nl or en (default: the customer's language).")
    ] = None,
    out: Annotated[Path | None, typer.Option(help="Write to this file instead of stdout.")] = None,
) -> None:
    """Who saw this customer's data: every access, from the ledger (GDPR Art. 15)."""
    from ecluse.ledger import ledger_for
    from ecluse.privacy import access_report, render_access_report_html

    if fmt not in ("json", "html"):
        raise InputError("json or html", field="format")
    with installation() as inst:
        vault = vault_of(inst)
        cid = vault.resolve(ref)
        language = lang or vault.get(cid).language or "en"
        report = access_report(ledger_for(inst), cid, language)
    text = (
        json.dumps(report.to_json(), indent=2, ensure_ascii=False)
        if fmt == "json"
        else render_access_report_html(report)
    )
    if out:
        out.write_text(text, encoding="utf-8")
        console.print(f"wrote {out}")
    else:
        typer.echo(text)
