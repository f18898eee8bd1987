"""``ecluse operator|vendors|sites|users``: manage the organisation and its accounts.

Passwords are read from a hidden prompt or with ``--password-stdin``, never from an argument
(which ``ps`` would show). Listings never print hashes or tokens; a new API token is printed
once, at creation.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from ecluse.cli._app import app, console, installation
from ecluse.errors import InputError
from ecluse.installation import Installation
from ecluse.org import (
    AccountPolicy,
    Person,
    VendorStatus,
    add_person,
    add_site,
    add_vendor,
    confirm_totp,
    create_api_token,
    end_vendor_contract,
    enrol_totp,
    find_person,
    find_site,
    find_vendor,
    get_operator,
    get_vendor,
    list_api_tokens,
    list_people,
    list_sites,
    list_vendors,
    mark_leaver,
    reset_password,
    revoke_api_token,
    set_operator,
    set_role,
    set_vendor_status,
    update_person,
)
from ecluse.vocabulary import Role

operator_app = typer.Typer(help="The operator this installation serves.", no_args_is_help=True)
vendors_app = typer.Typer(help="Contact-centre vendors and their contracts.", no_args_is_help=True)
sites_app = typer.Typer(
    help="Vendors' sites: country, languages, business hours.", no_args_is_help=True
)
users_app = typer.Typer(help="People, their roles and their credentials.", no_args_is_help=True)
app.add_typer(operator_app, name="operator")
app.add_typer(vendors_app, name="vendors")
app.add_typer(sites_app, name="sites")
app.add_typer(users_app, name="users")

_PASSWORD_STDIN = typer.Option(
    "--password-stdin", help="Read the password from the first line of standard input."
)


def _when(text: str, field: str) -> datetime:
    """ISO 8601 date or date-time; without an offset it is taken as UTC."""
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise InputError("expected an ISO 8601 date or date-time", field=field) from None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def _stamp(value: datetime | None) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if value else "-"


def _print_table(table: Table) -> None:
    # Piped output (scripts, grep) gets whole cells; a terminal gets a table fitted to it.
    (console if console.is_terminal else Console(width=400)).print(table)


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline().rstrip("\r\n")
        if not line:
            raise InputError("no password on standard input", field="password")
        return line
    password: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return password


# -- operator ----------------------------------------------------------------------------------
@operator_app.command("set")
def operator_set(
    name: Annotated[str, typer.Argument(help="The operator's name.")],
    country: Annotated[str, typer.Option(help="ISO 3166 country code, e.g. BE.")],
) -> None:
    """Name the operator (one per installation; rerunning updates it)."""
    with installation() as inst:
        op = set_operator(inst.engine, name, country)
    console.print(f"Operator: {op.name} ({op.country})", highlight=False)


@operator_app.command("show")
def operator_show() -> None:
    """Print the operator's name and country."""
    with installation() as inst:
        op = get_operator(inst.engine)
    console.print(f"{op.name} ({op.country})" if op else "No operator set.", highlight=False)


# -- vendors -----------------------------------------------------------------------------------
@vendors_app.command("add")
def vendors_add(
    name: Annotated[str, typer.Argument(help="The vendor's name (unique).")],
    country: Annotated[
        list[str], typer.Option(help="Country it works from (ISO code); repeat for several.")
    ],
    start: Annotated[str, typer.Option(help="Contract start, ISO 8601 (UTC if no offset).")],
    end: Annotated[
        str | None, typer.Option(help="Contract end, ISO 8601 (open if absent).")
    ] = None,
) -> None:
    """Add a vendor with its contract window."""
    with installation() as inst:
        vendor = add_vendor(
            inst.engine,
            name,
            contract_start=_when(start, "start"),
            contract_end=_when(end, "end") if end else None,
            countries=country,
        )
    console.print(f"Vendor {vendor.id}: {vendor.name}", highlight=False)


@vendors_app.command("list")
def vendors_list() -> None:
    """List vendors, their countries and contract windows."""
    with installation() as inst:
        vendors = list_vendors(inst.engine)
    table = Table("id", "name", "countries", "contract start", "contract end", "status")
    for v in vendors:
        table.add_row(
            str(v.id),
            v.name,
            ",".join(v.countries),
            _stamp(v.contract_start),
            _stamp(v.contract_end),
            v.status.value,
        )
    _print_table(table)


