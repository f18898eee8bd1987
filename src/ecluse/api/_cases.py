"""Case routes: each parses its input, calls one desk function and returns JSON.

Which cases and fields a person reaches is the desk's and the policy's business; the desk
answers :class:`NotFound` alike for a case that does not exist and one the caller may not
reach, so the API cannot be used to probe for either.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path
from fastapi import status as http

from ecluse.api._auth import Caller
from ecluse.api._errors import ApiError
from ecluse.api._json import Json
from ecluse.api._schemas import (
    ID_PATTERN,
    MAX_INT,
    AssignIn,
    DecisionIn,
    EditIn,
    NoteIn,
    OpenCaseIn,
    RevealIn,
    TransitionIn,
)
from ecluse.api._state import ApiState, State
from ecluse.org import Principal
from ecluse.vocabulary import OPERATOR_ROLES

__all__ = ["router"]

router = APIRouter(tags=["cases"])

CaseId = Annotated[str, Path(pattern=ID_PATTERN, description="Pseudonymous case id")]
RequestId = Annotated[int, Path(ge=1, le=MAX_INT, description="Edit request id")]


@router.get("/cases", summary="The caller's queue (own cases and team queue, or operator's)")
def queue(principal: Caller, st: State) -> dict[str, Any]:
    return {"cases": [c.summary() for c in st.desk.queue(principal)]}


@router.post(
    "/cases", status_code=http.HTTP_201_CREATED, summary="Open a case (operator roles only)"
)
def open_case(body: OpenCaseIn, principal: Caller, st: State) -> dict[str, Any]:
    # Decided before the customer id is looked at, so vendors cannot probe customer ids.
    if principal.role not in OPERATOR_ROLES:
        raise ApiError(403, "forbidden", "only operator staff open cases")
    case = st.desk.open_case(
        body.customer_id, body.type, actor=principal.handle, priority=body.priority, origin="api"
    )
    return case.summary()


@router.get("/cases/{case_id}", summary="The case with its fields as the caller may see them")
def view(case_id: CaseId, principal: Caller, st: State) -> Json:
    # The hottest route: a Json answer spares FastAPI's response handling (see Json).
    return Json(st.desk.view(principal, case_id).to_json())


async def view_on_loop(case_id: str, principal: Principal, st: ApiState) -> Json:
    """:func:`view` for its direct route on the event loop's thread (see _direct)."""
    return Json((await st.desk.view_async(principal, case_id)).to_json())


@router.post("/cases/{case_id}/reveal", summary="One field in clear, for a stated reason")
def reveal(case_id: CaseId, body: RevealIn, principal: Caller, st: State) -> dict[str, Any]:
    result = st.desk.reveal(principal, case_id, body.field, body.reason, body.explanation)
    return {
        "field": result.field_class.value,
        "values": list(result.values),
        "reveals_left_today": result.reveals_left_today,
    }


@router.post("/cases/{case_id}/transition", summary="Move the case along its lifecycle")
def transition(case_id: CaseId, body: TransitionIn, principal: Caller, st: State) -> dict[str, Any]:
    return st.desk.transition(principal, case_id, body.status, outcome=body.outcome).summary()


@router.post("/cases/{case_id}/take", summary="Take a case from the team's queue")
def take(case_id: CaseId, principal: Caller, st: State) -> dict[str, Any]:
    return st.desk.take(principal, case_id).summary()


@router.post("/cases/{case_id}/assign", summary="Give the case to an agent")
def assign(case_id: CaseId, body: AssignIn, principal: Caller, st: State) -> dict[str, Any]:
    return st.desk.assign(principal, case_id, body.agent_id).summary()


@router.post(
    "/cases/{case_id}/notes", status_code=http.HTTP_201_CREATED, summary="Add an internal note"
)
def add_note(case_id: CaseId, body: NoteIn, principal: Caller, st: State) -> dict[str, Any]:
    st.desk.add_note(principal, case_id, body.text)
    return {"ok": True}


@router.get("/cases/{case_id}/history", summary="The case's events and notes")
def history(case_id: CaseId, principal: Caller, st: State) -> dict[str, Any]:
    return {"events": st.desk.history(principal, case_id)}


@router.post("/cases/{case_id}/edits", summary="Change a field (at once, or pending approval)")
def request_edit(case_id: CaseId, body: EditIn, principal: Caller, st: State) -> dict[str, Any]:
    return st.desk.request_edit(principal, case_id, body.field, body.value)


@router.get("/edits/pending", summary="Edit requests waiting for the caller's approval")
def pending_edits(principal: Caller, st: State) -> dict[str, Any]:
    return {"requests": st.desk.pending_edits(principal)}


@router.post("/edits/{request_id}/decision", summary="Approve or reject an edit request")
def decide_edit(
    request_id: RequestId, body: DecisionIn, principal: Caller, st: State
) -> dict[str, Any]:
    return st.desk.decide_edit(principal, request_id, body.approve)
