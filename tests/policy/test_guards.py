"""The hard rules (guards.cedar, two_person.cedar) hold in every situation."""

from __future__ import annotations

import dataclasses
import itertools
from pathlib import Path
from typing import Any

import pytest

from ecluse.policy import CaseContext, PolicyEngine, Principal, Visibility
from ecluse.vocabulary import VENDOR_ROLES, Action, CaseStatus, CaseType, FieldClass, Role

AGENT = Principal(Role.AGENT, vendor="callmaroc", site_country="MA", team="fr-1")
LEAD = Principal(Role.TEAM_LEAD, vendor="callmaroc", site_country="MA", team="fr-1")
OTHER_LEAD = Principal(Role.TEAM_LEAD, vendor="vlaamscall", site_country="BE", team="nl-1")
VENDOR_PEOPLE = [AGENT, LEAD]


def nothing(engine: PolicyEngine, who: Principal, case: CaseContext) -> list[str]:
    """Every field the person can still do anything with (should be empty)."""
    view = engine.case_view(who, case)
    return [
        fc.value
        for fc, access in view.items()
        if access.visibility is not Visibility.HIDDEN
        or access.can_reveal
        or access.can_export
        or access.can_edit
        or access.can_approve_edit
    ]


def test_national_number_never_reaches_a_vendor(engine: PolicyEngine) -> None:
    """GIVEN any vendor person, case type, status and assignment
    WHEN they ask for anything on the national number
    THEN it is denied, by the guard."""
    for who, case_type, status, assigned, queue in itertools.product(
        VENDOR_PEOPLE, CaseType, CaseStatus, [True, False], [True, False]
    ):
        case = CaseContext(
            case_type, status, assigned_to_principal=assigned, in_principal_team_queue=queue
        )
        access = engine.case_view(who, case)[FieldClass.NATIONAL_NUMBER]
        assert access.visibility is Visibility.HIDDEN
        assert not access.can_reveal
        assert not access.can_export
        assert not access.can_edit
        assert not access.can_approve_edit
        assert not any(d.allowed for d in access.decisions.values())
    case = CaseContext(CaseType.COMPLAINT, assigned_to_principal=True)
    decision = engine.decide(AGENT, Action.VIEW_MASKED, FieldClass.NATIONAL_NUMBER, case)
    assert "guard.national_number_never_to_vendors" in decision.policy_ids
    assert decision.reasons[0].startswith("forbidden by guard.national_number_never_to_vendors")


@pytest.mark.parametrize("case_type", [CaseType.PRIVACY_REQUEST, CaseType.USAGE_REVIEW])
@pytest.mark.parametrize("who", VENDOR_PEOPLE, ids=["agent", "team_lead"])
def test_operator_only_case_types_give_vendors_nothing(
    engine: PolicyEngine, who: Principal, case_type: CaseType
) -> None:
    for status in CaseStatus:
        case = CaseContext(case_type, status, assigned_to_principal=True)
        assert nothing(engine, who, case) == []


@pytest.mark.parametrize("status", [CaseStatus.RESOLVED, CaseStatus.CLOSED])
@pytest.mark.parametrize("who", VENDOR_PEOPLE, ids=["agent", "team_lead"])
def test_resolved_and_closed_cases_give_vendors_nothing(
    engine: PolicyEngine, who: Principal, status: CaseStatus
) -> None:
    for case_type in CaseType:
        case = CaseContext(case_type, status, assigned_to_principal=True)
        assert nothing(engine, who, case) == []


def test_every_open_status_works_the_same(engine: PolicyEngine) -> None:
    open_statuses = [CaseStatus.NEW, CaseStatus.ASSIGNED, CaseStatus.IN_PROGRESS]
    open_statuses.append(CaseStatus.PENDING_CUSTOMER)
    views = [
        nothing(engine, AGENT, CaseContext(CaseType.METER_MOVE, s, assigned_to_principal=True))
        for s in open_statuses
    ]
    assert views == [["name", "address", "supply_points"]] * 4


def test_a_case_neither_assigned_nor_in_the_team_queue_gives_nothing(
    engine: PolicyEngine,
) -> None:
    for who, case_type in itertools.product(VENDOR_PEOPLE, CaseType):
        case = CaseContext(case_type, CaseStatus.IN_PROGRESS)
        assert nothing(engine, who, case) == []
    case = CaseContext(CaseType.COMPLAINT)
    decision = engine.decide(AGENT, Action.VIEW_MASKED, FieldClass.NAME, case)
    assert decision.policy_ids == ("guard.vendor_assigned_or_team_queue",)


def test_the_team_queue_opens_the_same_fields_as_an_assignment(engine: PolicyEngine) -> None:
    for who, case_type in itertools.product(VENDOR_PEOPLE, CaseType):
        assigned = CaseContext(case_type, assigned_to_principal=True)
        queued = CaseContext(case_type, in_principal_team_queue=True)
        assert nothing(engine, who, assigned) == nothing(engine, who, queued)


@pytest.mark.parametrize(
    "who",
    [
        Principal(Role.AGENT, vendor="callmaroc", site_country=""),
        Principal(Role.AGENT, vendor="", site_country="MA"),
        Principal(Role.AGENT, site_country="MA"),  # a vendor role claiming the operator
    ],
    ids=["no-site-country", "no-vendor", "operator-vendor"],
)
def test_vendor_people_of_unknown_vendor_or_site_get_nothing(
    engine: PolicyEngine, who: Principal
) -> None:
    for case_type in CaseType:
        assert nothing(engine, who, CaseContext(case_type, assigned_to_principal=True)) == []


