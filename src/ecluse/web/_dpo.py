"""DPO pages: ledger browser and verification, reveals over time, policy viewer, transfers."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TypeVar

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse
from markupsafe import Markup

from ecluse.ledger import EntryKind
from ecluse.org import get_operator, list_sites, list_vendors
from ecluse.policy import CaseContext, explain, policy_matrix
from ecluse.policy import Principal as PolicyPrincipal
from ecluse.vocabulary import VENDOR_ROLES, CaseStatus, CaseType, FieldClass, Role
from ecluse.web._charts import bar_chart, column_chart
from ecluse.web._session import Staff, require_role

__all__ = ["router"]

router = APIRouter()

_DPO = (Role.DPO, Role.ADMIN)
_VERIFY_ON_LOAD = 200_000
_ACCESS_KINDS = (EntryKind.VIEW.value, EntryKind.REVEAL.value, EntryKind.EDIT.value)


@router.get("/dpo", response_class=HTMLResponse)
def ledger_page(
    page: Staff,
    kind: str = Query("", max_length=40),
    limit: int = Query(50, ge=1, le=500),
    verify: bool = Query(False),
) -> HTMLResponse:
    require_role(page, *_DPO)
    ledger = page.state.ledger
    # Verification reads every entry (~400,000/s on SQLite): on each load for a ledger of demo or
    # site size, on request beyond that.
    report = ledger.verify() if verify or ledger.size() <= _VERIFY_ON_LOAD else None
    entries = ledger.entries(kind=kind or None, limit=limit, newest_first=True)
    return page.render(
        "dpo_ledger.html",
        report=report,
        checkpoint=ledger.latest_checkpoint(),
        entries=entries,
        kinds=[k.value for k in EntryKind],
        kind=kind,
    )


@router.get("/dpo/reveals", response_class=HTMLResponse)
def reveals_page(page: Staff, days: int = Query(14, ge=1, le=90)) -> HTMLResponse:
    require_role(page, *_DPO)
    assert page.now is not None
    start = (page.now - timedelta(days=days - 1)).replace(hour=0, minute=0, second=0, microsecond=0)
    per_vendor: Counter[str] = Counter()
    per_site: Counter[str] = Counter()
    per_agent: Counter[str] = Counter()
    per_day: Counter[str] = Counter()
    for e in page.state.ledger.iter_entries(kind=EntryKind.REVEAL.value, since=start):
        per_vendor[str(e.details.get("vendor") or "operator")] += 1
        per_site[str(e.details.get("site") or "—")] += 1
        per_agent[e.actor] += 1
        per_day[e.time.date().isoformat()] += 1
    day_rows = [((start + timedelta(days=i)).date().isoformat(), 0) for i in range(days)]
    day_rows = [(d, per_day.get(d, 0)) for d, _ in day_rows]
    charts = [
        (page.t("by_day"), Markup(column_chart(page.t("by_day"), day_rows)), day_rows),
    ]
    for key, counter in (("by_vendor", per_vendor), ("by_site", per_site), ("by_agent", per_agent)):
        rows = counter.most_common(15)
        charts.append((page.t(key), Markup(bar_chart(page.t(key), rows)), rows))
    return page.render("dpo_reveals.html", charts=charts, days=days, total=sum(per_day.values()))


@router.get("/dpo/policy", response_class=HTMLResponse)
def policy_page(
    page: Staff,
    role: str = Query(Role.AGENT.value, max_length=20),
    case_type: str = Query(CaseType.INVOICE_EXPLANATION.value, max_length=40),
    status: str = Query(CaseStatus.IN_PROGRESS.value, max_length=20),
    country: str = Query("", max_length=2),
) -> HTMLResponse:
    require_role(page, *_DPO)
    engine = page.state.desk.policy
    r = _pick(Role, role, Role.AGENT)
    ct = _pick(CaseType, case_type, CaseType.INVOICE_EXPLANATION)
    cs = _pick(CaseStatus, status, CaseStatus.IN_PROGRESS)
    vendor_side = r in VENDOR_ROLES
    principal = (
        PolicyPrincipal(r, vendor="a-vendor", site_country=country.upper(), team="a-team")
        if vendor_side
        else PolicyPrincipal(r)
    )
    explanation = explain(engine, principal, CaseContext(ct, cs, assigned_to_principal=vendor_side))
    countries = sorted({s.country for s in list_sites(page.state.inst.engine)})
    return page.render(
        "dpo_policy.html",
        explanation=explanation,
        matrix=policy_matrix(engine),
        fields=list(FieldClass),
        roles=[x.value for x in Role],
        case_types=[x.value for x in CaseType],
        statuses=[x.value for x in CaseStatus],
        countries=countries,
        chosen={
            "role": r.value,
            "case_type": ct.value,
            "status": cs.value,
            "country": country.upper(),
        },
    )


@router.get("/dpo/transfers", response_class=HTMLResponse)
def transfers_page(page: Staff, days: int = Query(30, ge=1, le=365)) -> HTMLResponse:
    require_role(page, *_DPO)
    assert page.now is not None
    engine = page.state.inst.engine
    vendors = list_vendors(engine)
    sites = list_sites(engine)
    accesses: Counter[tuple[str, str]] = Counter()
    for e in page.state.ledger.iter_entries(
        kind=list(_ACCESS_KINDS), since=page.now - timedelta(days=days)
    ):
        accesses[(str(e.details.get("country") or ""), e.kind)] += 1
    operator = get_operator(engine)
    home = operator.country if operator else "BE"
    rows = []
    for v in vendors:
        for s in (s for s in sites if s.vendor_id == v.id):
            rows.append(
                {
                    "vendor": v.name,
                    "site": s.name,
                    "country": s.country,
                    "abroad": s.country != home,
                    "contract": _window(v.contract_start, v.contract_end),
                    "status": v.status.value,
                    "current": v.is_current(page.now),
                    "views": accesses.get((s.country, "view"), 0),
                    "reveals": accesses.get((s.country, "reveal"), 0),
                }
            )
    by_country = Counter[str]()
    for (country, _kind), n in accesses.items():
        by_country[country or home] += n
    chart = Markup(bar_chart(page.t("accesses"), by_country.most_common()))
    return page.render(
        "dpo_transfers.html",
        rows=rows,
        home=home,
        chart=chart,
        days=days,
        by_country=by_country.most_common(),
    )


_E = TypeVar("_E", bound=StrEnum)


def _pick(kind: type[_E], value: str, default: _E) -> _E:
    try:
        return kind(value)
    except ValueError:
        return default


def _window(start: datetime, end: datetime | None) -> str:
    return f"{start.date()} → {end.date() if end else '…'}"
