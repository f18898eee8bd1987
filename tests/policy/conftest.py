"""One engine on the shipped default policies, shared so that its cache is shared too."""

from __future__ import annotations

import pytest

from ecluse.policy import PolicyEngine


@pytest.fixture(scope="session")
def engine() -> PolicyEngine:
    return PolicyEngine()
