"""The case desk: open, route, view, reveal, edit and move cases — every access ledgered.

Agents never browse customers: data reaches them only through a case assigned to them or
waiting in their team's queue, each field as the policies allow (hidden, masked or clear).
Anything else a vendor person asks for is answered :class:`NotFound`, whether or not it exists.
"""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ecluse.cases._messages import Messages
from ecluse.cases._model import (
    OPEN_STATUSES,
    PRIORITY_FACTOR,
    SLA_TARGETS,
    TRANSITIONS,
    Case,
    CaseView,
    FieldView,
    Priority,
    RevealReason,
    RevealResult,
)
from ecluse.cases._routing import Route, route, rules_from_config
from ecluse.cases._tables import case_events, cases, edit_requests, reveals
from ecluse.cases._values import field_values, masked_values
from ecluse.db import Prebuilt, reading, utcnow
from ecluse.errors import InputError, NotFound, PermissionDenied
from ecluse.installation import Installation
from ecluse.ledger import EntryKind, Ledger, NewEntry, ledger_for
from ecluse.org import Principal, add_business_time, is_active, people_without_access
from ecluse.org import _tables as org
from ecluse.org._directory import site as load_site
from ecluse.policy import OPERATOR, CaseContext, EditRight, PolicyChange, PolicyEngine, Visibility
from ecluse.policy import Principal as PolicyPrincipal
from ecluse.vault import Vault
from ecluse.vault._seal import random_id
from ecluse.vault._store import SEALED_COLUMNS
from ecluse.vault._tables import customers
from ecluse.vocabulary import VENDOR_ROLES, Action, CaseStatus, CaseType, FieldClass, Role

__all__ = ["Desk", "desk_for"]

_E = TypeVar("_E", bound=StrEnum)
_AAD_NOTE = b"|note"
_AAD_REASON = b"|reveal-reason"
_AAD_EDIT = b"|edit"


