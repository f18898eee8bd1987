"""``ecluse policy``: check, show and explain the Cedar policies in force."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from ecluse.cli._app import app, console, err_console, installation
from ecluse.errors import InputError
from ecluse.policy import (
    ACCESS_LEGEND,
    OPERATOR,
    CaseContext,
    EditRight,
    PolicyBundle,
    PolicyEngine,
    PolicyError,
    Principal,
    Visibility,
    check_policies,
    explain,
    policy_dir,
    policy_matrix,
    policy_warnings,
)
from ecluse.vocabulary import CaseStatus, CaseType, FieldClass, Role

policy_app = typer.Typer(
    help="Check, show and explain the access policies (Cedar).", no_args_is_help=True
)
app.add_typer(policy_app, name="policy")

DirOption = Annotated[
    Path | None,
    typer.Option(
        "--dir",
        help="Use this policy directory (over the shipped defaults) instead of the installation's.",
        show_default=False,
    ),
]


def _bundle(directory: Path | None) -> PolicyBundle:
    """The policy set of ``directory``, or of the installation when none is given.

    Problems are printed one per line and end the command with exit code 1.
    """
    try:
        if directory is not None:
            return check_policies(directory)
        with installation() as inst:
            return check_policies(policy_dir(inst.settings))
    except PolicyError as exc:
        _report(exc)
        raise typer.Exit(1) from None


def _report(error: PolicyError) -> None:
    for problem in error.problems:
        err_console.print(str(problem), markup=False, highlight=False, soft_wrap=True)
    err_console.print(f"{len(error.problems)} problem(s); the policies were not loaded.")


@policy_app.command("check")
def check(
    directory: Annotated[
        Path | None,
        typer.Argument(
            help="Policy directory to check over the shipped defaults "
            "(default: the installation's).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Validate the policy files against the schema; exit 1 naming each file and line at fault."""
    bundle = _bundle(directory)
    per_file = Counter(where.rsplit(":", 1)[0] for where in bundle.locations.values())
    table = Table("file", "from", "policies", "sha256")
    for file in bundle.files:
        count = "-" if file.name.endswith(".toml") else str(per_file.get(file.name, 0))
        table.add_row(file.name, file.origin, count, file.sha256[:16])
    console.print(table)
    for warning in policy_warnings(_engine(directory)):
        err_console.print(f"warning: {warning}", markup=False, highlight=False, soft_wrap=True)
    console.print(f"OK: {len(bundle.locations)} policies; policy set {bundle.digest}")