@vendors_app.command("end-contract")
def vendors_end_contract(
    name: Annotated[str, typer.Argument(help="The vendor's name.")],
    at: Annotated[
        str | None, typer.Option(help="When the contract ends, ISO 8601 (default: now).")
    ] = None,
) -> None:
    """End a vendor's contract: from that instant none of its people has access, open
    sessions and API tokens included."""
    with installation() as inst:
        vendor = find_vendor(inst.engine, name)
        people = end_vendor_contract(inst.engine, vendor.id, at=_when(at, "at") if at else None)
        ends = get_vendor(inst.engine, vendor.id).contract_end
    verb = "lose" if ends and ends <= datetime.now(UTC) else "will lose"
    console.print(
        f"Contract of {vendor.name} ends {_stamp(ends)}: {len(people)} people {verb} access."
    )


@vendors_app.command("suspend")
def vendors_suspend(name: Annotated[str, typer.Argument(help="The vendor's name.")]) -> None:
    """Pause a vendor: its people lose access at once (sessions included) until resumed."""
    _set_status(name, VendorStatus.SUSPENDED)


@vendors_app.command("resume")
def vendors_resume(name: Annotated[str, typer.Argument(help="The vendor's name.")]) -> None:
    """Lift a suspension (access follows the contract window again)."""
    _set_status(name, VendorStatus.ACTIVE)


def _set_status(name: str, status: VendorStatus) -> None:
    with installation() as inst:
        vendor = set_vendor_status(inst.engine, find_vendor(inst.engine, name).id, status)
    console.print(f"{vendor.name}: {vendor.status.value}.", highlight=False)


# -- sites -------------------------------------------------------------------------------------
@sites_app.command("add")
def sites_add(
    vendor: Annotated[str, typer.Argument(help="The vendor's name.")],
    name: Annotated[str, typer.Argument(help="The site's name (unique per vendor).")],
    country: Annotated[str, typer.Option(help="ISO 3166 country code of the site.")],
    language: Annotated[
        list[str], typer.Option(help="Language served (ISO 639-1); repeat for several.")
    ],
    timezone: Annotated[str, typer.Option(help="IANA time zone, e.g. Africa/Casablanca.")],
    hours: Annotated[
        str,
        typer.Option(
            help="Business hours in local time, e.g. 'mon-fri 08:00-18:00; sat 09:00-13:00'."
        ),
    ] = "mon-fri 08:00-18:00",
) -> None:
    """Add a site to a vendor."""
    with installation() as inst:
        site = add_site(
            inst.engine,
            find_vendor(inst.engine, vendor).id,
            name,
            country=country,
            languages=language,
            timezone=timezone,
            hours=hours,
        )
    console.print(f"Site {site.id}: {site.name} ({site.country})", highlight=False)


@sites_app.command("list")
def sites_list(
    vendor: Annotated[str | None, typer.Option(help="Only this vendor's sites.")] = None,
) -> None:
    """List sites with their languages, time zone and business hours."""
    with installation() as inst:
        vendor_id = find_vendor(inst.engine, vendor).id if vendor else None
        names = {v.id: v.name for v in list_vendors(inst.engine)}
        sites = list_sites(inst.engine, vendor_id)
    table = Table("id", "vendor", "site", "country", "languages", "time zone", "hours")
    for s in sites:
        table.add_row(
            str(s.id),
            names[s.vendor_id],
            s.name,
            s.country,
            ",".join(s.languages),
            s.timezone,
            s.hours.format(),
        )
    _print_table(table)


# -- users -------------------------------------------------------------------------------------
def _policy(inst: Installation) -> AccountPolicy:
    return AccountPolicy.from_settings(inst.settings)


