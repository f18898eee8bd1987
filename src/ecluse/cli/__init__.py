"""The ``ecluse`` command line: thin commands over the domain service functions.

Each command group lives in its own ``_<group>.py`` module and is registered here.
"""

from __future__ import annotations

from ecluse.cli import (
    _cases,
    _customers,
    _demo,
    _keys,
    _ledger,
    _notify,
    _org,
    _policy,
    _redact,
    _review,
    _serve,
    _usage,
)
from ecluse.cli._app import app, main

__all__ = ["app", "main"]
_COMMAND_GROUPS = (
    _cases,
    _customers,
    _demo,
    _keys,
    _ledger,
    _notify,
    _org,
    _policy,
    _redact,
    _review,
    _serve,
    _usage,
)
