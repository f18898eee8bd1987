"""The authorization matrix: every role × case type × field class × action, against the spec.

The table below IS the specification of the default policies, written for a DPO to read.
One row per role and case type, one column per field class. A cell reads:

    .   hidden              M   masked              C   in clear
    followed by any of:
    r   may reveal it in clear (reason + daily quota)
    x   may export it
    e   may edit it (takes effect at once)
    a   may ask to edit it (takes effect once a second person approves)
    A   may approve someone else's edit request

Vendor roles (agent, team_lead) are looked at on an open case (in progress) assigned to them;
operator roles on the same case, not assigned to them. Guards (closed cases, unassigned
cases, unknown vendor) are tested in test_guards.py.
"""

from __future__ import annotations

import pytest

from ecluse.policy import (
    CaseContext,
    EditRight,
    FieldAccess,
    PolicyEngine,
    Principal,
    Visibility,
)
from ecluse.vocabulary import (
    VENDOR_ROLES,
    Action,
    CaseStatus,
    CaseType,
    FieldClass,
    Role,
)

COLUMNS = [
    FieldClass.NAME,
    FieldClass.BIRTH_DATE,
    FieldClass.NATIONAL_NUMBER,
    FieldClass.ADDRESS,
    FieldClass.PHONE,
    FieldClass.EMAIL,
    FieldClass.IBAN,
    FieldClass.CONTRACTS,
    FieldClass.INVOICES,
    FieldClass.LINES,
    FieldClass.SUPPLY_POINTS,
]

SPEC = """
role        case_type               name birth natnr addr  phone email iban  contr invoi lines suppl
agent       invoice_explanation     M    .     .     .     .     .     .a    M     M     .     .
agent       meter_move              M    .     .     Ma    .     .     .     .     .     .     Mr
agent       contract_renegotiation  M    .     .     .     Mre   Mre   .a    M     .     .     .
agent       usage_review            .    .     .     .     .     .     .     .     .     .     .
agent       line_restore            M    .     .     .     Mr    .     .     .     .     M     .
agent       complaint               M    .     .     .     Mre   Mre   .     M     .     .     .
agent       privacy_request         .    .     .     .     .     .     .     .     .     .     .
team_lead   invoice_explanation     M    .     .     .     .     .     .aA   M     M     .     .
team_lead   meter_move              M    .     .     MaA   .     .     .     .     .     .     Mr
team_lead   contract_renegotiation  M    .     .     .     Mre   Mre   .aA   M     .     .     .
team_lead   usage_review            .    .     .     .     .     .     .     .     .     .     .
team_lead   line_restore            M    .     .     .     Mr    .     .     .     .     M     .
team_lead   complaint               M    .     .     .     Mre   Mre   .     M     .     .     .
team_lead   privacy_request         .    .     .     .     .     .     .     .     .     .     .
supervisor  invoice_explanation     M    .     .     .     .     .     .     M     M     .     .
supervisor  meter_move              M    .     .     M     .     .     .     .     .     .     M
supervisor  contract_renegotiation  M    .     .     .     M     M     .     M     .     .     .
supervisor  usage_review            M    .     .     .     Mr    Mr    .     M     .     M     .
supervisor  line_restore            M    .     .     .     M     .     .     .     .     M     .
supervisor  complaint               M    .     .     .     M     M     .     M     .     .     .
supervisor  privacy_request         .    .     .     .     .     .     .     .     .     .     .
analyst     invoice_explanation     .    .     .     .     .     .     .     .     .     .     .
analyst     meter_move              .    .     .     .     .     .     .     .     .     .     .
analyst     contract_renegotiation  .    .     .     .     .     .     .     .     .     .     .
analyst     usage_review            C    .     .     .     C     C     .     C     .     C     .
analyst     line_restore            .    .     .     .     .     .     .     .     .     .     .
analyst     complaint               .    .     .     .     .     .     .     .     .     .     .
analyst     privacy_request         .    .     .     .     .     .     .     .     .     .     .
dpo         invoice_explanation     M    M     M     M     M     M     M     M     M     M     M
dpo         meter_move              M    M     M     M     M     M     M     M     M     M     M
dpo         contract_renegotiation  M    M     M     M     M     M     M     M     M     M     M
dpo         usage_review            M    M     M     M     M     M     M     M     M     M     M
dpo         line_restore            M    M     M     M     M     M     M     M     M     M     M
dpo         complaint               M    M     M     M     M     M     M     M     M     M     M
dpo         privacy_request         Mrx  Mrx   Mrx   Mrx   Mrx   Mrx   Mrx   Mrx   Mrx   Mrx   Mrx
admin       invoice_explanation     .    .     .     .     .     .     .     .     .     .     .
admin       meter_move              .    .     .     .     .     .     .     .     .     .     .
admin       contract_renegotiation  .    .     .     .     .     .     .     .     .     .     .
admin       usage_review            .    .     .     .     .     .     .     .     .     .     .
admin       line_restore            .    .     .     .     .     .     .     .     .     .     .
admin       complaint               .    .     .     .     .     .     .     .     .     .     .
admin       privacy_request         .    .     .     .     .     .     .     .     .     .     .
"""


