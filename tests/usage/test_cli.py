"""``ecluse usage ...`` end to end on a real installation (SQLite and PostgreSQL)."""

from __future__ import annotations

import re
from pathlib import Path

from typer.testing import CliRunner

from ecluse.cli import app
from ecluse.installation import Installation

runner = CliRunner()


def _cli(inst: Installation, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["--data-dir", str(inst.settings.data_dir), "usage", *args])
    return result.exit_code, result.output


def test_simulate_ingest_score_report(inst: Installation, tmp_path: Path) -> None:
    """GIVEN simulated records WHEN ingested twice and scored twice THEN the second runs are
    no-ops, precision/recall are printed, alerts are stored once, and the report counts them."""
    sim = tmp_path / "sim"
    code, out = _cli(inst, "simulate", "--out", str(sim), "--lines", "60", "--days", "8")
    assert code == 0, out
    assert "labels:" in out
    code, out = _cli(inst, "ingest", str(sim / "cdr"))
    assert code == 0, out
    assert out.count("ingested") >= 8
    code, out = _cli(inst, "ingest", str(sim / "cdr"))
    assert code == 0 and out.count("already") == 8, out
    code, out = _cli(inst, "score", "--labels", str(sim / "labels.csv"))
    assert code == 0, out
    assert "precision" in out and "suspension proposals on legitimate or normal lines: 0" in out
    new = re.search(r"([0-9,]+) new", out.replace("\n", " "))
    assert new and int(new.group(1).replace(",", "")) > 0, out
    code, out = _cli(inst, "score")
    assert code == 0 and " 0 new" in out.replace("\n", " "), out
    code, out = _cli(inst, "report")
    assert code == 0 and "alerts proposing suspension" in out, out
    assert "time to first human look" in out and "wrongful measures (reversed)" in out, out
    code, out = _cli(inst, "alerts", "--limit", "3", "--lang", "fr")
    assert code == 0 and "proposed:" in out, out


def test_bad_input_is_one_line_not_a_traceback(inst: Installation, tmp_path: Path) -> None:
    bad = tmp_path / "x.csv"
    bad.write_text("record_id,msisdn\nR1,+32470000001\n")
    code, out = _cli(inst, "ingest", str(bad))
    assert code == 1 and "missing column" in out and "Traceback" not in out
    code, out = _cli(inst, "score", "--engine", "oracle")
    assert code == 2 and "unknown engine" in out, out
