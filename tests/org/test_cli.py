"""``ecluse operator|vendors|sites|users`` through the real Typer app on both databases."""

from __future__ import annotations

import pyotp
import pytest
import sqlalchemy as sa
from typer.testing import CliRunner, Result

from ecluse.cli import app
from ecluse.installation import Installation
from ecluse.org import AuthError, authenticate, find_person, resolve_api_token
from ecluse.org import _tables as t

PASSWORD = "cli-planted-passphrase-42"


def run(inst: Installation, *args: str, input: str | None = None, ok: bool = True) -> Result:
    result = CliRunner().invoke(
        app, ["--data-dir", str(inst.settings.data_dir), *args], input=input
    )
    if ok:
        assert result.exit_code == 0, result.output
    return result


def test_cli_manages_the_organisation(inst: Installation) -> None:
    run(inst, "operator", "set", "Lumen Energie", "--country", "BE")
    assert "Lumen Energie (BE)" in run(inst, "operator", "show").output
    run(
        inst,
        "vendors",
        "add",
        "Atlas Contact",
        "--country",
        "MA",
        "--start",
        "2026-01-01",
        "--end",
        "2030-01-01T00:00:00+00:00",
    )
    run(
        inst,
        "sites",
        "add",
        "Atlas Contact",
        "Casablanca",
        "--country",
        "MA",
        "--language",
        "fr",
        "--timezone",
        "Africa/Casablanca",
        "--hours",
        "mon-fri 08:00-18:00; sat 09:00-13:00",
    )
    sites = run(inst, "sites", "list").output
    assert "Casablanca" in sites and "Africa/Casablanca" in sites
    vendor = ["--vendor", "Atlas Contact", "--site", "Casablanca"]
    run(
        inst,
        "users",
        "add",
        "lead@atlas.example",
        "--name",
        "Lead",
        "--role",
        "team_lead",
        *vendor,
        "--password-stdin",
        input=PASSWORD + "\n",
    )
    run(
        inst,
        "users",
        "add",
        "agent@atlas.example",
        "--name",
        "Agent",
        "--role",
        "agent",
        *vendor,
        "--team-lead",
        "lead@atlas.example",
        "--skill",
        "meter_move",
        "--password-stdin",
        input=PASSWORD + "\n",
    )
    # The hidden prompt asks twice.
    added = run(
        inst,
        "users",
        "add",
        "admin@op.example",
        "--name",
        "Admin",
        "--role",
        "admin",
        input=f"{PASSWORD}\n{PASSWORD}\n",
    ).output
    assert "enrol-totp" in added
    run(
        inst,
        "users",
        "add",
        "analyst@op.example",
        "--name",
        "An",
        "--role",
        "analyst",
        "--no-password",
    )

    listing = run(inst, "users", "list").output
    agent = find_person(inst.engine, "agent@atlas.example")
    assert agent.handle in listing and "$argon2" not in listing and PASSWORD not in listing
    assert agent.team_lead_id == find_person(inst.engine, "lead@atlas.example").id
    session = authenticate(inst.engine, "agent@atlas.example", PASSWORD, keyring=inst.keyring)
    assert session.person_id == agent.id

    wrong = run(inst, "users", "enrol-totp", "admin@op.example", input="000000\n", ok=False)
    assert wrong.exit_code == 2 and "one-time code" in wrong.output
    enrolled = run(inst, "users", "enrol-totp", "admin@op.example", "--later").output
    assert "otpauth://totp/" in enrolled
    secret = enrolled.split("secret:")[1].split()[0]
    code = pyotp.TOTP(secret).now()
    assert (
        "TOTP enrolled"
        in run(inst, "users", "confirm-totp", "admin@op.example", "--code", code).output
    )
    assert find_person(inst.engine, "admin@op.example").totp_enrolled

    created = run(inst, "users", "token-create", "lead@atlas.example", "--name", "wallboard")
    token = created.output.strip().splitlines()[-1]
    assert (
        resolve_api_token(inst.engine, token).person_id
        == find_person(inst.engine, "lead@atlas.example").id
    )
    tokens = run(inst, "users", "tokens").output
    assert "wallboard" in tokens and token not in tokens
    run(inst, "users", "token-revoke", "1")
    assert "already revoked" in run(inst, "users", "token-revoke", "1", ok=False).output
    with pytest.raises(AuthError):
        resolve_api_token(inst.engine, token)

    assert (
        "now team_lead" in run(inst, "users", "set-role", "agent@atlas.example", "team_lead").output
    )
    refused = run(inst, "users", "set-role", "agent@atlas.example", "admin", ok=False)
    assert (
        refused.exit_code == 2 and "error:" in refused.output and "Traceback" not in refused.output
    )

    authenticate(
        inst.engine, "agent@atlas.example", PASSWORD, keyring=inst.keyring
    )  # set-role ended the last one
    reset = run(
        inst,
        "users",
        "reset-password",
        "agent@atlas.example",
        "--password-stdin",
        input="another-long-passphrase\n",
    ).output
    assert "1 open sessions ended" in reset
    authenticate(
        inst.engine, "agent@atlas.example", "another-long-passphrase", keyring=inst.keyring
    )
    run(
        inst,
        "users",
        "update",
        "agent@atlas.example",
        "--skill",
        "complaint",
        "--language",
        "fr",
        "--language",
        "en",
        "--capacity",
        "3",
    )
    updated = find_person(inst.engine, "agent@atlas.example")
    assert (updated.skills, updated.languages, updated.capacity) == (
        ("complaint",),
        ("fr", "en"),
        3,
    )
    run(inst, "vendors", "suspend", "Atlas Contact")
    assert "suspended" in run(inst, "vendors", "list").output
    with pytest.raises(AuthError):
        authenticate(
            inst.engine, "agent@atlas.example", "another-long-passphrase", keyring=inst.keyring
        )
    run(inst, "vendors", "resume", "Atlas Contact")
    weak = run(
        inst,
        "users",
        "reset-password",
        "agent@atlas.example",
        "--password-stdin",
        input="short\n",
        ok=False,
    )
    assert (
        weak.exit_code == 2
        and "'password'" in weak.output
        and "short" not in weak.output.split(":")[-1]
    )

    run(inst, "users", "leaver", "lead@atlas.example")
    assert "lead@atlas.example" not in run(inst, "users", "list").output
    assert "left" in run(inst, "users", "list", "--all", "--role", "team_lead").output

    ended = run(inst, "vendors", "end-contract", "Atlas Contact").output
    assert "2 people lose access" in ended
    assert "ended" in run(inst, "vendors", "list").output
    with pytest.raises(AuthError):
        authenticate(
            inst.engine, "agent@atlas.example", "another-long-passphrase", keyring=inst.keyring
        )

    with inst.engine.connect() as conn:
        stored = " ".join(str(v) for r in conn.execute(sa.select(t.people)) for v in r)
    assert PASSWORD not in stored and token not in stored


