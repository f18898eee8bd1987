"""``ecluse policy check | show | explain``."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from ecluse.cli import app
from ecluse.vocabulary import CaseType, FieldClass, Role

runner = CliRunner()

EXPLAIN_AGENT = [
    "policy",
    "explain",
    "--role",
    "agent",
    "--vendor",
    "callmaroc",
    "--site-country",
    "ma",
    "--case-type",
    "meter_move",
]


def rows(output: str) -> dict[str, list[str]]:
    """The explain table's rows by field, as lists of cells."""
    table: dict[str, list[str]] = {}
    for line in output.splitlines():
        cells = [c.strip() for c in line.strip("│ ").split("│")]
        if len(cells) == 7 and cells[0]:
            table[cells[0]] = cells[1:]
    return table


def test_check_accepts_the_defaults_and_an_operator_directory(tmp_path: Path) -> None:
    (tmp_path / "extra.cedar").write_text(
        '// Analysts also see complaints, masked.\n@id("extra.analyst_complaints")\n'
        'permit (principal, action == Ecluse::Action::"view_masked", resource)\n'
        'when { principal.role == Ecluse::Role::"analyst" &&\n'
        '  resource.case_type == Ecluse::CaseType::"complaint" };\n'
    )
    result = runner.invoke(app, ["policy", "check", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "OK: 30 policies" in result.output
    assert "extra.cedar" in result.output


def test_check_names_file_and_line_and_fails(tmp_path: Path) -> None:
    (tmp_path / "extra.cedar").write_text(
        '// fine\n@id("ok")\nforbid (principal, action, resource) when { false };\n\n'
        '@id("typo")\npermit (principal, action, resource)\n'
        'when { principal.role == Ecluse::Role::"agnet" };\n'
    )
    result = runner.invoke(app, ["policy", "check", str(tmp_path)])
    assert result.exit_code == 1
    assert "extra.cedar:5: in policy 'typo'" in result.stderr
    assert '`"agnet"` is not declared' in result.stderr
    assert "Traceback" not in result.output


def test_check_of_a_missing_directory_fails_cleanly(tmp_path: Path) -> None:
    result = runner.invoke(app, ["policy", "check", str(tmp_path / "nope")])
    assert result.exit_code == 1
    assert "not a directory" in result.stderr


def test_explain_prints_every_field_and_the_deciding_policies(tmp_path: Path) -> None:
    result = runner.invoke(app, [*EXPLAIN_AGENT, "--dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    table = rows(result.output)
    assert list(table) == [fc.value for fc in FieldClass]
    assert table["name"][:5] == ["masked", "-", "-", "-", "-"]
    assert table["address"][:5] == ["masked", "-", "4-eyes", "-", "-"]
    assert table["supply_points"][:2] == ["masked", "yes"]
    assert table["national_number"][0] == "hidden"
    assert table["national_number"][5] == "guard.national_number_never_to_vendors"
    assert table["birth_date"][5] == "(default deny)"
    assert "need.meter_move" in result.output
    assert "reveal.vendor_meter_move_ean" in result.output
    assert "Reveal quota: 20 per day" in result.output


def test_explain_a_closed_case(tmp_path: Path) -> None:
    args = [*EXPLAIN_AGENT, "--status", "closed", "--dir", str(tmp_path)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert all(cells[0] == "hidden" for cells in rows(result.output).values())
    assert "guard.vendor_open_cases_only" in result.output


def test_explain_rejects_an_unknown_role(tmp_path: Path) -> None:
    result = runner.invoke(app, ["policy", "explain", "--role", "intern", "--case-type", "x"])
    assert result.exit_code == 2
    assert "Traceback" not in result.output


def test_show_lists_the_files_in_force(tmp_path: Path) -> None:
    (tmp_path / "reveal.cedar").write_text("// no reveals here\n")
    result = runner.invoke(app, ["policy", "show", "--dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "# reveal.cedar (override" in result.output
    assert "# guards.cedar (default" in result.output
    assert "// no reveals here" in result.output
    assert '@id("guard.national_number_never_to_vendors")' in result.output


def test_commands_use_the_installation_policy_directory(tmp_path: Path) -> None:
    """GIVEN an installation whose ecluse.toml names a policy directory
    WHEN check and explain run without --dir
    THEN they use that directory over the defaults."""
    data = tmp_path / "data"
    assert runner.invoke(app, ["--data-dir", str(data), "init"]).exit_code == 0
    with (data / "ecluse.toml").open("a") as config:
        config.write('\n[policy]\ndir = "mine"\n')
    (data / "mine").mkdir()
    (data / "mine" / "quotas.toml").write_text("[reveal_per_day]\nagent = 3\n")
    result = runner.invoke(app, ["--data-dir", str(data), "policy", "check"])
    assert result.exit_code == 0, result.output
    assert "quotas.toml" in result.output and "override" in result.output
    result = runner.invoke(app, ["--data-dir", str(data), *EXPLAIN_AGENT])
    assert result.exit_code == 0, result.output
    assert "Reveal quota: 3 per day" in result.output


def test_matrix_prints_the_specification_table(tmp_path: Path) -> None:
    """The DPO's one-page view equals the intended table of test_matrix.py."""
    from tests.policy.test_matrix import COLUMNS, EXPECTED

    result = runner.invoke(app, ["policy", "matrix", "--dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split()[2:] == [
        "name", "birth", "natnr", "addr", "phone", "email", "iban", "contr", "invoi", "lines",
        "suppl",
    ]  # fmt: skip
    printed = {}
    for line in lines[1:]:
        cells = line.split()
        if len(cells) == 2 + len(COLUMNS) and cells[0] in {r.value for r in Role}:
            printed[(Role(cells[0]), CaseType(cells[1]))] = dict(
                zip(COLUMNS, cells[2:], strict=True)
            )
    assert printed == EXPECTED
    assert "M masked" in result.output


def test_explain_names_the_forbid_that_took_a_right_away(tmp_path: Path) -> None:
    """GIVEN an operator rule forbidding reveals from Morocco
    WHEN an agent in Morocco is explained on a complaint
    THEN phone and e-mail say 'blocked' and name the rule; the name (never revealable) not."""
    (tmp_path / "transfers.cedar").write_text(
        "// No reveal in clear from sites without an adequacy decision.\n"
        '@id("transfers.no_reveal_without_adequacy")\n'
        'forbid (principal, action == Ecluse::Action::"reveal", resource)\n'
        'when { ["MA", "TN"].contains(principal.site_country) };\n'
    )
    args = [*EXPLAIN_AGENT[:-1], "complaint", "--dir", str(tmp_path)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    table = rows(result.output)
    assert table["phone"][:2] == ["masked", "blocked"]
    assert table["email"][:2] == ["masked", "blocked"]
    assert table["name"][:2] == ["masked", "-"]
    assert "transfers.no_reveal_without_adequacy" in result.output
    assert "transfers.no_reveal_without_adequacy" not in [table["name"][5]]


def test_check_warns_when_a_role_may_reveal_without_a_quota(tmp_path: Path) -> None:
    (tmp_path / "quotas.toml").write_text("[reveal_per_day]\nagent = 20\n")
    result = runner.invoke(app, ["policy", "check", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "warning: team_lead may reveal fields" in result.stderr
    assert "warning: agent" not in result.stderr