class Desk:
    """Service functions of the case desk for one installation (thread-safe)."""

    def __init__(self, inst: Installation, *, policy: PolicyEngine | None = None) -> None:
        self.inst = inst
        self.engine = inst.engine
        self.vault = Vault(inst.engine, inst.keyring)
        self.ledger: Ledger = ledger_for(inst)
        self.policy = policy or PolicyEngine.for_settings(inst.settings)
        self.policy.on_change(self._ledger_policy_change)
        self.rules = rules_from_config(inst.settings.section("routing"))
        self.messages = Messages(self)
        self._names: dict[tuple[str, int], str] = {}
        self._names_lock = threading.Lock()

    # -- opening and routing -----------------------------------------------------------------
    def open_case(
        self,
        customer_id: str,
        case_type: CaseType | str,
        *,
        actor: str = "system",
        priority: Priority | str = Priority.NORMAL,
        origin: str = "",
        now: datetime | None = None,
    ) -> Case:
        """Open a case for a customer and route it (language × type → vendor site → agent)."""
        now = now or utcnow()
        kind = _enum(CaseType, case_type, "type")
        prio = _enum(Priority, priority, "priority")
        with self.engine.begin() as conn:
            language = conn.execute(
                sa.text("SELECT language FROM customers WHERE id = :id AND erased_at IS NULL"),
                {"id": customer_id},
            ).first()
            if language is None:
                raise NotFound("no such customer")
            lang = language[0]
            where = route(conn, self.rules, kind, lang, now)
            case_id = random_id("k", 14)
            status = CaseStatus.ASSIGNED if where.assignee_id else CaseStatus.NEW
            conn.execute(
                cases.insert().values(
                    id=case_id,
                    customer_id=customer_id,
                    case_type=kind.value,
                    status=status.value,
                    priority=prio.value,
                    language=lang,
                    vendor_id=where.vendor_id,
                    site_id=where.site_id,
                    team_id=where.team_id,
                    assignee_id=where.assignee_id,
                    origin=origin[:64],
                    created_at=now,
                    updated_at=now,
                    due_at=self._due(conn, where, kind, prio, now),
                )
            )
            self._event(conn, case_id, actor, "created", f"{kind.value} {prio.value}", now)
            self._event(conn, case_id, "system", "routed", _route_text(where), now)
        return self.get(case_id)

    def _due(
        self, conn: Connection, where: Route, case_type: CaseType, priority: Priority, now: datetime
    ) -> datetime:
        target = SLA_TARGETS[case_type] * PRIORITY_FACTOR[priority]
        if case_type is CaseType.PRIVACY_REQUEST or where.site_id is None:
            return now + target
        return add_business_time(load_site(conn, where.site_id), now, target)

    def get(self, case_id: str) -> Case:
        """A case by id, without any access check (operator jobs, tests)."""
        with reading(self.engine) as conn:
            row = conn.execute(_CASE, {"case_id": case_id}).first()
        if row is None:
            raise NotFound("no such case")
        return _case(row)

    # -- who sees what -------------------------------------------------------------------------
    def case_for(self, principal: Principal, case_id: str, now: datetime | None = None) -> Case:
        """The case if ``principal`` may work on it; :class:`NotFound` otherwise (never 403,
        so a vendor cannot probe which cases exist)."""
        if not is_active(principal, now or utcnow()):
            raise PermissionDenied("access ended")
        try:
            case = self.get(case_id)
        except NotFound:
            raise NotFound("no such case") from None
        if not _may_see(principal, case):
            raise NotFound("no such case")
        return case

    def queue(self, principal: Principal, *, include_closed: bool = False) -> list[Case]:
        """The cases this person works: their own and their team's queue (vendor roles), or
        the operator's queues (operator roles; analysts see usage reviews)."""
        c = cases.c
        query = sa.select(cases)
        if principal.role in VENDOR_ROLES:
            mine = c.assignee_id == principal.person_id
            team = c.team_id == principal.team_id if principal.team_id is not None else sa.false()
            if principal.role is Role.AGENT:
                team = sa.and_(team, c.assignee_id.is_(None))
            query = query.where(c.vendor_id == principal.vendor_id, sa.or_(mine, team))
        elif principal.role is Role.ANALYST:
            query = query.where(c.case_type == CaseType.USAGE_REVIEW.value)
        elif principal.role is Role.ADMIN:
            query = query.where(sa.false())
        if not include_closed:
            query = query.where(c.status.in_([s.value for s in OPEN_STATUSES]))
        query = query.order_by(c.due_at.is_(None), c.due_at, c.created_at).limit(500)
        with reading(self.engine) as conn:
            return [_case(r) for r in conn.execute(query)]

    def context(self, principal: Principal, case: Case) -> CaseContext:
        team_queue = case.team_id is not None and case.team_id == principal.team_id
        if principal.role is Role.AGENT:
            team_queue = team_queue and case.assignee_id is None
        return CaseContext(
            case_type=case.case_type,
            status=case.status,
            assigned_to_principal=case.assignee_id == principal.person_id,
            in_principal_team_queue=team_queue,
        )

    def view(self, principal: Principal, case_id: str, now: datetime | None = None) -> CaseView:
        """The case with its customer's fields as this person may see them; ledgered."""
        shown, entry = self.prepare_view(principal, case_id, now)
        self.ledger.append(entry)
        return shown

    async def view_async(
        self, principal: Principal, case_id: str, now: datetime | None = None
    ) -> CaseView:
        """:meth:`view` for a caller on an event loop: its thread serves others during the
        commit (``Ledger.append_async``); the view is returned once it is recorded."""
        shown, entry = self.prepare_view(principal, case_id, now)
        await self.ledger.append_async(entry)
        return shown

    def prepare_view(
        self, principal: Principal, case_id: str, now: datetime | None = None
    ) -> tuple[CaseView, NewEntry]:
        """What :meth:`view` shows and the ledger entry that records it. The caller appends
        the entry, durably, before it shows anything, as :meth:`view` and :meth:`view_async` do.

        The case with today's reveal count (one statement), then the sealed record, are read
        on one connection: this is the hottest path of the desk.
        """
        now = now or utcnow()
        if not is_active(principal, now):
            raise PermissionDenied("access ended")
        # One statement: the case, today's reveals and the sealed record of the same moment,
        # in one round trip (PostgreSQL: not four, with a transaction around two reads).
        row = _VIEW_ROW.first(
            self.engine,
            {"case_id": case_id, "person_id": principal.person_id, "day": _utc_day(now)},
        )
        if row is None or not _may_see(principal, case := _case(row)):
            raise NotFound("no such case")
        access = self.policy.case_view(policy_principal(principal), self.context(principal, case))
        visible = {fc: a for fc, a in access.items() if a.visibility is not Visibility.HIDDEN}
        left = self._left(principal, row.reveals_used)
        record = self.vault.open_record(case.customer_id, row) if visible else None
        fields: list[FieldView] = []
        if record is not None:
            for fc, a in visible.items():
                values = field_values(record, fc)
                clear = a.visibility is Visibility.CLEAR
                fields.append(
                    FieldView(
                        fc,
                        a.visibility.value,
                        values if clear else masked_values(fc, values),
                        a.can_reveal and left > 0,
                        a.edit.value,
                        a.policy_ids,
                    )
                )
        entry = self._entry(
            EntryKind.VIEW,
            principal,
            case,
            {"fields": {f.field_class.value: f.visibility for f in fields}},
            now,
        )
        return CaseView(case, tuple(fields), left), entry

    def reveals_left(self, principal: Principal, now: datetime | None = None) -> int:
        """How many more fields this person may reveal today (UTC day)."""
        with reading(self.engine) as conn:
            return self._reveals_left(conn, principal, now or utcnow())

    def _reveals_left(self, conn: Connection, principal: Principal, now: datetime) -> int:
        used = conn.execute(
            _REVEALS_SINCE, {"person_id": principal.person_id, "day": _utc_day(now)}
        ).scalar_one()
        return self._left(principal, used)

    def _left(self, principal: Principal, used: int) -> int:
        return max(self.policy.reveal_quota(principal.role) - int(used), 0)

    def reveal(
        self,
        principal: Principal,
        case_id: str,
        field_class: FieldClass | str,
        reason: RevealReason | str,
        explanation: str = "",
        now: datetime | None = None,
    ) -> RevealResult:
        """One field in clear, for a stated reason, within the person's daily quota."""
        now = now or utcnow()
        fc = _enum(FieldClass, field_class, "field")
        code = _enum(RevealReason, reason, "reason")
        if code is RevealReason.OTHER and len(explanation.strip()) < 10:
            raise InputError("say why in at least 10 characters", field="explanation")
        if len(explanation) > 500:
            raise InputError("at most 500 characters", field="explanation")
        case = self.case_for(principal, case_id, now)
        decision = self.policy.decide(
            policy_principal(principal), Action.REVEAL, fc, self.context(principal, case)
        )
        if not decision.allowed:
            self._deny(principal, case, "reveal", fc, now)
            raise PermissionDenied(f"you may not reveal {fc.value} on this case")
        left = self.reveals_left(principal, now)
        if left <= 0:
            self._deny(principal, case, "reveal_quota", fc, now)
            raise PermissionDenied("daily reveal quota used up")
        with self.engine.begin() as conn:
            key = self.vault.data_key(conn, case.customer_id)
            conn.execute(
                reveals.insert().values(
                    case_id=case.id,
                    person_id=principal.person_id,
                    field_class=fc.value,
                    reason_code=code.value,
                    sealed_reason=key.seal(explanation.encode(), case.id.encode() + _AAD_REASON)
                    if explanation
                    else None,
                    at=now,
                )
            )
            self._event(conn, case.id, principal.handle, "reveal", fc.value, now)
        self.ledger.append(
            self._entry(
                EntryKind.REVEAL,
                principal,
                case,
                {"field": fc.value, "reason": code.value, "policies": list(decision.policy_ids)},
                now,
            )
        )
        values = field_values(self.vault.get_record(case.customer_id), fc)
        return RevealResult(fc, values, left - 1)

    # -- moving cases --------------------------------------------------------------------------
    def transition(
        self,
        principal: Principal,
        case_id: str,
        to: CaseStatus | str,
        *,
        outcome: str | None = None,
        now: datetime | None = None,
    ) -> Case:
        """Move a case along its lifecycle (reopen = resolved/closed → in_progress)."""
        now = now or utcnow()
        target = _enum(CaseStatus, to, "status")
        case = self.case_for(principal, case_id, now)
        if principal.role is Role.AGENT and case.assignee_id != principal.person_id:
            raise PermissionDenied("take the case before working on it")
        if target not in TRANSITIONS[case.status]:
            raise InputError(
                f"a {case.status.value} case cannot become {target.value}", field="status"
            )
        if target is CaseStatus.RESOLVED and not outcome:
            raise InputError("resolving needs an outcome", field="outcome")
        values: dict[str, Any] = {"status": target.value, "updated_at": now}
        kind = "status"
        if target is CaseStatus.RESOLVED:
            values.update(outcome=outcome, resolved_at=now)
        elif target is CaseStatus.CLOSED:
            values["closed_at"] = now
        elif case.status in (CaseStatus.RESOLVED, CaseStatus.CLOSED):
            kind = "reopened"
            values.update(reopen_count=case.reopen_count + 1, resolved_at=None, closed_at=None)
        elif target is CaseStatus.NEW:
            values.update(assignee_id=None)
        if case.first_response_at is None and target is not CaseStatus.NEW:
            values["first_response_at"] = now
        with self.engine.begin() as conn:
            conn.execute(cases.update().where(cases.c.id == case.id).values(**values))
            self._event(conn, case.id, principal.handle, kind, target.value, now)
        self.ledger.append(
            self._entry(
                EntryKind.DECISION,
                principal,
                case,
                {"status": target.value, "outcome": outcome or ""},
                now,
            )
        )
        return self.get(case.id)

    def take(self, principal: Principal, case_id: str, now: datetime | None = None) -> Case:
        """An agent takes a case waiting in their team's queue."""
        return self.assign(principal, case_id, principal.person_id, now)

    def assign(
        self, principal: Principal, case_id: str, agent_id: int, now: datetime | None = None
    ) -> Case:
        """Give a case to an agent (the agent themself from the queue, or their team lead)."""
        now = now or utcnow()
        case = self.case_for(principal, case_id, now)
        if not case.is_open:
            raise InputError("the case is not open", field="status")
        if principal.role is Role.AGENT and (agent_id != principal.person_id or case.assignee_id):
            raise PermissionDenied("agents take unassigned cases of their own team only")
        with self.engine.begin() as conn:
            agent = conn.execute(
                sa.select(org.people.c.vendor_id, org.people.c.role, org.people.c.active).where(
                    org.people.c.id == agent_id
                )
            ).first()
            if agent is None or not agent.active or agent.role != Role.AGENT.value:
                raise InputError("no such active agent", field="agent_id")
            if case.vendor_id is not None and agent.vendor_id != case.vendor_id:
                raise InputError("the agent works for another vendor", field="agent_id")
            status = case.status if case.status is not CaseStatus.NEW else CaseStatus.ASSIGNED
            conn.execute(
                cases.update()
                .where(cases.c.id == case.id)
                .values(assignee_id=agent_id, status=status.value, updated_at=now)
            )
            self._event(conn, case.id, principal.handle, "assigned", str(agent_id), now)
        return self.get(case.id)

    def add_note(
        self, principal: Principal, case_id: str, text: str, now: datetime | None = None
    ) -> None:
        """An internal note, sealed under the customer's key."""
        now = now or utcnow()
        if not text.strip() or len(text) > 10_000:
            raise InputError("a note has 1 to 10,000 characters", field="text")
        case = self.case_for(principal, case_id, now)
        with self.engine.begin() as conn:
            key = self.vault.data_key(conn, case.customer_id)
            conn.execute(
                case_events.insert().values(
                    case_id=case.id,
                    at=now,
                    actor=principal.handle,
                    kind="note",
                    sealed_text=key.seal(text.encode(), case.id.encode() + _AAD_NOTE),
                )
            )

    def history(self, principal: Principal, case_id: str) -> list[dict[str, Any]]:
        """The case's events; notes in clear only for people who may see the case."""
        case = self.case_for(principal, case_id)
        with reading(self.engine) as conn:
            rows = conn.execute(
                sa.select(case_events)
                .where(case_events.c.case_id == case.id)
                .order_by(case_events.c.id)
            ).all()
            key = (
                self.vault.data_key(conn, case.customer_id)
                if any(r.sealed_text for r in rows)
                else None
            )
        out = []
        for r in rows:
            item = {"at": r.at.isoformat(), "actor": r.actor, "kind": r.kind, "detail": r.detail}
            if r.sealed_text is not None and key is not None:
                item["text"] = key.open(r.sealed_text, case.id.encode() + _AAD_NOTE).decode()
            out.append(item)
        return out

    # -- two-person edits ----------------------------------------------------------------------
    def request_edit(
        self,
        principal: Principal,
        case_id: str,
        field_class: FieldClass | str,
        value: str,
        now: datetime | None = None,
    ) -> dict[str, Any]:
        """Change a field: at once where policy allows it directly, else as a pending request
        that a second person must approve (IBAN, address)."""
        from ecluse.cases._edits import apply_edit, validate_edit

        now = now or utcnow()
        fc = _enum(FieldClass, field_class, "field")
        case = self.case_for(principal, case_id, now)
        access = self.policy.case_view(policy_principal(principal), self.context(principal, case))
        right = access[fc].edit
        if right is EditRight.NONE:
            self._deny(principal, case, "edit", fc, now)
            raise PermissionDenied(f"you may not change {fc.value} on this case")
        normalised = validate_edit(fc, value)
        with self.engine.begin() as conn:
            key = self.vault.data_key(conn, case.customer_id)
            if right is EditRight.DIRECT:
                apply_edit(self.vault, conn, case.customer_id, fc, normalised)
                request_id = None
                status = "applied"
            else:
                request_id = conn.execute(
                    edit_requests.insert().values(
                        case_id=case.id,
                        field_class=fc.value,
                        sealed_value=key.seal(
                            json.dumps(normalised).encode(), case.id.encode() + _AAD_EDIT
                        ),
                        requested_by=principal.person_id,
                        requested_at=now,
                        status="pending",
                    )
                ).inserted_primary_key[0]  # type: ignore[index]
                status = "pending_approval"
            self._event(conn, case.id, principal.handle, "edit_" + status, fc.value, now)
        self.ledger.append(
            self._entry(EntryKind.EDIT, principal, case, {"field": fc.value, "status": status}, now)
        )
        return {"status": status, "request_id": request_id}

    def pending_edits(self, principal: Principal) -> list[dict[str, Any]]:
        """Requests waiting for this person's approval (team leads: their vendor's).

        Only on open cases: a resolved case's request cannot be decided (the case is out of
        reach), so listing it would only offer a dead end; it shows again if the case reopens.
        """
        e, c = edit_requests.c, cases.c
        query = (
            sa.select(e.id, e.case_id, e.field_class, e.requested_by, e.requested_at)
            .select_from(edit_requests.join(cases, c.id == e.case_id))
            .where(e.status == "pending", c.status.in_([s.value for s in OPEN_STATUSES]))
        )
        if principal.role in VENDOR_ROLES:
            query = query.where(
                c.vendor_id == principal.vendor_id, e.requested_by != principal.person_id
            )
        with reading(self.engine) as conn:
            return [
                {**dict(r._mapping), "requested_at": r.requested_at.isoformat()}
                for r in conn.execute(query.order_by(e.id))
            ]

    def decide_edit(
        self, principal: Principal, request_id: int, approve: bool, now: datetime | None = None
    ) -> dict[str, Any]:
        """Approve (apply) or reject a pending edit; never by the person who asked."""
        from ecluse.cases._edits import apply_edit

        now = now or utcnow()
        with reading(self.engine) as conn:
            req = conn.execute(
                sa.select(edit_requests).where(edit_requests.c.id == request_id)
            ).first()
        if req is None or req.status != "pending":
            raise NotFound("no such pending request")
        case = self.get(req.case_id)
        if principal.role in VENDOR_ROLES and case.vendor_id != principal.vendor_id:
            raise NotFound("no such pending request")
        fc = FieldClass(req.field_class)
        ctx = CaseContext(
            case_type=case.case_type,
            status=case.status,
            assigned_to_principal=case.assignee_id == principal.person_id,
            in_principal_team_queue=case.team_id is not None and case.team_id == principal.team_id,
            principal_is_requester=req.requested_by == principal.person_id,
            requester_vendor=str(case.vendor_id) if case.vendor_id is not None else OPERATOR,
        )
        decision = self.policy.decide(policy_principal(principal), Action.APPROVE_EDIT, fc, ctx)
        if not decision.allowed:
            self._deny(principal, case, "approve_edit", fc, now)
            raise PermissionDenied("you may not approve this change (four-eyes rule)")
        status = "approved" if approve else "rejected"
        with self.engine.begin() as conn:
            if approve:
                key = self.vault.data_key(conn, case.customer_id)
                value = json.loads(key.open(req.sealed_value, case.id.encode() + _AAD_EDIT))
                apply_edit(self.vault, conn, case.customer_id, fc, value)
            conn.execute(
                edit_requests.update()
                .where(edit_requests.c.id == request_id, edit_requests.c.status == "pending")
                .values(status=status, decided_by=principal.person_id, decided_at=now)
            )
            self._event(conn, case.id, principal.handle, "edit_" + status, fc.value, now)
        self.ledger.append(
            self._entry(
                EntryKind.APPROVAL,
                principal,
                case,
                {"field": fc.value, "status": status, "policies": list(decision.policy_ids)},
                now,
            )
        )
        return {"status": status, "request_id": request_id}

    # -- offboarding ---------------------------------------------------------------------------
    def reroute_without_access(self, now: datetime | None = None) -> list[str]:
        """Send the open cases of leavers and of ended vendor contracts back to routing."""
        now = now or utcnow()
        cut = frozenset(people_without_access(self.engine, now))
        if not cut:
            return []
        moved: list[str] = []
        c = cases.c
        with self.engine.begin() as conn:
            rows = conn.execute(
                sa.select(c.id, c.case_type, c.language).where(
                    c.assignee_id.in_(cut), c.status.in_([s.value for s in OPEN_STATUSES])
                )
            ).all()
            for row in rows:
                where = route(conn, self.rules, CaseType(row.case_type), row.language, now, cut)
                conn.execute(
                    cases.update()
                    .where(c.id == row.id)
                    .values(
                        vendor_id=where.vendor_id,
                        site_id=where.site_id,
                        team_id=where.team_id,
                        assignee_id=where.assignee_id,
                        status=(CaseStatus.ASSIGNED if where.assignee_id else CaseStatus.NEW).value,
                        updated_at=now,
                    )
                )
                self._event(conn, row.id, "system", "rerouted", _route_text(where), now)
                moved.append(row.id)
        for case_id in moved:
            self.ledger.append(
                NewEntry(
                    EntryKind.OFFBOARDING, "system", None, case_id, {"action": "rerouted"}, now
                )
            )
        return moved

    # -- helpers -------------------------------------------------------------------------------
    def _event(
        self, conn: Connection, case_id: str, actor: str, kind: str, detail: str, now: datetime
    ) -> None:
        conn.execute(
            case_events.insert().values(
                case_id=case_id, at=now, actor=actor, kind=kind, detail=detail[:200]
            )
        )

    def _deny(
        self, principal: Principal, case: Case, what: str, fc: FieldClass, now: datetime
    ) -> None:
        self.ledger.append(
            self._entry(EntryKind.DENIED, principal, case, {"action": what, "field": fc.value}, now)
        )

    def name_of(self, table: str, ident: int | None) -> str:
        """Vendor or site name (cached: they appear in every ledger entry)."""
        if ident is None:
            return ""
        key = (table, ident)
        with self._names_lock:
            if key not in self._names:
                tbl = org.vendors if table == "vendor" else org.sites
                with reading(self.engine) as conn:
                    name = conn.execute(sa.select(tbl.c.name).where(tbl.c.id == ident)).scalar()
                self._names[key] = str(name or "")
            return self._names[key]

    def _entry(
        self, kind: str, principal: Principal, case: Case, details: dict[str, Any], now: datetime
    ) -> NewEntry:
        return NewEntry(
            kind,
            principal.handle,
            case.customer_id,
            case.id,
            {
                "role": principal.role.value,
                "vendor": self.name_of("vendor", principal.vendor_id) or "operator",
                "site": self.name_of("site", principal.site_id),
                "country": principal.site_country or "",
                "case_type": case.case_type.value,
                **details,
            },
            now,
        )

    def _ledger_policy_change(self, change: PolicyChange) -> None:
        self.ledger.append(
            NewEntry(
                EntryKind.POLICY_CHANGE,
                "system",
                details={
                    "old": change.old_digest,
                    "new": change.new_digest,
                    "changed": list(change.changed),
                },
            )
        )


