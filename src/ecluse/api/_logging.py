"""What the server's access log keeps of a request: not the capabilities some paths carry."""

from __future__ import annotations

import copy
import logging
import re
from typing import Any

__all__ = ["CapabilityFilter", "log_config"]

# Paths whose last part is a capability (whoever holds the link may act on it): the link a
# customer gets to explain or contest a usage decision.
_CAPABILITY = re.compile(r"(/portal/contest/)[^/?#\s]+")


class CapabilityFilter(logging.Filter):
    """Replaces the capability in an access-log record's path (uvicorn's record arguments:
    client, method, path with query, HTTP version, status) with ``…``."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) > 2 and isinstance(args[2], str):
            record.args = (*args[:2], _CAPABILITY.sub(r"\1…", args[2]), *args[3:])
        return True


def log_config() -> dict[str, Any]:
    """uvicorn's logging configuration with :class:`CapabilityFilter` on its access log."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config["filters"] = {"capabilities": {"()": CapabilityFilter}}
    config["handlers"]["access"]["filters"] = ["capabilities"]
    return config
