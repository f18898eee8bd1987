"""Policy: who may see which field of which case, masked or in clear, decided by Cedar policies.

The default policies ship in ``ecluse/policy/defaults/`` (one file per concern, readable by a
DPO); an operator overrides or extends them with a directory (``[policy] dir`` in
``ecluse.toml``, default ``<data-dir>/policies``). :class:`PolicyEngine` answers
``case_view(principal, case)`` from a cache in microseconds and reloads changed files safely.
"""

from __future__ import annotations

from ecluse.policy._engine import PolicyEngine, policy_dir
from ecluse.policy._explain import (
    ACCESS_LEGEND,
    Explanation,
    ExplanationRow,
    access_code,
    explain,
    format_explanation,
    policy_matrix,
    policy_warnings,
)
from ecluse.policy._model import (
    CaseContext,
    Decision,
    EditRight,
    FieldAccess,
    PolicyChange,
    Principal,
    Visibility,
)
from ecluse.policy._render import shown_values
from ecluse.policy._schema import OPEN_STATUSES, OPERATOR, SCHEMA_TEXT
from ecluse.policy._source import (
    DEFAULTS_DIR,
    PolicyBundle,
    PolicyError,
    PolicyFile,
    PolicyProblem,
    check_policies,
)

__all__ = [
    "ACCESS_LEGEND",
    "DEFAULTS_DIR",
    "OPEN_STATUSES",
    "OPERATOR",
    "SCHEMA_TEXT",
    "CaseContext",
    "Decision",
    "EditRight",
    "Explanation",
    "ExplanationRow",
    "FieldAccess",
    "PolicyBundle",
    "PolicyChange",
    "PolicyEngine",
    "PolicyError",
    "PolicyFile",
    "PolicyProblem",
    "Principal",
    "Visibility",
    "access_code",
    "check_policies",
    "explain",
    "format_explanation",
    "policy_dir",
    "policy_matrix",
    "policy_warnings",
    "shown_values",
]
