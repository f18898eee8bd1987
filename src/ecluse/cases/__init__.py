"""The case desk: agents see only what each case needs, decided by policy, every access ledgered.

Cases are opened for a customer, routed by language and type to a vendor site and an agent,
and move through ``new → assigned → in_progress → pending_customer → resolved → closed`` (with
reopen). :class:`Desk` is the one service every adapter (API, console, CLI, jobs) calls.
"""

from __future__ import annotations

from ecluse.cases._desk import Desk, desk_for, policy_principal
from ecluse.cases._messages import Message, Messages, known_values
from ecluse.cases._model import (
    OPEN_STATUSES,
    OUTCOMES,
    SLA_TARGETS,
    TRANSITIONS,
    Case,
    CaseView,
    FieldView,
    Priority,
    RevealReason,
    RevealResult,
)
from ecluse.cases._routing import OPERATOR_CASE_TYPES, Route, RoutingRule

__all__ = [
    "OPEN_STATUSES",
    "OPERATOR_CASE_TYPES",
    "OUTCOMES",
    "SLA_TARGETS",
    "TRANSITIONS",
    "Case",
    "CaseView",
    "Desk",
    "FieldView",
    "Message",
    "Messages",
    "Priority",
    "RevealReason",
    "RevealResult",
    "Route",
    "RoutingRule",
    "desk_for",
    "known_values",
    "policy_principal",
]
