"""``explain`` and its plain-text table: field by field, with the deciding policies."""

from __future__ import annotations

from ecluse.policy import (
    CaseContext,
    EditRight,
    PolicyEngine,
    Principal,
    Visibility,
    explain,
    format_explanation,
    policy_warnings,
)
from ecluse.vocabulary import CaseType, FieldClass, Role

LEAD = Principal(Role.TEAM_LEAD, vendor="callmaroc", site_country="MA", team="fr-1")
MOVE = CaseContext(CaseType.METER_MOVE, in_principal_team_queue=True)


def test_explain_gives_every_field_with_rights_and_policies(engine: PolicyEngine) -> None:
    result = explain(engine, LEAD, MOVE)
    rows = {row.field_class: row for row in result.rows}
    assert list(rows) == list(FieldClass)
    address = rows[FieldClass.ADDRESS]
    assert address.visibility is Visibility.MASKED
    assert address.edit is EditRight.NEEDS_APPROVAL
    assert address.approve_edit
    assert address.decided_by == (
        "need.meter_move",
        "edit.vendor_address_request",
        "two_person.iban_address_need_approval",
    )
    assert address.reasons[0].startswith("permitted by need.meter_move: Meter move")
    assert rows[FieldClass.BIRTH_DATE].reasons == ("no policy permits this (denied by default)",)
    assert result.reveal_quota == 40
    assert result.policy_digest == engine.digest


def test_the_plain_table_has_one_line_per_field(engine: PolicyEngine) -> None:
    text = format_explanation(explain(engine, LEAD, MOVE))
    lines = text.splitlines()
    assert lines[0].split() == [
        "field",
        "sees",
        "reveal",
        "export",
        "edit",
        "approve",
        "decided",
        "by",
    ]
    assert len(lines) == 1 + len(FieldClass)
    supply = next(line for line in lines if line.startswith("supply_points"))
    assert supply.split()[:3] == ["supply_points", "masked", "yes"]
    assert "reveal.vendor_meter_move_ean" in supply
    assert "(default deny)" in next(line for line in lines if line.startswith("birth_date"))


def test_the_defaults_raise_no_warnings(engine: PolicyEngine) -> None:
    assert policy_warnings(engine) == []
