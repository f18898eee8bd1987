"""Team-lead page: the team's queue, each agent's load against capacity, change approvals."""

from __future__ import annotations

from collections import Counter
from typing import Annotated

from fastapi import APIRouter, Form, Query
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ecluse.errors import NotFound
from ecluse.org import get_person, list_people
from ecluse.vocabulary import Role
from ecluse.web._session import Staff, require_role

__all__ = ["router"]

router = APIRouter()


@router.get("/team", response_class=HTMLResponse)
def team(page: Staff, m: str = Query("", max_length=10)) -> HTMLResponse:
    require_role(page, Role.TEAM_LEAD)
    assert page.me is not None
    st = page.state
    cases = st.desk.queue(page.me)
    open_by_agent = Counter(c.assignee_id for c in cases if c.assignee_id is not None)
    people = [
        p
        for p in list_people(st.inst.engine, vendor_id=page.me.vendor_id, role=Role.AGENT)
        if p.team_lead_id == page.me.person_id
    ]
    handles = {p.id: p.handle for p in people}
    load = [
        {
            "handle": p.handle,
            "open": open_by_agent.get(p.id, 0),
            "capacity": p.capacity,
            "skills": ", ".join(p.skills),
        }
        for p in people
    ]
    pending = []
    for request in st.desk.pending_edits(page.me):
        try:
            who = get_person(st.inst.engine, int(request["requested_by"])).handle
        except NotFound:
            who = "?"
        pending.append({**request, "requester": who})
    return page.render(
        "team.html",
        cases=cases,
        load=load,
        pending=pending,
        handles=handles,
        request_done=m == "done",
    )


@router.post("/team/edits/{request_id}")
def decide(
    request_id: int, page: Staff, decision: Annotated[str, Form(max_length=10)] = ""
) -> Response:
    assert page.me is not None
    page.state.desk.decide_edit(page.me, request_id, decision == "approve", page.now)
    return RedirectResponse("/team?m=done", status_code=303)
