"""The Json answer of the hot routes: the bytes FastAPI's own encoder would have written."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import TypeAdapter

from ecluse.api._json import Json

_FASTAPI = TypeAdapter(dict[str, Any])  # what a route returning dict[str, Any] is written with


@pytest.mark.parametrize(
    "content",
    [
        {"a": 1, "b": [True, None, 2.5], "c": {"d": "é ü 東"}},
        {"amount": float("nan"), "rows": [{"x": float("inf")}, (float("-inf"), 1.0)]},
        {},
    ],
)
def test_same_bytes_as_fastapi_for_a_dict(content: dict[str, Any]) -> None:
    assert Json(content).body == _FASTAPI.dump_json(content)
    assert Json(content).headers["content-type"] == "application/json"