def _parse_spec() -> dict[tuple[Role, CaseType], dict[FieldClass, str]]:
    rows = [line.split() for line in SPEC.strip().splitlines()[1:]]
    return {
        (Role(row[0]), CaseType(row[1])): dict(zip(COLUMNS, row[2:], strict=True)) for row in rows
    }


EXPECTED = _parse_spec()


def person(role: Role) -> Principal:
    if role in VENDOR_ROLES:
        return Principal(role, vendor="callmaroc", site_country="MA", team="fr-1")
    return Principal(role, site_country="BE")


def case_for(role: Role, case_type: CaseType) -> CaseContext:
    return CaseContext(
        case_type, CaseStatus.IN_PROGRESS, assigned_to_principal=role in VENDOR_ROLES
    )


def cell(access: FieldAccess) -> str:
    out = {Visibility.HIDDEN: ".", Visibility.MASKED: "M", Visibility.CLEAR: "C"}[access.visibility]
    out += "r" if access.can_reveal else ""
    out += "x" if access.can_export else ""
    out += {EditRight.NONE: "", EditRight.DIRECT: "e", EditRight.NEEDS_APPROVAL: "a"}[access.edit]
    out += "A" if access.can_approve_edit else ""
    return out


def test_the_spec_covers_every_role_and_case_type() -> None:
    assert set(EXPECTED) == {(r, t) for r in Role for t in CaseType}
    assert set(COLUMNS) == set(FieldClass)


@pytest.mark.parametrize(("role", "case_type"), sorted(EXPECTED))
def test_matrix(engine: PolicyEngine, role: Role, case_type: CaseType) -> None:
    view = engine.case_view(person(role), case_for(role, case_type))
    actual = {fc: cell(view[fc]) for fc in COLUMNS}
    assert actual == EXPECTED[(role, case_type)]


@pytest.mark.parametrize("role", list(Role))
def test_single_decisions_agree_with_the_case_view(engine: PolicyEngine, role: Role) -> None:
    """decide() for each action says the same as the case view, for every cell."""
    for case_type in CaseType:
        case = case_for(role, case_type)
        view = engine.case_view(person(role), case)
        for fc in FieldClass:
            access = view[fc]

            def allowed(action: Action, case: CaseContext = case, fc: FieldClass = fc) -> bool:
                return engine.decide(person(role), action, fc, case).allowed

            assert allowed(Action.VIEW_MASKED) == (access.visibility is not Visibility.HIDDEN)
            assert allowed(Action.VIEW_CLEAR) == (access.visibility is Visibility.CLEAR)
            assert allowed(Action.REVEAL) == access.can_reveal
            assert allowed(Action.EXPORT) == access.can_export
            assert allowed(Action.EDIT) == (access.edit is EditRight.DIRECT)
            approved = CaseContext(
                case.case_type,
                case.status,
                assigned_to_principal=case.assigned_to_principal,
                edit_approved=True,
            )
            assert allowed(Action.EDIT, approved) == access.can_edit
            assert allowed(Action.APPROVE_EDIT) == access.can_approve_edit