@users_app.command("add")
def users_add(
    email: Annotated[str, typer.Argument(help="E-mail address: the login.")],
    name: Annotated[str, typer.Option(help="Display name (never shown to customers).")],
    role: Annotated[str, typer.Option(help=f"One of: {', '.join(r.value for r in Role)}.")],
    vendor: Annotated[str | None, typer.Option(help="Vendor (vendor roles only).")] = None,
    site: Annotated[str | None, typer.Option(help="Site of that vendor (vendor roles).")] = None,
    team_lead: Annotated[str | None, typer.Option(help="E-mail of the agent's team lead.")] = None,
    skill: Annotated[
        list[str] | None, typer.Option(help="Case type the person may work; repeat.")
    ] = None,
    language: Annotated[
        list[str] | None, typer.Option(help="Language spoken (default: the site's); repeat.")
    ] = None,
    capacity: Annotated[int, typer.Option(help="Maximum open cases.")] = 8,
    password_stdin: Annotated[bool, _PASSWORD_STDIN] = False,
    no_password: Annotated[
        bool, typer.Option("--no-password", help="Create without a password (set it later).")
    ] = False,
) -> None:
    """Add a person; asks for their initial password (hidden) unless --no-password."""
    with installation() as inst:
        vendor_id = site_id = lead_id = None
        if vendor:
            vendor_id = find_vendor(inst.engine, vendor).id
            if site:
                site_id = find_site(inst.engine, vendor_id, site).id
        elif site:
            raise InputError("a site is named within a vendor: give --vendor", field="site")
        if team_lead:
            lead_id = find_person(inst.engine, team_lead).id
        # Asked only once the names given have been found.
        password = None if no_password else _read_password(password_stdin)
        person = add_person(
            inst.engine,
            email=email,
            display_name=name,
            role=role,
            vendor_id=vendor_id,
            site_id=site_id,
            team_lead_id=lead_id,
            skills=skill or (),
            languages=language or (),
            capacity=capacity,
            password=password,
            policy=_policy(inst),
        )
    console.print(f"Added {person.handle} ({person.role.value})", highlight=False)
    if person.role in {Role.ADMIN, Role.DPO}:
        console.print("This role needs TOTP: run 'ecluse users enrol-totp' before logging in.")