def test_cli_refuses_bad_input_in_one_line(inst: Installation) -> None:
    bad = run(inst, "vendors", "add", "V", "--country", "XX", "--start", "2026-01-01", ok=False)
    assert bad.exit_code == 2 and "countries" in bad.output and "Traceback" not in bad.output
    bad = run(inst, "vendors", "add", "V", "--country", "BE", "--start", "soon", ok=False)
    assert bad.exit_code == 2 and "'start'" in bad.output
    unknown = run(inst, "users", "leaver", "ghost@nowhere.example", ok=False)
    assert unknown.exit_code == 2 and "ghost" not in unknown.output
    # No option takes a password on the command line, where ps would show it.
    leaky = run(
        inst,
        "users",
        "add",
        "x@op.example",
        "--name",
        "X",
        "--role",
        "analyst",
        "--password",
        "visible-in-ps-123",
        ok=False,
    )
    assert leaky.exit_code != 0


def test_every_command_has_help() -> None:
    runner = CliRunner()
    for group, commands in {
        "operator": ["set", "show"],
        "vendors": ["add", "list", "end-contract", "suspend", "resume"],
        "sites": ["add", "list"],
        "users": [
            "add",
            "list",
            "set-role",
            "leaver",
            "reset-password",
            "update",
            "enrol-totp",
            "confirm-totp",
            "token-create",
            "tokens",
            "token-revoke",
        ],
    }.items():
        for command in commands:
            result = runner.invoke(app, [group, command, "--help"])
            assert result.exit_code == 0 and "Usage" in result.output, (group, command)