def test_admins_read_no_customer_data_whatever_the_case(engine: PolicyEngine) -> None:
    admin = Principal(Role.ADMIN, site_country="BE")
    for case_type, status in itertools.product(CaseType, CaseStatus):
        assert nothing(engine, admin, CaseContext(case_type, status)) == []


def test_vendors_never_get_clear_by_default_and_never_export(engine: PolicyEngine) -> None:
    for who, case_type, fc in itertools.product(VENDOR_PEOPLE, CaseType, FieldClass):
        case = CaseContext(case_type, assigned_to_principal=True)
        assert not engine.decide(who, Action.VIEW_CLEAR, fc, case).allowed
        assert not engine.decide(who, Action.EXPORT, fc, case).allowed


# --- the four-eyes rule -----------------------------------------------------------------

IBAN_CASE = CaseContext(CaseType.INVOICE_EXPLANATION, in_principal_team_queue=True)


def with_(case: CaseContext, **changes: Any) -> CaseContext:
    return dataclasses.replace(case, **changes)


def test_an_iban_change_needs_a_second_person(engine: PolicyEngine) -> None:
    """GIVEN an agent on an invoice explanation
    WHEN they change the IBAN
    THEN it does not take effect without approval, and does with it."""
    case = with_(IBAN_CASE, assigned_to_principal=True)
    unapproved = engine.decide(AGENT, Action.EDIT, FieldClass.IBAN, case)
    assert not unapproved.allowed
    assert "two_person.iban_address_need_approval" in unapproved.policy_ids
    approved = engine.decide(AGENT, Action.EDIT, FieldClass.IBAN, with_(case, edit_approved=True))
    assert approved.allowed
    assert approved.policy_ids == ("edit.vendor_iban_request",)


def test_a_team_lead_of_the_same_vendor_approves(engine: PolicyEngine) -> None:
    decision = engine.decide(LEAD, Action.APPROVE_EDIT, FieldClass.IBAN, IBAN_CASE)
    assert decision.allowed


def test_self_approval_is_forbidden(engine: PolicyEngine) -> None:
    """GIVEN a team lead who asked for an IBAN change themselves
    WHEN they try to approve it
    THEN it is forbidden by the no-self-approval rule."""
    case = with_(IBAN_CASE, principal_is_requester=True)
    decision = engine.decide(LEAD, Action.APPROVE_EDIT, FieldClass.IBAN, case)
    assert not decision.allowed
    assert decision.policy_ids == ("two_person.no_self_approval",)


def test_approval_across_vendors_is_forbidden(engine: PolicyEngine) -> None:
    case = with_(IBAN_CASE, requester_vendor="callmaroc")
    decision = engine.decide(OTHER_LEAD, Action.APPROVE_EDIT, FieldClass.IBAN, case)
    assert not decision.allowed
    assert "two_person.same_vendor_only" in decision.policy_ids


def test_agents_do_not_approve(engine: PolicyEngine) -> None:
    case = with_(IBAN_CASE, assigned_to_principal=True)
    decision = engine.decide(AGENT, Action.APPROVE_EDIT, FieldClass.IBAN, case)
    assert not decision.allowed
    assert "two_person.only_team_leads_approve" in decision.policy_ids


def test_nothing_hidden_can_be_revealed(engine: PolicyEngine) -> None:
    for who, case_type, fc in itertools.product(VENDOR_PEOPLE, CaseType, FieldClass):
        case = CaseContext(case_type, assigned_to_principal=True)
        view = engine.case_view(who, case)
        if view[fc].visibility is Visibility.HIDDEN:
            assert not engine.decide(who, Action.REVEAL, fc, case).allowed


def test_reveal_quotas_come_from_the_policy_directory(engine: PolicyEngine) -> None:
    assert engine.reveal_quota(Role.AGENT) == 20
    assert engine.reveal_quota(Role.TEAM_LEAD) == 40
    assert engine.reveal_quota(Role.ADMIN) == 0
    assert all(engine.reveal_quota(r) > 0 for r in VENDOR_ROLES)


def test_a_policy_that_fails_to_evaluate_denies(tmp_path: Path) -> None:
    """GIVEN a forbid that overflows at evaluation (the validator cannot see it)
    WHEN an agent asks to reveal
    THEN Cedar would skip the broken forbid and allow; Ecluse denies and names the policy."""
    (tmp_path / "broken.cedar").write_text(
        "// A forbid with an arithmetic overflow.\n"
        '@id("broken.overflow")\n'
        'forbid (principal, action == Ecluse::Action::"reveal", resource)\n'
        "when { 9223372036854775807 + 1 > 0 };\n"
    )
    engine = PolicyEngine(tmp_path)
    case = CaseContext(CaseType.COMPLAINT, assigned_to_principal=True)
    decision = engine.decide(AGENT, Action.REVEAL, FieldClass.PHONE, case)
    assert not decision.allowed
    assert decision.reasons[0] == "denied: a policy could not be evaluated"
    assert "'broken.overflow'" in decision.reasons[-1]
    assert not engine.case_view(AGENT, case)[FieldClass.PHONE].can_reveal
    # the other actions, which the broken policy does not apply to, are unaffected
    assert engine.case_view(AGENT, case)[FieldClass.PHONE].visibility is Visibility.MASKED