@policy_app.command("show")
def show(
    directory: DirOption = None,
    list_only: Annotated[
        bool, typer.Option("--list", help="Only list the files, not their content.")
    ] = False,
) -> None:
    """Print the policy files in force (the defaults as overridden by the operator's)."""
    bundle = _bundle(directory)
    for file in bundle.files:
        console.print(
            f"# {file.name} ({file.origin}: {file.path}) sha256 {file.sha256}",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
        if not list_only:
            console.print(file.text, markup=False, highlight=False, soft_wrap=True)
    console.print(f"# policy set {bundle.digest}", markup=False, highlight=False)


@policy_app.command("explain")
def explain_command(
    user: Annotated[
        str | None, typer.Option(help="A real person (e-mail): with --case, explain their view.")
    ] = None,
    case_id: Annotated[
        str | None, typer.Option("--case", help="A real case id (with --user).")
    ] = None,
    role: Annotated[
        Role | None, typer.Option(help="The person's role.", show_default=False)
    ] = None,
    case_type: Annotated[
        CaseType | None, typer.Option(help="The case's type.", show_default=False)
    ] = None,
    vendor: Annotated[
        str, typer.Option(help="The person's vendor (\"operator\" for the operator's people).")
    ] = OPERATOR,
    site_country: Annotated[
        str, typer.Option(help="ISO country code of the person's site, e.g. MA.")
    ] = "",
    team: Annotated[str, typer.Option(help="The person's team.")] = "",
    status: Annotated[CaseStatus, typer.Option(help="The case's status.")] = (
        CaseStatus.IN_PROGRESS
    ),
    assigned: Annotated[
        bool,
        typer.Option(
            "--assigned/--not-assigned", help="Whether the case is assigned to the person."
        ),
    ] = True,
    team_queue: Annotated[
        bool, typer.Option("--team-queue", help="The case waits in the person's team queue.")
    ] = False,
    directory: DirOption = None,
) -> None:
    """Print, field by field, what a person sees of a case, and which policy decided.

    Either a real person and case (``--user U --case C``), or a hypothetical one
    (``--role R --case-type T`` and the other options).
    """
    if user or case_id:
        if not (user and case_id):
            raise InputError("--user and --case go together", field="case")
        _explain_real(user, case_id, directory)
        return
    if role is None or case_type is None:
        raise InputError("give --user and --case, or --role and --case-type", field="role")
    principal = Principal(role, vendor=vendor, site_country=site_country.upper(), team=team)
    case = CaseContext(
        case_type, status, assigned_to_principal=assigned, in_principal_team_queue=team_queue
    )
    print_explanation(_engine(directory), principal, case)


def _explain_real(user: str, case_id: str, directory: Path | None) -> None:
    from ecluse.cases import desk_for, policy_principal
    from ecluse.org import find_person, principal_for

    with installation() as inst:
        person = principal_for(inst.engine, find_person(inst.engine, user).id)
        desk = desk_for(inst)
        case = desk.get(case_id)
        context = desk.context(person, case)
    print_explanation(_engine(directory), policy_principal(person), context)


def _engine(directory: Path | None) -> PolicyEngine:
    try:
        if directory is not None:
            return PolicyEngine(directory)
        with installation() as inst:
            return PolicyEngine.for_settings(inst.settings)
    except PolicyError as exc:
        _report(exc)
        raise typer.Exit(1) from None


_SHORT = {
    "national_number": "natnr",
    "supply_points": "suppl",
    "birth_date": "birth",
    "address": "addr",
}


@policy_app.command("matrix")
def matrix(
    status: Annotated[CaseStatus, typer.Option(help="The cases' status.")] = (
        CaseStatus.IN_PROGRESS
    ),
    directory: DirOption = None,
) -> None:
    """Print what every role sees of every case type, field by field, in one table."""
    rows = policy_matrix(_engine(directory), status)
    names = [_SHORT.get(fc.value, fc.value[:5]) for fc in FieldClass]
    lines = [["role", "case_type", *names]]
    lines += [[role.value, case_type.value, *cells.values()] for role, case_type, cells in rows]
    widths = [max(len(line[i]) for line in lines) for i in range(len(lines[0]))]
    for line in lines:
        text = "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True))
        console.print(text.rstrip(), markup=False, highlight=False, soft_wrap=True)
    console.print(
        f"{ACCESS_LEGEND}. Vendor roles on cases assigned to them, operator roles on any case.",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )


_EDIT_LABELS = {EditRight.NONE: "-", EditRight.DIRECT: "yes", EditRight.NEEDS_APPROVAL: "4-eyes"}


def print_explanation(engine: PolicyEngine, principal: Principal, case: CaseContext) -> None:
    """The explain table; ``--user U --case C`` will look the two up and call this too."""
    result = explain(engine, principal, case)
    who = f"{principal.role.value} of {principal.vendor}"
    if principal.site_country:
        who += f" ({principal.site_country})"
    flags = [case.status.value]
    flags.append("assigned" if case.assigned_to_principal else "not assigned")
    if case.in_principal_team_queue:
        flags.append("in team queue")
    table = Table(title=f"{who} on a {case.case_type.value} case ({', '.join(flags)})")
    table.add_column("field", no_wrap=True)
    for name in ("sees", "reveal", "edit", "approve", "export"):
        table.add_column(name, no_wrap=True)
    table.add_column("decided by", no_wrap=True)
    styles = {Visibility.HIDDEN: "dim", Visibility.MASKED: "yellow", Visibility.CLEAR: "red"}
    for row in result.rows:
        table.add_row(
            row.field_class.value,
            f"[{styles[row.visibility]}]{row.visibility.value}[/]",
            "yes" if row.reveal else ("blocked" if row.reveal_blocked_by else "-"),
            "blocked" if row.edit_blocked_by else _EDIT_LABELS[row.edit],
            "yes" if row.approve_edit else "-",
            "yes" if row.export else "-",
            "\n".join(row.all_policies) or "(default deny)",
        )
    # policy ids are long and must not be cut: rather wider than the terminal than truncated
    Console(width=max(console.width, 130)).print(table)
    console.print(
        f"Reveal quota: {result.reveal_quota} per day. 4-eyes: takes effect once a second "
        f"person approves. Policy set {result.policy_digest[:16]}."
    )
