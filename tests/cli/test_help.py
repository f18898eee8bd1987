"""Every CLI command has help, and the README's commands exist as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import typer
from typer.main import get_command
from typer.testing import CliRunner

from ecluse.cli import app

ROOT = Path(__file__).resolve().parents[2]


def _commands() -> list[list[str]]:
    root = get_command(app)
    found: list[list[str]] = []

    def walk(cmd: object, path: list[str]) -> None:
        found.append(path)
        for name, sub in getattr(cmd, "commands", {}).items():
            walk(sub, [*path, name])

    walk(root, [])
    return found


@pytest.mark.parametrize("path", _commands(), ids=lambda p: " ".join(p) or "ecluse")
def test_every_command_has_help(path: list[str]) -> None:
    result = CliRunner().invoke(app, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage" in result.output
    # a sentence of help, not just the usage line
    cmd = get_command(app)
    for name in path:
        cmd = cmd.commands[name]  # type: ignore[attr-defined]
    assert (cmd.help or "").strip(), f"'ecluse {' '.join(path)}' has no help text"


def test_readme_commands_exist() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    known = {" ".join(p) for p in _commands()}
    for line in re.findall(
        r"^ecluse (?:--data-dir \S+ )?([a-z][a-z -]*?)(?: [A-Z\"<-]|\s*#|$)", readme, re.M
    ):
        words = line.strip()
        assert words in known or words.split()[0] in known, (
            f"README shows unknown command {words!r}"
        )


def test_every_make_target_the_docs_name_exists_and_make_help_lists_it() -> None:
    """README and docs say `make X`; the Makefile must have X with a `##` help line."""
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    documented = set(re.findall(r"^([a-z][a-z-]*):[^\n]*## ", makefile, re.M))
    phony = re.search(r"^\.PHONY: (.*)$", makefile, re.M)
    assert phony is not None
    docs = [ROOT / "README.md", ROOT / "DEVELOPERS.md", *sorted((ROOT / "docs").glob("*.md"))]
    named = {
        t for doc in docs if doc.exists() for t in re.findall(r"`make ([a-z-]+)", doc.read_text())
    }
    assert {"demo", "test", "help", "screenshots"} <= named
    assert named <= documented, f"docs name make targets without help: {named - documented}"
    assert documented <= set(phony.group(1).split())


def test_errors_are_one_line_and_exit_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["--data-dir", str(tmp_path / "nothing"), "customers", "show", "x"]
    )
    assert result.exit_code == 2
    assert "not initialised" in result.output and "Traceback" not in result.output


def test_typer_version_option() -> None:
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output.startswith("ecluse ")
    assert isinstance(app, typer.Typer)
