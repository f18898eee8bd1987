"""The case desk end to end: routing, need-to-know views, reveals, lifecycle, four eyes."""

from __future__ import annotations

import pytest

from ecluse.cases import Priority, RevealReason
from ecluse.errors import InputError, NotFound, PermissionDenied
from ecluse.org import find_person, find_vendor
from ecluse.vocabulary import CaseStatus, CaseType, FieldClass, Role

from .conftest import ATLAS_AGENT1, ATLAS_AGENT2, ATLAS_LEAD, NOW, VLAANDEREN_AGENT1, World


def test_routing_by_language_and_type(world: World) -> None:
    """GIVEN French and Dutch customers WHEN cases open THEN French goes to the Moroccan site,
    Dutch to the Belgian one, each to an agent with the skill; usage reviews stay operator."""
    fr = world.desk.open_case(world.customer("fr"), CaseType.INVOICE_EXPLANATION, now=NOW)
    nl = world.desk.open_case(world.customer("nl"), CaseType.INVOICE_EXPLANATION, now=NOW)
    usage = world.desk.open_case(world.customer("fr", 1), CaseType.USAGE_REVIEW, now=NOW)
    atlas = find_vendor(world.inst.engine, "Atlas Contact")
    assert fr.vendor_id == atlas.id and fr.status is CaseStatus.ASSIGNED and fr.assignee_id
    assert nl.vendor_id == find_vendor(world.inst.engine, "Vlaanderen Care").id
    assert usage.vendor_id is None and usage.assignee_id is None
    assert fr.due_at is not None and fr.due_at > NOW
    # least open work: the next invoice case goes to another skilled agent
    second = world.desk.open_case(world.customer("fr", 2), CaseType.INVOICE_EXPLANATION, now=NOW)
    assert second.assignee_id != fr.assignee_id


def _assignee_email(world: World, person_id: int | None) -> str:
    from ecluse.org import get_person

    assert person_id is not None
    return get_person(world.inst.engine, person_id).email


def test_agent_sees_only_what_the_case_needs_masked(world: World) -> None:
    cid = world.customer("fr")
    case = world.desk.open_case(cid, CaseType.INVOICE_EXPLANATION, now=NOW)
    agent = world.who(_assignee_email(world, case.assignee_id))
    view = world.desk.view(agent, case.id, now=NOW)
    shown = {f.field_class: f for f in view.fields}
    assert FieldClass.NATIONAL_NUMBER not in shown
    assert FieldClass.INVOICES in shown and FieldClass.CONTRACTS in shown
    row = world.row_of(cid)
    text = repr(view.to_json())
    for secret in (row["national_number"], row["iban"], row["email"], row["last_name"]):
        assert secret not in text
    # the view is in the ledger, by pseudonymous ids only
    entries = world.desk.ledger.entries_for_subject(cid)
    assert [e.kind for e in entries] == ["view"]
    assert entries[0].actor == agent.handle and row["last_name"] not in repr(entries[0])


def test_a_case_whose_customer_was_erased_shows_nothing_and_records_nothing(
    world: World,
) -> None:
    """GIVEN an open case whose customer is then erased (crypto-shredded) WHEN its agent opens
    it THEN the desk answers NotFound, decrypts nothing and appends no view to the ledger."""
    cid = world.customer("fr", 1)
    case = world.desk.open_case(cid, CaseType.INVOICE_EXPLANATION, now=NOW)
    agent = world.who(_assignee_email(world, case.assignee_id))
    world.desk.vault.erase(cid)
    with pytest.raises(NotFound):
        world.desk.view(agent, case.id, now=NOW)
    assert world.desk.ledger.entries_for_subject(cid) == []


def test_vendor_people_cannot_reach_other_cases(world: World) -> None:
    fr = world.desk.open_case(world.customer("fr"), CaseType.INVOICE_EXPLANATION, now=NOW)
    other_vendor = world.who(VLAANDEREN_AGENT1)
    with pytest.raises(NotFound):
        world.desk.view(other_vendor, fr.id, now=NOW)
    colleague_email = (
        ATLAS_AGENT2 if _assignee_email(world, fr.assignee_id) != ATLAS_AGENT2 else ATLAS_AGENT1
    )
    with pytest.raises(NotFound):
        world.desk.view(world.who(colleague_email), fr.id, now=NOW)
    with pytest.raises(NotFound):
        world.desk.view(other_vendor, "cs-does-not-exist", now=NOW)
    assert world.desk.queue(other_vendor) == []
    # the team lead sees the team's cases
    assert fr.id in [c.id for c in world.desk.queue(world.who(ATLAS_LEAD))]