@users_app.command("list")
def users_list(
    vendor: Annotated[str | None, typer.Option(help="Only this vendor's people.")] = None,
    role: Annotated[str | None, typer.Option(help="Only this role.")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Include leavers.")] = False,
) -> None:
    """List people (never their credentials)."""
    with installation() as inst:
        vendor_id = find_vendor(inst.engine, vendor).id if vendor else None
        people = list_people(
            inst.engine,
            vendor_id=vendor_id,
            role=role,
            include_leavers=all_,
        )
    _print_people(people)


def _print_people(people: list[Person]) -> None:
    table = Table(
        "id",
        "handle",
        "e-mail",
        "name",
        "role",
        "vendor",
        "team",
        "skills",
        "lang",
        "cap",
        "totp",
        "status",
    )
    for p in people:
        table.add_row(
            str(p.id),
            p.handle,
            p.email,
            p.display_name,
            p.role.value,
            str(p.vendor_id or "-"),
            str(p.team_lead_id or "-"),
            ",".join(p.skills) or "-",
            ",".join(p.languages) or "-",
            str(p.capacity),
            "yes" if p.totp_enrolled else "no",
            "active" if p.active else f"left {_stamp(p.left_at)}",
        )
    _print_table(table)


@users_app.command("update")
def users_update(
    email: Annotated[str, typer.Argument(help="The person's e-mail.")],
    name: Annotated[str | None, typer.Option(help="New display name.")] = None,
    skill: Annotated[
        list[str] | None, typer.Option(help="Replace the skills (case types); repeat.")
    ] = None,
    language: Annotated[
        list[str] | None, typer.Option(help="Replace the languages; repeat.")
    ] = None,
    capacity: Annotated[int | None, typer.Option(help="Maximum open cases.")] = None,
    team_lead: Annotated[str | None, typer.Option(help="E-mail of the new team lead.")] = None,
    site: Annotated[str | None, typer.Option(help="Another site of the same vendor.")] = None,
) -> None:
    """Change a person's profile; options left out keep their value."""
    with installation() as inst:
        who = find_person(inst.engine, email)
        lead_id = find_person(inst.engine, team_lead).id if team_lead else None
        if site and who.vendor_id is None:
            raise InputError("operator roles have no site", field="site")
        site_id = find_site(inst.engine, who.vendor_id, site).id if site and who.vendor_id else None
        person = update_person(
            inst.engine,
            who.id,
            display_name=name,
            skills=skill,
            languages=language,
            capacity=capacity,
            team_lead_id=lead_id,
            site_id=site_id,
        )
    console.print(f"Updated {person.handle}.", highlight=False)


@users_app.command("set-role")
def users_set_role(
    email: Annotated[str, typer.Argument(help="The person's e-mail.")],
    role: Annotated[str, typer.Argument(help="The new role (same side: operator or vendor).")],
) -> None:
    """Change a person's role; it applies to their next request."""
    with installation() as inst:
        person = set_role(inst.engine, find_person(inst.engine, email).id, role)
    console.print(f"{person.handle} is now {person.role.value}", highlight=False)


@users_app.command("leaver")
def users_leaver(email: Annotated[str, typer.Argument(help="The person's e-mail.")]) -> None:
    """Mark a person as having left: access ends now; sessions and API tokens are revoked."""
    with installation() as inst:
        person = mark_leaver(inst.engine, find_person(inst.engine, email).id)
    console.print(f"{person.handle} left at {_stamp(person.left_at)}; access revoked.")


@users_app.command("reset-password")
def users_reset_password(
    email: Annotated[str, typer.Argument(help="The person's e-mail.")],
    password_stdin: Annotated[bool, _PASSWORD_STDIN] = False,
) -> None:
    """Set a new password (hidden prompt or --password-stdin); clears a lockout and ends the
    person's open sessions."""
    password = _read_password(password_stdin)
    with installation() as inst:
        person = find_person(inst.engine, email)
        ended = reset_password(inst.engine, person.id, password, policy=_policy(inst))
    console.print(f"Password of {person.handle} reset; {ended} open sessions ended.")


@users_app.command("enrol-totp")
def users_enrol_totp(
    email: Annotated[str, typer.Argument(help="The person's e-mail.")],
    later: Annotated[
        bool,
        typer.Option("--later", help="Do not ask for a code now; finish with 'confirm-totp'."),
    ] = False,
) -> None:
    """Enrol a TOTP authenticator: prints the otpauth:// URI and secret, then checks a code."""
    with installation() as inst:
        person = find_person(inst.engine, email)
        enrolment = enrol_totp(inst.engine, person.id, keyring=inst.keyring)
        console.print("Add this to the authenticator app (QR code from the URI, or the secret):")
        console.print(f"  URI:    {enrolment.uri}", highlight=False, soft_wrap=True)
        console.print(f"  secret: {enrolment.secret}", highlight=False)
        if later:
            console.print("Pending until 'ecluse users confirm-totp' receives a code.")
            return
        code: str = typer.prompt("Code shown by the app")
        confirm_totp(inst.engine, person.id, code, keyring=inst.keyring, policy=_policy(inst))
    console.print(f"TOTP enrolled for {person.handle}.", highlight=False)


@users_app.command("confirm-totp")
def users_confirm_totp(
    email: Annotated[str, typer.Argument(help="The person's e-mail.")],
    code: Annotated[str, typer.Option(help="A current code from the authenticator app.")],
) -> None:
    """Finish a pending TOTP enrolment with a code from the app."""
    with installation() as inst:
        person = find_person(inst.engine, email)
        confirm_totp(inst.engine, person.id, code, keyring=inst.keyring, policy=_policy(inst))
    console.print(f"TOTP enrolled for {person.handle}.", highlight=False)


@users_app.command("token-create")
def users_token_create(
    email: Annotated[str, typer.Argument(help="The person the token acts as.")],
    name: Annotated[str, typer.Option(help="What the token is for, e.g. 'CRM sync'.")],
) -> None:
    """Create an API token acting as a person; it is printed once and never stored."""
    with installation() as inst:
        token = create_api_token(inst.engine, find_person(inst.engine, email).id, name)
    console.print(f"Token {token.id} ({token.info.name}); copy it now, it is not shown again:")
    console.print(token.token, highlight=False, soft_wrap=True)


@users_app.command("tokens")
def users_tokens(
    email: Annotated[str | None, typer.Argument(help="Only this person's tokens.")] = None,
) -> None:
    """List API tokens (ids, names, use and revocation times; never the tokens)."""
    with installation() as inst:
        person_id = find_person(inst.engine, email).id if email else None
        tokens = list_api_tokens(inst.engine, person_id)
    table = Table("id", "person", "name", "created", "last used", "revoked")
    for tk in tokens:
        table.add_row(
            str(tk.id),
            str(tk.person_id),
            tk.name,
            _stamp(tk.created_at),
            _stamp(tk.last_used_at),
            _stamp(tk.revoked_at),
        )
    _print_table(table)


@users_app.command("token-revoke")
def users_token_revoke(
    token_id: Annotated[int, typer.Argument(help="The token's id (see 'users tokens').")],
) -> None:
    """Revoke an API token."""
    with installation() as inst:
        done = revoke_api_token(inst.engine, token_id)
    if not done:
        raise InputError("unknown or already revoked", field="token_id")
    console.print(f"Token {token_id} revoked.")
