"""``ecluse cases``: open cases, list queues, run the offboarding reroute."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from ecluse.cases import Priority, desk_for
from ecluse.cli._app import app, console, installation
from ecluse.org import find_person, principal_for
from ecluse.vault import vault_of
from ecluse.vocabulary import CaseType

cases_app = typer.Typer(
    help="The case desk: open cases, queues, offboarding.", no_args_is_help=True
)
app.add_typer(cases_app, name="cases")


@cases_app.command("open")
def open_case(
    customer: Annotated[str, typer.Option(help="Vault id or CRM external id.")],
    case_type: Annotated[CaseType, typer.Option("--type", help="The case type.")],
    priority: Annotated[
        Priority, typer.Option(help="Priority (scales the SLA).")
    ] = Priority.NORMAL,
) -> None:
    """Open a case for a customer; it is routed at once (language × type → site → agent)."""
    with installation() as inst:
        desk = desk_for(inst)
        case = desk.open_case(
            vault_of(inst).resolve(customer), case_type, actor="cli", priority=priority
        )
    due = case.due_at.isoformat(timespec="minutes") if case.due_at else "—"
    where = f"vendor {case.vendor_id}" if case.vendor_id else "operator queue"
    console.print(
        f"{case.id}: {case.case_type.value} {case.status.value}, {where}, "
        f"agent {case.assignee_id or '—'}, due {due}"
    )


@cases_app.command("list")
def list_cases(
    user: Annotated[str, typer.Option(help="Whose queue: the person's e-mail.")],
    closed: Annotated[
        bool, typer.Option("--closed", help="Include resolved and closed cases.")
    ] = False,
) -> None:
    """A person's queue, as they see it (no customer data: ids, types, status, SLA)."""
    with installation() as inst:
        principal = principal_for(inst.engine, find_person(inst.engine, user).id)
        cases = desk_for(inst).queue(principal, include_closed=closed)
    table = Table()
    table.add_column("case", no_wrap=True, min_width=15)
    for column in ("type", "status", "priority", "agent", "due"):
        table.add_column(column)
    for c in cases:
        table.add_row(
            c.id,
            c.case_type.value,
            c.status.value,
            c.priority.value,
            str(c.assignee_id or ""),
            c.due_at.isoformat(timespec="minutes") if c.due_at else "",
        )
    console.print(table)


@cases_app.command("reroute")
def reroute() -> None:
    """Return the open cases of leavers and ended vendor contracts to routing (run from cron)."""
    with installation() as inst:
        moved = desk_for(inst).reroute_without_access()
    console.print(f"{len(moved)} cases returned to routing")