def test_reveal_needs_reason_counts_against_quota_and_is_ledgered(world: World) -> None:
    cid = world.customer("fr")
    case = world.desk.open_case(cid, CaseType.CONTRACT_RENEGOTIATION, now=NOW)
    agent = world.who(_assignee_email(world, case.assignee_id))
    view = world.desk.view(agent, case.id, now=NOW)
    revealable = [f.field_class for f in view.fields if f.can_reveal]
    assert revealable, "contract renegotiation lets the agent reveal a contact field"
    fc = revealable[0]
    with pytest.raises(InputError):
        world.desk.reveal(agent, case.id, fc, RevealReason.OTHER, "short", now=NOW)
    result = world.desk.reveal(agent, case.id, fc, RevealReason.CONTACT_CUSTOMER, now=NOW)
    assert result.reveals_left_today == view.reveals_left_today - 1
    row = world.row_of(cid)
    assert any(
        row["email"] in repr(v) or row["last_name"] in repr(v) or "+32" in repr(v)
        for v in result.values
    )
    kinds = [e.kind for e in world.desk.ledger.entries_for_subject(cid)]
    assert kinds == ["view", "reveal"]
    # never reveals a field the policy hides
    with pytest.raises((PermissionDenied, InputError)):
        world.desk.reveal(
            agent, case.id, FieldClass.NATIONAL_NUMBER, RevealReason.VERIFY_IDENTITY, now=NOW
        )
    assert world.desk.ledger.entries_for_subject(cid)[-1].kind == "denied"


def test_reveal_quota_runs_out(world: World) -> None:
    case = world.desk.open_case(world.customer("fr"), CaseType.CONTRACT_RENEGOTIATION, now=NOW)
    agent = world.who(_assignee_email(world, case.assignee_id))
    fc = next(
        f.field_class for f in world.desk.view(agent, case.id, now=NOW).fields if f.can_reveal
    )
    quota = world.desk.policy.reveal_quota(Role.AGENT)
    for _ in range(quota):
        world.desk.reveal(agent, case.id, fc, RevealReason.CONTACT_CUSTOMER, now=NOW)
    with pytest.raises(PermissionDenied, match="quota"):
        world.desk.reveal(agent, case.id, fc, RevealReason.CONTACT_CUSTOMER, now=NOW)


def test_lifecycle_resolve_close_reopen(world: World) -> None:
    case = world.desk.open_case(
        world.customer("nl"), CaseType.COMPLAINT, priority=Priority.HIGH, now=NOW
    )
    agent = world.who(_assignee_email(world, case.assignee_id))
    with pytest.raises(InputError):
        world.desk.transition(agent, case.id, CaseStatus.CLOSED, now=NOW)
    world.desk.transition(agent, case.id, CaseStatus.IN_PROGRESS, now=NOW)
    with pytest.raises(InputError, match="outcome"):
        world.desk.transition(agent, case.id, CaseStatus.RESOLVED, now=NOW)
    done = world.desk.transition(agent, case.id, CaseStatus.RESOLVED, outcome="explained", now=NOW)
    assert done.status is CaseStatus.RESOLVED and done.resolved_at == NOW
    reopened = world.desk.transition(agent, case.id, CaseStatus.IN_PROGRESS, now=NOW)
    assert reopened.reopen_count == 1 and reopened.resolved_at is None
    with pytest.raises(InputError):
        world.desk.transition(agent, case.id, "flying", now=NOW)


