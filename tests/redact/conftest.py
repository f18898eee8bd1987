"""Shared fixtures: one redactor per test session (it loads the name lexicon and the model once)."""

from __future__ import annotations

import pytest

from ecluse.redact import RedactConfig, Redactor


@pytest.fixture(scope="session")
def redactor() -> Redactor:
    return Redactor()


@pytest.fixture(scope="session")
def redactor_no_ner() -> Redactor:
    return Redactor(RedactConfig(use_ner=False))


def found(redactor: Redactor, text: str, lang: str = "auto") -> list[tuple[str, str]]:
    return [(s.entity.value, text[s.start : s.end]) for s in redactor.analyze(text, lang=lang)]
