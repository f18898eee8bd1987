"""Agent pages: the queue with SLA countdowns and the case page (masked card, reveal, work)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ecluse.cases import OUTCOMES, TRANSITIONS, CaseView, RevealReason, RevealResult
from ecluse.errors import InputError
from ecluse.org import list_people
from ecluse.vocabulary import CaseStatus, FieldClass, Role
from ecluse.web._forms import Storable
from ecluse.web._session import Staff, require_role
from ecluse.web._state import Page

__all__ = ["case_page", "router"]

router = APIRouter()

_WORKERS = (Role.AGENT, Role.TEAM_LEAD, Role.SUPERVISOR, Role.ANALYST, Role.DPO)


@router.get("/queue", response_class=HTMLResponse)
def queue(page: Staff) -> Response:
    assert page.me is not None
    if page.me.role in (Role.DPO, Role.ADMIN):
        return RedirectResponse("/dpo", status_code=303)
    cases = page.state.desk.queue(page.me)
    mine = [c for c in cases if c.assignee_id == page.me.person_id]
    team = [c for c in cases if c.assignee_id != page.me.person_id]
    return page.render("queue.html", mine=mine, team=team)


def case_page(
    page: Page,
    case_id: str,
    *,
    revealed: RevealResult | None = None,
    message: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    """The case as this person may see it: exactly ``desk.view``'s fields (ledgered)."""
    assert page.me is not None
    desk = page.state.desk
    view: CaseView = desk.view(page.me, case_id, page.now)
    history = desk.history(page.me, case_id)
    thread = desk.messages.thread(page.me, case_id)
    case = view.case
    shown: dict[FieldClass, tuple[Any, ...]] = {}
    if revealed is not None:
        shown[revealed.field_class] = revealed.values
    agents = []
    if page.me.role is Role.TEAM_LEAD and case.vendor_id == page.me.vendor_id:
        agents = [
            p
            for p in list_people(
                page.state.inst.engine, vendor_id=page.me.vendor_id, role=Role.AGENT
            )
            if p.team_lead_id == page.me.person_id
        ]
    return page.render(
        "case.html",
        status=status,
        view=view,
        case=case,
        history=history,
        thread=thread,
        shown=shown,
        revealable=[f for f in view.fields if f.can_reveal],
        editable=[f for f in view.fields if f.edit != "no"],
        reasons=list(RevealReason),
        moves=sorted(s.value for s in TRANSITIONS[case.status]),
        outcomes=OUTCOMES,
        can_take=case.assignee_id is None and page.me.role is Role.AGENT,
        agents=agents,
        message=message,
        reveals_left=revealed.reveals_left_today if revealed else view.reveals_left_today,
    )


@router.get("/cases/{case_id}", response_class=HTMLResponse)
def show_case(case_id: str, page: Staff) -> HTMLResponse:
    require_role(page, *_WORKERS)
    return case_page(page, case_id[:40])


@router.post("/cases/{case_id}/reveal", response_class=HTMLResponse)
def reveal(
    case_id: str,
    page: Staff,
    field: Annotated[str, Form(max_length=40)] = "",
    reason: Annotated[str, Form(max_length=40)] = "",
    explanation: Annotated[str, Form(max_length=500), Storable] = "",
) -> HTMLResponse:
    """The clear value is sent in this response only: never stored in a URL or a redirect."""
    assert page.me is not None
    result = page.state.desk.reveal(page.me, case_id, field, reason, explanation, page.now)
    return case_page(page, case_id, revealed=result)


@router.post("/cases/{case_id}/take")
def take(case_id: str, page: Staff) -> Response:
    assert page.me is not None
    page.state.desk.take(page.me, case_id)
    return RedirectResponse(f"/cases/{case_id}", status_code=303)


@router.post("/cases/{case_id}/assign")
def assign(case_id: str, page: Staff, agent: Annotated[int, Form()] = 0) -> Response:
    assert page.me is not None
    page.state.desk.assign(page.me, case_id, agent)
    return RedirectResponse(f"/cases/{case_id}", status_code=303)


@router.post("/cases/{case_id}/status")
def move(
    case_id: str,
    page: Staff,
    to: Annotated[str, Form(max_length=20)] = "",
    outcome: Annotated[str, Form(max_length=32)] = "",
) -> Response:
    assert page.me is not None
    if outcome and outcome not in OUTCOMES:
        raise InputError("unknown outcome", field="outcome")
    page.state.desk.transition(page.me, case_id, to, outcome=outcome or None)
    target = "/queue" if to in (CaseStatus.RESOLVED, CaseStatus.CLOSED) else f"/cases/{case_id}"
    return RedirectResponse(target, status_code=303)


@router.post("/cases/{case_id}/reply")
def reply(
    case_id: str, page: Staff, text: Annotated[str, Form(max_length=50_000), Storable] = ""
) -> Response:
    """The reply goes out re-identified, or is held for review if it carries foreign data."""
    assert page.me is not None
    page.state.desk.messages.reply(page.me, case_id, text, page.now)
    return RedirectResponse(f"/cases/{case_id}#messages", status_code=303)


@router.post("/cases/{case_id}/note")
def note(
    case_id: str, page: Staff, text: Annotated[str, Form(max_length=10_000), Storable] = ""
) -> Response:
    assert page.me is not None
    page.state.desk.add_note(page.me, case_id, text)
    return RedirectResponse(f"/cases/{case_id}#history", status_code=303)


@router.post("/cases/{case_id}/edit", response_class=HTMLResponse)
def request_edit(
    case_id: str,
    page: Staff,
    field: Annotated[str, Form(max_length=40)] = "",
    value: Annotated[str, Form(max_length=200), Storable] = "",
    street: Annotated[str, Form(max_length=200), Storable] = "",
    house_number: Annotated[str, Form(max_length=20), Storable] = "",
    postcode: Annotated[str, Form(max_length=10), Storable] = "",
    city: Annotated[str, Form(max_length=100), Storable] = "",
) -> HTMLResponse:
    assert page.me is not None
    new: Any = value
    if field == FieldClass.ADDRESS.value:
        new = {"street": street, "house_number": house_number, "postcode": postcode, "city": city}
    result = page.state.desk.request_edit(page.me, case_id, field, new, page.now)
    return case_page(page, case_id, message=f"edit_{result['status']}")
