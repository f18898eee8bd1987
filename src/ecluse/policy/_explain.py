"""``explain``: field by field, what one person sees of one case and which policy decided it.

The same function serves ``ecluse policy explain --role ...`` (a hypothetical person and case)
and the case desk's ``--user U --case C`` (a real person and case looked up first).
"""

from __future__ import annotations

from dataclasses import dataclass

from ecluse.policy._engine import PolicyEngine
from ecluse.policy._model import CaseContext, EditRight, FieldAccess, Principal, Visibility
from ecluse.vocabulary import Action, FieldClass

__all__ = ["Explanation", "ExplanationRow", "explain", "format_explanation"]


@dataclass(frozen=True)
class ExplanationRow:
    field_class: FieldClass
    visibility: Visibility
    reveal: bool
    export: bool
    edit: EditRight
    approve_edit: bool
    decided_by: tuple[str, ...]  # policy @ids; empty when nothing permits (default deny)
    reasons: tuple[str, ...]  # the visibility decision's reasons, in words


@dataclass(frozen=True)
class Explanation:
    principal: Principal
    case: CaseContext
    rows: tuple[ExplanationRow, ...]
    reveal_quota: int
    policy_digest: str


def _row(access: FieldAccess) -> ExplanationRow:
    clear = access.visibility is Visibility.CLEAR
    visibility_decision = access.decisions[Action.VIEW_CLEAR if clear else Action.VIEW_MASKED]
    return ExplanationRow(
        field_class=access.field_class,
        visibility=access.visibility,
        reveal=access.can_reveal,
        export=access.can_export,
        edit=access.edit,
        approve_edit=access.can_approve_edit,
        decided_by=access.deciding_policies,
        reasons=visibility_decision.reasons,
    )


def explain(engine: PolicyEngine, principal: Principal, case: CaseContext) -> Explanation:
    """What ``principal`` sees of ``case``, every field class, with the deciding policies."""
    view = engine.case_view(principal, case)
    return Explanation(
        principal=principal,
        case=case,
        rows=tuple(_row(view[fc]) for fc in FieldClass),
        reveal_quota=engine.reveal_quota(principal.role),
        policy_digest=engine.digest,
    )


def format_explanation(explanation: Explanation) -> str:
    """A plain-text table of an explanation (for logs, tests and terminals without colour)."""
    header = ("field", "sees", "reveal", "export", "edit", "approve", "decided by")
    lines = [header]
    for row in explanation.rows:
        lines.append(
            (
                row.field_class.value,
                row.visibility.value,
                "yes" if row.reveal else "no",
                "yes" if row.export else "no",
                row.edit.value,
                "yes" if row.approve_edit else "no",
                ", ".join(row.decided_by) or "(default deny)",
            )
        )
    widths = [max(len(line[i]) for line in lines) for i in range(len(header) - 1)]
    out = []
    for line in lines:
        cells = [cell.ljust(width) for cell, width in zip(line, widths, strict=False)]
        out.append("  ".join([*cells, line[-1]]).rstrip())
    return "\n".join(out)
