"""The authorization matrix: every role × every endpoint × (case view) every field class.

The intended tables are written out below; the test asks the real API, as each person, and
compares. People: the operator's admin, dpo, analyst and supervisor; Atlas Contact's agent
who works the cases ("agent"), a colleague of the same team not assigned ("unassigned"),
their team lead; and an agent of the other vendor, Vlaanderen Care ("other_vendor").
Mutating calls run on a fresh case for each person, so the cells do not depend on order.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from ecluse.cases import Case
from ecluse.vocabulary import CaseStatus, CaseType, FieldClass

from .conftest import (
    ADMIN,
    AGENT,
    ANALYST,
    DPO,
    OTHER_VENDOR,
    SUPERVISOR,
    TEAM_LEAD,
    UNASSIGNED,
    Client,
    World,
)

PEOPLE = {
    "admin": ADMIN,
    "dpo": DPO,
    "analyst": ANALYST,
    "supervisor": SUPERVISOR,
    "agent": AGENT,
    "team_lead": TEAM_LEAD,
    "other_vendor": OTHER_VENDOR,
    "unassigned": UNASSIGNED,
}
ORDER = tuple(PEOPLE)
VENDOR_SIDE = ("agent", "team_lead", "other_vendor", "unassigned")

# --- the case view, field by field -------------------------------------------------------
# Columns: name birth natnr addr phone email iban contr invoi lines suppl.
# M masked, C clear, . hidden (absent from the answer); 404: the case is out of reach.
FIELD_ORDER = tuple(FieldClass)
VIEW_TABLE: dict[CaseType, dict[str, str]] = {
    CaseType.CONTRACT_RENEGOTIATION: {
        "admin": "404",
        "dpo": "M M M M M M M M M M M",
        "analyst": "404",
        "supervisor": "M . . . M M . M . . .",
        "agent": "M . . . M M . M . . .",
        "team_lead": "M . . . M M . M . . .",
        "other_vendor": "404",
        "unassigned": "404",
    },
    CaseType.USAGE_REVIEW: {
        "admin": "404",
        "dpo": "M M M M M M M M M M M",
        "analyst": "C . . . C C . C . C .",
        "supervisor": "M . . . M M . M . M .",
        "agent": "404",
        "team_lead": "404",
        "other_vendor": "404",
        "unassigned": "404",
    },
}

# --- every endpoint -----------------------------------------------------------------------
# Expected status per person, in ORDER: admin dpo analyst supervisor agent team_lead
# other_vendor unassigned.
ENDPOINT_TABLE: dict[str, str] = {
    "GET auth/me": "200 200 200 200 200 200 200 200",
    "GET cases": "200 200 200 200 200 200 200 200",
    "POST cases": "201 201 201 201 403 403 403 403",
    "GET cases/{case}": "404 200 404 200 200 200 404 404",
    "GET cases/{case}/history": "404 200 404 200 200 200 404 404",
    "POST cases/{case}/notes": "404 201 404 201 201 201 404 404",
    "POST cases/{case}/reveal": "404 403 404 403 200 200 404 404",
    "POST cases/{case}/edits": "404 403 404 403 200 200 404 404",
    "POST cases/{case}/transition": "404 200 404 200 200 200 404 404",
    "POST cases/{queued}/take": "404 422 404 422 200 422 404 200",
    "POST cases/{queued}/assign": "404 200 404 200 200 200 404 403",
    "GET edits/pending": "200 200 200 200 200 200 200 200",
    "POST edits/{request}/decision": "403 403 403 403 403 200 404 403",
    "GET ledger/checkpoint": "200 200 403 403 403 403 403 403",
    "GET ledger/verify": "200 200 403 403 403 403 403 403",
    "GET ledger/entries": "403 200 403 403 403 403 403 403",
}


def _expected(row: str) -> dict[str, int]:
    codes = row.split()
    assert len(codes) == len(ORDER)
    return {who: int(code) for who, code in zip(ORDER, codes, strict=True)}


class Scene:
    """Fresh cases as each cell needs them, all for French customers (Atlas Contact)."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.agent = world.who(AGENT)
        self.lead = world.who(TEAM_LEAD)
        self.n = 0

    def customer(self) -> str:
        self.n += 1
        return self.world.customer("fr", self.n % 6)

    def worked(self, case_type: CaseType = CaseType.CONTRACT_RENEGOTIATION) -> Case:
        """A case assigned to AGENT."""
        desk = self.world.desk
        case = desk.open_case(self.customer(), case_type)
        if case.assignee_id != self.agent.person_id:
            case = desk.assign(self.lead, case.id, self.agent.person_id)
        return case

    def queued(self) -> Case:
        """A case waiting, unassigned, in the Atlas team's queue."""
        case = self.worked()
        return self.world.desk.transition(self.lead, case.id, CaseStatus.NEW)

    def pending_request(self) -> int:
        case = self.worked()
        answer = self.world.desk.request_edit(
            self.agent, case.id, FieldClass.IBAN, "BE68539007547034"
        )
        assert answer["status"] == "pending_approval"
        return int(answer["request_id"])


