"""Message routes: customer text in (operator-side integrations), the thread, agents' replies.

Vendor roles read the thread pseudonymised; an agent's reply is re-identified operator-side
and held for review when it carries someone else's personal data. Each route calls one
service function of ``desk.messages``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path
from fastapi import status as http

from ecluse.api._auth import Caller
from ecluse.api._errors import ApiError
from ecluse.api._schemas import ID_PATTERN, MessageIn
from ecluse.api._state import State
from ecluse.vocabulary import OPERATOR_ROLES

__all__ = ["router"]

router = APIRouter(tags=["messages"])

CaseId = Annotated[str, Path(pattern=ID_PATTERN, description="Pseudonymous case id")]


@router.post(
    "/cases/{case_id}/messages",
    status_code=http.HTTP_201_CREATED,
    summary="A customer's message, from the operator's mail or chat integration",
)
def post_message(case_id: CaseId, body: MessageIn, principal: Caller, st: State) -> dict[str, Any]:
    if principal.role not in OPERATOR_ROLES:
        raise ApiError(403, "forbidden", "customer messages come in through operator integrations")
    st.desk.case_for(principal, case_id)
    return st.desk.messages.post_message(case_id, body.text).to_json()


@router.get("/cases/{case_id}/messages", summary="The thread, pseudonymised for vendor roles")
def thread(case_id: CaseId, principal: Caller, st: State) -> dict[str, Any]:
    return {"messages": [m.to_json() for m in st.desk.messages.thread(principal, case_id)]}


@router.post(
    "/cases/{case_id}/replies",
    status_code=http.HTTP_201_CREATED,
    summary="Reply with tokens; re-identified operator-side, held if it carries foreign data",
)
def reply(case_id: CaseId, body: MessageIn, principal: Caller, st: State) -> dict[str, Any]:
    return st.desk.messages.reply(principal, case_id, body.text).to_json()
