"""``ecluse redact``: plain text and JSON Lines, bad lines reported by number, reruns equal."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from ecluse.cli import app

runner = CliRunner()


def _run(tmp_path: Path, *args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = runner.invoke(
        app, ["--data-dir", str(tmp_path / "data"), "redact", *args], input=stdin
    )
    return result.exit_code, result.stdout, result.stderr


def test_plain_text_from_stdin(tmp_path: Path) -> None:
    code, out, err = _run(
        tmp_path, "-", "-j", "1", "--no-ner",
        stdin="Bonjour, je suis Nathalie Bruyère, 0470 12 34 56\n\nIBAN BE16 0609 8259 7974\n",
    )  # fmt: skip
    assert code == 0, err
    assert out == "Bonjour, je suis [PERSON_1], [PHONE_1]\nIBAN [IBAN_1]\n"
    assert "2 records" in err


def test_jsonl_with_bad_lines_on_two_workers(tmp_path: Path) -> None:
    """GIVEN a JSON Lines file with a broken line and a record without the field
    WHEN it is redacted on two worker processes
    THEN good records go through in order, bad ones are named by line, and a rerun is equal."""
    src = tmp_path / "in.jsonl"
    lines = [json.dumps({"id": i, "body": f"Mijn naam is Jan Peeters, bel 0470 12 34 {i:02d}"})
             for i in range(300)]  # fmt: skip
    lines[5] = "{not json"
    lines[7] = json.dumps({"id": 7})
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out1, out2 = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    code, _, err = _run(tmp_path, str(src), "--field", "body", "-j", "2", "-o", str(out1))
    assert code == 0, err
    assert f"{src}:6: not valid JSON" in err and f"{src}:8: field 'body': missing" in err
    records = [json.loads(line) for line in out1.read_text(encoding="utf-8").splitlines()]
    assert len(records) == 298 and records[0]["id"] == 0 and records[-1]["id"] == 299
    assert records[0]["body"] == "Mijn naam is [PERSON_1], bel [PHONE_1]"
    assert "Peeters" not in err and "0470" not in err
    _run(tmp_path, str(src), "--field", "body", "-j", "1", "-o", str(out2))
    assert out1.read_bytes() == out2.read_bytes()


def test_bad_options_are_one_line_errors(tmp_path: Path) -> None:
    code, _, err = _run(tmp_path, "-", "--lang", "de", stdin="x\n")
    assert code == 2 and "--lang" in err and "Traceback" not in err
    code, _, err = _run(tmp_path, str(tmp_path / "missing.txt"))
    assert code == 2 and "missing.txt" in err


def test_allow_list_from_config(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "ecluse.toml").write_text(
        '[redact]\nallow_list = ["078 15 15 15"]\n', encoding="utf-8"
    )
    code, out, _ = _run(tmp_path, "-", "-j", "1", "--no-ner",
                        stdin="Appelez le 078 15 15 15 ou moi au 0470 12 34 56\n")  # fmt: skip
    assert code == 0
    assert out == "Appelez le 078 15 15 15 ou moi au [PHONE_1]\n"
