"""Analyst pages: the usage-review queue, a review with its evidence and the decision form;
and the customer's contest page reached from the link in the usage-review notice."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup

from ecluse.vocabulary import CaseType, Role
from ecluse.web._charts import bar_chart
from ecluse.web._forms import Storable
from ecluse.web._session import Anonymous, Staff, require_role
from ecluse.web._signin import with_pre_cookie
from ecluse.web._state import Page

__all__ = ["router"]

router = APIRouter()

# Who decides on a line (``ecluse.review.DECIDING_ROLES``, checked again by the service).
# ecluse.review is imported on first use: it brings the usage engines (pyarrow), which the
# rest of the console and the API do not need at start-up.
_DECIDERS = (Role.ANALYST, Role.SUPERVISOR)


def _review(page: Page) -> Any:
    st = page.state
    if st.review is None:
        from ecluse.review import review_for

        st.review = review_for(st.desk)
    return st.review


@router.get("/reviews", response_class=HTMLResponse)
def reviews(page: Staff) -> HTMLResponse:
    require_role(page, *_DECIDERS)
    assert page.me is not None
    cases = [c for c in page.state.desk.queue(page.me) if c.case_type is CaseType.USAGE_REVIEW]
    return page.render("reviews.html", cases=cases)


def _evidence_chart(alert: dict[str, Any], title: str) -> list[tuple[str, Markup]]:
    """One small chart per measured fact: the line's value against its threshold and baseline."""
    charts = []
    for e in alert.get("evidence", []):
        rows = [("this line", round(float(e["value"])))]
        if e.get("threshold") is not None:
            rows.append(("threshold", round(float(e["threshold"]))))
        if e.get("baseline") is not None:
            rows.append(
                (str(e.get("baseline_kind") or "baseline")[:24], round(float(e["baseline"])))
            )
        name = f"{title}: {e['metric']} ({e.get('unit', '')})"
        charts.append((name, Markup(bar_chart(name, rows, width=460))))
    return charts


@router.get("/reviews/{case_id}", response_class=HTMLResponse)
def review_page(case_id: str, page: Staff) -> HTMLResponse:
    require_role(page, *_DECIDERS)
    assert page.me is not None
    look = _review(page).first_look(page.me, case_id[:40], page.now)
    alert = look["alert"]
    return page.render(
        "review.html",
        case=look["case"]["case"],
        fields=look["case"]["fields"],
        alert=alert,
        charts=_evidence_chart(alert, page.t("evidence")),
        contacted_at=look["contacted_at"],
        measures=look["measures"],
        explanation=alert.get("explanation", {}).get(page.lang)
        or alert.get("explanation", {}).get("en", ""),
        legitimate=alert.get("legitimate", {}).get(page.lang)
        or alert.get("legitimate", {}).get("en", []),
    )


@router.post("/reviews/{case_id}/decide")
def decide(
    case_id: str,
    page: Staff,
    action: Annotated[str, Form(max_length=40)] = "",
    reason: Annotated[str, Form(max_length=500), Storable] = "",
) -> Response:
    assert page.me is not None
    _review(page).decide(page.me, case_id, action, reason, page.now)
    return RedirectResponse(f"/reviews/{case_id}", status_code=303)


@router.post("/reviews/{case_id}/measures/{measure_id}")
def second_analyst(
    case_id: str,
    measure_id: int,
    page: Staff,
    decision: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    assert page.me is not None
    _review(page).approve_suspension(page.me, measure_id, decision == "approve", page.now)
    return RedirectResponse(f"/reviews/{case_id}", status_code=303)


@router.post("/reviews/{case_id}/restore")
def restore(
    case_id: str,
    page: Staff,
    reason: Annotated[str, Form(max_length=500), Storable] = "",
    wrongful: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    assert page.me is not None
    _review(page).restore(page.me, case_id, wrongful=wrongful == "yes", reason=reason, now=page.now)
    return RedirectResponse(f"/reviews/{case_id}", status_code=303)


@router.get("/portal/contest/{token}", response_class=HTMLResponse)
def contest_form(token: str, page: Anonymous) -> HTMLResponse:
    return with_pre_cookie(page, "contest.html", token=token[:128])


@router.post("/portal/contest/{token}", response_class=HTMLResponse)
def contest(
    token: str, page: Anonymous, text: Annotated[str, Form(max_length=5000), Storable] = ""
) -> HTMLResponse:
    _review(page).contest(token[:128], text, page.now)
    return with_pre_cookie(page, "contest.html", token=token[:128], done=True)
