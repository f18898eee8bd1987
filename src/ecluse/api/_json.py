"""A JSON answer written directly, for routes that skip FastAPI's response handling."""

from __future__ import annotations

import json
import math
from typing import Any

from starlette.responses import Response

__all__ = ["Json"]


class Json(Response):
    """Compact UTF-8 JSON, written as FastAPI writes a route's ``dict``: a NaN or an
    infinity (a CRM amount imported as ``nan``) becomes ``null``, not an error.

    Returning it instead of a ``dict`` spares FastAPI's validation of the ``dict`` against
    ``dict[str, Any]``, which checks nothing and costs a thread-pool hop per request.
    """

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        try:
            text = _dumps(content)
        except ValueError:  # only non-finite floats: our answers hold no cycles
            text = _dumps(_finite(content))
        return text.encode()


def _dumps(content: Any) -> str:
    return json.dumps(content, ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def _finite(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value
