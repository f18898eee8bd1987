"""Routing: which vendor site handles a case, and which agent takes it.

A case goes, by the customer's language and the case type, to a vendor site whose contract is
current and which serves that language (configurable rules first, e.g. French to one vendor's
site in Morocco, Dutch to another's in Belgium); usage reviews and privacy requests stay with
the operator. Within the site, the available agent with the skill and the language and the
least open work (below their capacity) takes it; if none is free it waits in a team queue.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ecluse.cases._model import OPEN_STATUSES
from ecluse.cases._tables import cases
from ecluse.errors import ConfigError
from ecluse.org import _tables as org
from ecluse.org._model import contract_current
from ecluse.vocabulary import CaseType, Role

__all__ = ["OPERATOR_CASE_TYPES", "Route", "RoutingRule", "route", "rules_from_config"]

#: Case types no vendor ever handles.
OPERATOR_CASE_TYPES = frozenset({CaseType.USAGE_REVIEW, CaseType.PRIVACY_REQUEST})


@dataclass(frozen=True, slots=True)
class RoutingRule:
    """``[[routing.rules]]``: languages / case types (empty = any) → vendor and site names."""

    languages: frozenset[str]
    case_types: frozenset[str]
    vendor: str
    site: str | None = None

    def matches(self, language: str | None, case_type: CaseType) -> bool:
        return (not self.languages or (language or "") in self.languages) and (
            not self.case_types or case_type.value in self.case_types
        )


@dataclass(frozen=True, slots=True)
class Route:
    vendor_id: int | None
    site_id: int | None
    team_id: int | None
    assignee_id: int | None


def rules_from_config(section: Mapping[str, Any]) -> tuple[RoutingRule, ...]:
    rules = []
    for n, raw in enumerate(section.get("rules", []), start=1):
        if not isinstance(raw, dict) or not raw.get("vendor"):
            raise ConfigError(f'[[routing.rules]] #{n}: needs at least vendor = "..."')
        unknown = set(raw.get("case_types", [])) - {t.value for t in CaseType}
        if unknown:
            raise ConfigError(f"[[routing.rules]] #{n}: unknown case types {sorted(unknown)}")
        rules.append(
            RoutingRule(
                frozenset(raw.get("languages", [])),
                frozenset(raw.get("case_types", [])),
                str(raw["vendor"]),
                raw.get("site"),
            )
        )
    return tuple(rules)


def route(
    conn: Connection,
    rules: Sequence[RoutingRule],
    case_type: CaseType,
    language: str | None,
    now: datetime,
    exclude: frozenset[int] = frozenset(),
) -> Route:
    """Where a new (or returned) case goes; ``exclude``: people who may not take it."""
    if case_type in OPERATOR_CASE_TYPES:
        return Route(None, None, None, None)
    sites = _eligible_sites(conn, case_type, language, now)
    for rule in rules:
        if rule.matches(language, case_type):
            chosen = [
                s for s in sites if s["vendor"] == rule.vendor and rule.site in (None, s["site"])
            ]
            if chosen:
                sites = chosen
                break
    for site in sites:
        found = _pick_agent(conn, site["site_id"], case_type, language, exclude)
        if found is not None:
            agent_id, team_id = found
            return Route(site["vendor_id"], site["site_id"], team_id, agent_id)
    if sites:
        first = sites[0]
        return Route(
            first["vendor_id"], first["site_id"], _least_busy_lead(conn, first["site_id"]), None
        )
    return Route(None, None, None, None)  # nobody can take it: the operator's queue


def _eligible_sites(
    conn: Connection, case_type: CaseType, language: str | None, now: datetime
) -> list[dict[str, Any]]:
    v, s = org.vendors.c, org.sites.c
    rows = conn.execute(
        sa.select(
            v.id.label("vendor_id"),
            v.name.label("vendor"),
            v.status,
            v.contract_start,
            v.contract_end,
            s.id.label("site_id"),
            s.name.label("site"),
            s.languages,
        )
        .select_from(org.sites.join(org.vendors, v.id == s.vendor_id))
        .order_by(s.id)
    ).all()
    return [
        dict(r._mapping)
        for r in rows
        if contract_current(r.status, r.contract_start, r.contract_end, now)
        and (language is None or language in (r.languages or []))
    ]


def _open_counts(conn: Connection, column: sa.Column[Any]) -> dict[int, int]:
    query = (
        sa.select(column, sa.func.count())
        .where(cases.c.status.in_([s.value for s in OPEN_STATUSES]), column.is_not(None))
        .group_by(column)
    )
    return {int(k): int(n) for k, n in conn.execute(query)}


def _pick_agent(
    conn: Connection,
    site_id: int,
    case_type: CaseType,
    language: str | None,
    exclude: frozenset[int],
) -> tuple[int, int | None] | None:
    p = org.people.c
    agents = conn.execute(
        sa.select(p.id, p.skills, p.languages, p.capacity, p.team_lead_id).where(
            p.site_id == site_id, p.role == Role.AGENT.value, p.active.is_(True)
        )
    ).all()
    load = _open_counts(conn, cases.c.assignee_id)
    best: tuple[float, int, int | None] | None = None
    for a in agents:
        if a.id in exclude or case_type.value not in (a.skills or []):
            continue
        if language is not None and language not in (a.languages or []):
            continue
        open_now = load.get(a.id, 0)
        if open_now >= a.capacity:
            continue
        candidate = (open_now / max(a.capacity, 1), a.id, a.team_lead_id)
        if best is None or candidate < best:
            best = candidate
    return (best[1], best[2]) if best else None


def _least_busy_lead(conn: Connection, site_id: int) -> int | None:
    p = org.people.c
    leads = list(
        conn.execute(
            sa.select(p.id).where(
                p.site_id == site_id, p.role == Role.TEAM_LEAD.value, p.active.is_(True)
            )
        ).scalars()
    )
    if not leads:
        return None
    queued = _open_counts(conn, cases.c.team_id)
    return int(min(leads, key=lambda lead: (queued.get(lead, 0), lead)))