def _call(scene: Scene, client: Client, endpoint: str) -> Any:
    method, path = endpoint.split(" ", 1)
    body: dict[str, Any] | None = None
    if "{case}" in path:
        path = path.replace("{case}", scene.worked().id)
    if "{queued}" in path:
        path = path.replace("{queued}", scene.queued().id)
    if "{request}" in path:
        path = path.replace("{request}", str(scene.pending_request()))
    action = path.rsplit("/", 1)[-1]
    bodies: dict[str, dict[str, Any]] = {
        "cases": {"customer_id": scene.customer(), "type": "complaint"},
        "notes": {"text": "called back, customer asks for a copy"},
        "reveal": {"field": "phone", "reason": "contact_customer"},
        "edits": {"field": "phone", "value": "+32 470 12 34 56"},
        "transition": {"status": "in_progress"},
        "assign": {"agent_id": scene.agent.person_id},
        "decision": {"approve": True},
    }
    if method == "POST":
        body = bodies.get(action)
    return client.request(method, path, json=body)


@pytest.fixture
def clients(world: World) -> dict[str, Client]:
    return {name: world.logged_in(email) for name, email in PEOPLE.items()}


def test_every_role_on_every_endpoint(world: World, clients: dict[str, Client]) -> None:
    world.desk.ledger.checkpoint()
    scene = Scene(world)
    got: dict[str, dict[str, int]] = {}
    for endpoint in ENDPOINT_TABLE:
        got[endpoint] = {who: _call(scene, clients[who], endpoint).status_code for who in ORDER}
    wrong = {
        endpoint: {
            w: (got[endpoint][w], want)
            for w, want in _expected(row).items()
            if got[endpoint][w] != want
        }
        for endpoint, row in ENDPOINT_TABLE.items()
    }
    assert not {k: v for k, v in wrong.items() if v}, "cells (got, wanted)"


def _visibility(answer: Any) -> str:
    if answer.status_code != 200:
        return str(answer.status_code)
    shown = {f["field"]: f["visibility"] for f in answer.json()["fields"]}
    letter = {"masked": "M", "clear": "C"}
    return " ".join(letter[shown[fc.value]] if fc.value in shown else "." for fc in FIELD_ORDER)


@pytest.mark.parametrize("case_type", list(VIEW_TABLE))
def test_case_view_field_by_field(
    world: World, clients: dict[str, Client], case_type: CaseType
) -> None:
    scene = Scene(world)
    case = (
        scene.worked(case_type)
        if case_type is not CaseType.USAGE_REVIEW
        else (world.desk.open_case(scene.customer(), case_type))
    )
    got = {who: _visibility(clients[who].get(f"cases/{case.id}")) for who in ORDER}
    assert got == VIEW_TABLE[case_type]


def _planted(world: World, customer_id: str) -> list[str]:
    row = world.row_of(customer_id)
    phone = row["phone"]
    values = [
        row["national_number"],
        row["iban"],
        row["email"],
        row["last_name"],
        row["birth_date"],
        row["street"],
        phone,
        "+" + re.sub(r"\D", "", phone),
    ]
    return [v for v in values if v]