# Built once: building a statement and its cache key costs more than running it on SQLite.
_CASE = sa.select(cases).where(cases.c.id == sa.bindparam("case_id"))
# Reveals by one person since the start of a UTC day (the daily quota).
_REVEALS_SINCE = (
    sa.select(sa.func.count())
    .select_from(reveals)
    .where(
        reveals.c.person_id == sa.bindparam("person_id"),
        reveals.c.at >= sa.bindparam("day"),
    )
)
# Run on the driver: the view's own read, once per request; the customer's sealed columns
# joined (outer: an erased customer's case is still found, and answered as before).
_VIEW_ROW = Prebuilt(
    _CASE.add_columns(
        _REVEALS_SINCE.scalar_subquery().label("reveals_used"), *SEALED_COLUMNS
    ).outerjoin(customers, customers.c.id == cases.c.customer_id)
)


def _utc_day(now: datetime) -> datetime:
    return datetime(now.year, now.month, now.day, tzinfo=UTC)


def policy_principal(p: Principal) -> PolicyPrincipal:
    return PolicyPrincipal(
        role=p.role,
        vendor=str(p.vendor_id) if p.vendor_id is not None else OPERATOR,
        site_country=p.site_country or "",
        team=str(p.team_id) if p.team_id is not None else "",
    )


