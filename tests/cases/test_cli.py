"""The case-desk commands: open, list, reroute, and explain for a real person and case."""

from __future__ import annotations

from typer.testing import CliRunner

from ecluse.cli import app

from .conftest import ATLAS_AGENT1, World


def _run(world: World, *args: str) -> str:
    result = CliRunner().invoke(
        app, ["--data-dir", str(world.inst.settings.data_dir), *args], env={"COLUMNS": "200"}
    )
    assert result.exit_code == 0, result.output
    return result.output


def test_open_list_explain_reroute(world: World) -> None:
    external = next(r["external_id"] for r in world.rows if r["language"] == "fr")
    opened = _run(world, "cases", "open", "--customer", external, "--type", "meter_move")
    case_id = opened.split(":")[0].strip()
    assert "meter_move" in opened and "vendor" in opened
    lead = _run(world, "cases", "list", "--user", "lead@atlas-contact.example")
    assert case_id in lead
    case = world.desk.get(case_id)
    from ecluse.org import get_person

    agent = get_person(world.inst.engine, case.assignee_id or 0).email
    explained = _run(world, "policy", "explain", "--user", agent, "--case", case_id)
    assert "supply_points" in explained and "need.meter_move" in explained
    assert "guard.national_number_never_to_vendors" in explained
    assert "returned to routing" in _run(world, "cases", "reroute")


def test_explain_needs_both_user_and_case(world: World) -> None:
    result = CliRunner().invoke(
        app,
        [
            "--data-dir",
            str(world.inst.settings.data_dir),
            "policy",
            "explain",
            "--user",
            ATLAS_AGENT1,
        ],
    )
    assert result.exit_code == 2 and "go together" in result.output
