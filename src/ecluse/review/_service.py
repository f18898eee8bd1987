"""Usage review with a human in the loop.

An alert never cuts a line. It opens a ``usage_review`` case for the operator's analysts, the
customer is contacted first (in their language, through the durable outbox) with a link to
explain or contest, and only people decide: one analyst for a spending cap or an outgoing
international block, two different analysts for a suspension. The only automatic measure is a
temporary outgoing block for confirmed high-severity IRSF in progress, notified at once and
lifted by itself unless a person confirms it in time. Restoring is one action. Every step is
ledgered with its author and reason.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ecluse.cases import Desk, Priority
from ecluse.db import reading, utcnow
from ecluse.errors import InputError, NotFound, PermissionDenied
from ecluse.ledger import EntryKind, NewEntry
from ecluse.notify import Notification, enqueue
from ecluse.org import Principal, is_active
from ecluse.review._control import LineControl, ManualProvisioning
from ecluse.review._tables import contests, line_measures, usage_reviews
from ecluse.usage import Alert, LinePseudonymiser, ProposedAction, Severity, auto_block_applies
from ecluse.vault import Customer
from ecluse.vault._tables import customer_index
from ecluse.vocabulary import CaseStatus, CaseType, Role

__all__ = ["DECIDING_ROLES", "MEASURES", "Review", "ReviewOpened", "review_for"]

#: Who decides on a line: the operator's analysts and supervisors, never a vendor.
DECIDING_ROLES = frozenset({Role.ANALYST, Role.SUPERVISOR})
#: Decisions that put a measure on the line.
MEASURES = frozenset(
    {
        ProposedAction.SPENDING_CAP,
        ProposedAction.OUTGOING_INTERNATIONAL_BLOCK,
        ProposedAction.SUSPENSION,
    }
)
_TEMPLATE_DECISION = {
    ProposedAction.NO_ACTION: "no_action",
    ProposedAction.ADVICE_OR_PLAN_CHANGE: "advice",
    ProposedAction.SPENDING_CAP: "spending_cap",
    ProposedAction.OUTGOING_INTERNATIONAL_BLOCK: "international_block",
    ProposedAction.SUSPENSION: "suspension",
}
_PRIORITY = {
    Severity.HIGH: Priority.URGENT,
    Severity.MEDIUM: Priority.HIGH,
    Severity.LOW: Priority.NORMAL,
}
_AAD_CONTEST = b"|contest"
_AAD_TOKEN = b"|contest-token"
_AAD_REASON = b"|measure-reason"


@dataclass(frozen=True)
class ReviewOpened:
    case_id: str
    alert_id: str
    contacted: bool
    auto_block: bool


class Review:
    """The usage-review desk of one installation."""

    def __init__(
        self,
        desk: Desk,
        *,
        control: LineControl | None = None,
        portal_url: str | None = None,
    ) -> None:
        self.desk = desk
        self.engine = desk.engine
        self.keyring = desk.inst.keyring
        self.control: LineControl = control or ManualProvisioning()
        portal = desk.inst.settings.section("portal")
        self.portal_url = (
            portal_url or portal.get("base_url") or "https://portal.ecluse.invalid"
        ).rstrip("/")
        self.lines = LinePseudonymiser.from_keyring(self.keyring)

    # -- from alert to case ----------------------------------------------------------------
    def open_from_alerts(
        self, alerts: Sequence[Alert], now: datetime | None = None
    ) -> list[ReviewOpened]:
        """One usage_review case per new alert whose line belongs to a customer; the customer
        is contacted first; the bounded IRSF block is placed where it applies. Idempotent."""
        now = now or utcnow()
        opened = []
        for alert in alerts:
            result = self._open_one(alert, now)
            if result is not None:
                opened.append(result)
        return opened

    def _open_one(self, alert: Alert, now: datetime) -> ReviewOpened | None:
        with reading(self.engine) as conn:
            if conn.execute(
                sa.select(usage_reviews.c.case_id).where(usage_reviews.c.alert_id == alert.alert_id)
            ).first():
                return None
            customer_id = _customer_for_line(conn, alert.line_id)
        if customer_id is None:
            return None  # not one of our customers' lines (or erased): nothing to review
        customer = self.desk.vault.get(customer_id)
        case = self.desk.open_case(
            customer_id,
            CaseType.USAGE_REVIEW,
            priority=_PRIORITY.get(alert.severity, Priority.NORMAL),
            origin=alert.alert_id,
            now=now,
        )
        token = secrets.token_urlsafe(24)
        block = auto_block_applies(alert, now=now)
        msisdn = self._msisdn(customer, alert.line_id)
        language = customer.language if customer.language in ("fr", "nl", "en") else "fr"
        with self.engine.begin() as conn:
            conn.execute(
                usage_reviews.insert().values(
                    case_id=case.id,
                    alert_id=alert.alert_id,
                    line_id=alert.line_id,
                    detector=alert.detector,
                    severity=str(alert.severity),
                    alert_body=json.dumps(alert.to_dict(), default=str),
                    contest_token_hash=hashlib.sha256(token.encode()).digest(),
                    sealed_token=self.desk.vault.data_key(conn, customer_id).seal(
                        token.encode(), case.id.encode() + _AAD_TOKEN
                    ),
                    opened_at=now,
                    status="open",
                )
            )
            notification_id = self._contact(
                conn,
                customer,
                msisdn,
                language,
                "usage_review_contact",
                {"observed": alert.explanation.get(language) or alert.explanation.get("en", "")},
                f"{case.id}-contact",
                token,
                now,
            )
            conn.execute(
                usage_reviews.update()
                .where(usage_reviews.c.case_id == case.id)
                .values(
                    contacted_at=now if notification_id else None, notification_id=notification_id
                )
            )
            if block.applies:
                measure_id = self._insert_measure(
                    conn,
                    case.id,
                    customer_id,
                    alert.line_id,
                    ProposedAction.OUTGOING_INTERNATIONAL_BLOCK,
                    "system",
                    block.reason,
                    now,
                    state="active",
                    automatic=True,
                    review_by=block.review_by,
                )
                self._contact(
                    conn,
                    customer,
                    msisdn,
                    language,
                    "temporary_block_notice",
                    {"pattern": alert.detector, "review_hours": _hours(now, block.review_by)},
                    f"{case.id}-block",
                    token,
                    now,
                )
                self.control.apply(
                    measure_id, alert.line_id, msisdn or "", "outgoing_international_block"
                )
        self._ledger(
            "system",
            case.id,
            customer_id,
            {
                # (the alert id stays in usage_reviews: its hex could read as a number)
                "step": "opened",
                "detector": alert.detector,
                "severity": str(alert.severity),
                "contacted": bool(notification_id),
                "automatic_block": block.applies,
            },
            now,
        )
        return ReviewOpened(case.id, alert.alert_id, bool(notification_id), block.applies)

    def _msisdn(self, customer: Customer, line_id: str) -> str | None:
        for line in customer.lines:
            if self.lines.line_id(line.msisdn) == line_id:
                return line.msisdn
        return None

    def _contact(
        self,
        conn: Connection,
        customer: Customer,
        msisdn: str | None,
        language: str,
        template: str,
        params: dict[str, str | int],
        key: str,
        token: str,
        now: datetime,
    ) -> str | None:
        """Queue a message in the caller's transaction: e-mail if we have one, else SMS."""
        if customer.emails:
            channel, recipient = "email", customer.emails[0]
        elif msisdn:
            channel, recipient = "sms", msisdn
        else:
            return None
        return enqueue(
            conn,
            Notification(
                template=template,
                channel=channel,  # type: ignore[arg-type]
                recipient=recipient,
                language=language,
                params={
                    "line_end": (msisdn or "")[-2:] or "--",
                    "link": self.link(token),
                    **params,
                },
                reference=key.rsplit("-", 1)[0],
                idempotency_key=key,
            ),
            keyring=self.keyring,
            now=now,
        )

    def link(self, token: str) -> str:
        return f"{self.portal_url}/contest/{token}"

    # -- people decide ---------------------------------------------------------------------
    def first_look(
        self, principal: Principal, case_id: str, now: datetime | None = None
    ) -> dict[str, Any]:
        """An analyst opens the review: the case view plus the alert's evidence; the first
        such look starts nothing but is measured (time to first human look)."""
        now = now or utcnow()
        self._require_decider(principal, now)
        view = self.desk.view(principal, case_id, now=now)
        with self.engine.begin() as conn:
            row = self._row(conn, case_id)
            if row.first_human_at is None:
                conn.execute(
                    usage_reviews.update()
                    .where(usage_reviews.c.case_id == case_id)
                    .values(first_human_at=now)
                )
        return {
            "case": view.to_json(),
            "alert": json.loads(row.alert_body),
            "contacted_at": row.contacted_at.isoformat() if row.contacted_at else None,
            "measures": self.measures(case_id),
        }

    def decide(
        self,
        principal: Principal,
        case_id: str,
        action: ProposedAction | str,
        reason: str,
        now: datetime | None = None,
    ) -> dict[str, Any]:
        """An analyst's decision. A suspension is only *proposed* here: it takes effect when a
        second, different analyst approves it (:meth:`approve_suspension`)."""
        now = now or utcnow()
        self._require_decider(principal, now)
        try:
            chosen = ProposedAction(str(action))
        except ValueError:
            raise InputError("unknown action", field="action") from None
        if not 10 <= len(reason.strip()) <= 500:
            raise InputError("give the reason in 10 to 500 characters", field="reason")
        case = self.desk.case_for(principal, case_id, now)
        with self.engine.begin() as conn:
            row = self._row(conn, case_id)
            if chosen in MEASURES and row.contacted_at is None:
                raise PermissionDenied("contact the customer before any measure on their line")
            measure_id = None
            if chosen in MEASURES:
                state = "pending_second" if chosen is ProposedAction.SUSPENSION else "active"
                measure_id = self._insert_measure(
                    conn,
                    case_id,
                    case.customer_id,
                    row.line_id,
                    chosen,
                    principal.handle,
                    reason,
                    now,
                    state=state,
                )
            conn.execute(
                usage_reviews.update()
                .where(usage_reviews.c.case_id == case_id)
                .values(
                    decision=chosen.value,
                    decided_at=now if chosen is not ProposedAction.SUSPENSION else None,
                    first_human_at=sa.func.coalesce(usage_reviews.c.first_human_at, now),
                    status="decided" if chosen is not ProposedAction.SUSPENSION else "open",
                )
            )
        if measure_id is not None and chosen is not ProposedAction.SUSPENSION:
            self._apply(measure_id, now)
        self._ledger(
            principal.handle,
            case_id,
            case.customer_id,
            {
                "step": "decision",
                "action": chosen.value,
                "measure": measure_id,
                "needs_second": chosen is ProposedAction.SUSPENSION,
            },
            now,
        )
        if chosen is not ProposedAction.SUSPENSION:
            self._notify_decision(case_id, chosen, reason, now)
        return {
            "action": chosen.value,
            "measure_id": measure_id,
            "state": "pending_second" if chosen is ProposedAction.SUSPENSION else "decided",
        }

    def approve_suspension(
        self,
        principal: Principal,
        measure_id: int,
        approve: bool = True,
        now: datetime | None = None,
    ) -> dict[str, Any]:
        """The second analyst: approve (the line is suspended) or refuse. Never the proposer."""
        now = now or utcnow()
        self._require_decider(principal, now)
        with self.engine.begin() as conn:
            m = conn.execute(
                sa.select(line_measures).where(line_measures.c.id == measure_id)
            ).first()
            if m is None or m.state != "pending_second":
                raise NotFound("no suspension awaiting approval")
            if m.proposed_by == principal.handle:
                raise PermissionDenied("a suspension needs a second, different analyst")
            conn.execute(
                line_measures.update()
                .where(line_measures.c.id == measure_id, line_measures.c.state == "pending_second")
                .values(
                    state="active" if approve else "cancelled",
                    approved_by=principal.handle,
                )
            )
            conn.execute(
                usage_reviews.update()
                .where(usage_reviews.c.case_id == m.case_id)
                .values(
                    decided_at=now,
                    status="decided",
                    decision=ProposedAction.SUSPENSION.value if approve else "suspension_refused",
                )
            )
            customer_id = self.desk.get(m.case_id).customer_id
            reason = self._reason(conn, customer_id, m)
        if approve:
            self._apply(measure_id, now)
            self._notify_decision(m.case_id, ProposedAction.SUSPENSION, reason, now)
        self._ledger(
            principal.handle,
            m.case_id,
            customer_id,
            {"step": "second_approval", "measure": measure_id, "approved": approve},
            now,
        )
        return {"measure_id": measure_id, "state": "active" if approve else "cancelled"}

    def confirm_block(
        self, principal: Principal, measure_id: int, now: datetime | None = None
    ) -> None:
        """A person confirms the automatic IRSF block before it lifts itself."""
        now = now or utcnow()
        self._require_decider(principal, now)
        with self.engine.begin() as conn:
            done = conn.execute(
                line_measures.update()
                .where(
                    line_measures.c.id == measure_id,
                    line_measures.c.automatic.is_(True),
                    line_measures.c.state == "active",
                    line_measures.c.approved_by.is_(None),
                )
                .values(approved_by=principal.handle, review_by=None)
            ).rowcount
            case_id = conn.execute(
                sa.select(line_measures.c.case_id).where(line_measures.c.id == measure_id)
            ).scalar()
        if not done:
            raise NotFound("no automatic block awaiting review")
        self._ledger(
            principal.handle,
            str(case_id),
            self.desk.get(str(case_id)).customer_id,
            {"step": "confirm_block", "measure": measure_id},
            now,
        )

    def expire_unreviewed_blocks(self, now: datetime | None = None) -> list[int]:
        """Lift every automatic block nobody confirmed in time (run by a job)."""
        now = now or utcnow()
        with reading(self.engine) as conn:
            due = list(
                conn.execute(
                    sa.select(line_measures.c.id).where(
                        line_measures.c.automatic.is_(True),
                        line_measures.c.state == "active",
                        line_measures.c.approved_by.is_(None),
                        line_measures.c.review_by <= now,
                    )
                ).scalars()
            )
        for measure_id in due:
            self._lift(measure_id, "system", now, wrongful=False)
        return due

    def restore(
        self,
        principal: Principal,
        case_id: str,
        *,
        wrongful: bool,
        reason: str,
        now: datetime | None = None,
    ) -> list[int]:
        """One action lifts every measure on the case's line and tells the customer."""
        now = now or utcnow()
        self._require_decider(principal, now)
        if not 10 <= len(reason.strip()) <= 500:
            raise InputError("give the reason in 10 to 500 characters", field="reason")
        self.desk.case_for(principal, case_id, now)
        with reading(self.engine) as conn:
            ids = list(
                conn.execute(
                    sa.select(line_measures.c.id).where(
                        line_measures.c.case_id == case_id,
                        line_measures.c.state.in_(["active", "pending_second"]),
                    )
                ).scalars()
            )
        if not ids:
            raise InputError("no measure to lift on this case", field="case")
        for measure_id in ids:
            self._lift(measure_id, principal.handle, now, wrongful=wrongful)
        with self.engine.begin() as conn:
            row = self._row(conn, case_id)
            conn.execute(
                usage_reviews.update()
                .where(usage_reviews.c.case_id == case_id)
                .values(status="closed" if not wrongful else "decided")
            )
            customer = self.desk.vault.get(self.desk.get(case_id).customer_id)
            msisdn = self._msisdn(customer, row.line_id)
            language = customer.language if customer.language in ("fr", "nl", "en") else "fr"
            self._contact(
                conn,
                customer,
                msisdn,
                language,
                "line_restored",
                {},
                f"{case_id}-restored-{ids[0]}",
                self._token(conn, row, customer.id),
                now,
            )
        self._ledger(
            principal.handle,
            case_id,
            customer.id,
            {"step": "restore", "measures": ids, "wrongful": wrongful},
            now,
        )
        return ids

    def contest(self, token: str, text: str, now: datetime | None = None) -> str:
        """The customer explains or contests, through the link they received."""
        now = now or utcnow()
        if not 1 <= len(text.strip()) <= 5000:
            raise InputError("1 to 5000 characters", field="text")
        digest = hashlib.sha256(token.encode()).digest()
        with self.engine.begin() as conn:
            case_id = conn.execute(
                sa.select(usage_reviews.c.case_id).where(
                    usage_reviews.c.contest_token_hash == digest
                )
            ).scalar()
            if case_id is None:
                raise NotFound("this link is not valid")
            case = self.desk.get(case_id)
            key = self.desk.vault.data_key(conn, case.customer_id)
            conn.execute(
                contests.insert().values(
                    case_id=case_id,
                    at=now,
                    sealed_text=key.seal(text.encode(), case_id.encode() + _AAD_CONTEST),
                )
            )
            conn.execute(
                usage_reviews.update()
                .where(usage_reviews.c.case_id == case_id)
                .values(status="contested")
            )
            if case.status in (CaseStatus.RESOLVED, CaseStatus.CLOSED):
                from ecluse.cases._tables import cases as cases_table

                conn.execute(
                    cases_table.update()
                    .where(cases_table.c.id == case_id)
                    .values(
                        status=CaseStatus.IN_PROGRESS.value,
                        reopen_count=case.reopen_count + 1,
                        updated_at=now,
                    )
                )
        self._ledger("customer", case_id, case.customer_id, {"step": "contest"}, now)
        return str(case_id)

    # -- reading ---------------------------------------------------------------------------
    def measures(self, case_id: str) -> list[dict[str, Any]]:
        with reading(self.engine) as conn:
            rows = conn.execute(
                sa.select(line_measures)
                .where(line_measures.c.case_id == case_id)
                .order_by(line_measures.c.id)
            ).all()
        return [
            {
                "id": r.id,
                "measure": r.measure,
                "state": r.state,
                "automatic": r.automatic,
                "proposed_by": r.proposed_by,
                "approved_by": r.approved_by,
                "applied_at": r.applied_at.isoformat() if r.applied_at else None,
                "review_by": r.review_by.isoformat() if r.review_by else None,
                "lifted_at": r.lifted_at.isoformat() if r.lifted_at else None,
                "wrongful": r.wrongful,
            }
            for r in rows
        ]

    # -- helpers ---------------------------------------------------------------------------
    def _require_decider(self, principal: Principal, now: datetime) -> None:
        if principal.role not in DECIDING_ROLES or not is_active(principal, now):
            raise PermissionDenied("only the operator's analysts decide on a line")

    def _token(self, conn: Connection, row: Any, customer_id: str) -> str:
        key = self.desk.vault.data_key(conn, customer_id)
        return key.open(row.sealed_token, row.case_id.encode() + _AAD_TOKEN).decode()

    def _row(self, conn: Connection, case_id: str) -> Any:
        row = conn.execute(
            sa.select(usage_reviews).where(usage_reviews.c.case_id == case_id)
        ).first()
        if row is None:
            raise NotFound("no such usage review")
        return row

    def _insert_measure(
        self,
        conn: Connection,
        case_id: str,
        customer_id: str,
        line_id: str,
        measure: ProposedAction,
        by: str,
        reason: str,
        now: datetime,
        *,
        state: str,
        automatic: bool = False,
        review_by: datetime | None = None,
    ) -> int:
        result = conn.execute(
            line_measures.insert().values(
                case_id=case_id,
                line_id=line_id,
                measure=measure.value,
                state=state,
                automatic=automatic,
                proposed_by=by,
                approved_by=None,
                sealed_reason=self.desk.vault.data_key(conn, customer_id).seal(
                    reason[:500].encode(), case_id.encode() + _AAD_REASON
                ),
                created_at=now,
                applied_at=now if state == "active" else None,
                review_by=review_by,
            )
        )
        return int(result.inserted_primary_key[0])  # type: ignore[index]

    def _reason(self, conn: Connection, customer_id: str, measure: Any) -> str:
        """A measure's reason, opened with the customer's data key (or, written before the
        reasons were sealed, as it was stored)."""
        if measure.sealed_reason is None:
            return str(measure.reason or "")
        key = self.desk.vault.data_key(conn, customer_id)
        return key.open(measure.sealed_reason, measure.case_id.encode() + _AAD_REASON).decode()

    def _measure_target(self, measure_id: int) -> tuple[Any, str]:
        with reading(self.engine) as conn:
            m = conn.execute(
                sa.select(line_measures).where(line_measures.c.id == measure_id)
            ).first()
        if m is None:
            raise NotFound("no such measure")
        customer = self.desk.vault.get(self.desk.get(m.case_id).customer_id)
        return m, self._msisdn(customer, m.line_id) or ""

    def _apply(self, measure_id: int, now: datetime) -> None:
        m, msisdn = self._measure_target(measure_id)
        self.control.apply(measure_id, m.line_id, msisdn, m.measure)
        with self.engine.begin() as conn:
            conn.execute(
                line_measures.update()
                .where(line_measures.c.id == measure_id)
                .values(applied_at=sa.func.coalesce(line_measures.c.applied_at, now))
            )

    def _lift(self, measure_id: int, by: str, now: datetime, *, wrongful: bool) -> None:
        m, msisdn = self._measure_target(measure_id)
        if m.state == "active":
            self.control.lift(measure_id, m.line_id, msisdn, m.measure)
        with self.engine.begin() as conn:
            conn.execute(
                line_measures.update()
                .where(line_measures.c.id == measure_id)
                .values(
                    state="lifted" if m.state == "active" else "cancelled",
                    lifted_at=now,
                    lifted_by=by,
                    wrongful=wrongful,
                )
            )

    def _notify_decision(
        self, case_id: str, action: ProposedAction, reason: str, now: datetime
    ) -> None:
        case = self.desk.get(case_id)
        customer = self.desk.vault.get(case.customer_id)
        with self.engine.begin() as conn:
            row = self._row(conn, case_id)
            msisdn = self._msisdn(customer, row.line_id)
            language = customer.language if customer.language in ("fr", "nl", "en") else "fr"
            self._contact(
                conn,
                customer,
                msisdn,
                language,
                "usage_decision",
                {"decision": _TEMPLATE_DECISION[action], "reason": reason},
                f"{case_id}-decision-{action.value}",
                self._token(conn, row, customer.id),
                now,
            )

    def _ledger(
        self, actor: str, case_id: str, customer_id: str, details: dict[str, Any], now: datetime
    ) -> None:
        self.desk.ledger.append(
            NewEntry(
                EntryKind.USAGE_DECISION,
                actor,
                customer_id,
                case_id,
                {"case_type": "usage_review", **details},
                now,
            )
        )


def review_for(desk: Desk) -> Review:
    """The installation's review desk, reaching the network through ``[provisioning]``
    (``url``, ``token``) when it is configured, else through the measures list."""
    from ecluse.review._control import HttpProvisioning

    cfg = desk.inst.settings.section("provisioning")
    control = (
        HttpProvisioning(str(cfg["url"]), str(cfg.get("token", ""))) if cfg.get("url") else None
    )
    return Review(desk, control=control)


def _hours(now: datetime, until: datetime | None) -> int:
    return max(int(((until or now) - now).total_seconds() // 3600), 1)


def _customer_for_line(conn: Connection, line_id: str) -> str | None:
    """The customer whose mobile line has this pseudonym (its first 96 bits of blind index)."""
    raw = line_id.removeprefix("ln_").upper()
    prefix = base64.b32decode(raw + "A" * (-len(raw) % 8))[:12]
    ci = customer_index.c
    found = conn.execute(
        sa.select(ci.customer_id).where(
            ci.kind == "msisdn", ci.digest >= prefix, ci.digest <= prefix + b"\xff" * 20
        )
    ).first()
    return str(found[0]) if found else None
