"""``ecluse demo`` builds a usable operator in a fresh data directory."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from typer.testing import CliRunner

from ecluse.cli import app
from ecluse.installation import open_installation
from ecluse.ledger import ledger_for


def test_demo_seeds_customers_people_cases_and_prints_logins(tmp_path: Path) -> None:
    data = tmp_path / "demo"
    result = CliRunner().invoke(
        app,
        [
            "--data-dir",
            str(data),
            "demo",
            "--customers",
            "300",
            "--cases",
            "15",
            "--no-serve",
            "--seed",
            "7",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "agent1@atlas-contact.example" in result.output and "password" in result.output
    assert (data / "demo" / "logins.txt").stat().st_mode & 0o777 == 0o600
    inst = open_installation(data)
    try:
        with inst.engine.connect() as conn:
            customers = conn.execute(sa.text("SELECT count(*) FROM customers")).scalar_one()
            cases = conn.execute(sa.text("SELECT count(*) FROM cases")).scalar_one()
        assert 250 <= customers <= 300 and cases >= 10
        assert ledger_for(inst).verify().ok
    finally:
        inst.close()
    again = CliRunner().invoke(app, ["--data-dir", str(data), "demo", "--no-serve"])
    assert again.exit_code == 2 and "not empty" in again.output