def test_vendor_answers_never_carry_hidden_clear_values(
    world: World, clients: dict[str, Client]
) -> None:
    """GIVEN cases of several types WHEN every vendor person lists, views and reads history
    THEN none of the customer's clear values that policy hides appears in any answer."""
    scene = Scene(world)
    cases = [
        scene.worked(t)
        for t in (
            CaseType.CONTRACT_RENEGOTIATION,
            CaseType.INVOICE_EXPLANATION,
            CaseType.METER_MOVE,
        )
    ]
    for who in VENDOR_SIDE:
        c = clients[who]
        texts = [c.get("cases").text, c.get("edits/pending").text]
        for case in cases:
            texts += [c.get(f"cases/{case.id}").text, c.get(f"cases/{case.id}/history").text]
        blob = "\n".join(texts)
        for case in cases:
            for value in _planted(world, case.customer_id):
                assert value not in blob, f"{who} got a clear {case.case_type.value} value"


def test_vendor_lists_hold_only_their_own_and_team_queue(
    world: World, clients: dict[str, Client]
) -> None:
    scene = Scene(world)
    mine = scene.worked()
    queued = scene.queued()
    nl = world.desk.open_case(world.customer("nl"), CaseType.INVOICE_EXPLANATION)
    usage = world.desk.open_case(world.customer("fr"), CaseType.USAGE_REVIEW)

    def ids(who: str) -> set[str]:
        return {c["id"] for c in clients[who].get("cases").json()["cases"]}

    assert mine.id in ids("agent") and queued.id in ids("agent")
    assert mine.id not in ids("unassigned") and queued.id in ids("unassigned")
    assert {mine.id, queued.id} <= ids("team_lead")
    assert not ids("other_vendor") & {mine.id, queued.id, usage.id}
    assert nl.id not in ids("agent") | ids("team_lead") | ids("unassigned")
    assert usage.id in ids("analyst") and mine.id not in ids("analyst")
    assert ids("admin") == set()
    for who in VENDOR_SIDE:
        assert usage.id not in ids(who)


def test_out_of_reach_is_the_same_404_as_nonexistent(
    world: World, clients: dict[str, Client]
) -> None:
    """A vendor asking for a case that is not theirs gets exactly the answer for a case that
    does not exist, on every case route; customers are not reachable at all."""
    scene = Scene(world)
    theirs = scene.worked().id
    ghost = "k" + "x" * 14
    c = clients["other_vendor"]
    for suffix, method, body in (
        ("", "GET", None),
        ("/history", "GET", None),
        ("/notes", "POST", {"text": "hello"}),
        ("/reveal", "POST", {"field": "phone", "reason": "contact_customer"}),
        ("/transition", "POST", {"status": "in_progress"}),
        ("/take", "POST", None),
        ("/edits", "POST", {"field": "phone", "value": "+32 470 12 34 56"}),
    ):
        real = c.request(method, f"cases/{theirs}{suffix}", json=body)
        fake = c.request(method, f"cases/{ghost}{suffix}", json=body)
        assert (
            (real.status_code, real.json())
            == (fake.status_code, fake.json())
            == (
                404,
                {"error": "not_found", "message": "no such case", "field": None},
            )
        ), suffix
    # opening a case (the only route taking a customer id) is refused before the id is read
    existing = {"customer_id": world.customer("fr"), "type": "complaint"}
    missing = {"customer_id": "c" + "z" * 16, "type": "complaint"}
    assert c.post("cases", existing).json() == c.post("cases", missing).json()
    for who in ORDER:
        for path in ("customers", f"customers/{world.customer('fr')}", "customers/search"):
            assert clients[who].get(path).status_code == 404
    # a decision on another vendor's request: the same 404 as an unknown request
    req = scene.pending_request()
    real = c.post(f"edits/{req}/decision", {"approve": True})
    fake = c.post("edits/999999/decision", {"approve": True})
    assert (real.status_code, real.json()) == (fake.status_code, fake.json())
