"""``explain``: field by field, what one person sees of one case and which policy decided it.

The same function serves ``ecluse policy explain --role ...`` (a hypothetical person and case)
and the case desk's ``--user U --case C`` (a real person and case looked up first).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from ecluse.policy._engine import PolicyEngine
from ecluse.policy._evaluate import evaluate
from ecluse.policy._model import CaseContext, EditRight, FieldAccess, Principal, Visibility
from ecluse.vocabulary import VENDOR_ROLES, Action, CaseStatus, CaseType, FieldClass, Role

__all__ = [
    "ACCESS_LEGEND",
    "Explanation",
    "ExplanationRow",
    "access_code",
    "explain",
    "format_explanation",
    "policy_matrix",
    "policy_warnings",
]


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
    #: forbids that took away a reveal or an edit some permit would have given
    reveal_blocked_by: tuple[str, ...] = ()
    edit_blocked_by: tuple[str, ...] = ()

    @property
    def all_policies(self) -> tuple[str, ...]:
        """Every policy named for this field: deciding ones, then blocking forbids."""
        return tuple(dict.fromkeys(self.decided_by + self.reveal_blocked_by + self.edit_blocked_by))


@dataclass(frozen=True)
class Explanation:
    principal: Principal
    case: CaseContext
    rows: tuple[ExplanationRow, ...]
    reveal_quota: int
    policy_digest: str


def _blocked(
    engine: PolicyEngine,
    principal: Principal,
    access: FieldAccess,
    action: Action,
    case: CaseContext,
) -> tuple[str, ...]:
    """The forbids that denied ``action`` although a permit would have allowed it."""
    decision = access.decisions[action]
    if decision.allowed or not decision.policy_ids:
        return ()
    if action is Action.REVEAL and access.visibility is not Visibility.MASKED:
        return ()
    if action is Action.EDIT:
        case = dataclasses.replace(case, edit_approved=True)
    permitted = evaluate(
        engine.bundle, principal, action, access.field_class, case, permits_only=True
    )
    return decision.policy_ids if permitted.allowed else ()


def _row(
    engine: PolicyEngine, principal: Principal, case: CaseContext, access: FieldAccess
) -> ExplanationRow:
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
        reveal_blocked_by=_blocked(engine, principal, access, Action.REVEAL, case),
        edit_blocked_by=_blocked(engine, principal, access, Action.EDIT, case),
    )


def explain(engine: PolicyEngine, principal: Principal, case: CaseContext) -> Explanation:
    """What ``principal`` sees of ``case``, every field class, with the deciding policies."""
    view = engine.case_view(principal, case)
    return Explanation(
        principal=principal,
        case=case,
        rows=tuple(_row(engine, principal, case, view[fc]) for fc in FieldClass),
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
                "yes" if row.reveal else ("blocked" if row.reveal_blocked_by else "no"),
                "yes" if row.export else "no",
                "blocked" if row.edit_blocked_by else row.edit.value,
                "yes" if row.approve_edit else "no",
                ", ".join(row.all_policies) or "(default deny)",
            )
        )
    widths = [max(len(line[i]) for line in lines) for i in range(len(header) - 1)]
    out = []
    for line in lines:
        cells = [cell.ljust(width) for cell, width in zip(line, widths, strict=False)]
        out.append("  ".join([*cells, line[-1]]).rstrip())
    return "\n".join(out)


#: The legend of :func:`access_code`, for people reading a matrix.
ACCESS_LEGEND = (
    ". hidden, M masked, C clear; then r may reveal, x may export, e may edit, "
    "a may ask for an edit that needs approval, A may approve others' edit requests"
)


def access_code(access: FieldAccess) -> str:
    """A field access in a few letters: ``M`` masked, ``Mr`` masked and revealable, …"""
    code = {Visibility.HIDDEN: ".", Visibility.MASKED: "M", Visibility.CLEAR: "C"}
    out = code[access.visibility]
    out += "r" if access.can_reveal else ""
    out += "x" if access.can_export else ""
    out += {EditRight.NONE: "", EditRight.DIRECT: "e", EditRight.NEEDS_APPROVAL: "a"}[access.edit]
    return out + ("A" if access.can_approve_edit else "")


def policy_matrix(
    engine: PolicyEngine, status: CaseStatus = CaseStatus.IN_PROGRESS
) -> list[tuple[Role, CaseType, dict[FieldClass, str]]]:
    """Every role × case type × field class, as :func:`access_code` letters.

    Vendor roles are looked at on a case assigned to them (of a vendor with a site in a
    country no policy names), operator roles on a case not assigned to them.
    """
    rows = []
    for role in Role:
        vendor_side = role in VENDOR_ROLES
        principal = (
            Principal(role, vendor="a-vendor", site_country="XX", team="a-team")
            if vendor_side
            else Principal(role)
        )
        for case_type in CaseType:
            case = CaseContext(case_type, status, assigned_to_principal=vendor_side)
            view = engine.case_view(principal, case)
            rows.append((role, case_type, {fc: access_code(view[fc]) for fc in FieldClass}))
    return rows


def policy_warnings(engine: PolicyEngine) -> list[str]:
    """Consistency warnings a DPO should see (the set still loads): a role the policies let
    reveal fields while its daily reveal quota is 0, so every reveal would be refused."""
    warnings = []
    revealers: dict[Role, set[str]] = {}
    for role, case_type, cells in policy_matrix(engine):
        if any("r" in code for code in cells.values()):
            revealers.setdefault(role, set()).add(case_type.value)
    for role, case_types in revealers.items():
        if engine.reveal_quota(role) == 0:
            warnings.append(
                f"{role.value} may reveal fields ({', '.join(sorted(case_types))}) but its "
                f"[reveal_per_day] quota in quotas.toml is 0"
            )
    return warnings