def _may_see(p: Principal, case: Case) -> bool:
    if p.role not in VENDOR_ROLES:
        return p.role is not Role.ADMIN and (
            p.role is not Role.ANALYST or case.case_type is CaseType.USAGE_REVIEW
        )
    if case.vendor_id is None or case.vendor_id != p.vendor_id:
        return False
    if case.assignee_id == p.person_id:
        return True
    in_team = case.team_id is not None and case.team_id == p.team_id
    if p.role is Role.TEAM_LEAD:
        return in_team
    return in_team and case.assignee_id is None


def _case(row: Any) -> Case:
    return Case(
        id=row.id,
        customer_id=row.customer_id,
        case_type=CaseType(row.case_type),
        status=CaseStatus(row.status),
        priority=Priority(row.priority),
        language=row.language,
        vendor_id=row.vendor_id,
        site_id=row.site_id,
        team_id=row.team_id,
        assignee_id=row.assignee_id,
        origin=row.origin,
        outcome=row.outcome,
        reopen_count=row.reopen_count,
        created_at=row.created_at,
        updated_at=row.updated_at,
        due_at=row.due_at,
        first_response_at=row.first_response_at,
        resolved_at=row.resolved_at,
        closed_at=row.closed_at,
    )


def _enum(kind: type[_E], value: object, field: str) -> _E:
    try:
        return kind(str(value))
    except ValueError:
        # the choices, not the value: a console form's field may hold whatever was typed
        choices = ", ".join(str(m.value) for m in kind)
        raise InputError(f"unknown {field}: one of {choices}", field=field) from None


def _route_text(where: Route) -> str:
    if where.vendor_id is None:
        return "operator queue"
    return (
        f"vendor {where.vendor_id} site {where.site_id} "
        f"team {where.team_id} agent {where.assignee_id}"
    )


_DESKS: dict[int, Desk] = {}
_DESKS_LOCK = threading.Lock()


def desk_for(inst: Installation) -> Desk:
    """The installation's desk (one per installation object: policy cache, names cache)."""
    with _DESKS_LOCK:
        desk = _DESKS.get(id(inst))
        if desk is None or desk.inst is not inst:
            desk = _DESKS[id(inst)] = Desk(inst)
        return desk