def test_iban_change_needs_a_second_person(world: World) -> None:
    """GIVEN an agent on an invoice case WHEN they ask for a new IBAN THEN it waits; they
    cannot approve it themselves; their team lead can, and the vault then holds it."""
    cid = world.customer("fr")
    case = world.desk.open_case(cid, CaseType.INVOICE_EXPLANATION, now=NOW)
    agent = world.who(_assignee_email(world, case.assignee_id))
    with pytest.raises(InputError):
        world.desk.request_edit(agent, case.id, FieldClass.IBAN, "BE00 not an iban", now=NOW)
    new_iban = "BE71 0961 2345 6769"
    asked = world.desk.request_edit(agent, case.id, FieldClass.IBAN, new_iban, now=NOW)
    assert asked["status"] == "pending_approval"
    with pytest.raises((PermissionDenied, NotFound)):
        world.desk.decide_edit(agent, asked["request_id"], approve=True, now=NOW)
    assert world.desk.vault.get(cid).iban != "BE71096123456769"
    lead = world.who(ATLAS_LEAD)
    assert [
        p["request_id"] if "request_id" in p else p["id"] for p in world.desk.pending_edits(lead)
    ] == [asked["request_id"]]
    world.desk.decide_edit(lead, asked["request_id"], approve=True, now=NOW)
    assert world.desk.vault.get(cid).iban == "BE71096123456769"
    assert world.desk.vault.find("iban", new_iban) == [cid]
    # the other vendor's lead never sees it
    assert world.desk.pending_edits(world.who("lead@vlaanderen-care.example")) == []


def test_leaver_loses_access_and_cases_are_rerouted(world: World) -> None:
    from ecluse.org import mark_leaver

    case = world.desk.open_case(world.customer("fr"), CaseType.INVOICE_EXPLANATION, now=NOW)
    email = _assignee_email(world, case.assignee_id)
    person = find_person(world.inst.engine, email)
    mark_leaver(world.inst.engine, person.id, now=NOW)
    with pytest.raises(PermissionDenied):
        world.desk.view(world.who(email), case.id, now=NOW)
    moved = world.desk.reroute_without_access(now=NOW)
    assert case.id in moved
    after = world.desk.get(case.id)
    assert after.assignee_id != person.id


def test_vendor_contract_end_cuts_everyone_at_that_moment(world: World) -> None:
    from datetime import timedelta

    from ecluse.org import end_vendor_contract

    case = world.desk.open_case(world.customer("fr"), CaseType.INVOICE_EXPLANATION, now=NOW)
    agent = world.who(_assignee_email(world, case.assignee_id))
    world.desk.view(agent, case.id, now=NOW)
    atlas = find_vendor(world.inst.engine, "Atlas Contact")
    end_vendor_contract(world.inst.engine, atlas.id, at=NOW + timedelta(minutes=5), now=NOW)
    agent = world.who(_assignee_email(world, case.assignee_id))
    world.desk.view(agent, case.id, now=NOW + timedelta(minutes=4))
    with pytest.raises(PermissionDenied):
        world.desk.view(agent, case.id, now=NOW + timedelta(minutes=5))
    moved = world.desk.reroute_without_access(now=NOW + timedelta(minutes=5))
    assert case.id in moved
    # no other vendor serves French: the case goes back to the operator's queue
    assert world.desk.get(case.id).vendor_id is None


def test_a_resolved_cases_edit_request_leaves_the_approval_list(world: World) -> None:
    """GIVEN a pending IBAN change WHEN its case is resolved THEN the lead no longer sees it
    (it could not be decided); WHEN the case reopens THEN it is back."""
    case = world.desk.open_case(world.customer("fr"), CaseType.INVOICE_EXPLANATION, now=NOW)
    agent = world.who(_assignee_email(world, case.assignee_id))
    asked = world.desk.request_edit(agent, case.id, FieldClass.IBAN, "BE71096123456769", now=NOW)
    lead = world.who(ATLAS_LEAD)
    world.desk.transition(agent, case.id, CaseStatus.IN_PROGRESS, now=NOW)
    world.desk.transition(agent, case.id, CaseStatus.RESOLVED, outcome="explained", now=NOW)
    assert world.desk.pending_edits(lead) == []
    world.desk.transition(agent, case.id, CaseStatus.IN_PROGRESS, now=NOW)
    assert [p["id"] for p in world.desk.pending_edits(lead)] == [asked["request_id"]]


def test_an_unknown_choice_is_refused_without_repeating_what_was_typed(world: World) -> None:
    """GIVEN a form field for a choice (status, type, reason) that received free text
    WHEN the desk refuses it
    THEN the error names the field and the choices, never the text (it may be personal data)."""
    case = world.desk.open_case(world.customer("fr"), CaseType.COMPLAINT, now=NOW)
    agent = world.who(_assignee_email(world, case.assignee_id))
    planted = "jan.planted.7f3e@example.be"
    with pytest.raises(InputError) as refused:
        world.desk.transition(agent, case.id, planted, now=NOW)
    message = str(refused.value)
    assert planted not in message and planted[:10] not in message
    assert "status" in message and "in_progress" in message
