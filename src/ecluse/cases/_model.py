"""Cases as the desk hands them out: summaries, field views, reveal reasons, transitions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from ecluse.vocabulary import CaseStatus, CaseType, FieldClass

__all__ = [
    "OPEN_STATUSES",
    "OUTCOMES",
    "SLA_TARGETS",
    "TRANSITIONS",
    "Case",
    "CaseView",
    "FieldView",
    "Priority",
    "RevealReason",
    "RevealResult",
]


class Priority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class RevealReason(StrEnum):
    """Why an agent needs a field in clear; shown to the customer in their own language."""

    VERIFY_IDENTITY = "verify_identity"  # checking who is on the line
    CONTACT_CUSTOMER = "contact_customer"  # calling or writing back
    CORRECT_DATA = "correct_data"  # the customer reports a mistake
    LEGAL_OBLIGATION = "legal_obligation"
    OTHER = "other"


OPEN_STATUSES = frozenset(
    {CaseStatus.NEW, CaseStatus.ASSIGNED, CaseStatus.IN_PROGRESS, CaseStatus.PENDING_CUSTOMER}
)
OUTCOMES = ("explained", "changed", "refunded", "escalated", "no_action", "duplicate", "other")

#: Allowed status moves (reopen: resolved/closed → in_progress).
TRANSITIONS: dict[CaseStatus, frozenset[CaseStatus]] = {
    CaseStatus.NEW: frozenset({CaseStatus.ASSIGNED}),
    CaseStatus.ASSIGNED: frozenset({CaseStatus.IN_PROGRESS, CaseStatus.NEW}),
    CaseStatus.IN_PROGRESS: frozenset(
        {CaseStatus.PENDING_CUSTOMER, CaseStatus.RESOLVED, CaseStatus.NEW}
    ),
    CaseStatus.PENDING_CUSTOMER: frozenset({CaseStatus.IN_PROGRESS, CaseStatus.RESOLVED}),
    CaseStatus.RESOLVED: frozenset({CaseStatus.CLOSED, CaseStatus.IN_PROGRESS}),
    CaseStatus.CLOSED: frozenset({CaseStatus.IN_PROGRESS}),
}

#: SLA targets in the handling site's business hours (privacy requests: calendar time, the
#: GDPR month). Priority scales them.
SLA_TARGETS: dict[CaseType, timedelta] = {
    CaseType.INVOICE_EXPLANATION: timedelta(hours=16),
    CaseType.METER_MOVE: timedelta(hours=24),
    CaseType.CONTRACT_RENEGOTIATION: timedelta(hours=24),
    CaseType.USAGE_REVIEW: timedelta(hours=8),
    CaseType.LINE_RESTORE: timedelta(hours=4),
    CaseType.COMPLAINT: timedelta(hours=40),
    CaseType.PRIVACY_REQUEST: timedelta(days=30),
}
PRIORITY_FACTOR = {
    Priority.LOW: 2.0,
    Priority.NORMAL: 1.0,
    Priority.HIGH: 0.5,
    Priority.URGENT: 0.25,
}


@dataclass(frozen=True, slots=True)
class Case:
    id: str
    customer_id: str
    case_type: CaseType
    status: CaseStatus
    priority: Priority
    language: str | None
    vendor_id: int | None
    site_id: int | None
    team_id: int | None
    assignee_id: int | None
    origin: str
    outcome: str | None
    reopen_count: int
    created_at: datetime
    updated_at: datetime
    due_at: datetime | None
    first_response_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def summary(self) -> dict[str, Any]:
        """JSON-ready summary: no customer data, only pseudonymous ids."""
        return {
            "id": self.id,
            "customer": self.customer_id,
            "type": self.case_type.value,
            "status": self.status.value,
            "priority": self.priority.value,
            "language": self.language,
            "vendor_id": self.vendor_id,
            "site_id": self.site_id,
            "team_id": self.team_id,
            "assignee_id": self.assignee_id,
            "outcome": self.outcome,
            "reopen_count": self.reopen_count,
            "created_at": self.created_at.isoformat(),
            "due_at": self.due_at.isoformat() if self.due_at else None,
            "resolved_at": self.resolved_at.isoformat() if self.resolved_at else None,
        }


@dataclass(frozen=True, slots=True)
class FieldView:
    """One field class of the case's customer, as this person may see it."""

    field_class: FieldClass
    visibility: str  # masked | clear
    values: tuple[Any, ...]
    can_reveal: bool
    edit: str  # no | yes | with approval
    policies: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "field": self.field_class.value,
            "visibility": self.visibility,
            "values": list(self.values),
            "can_reveal": self.can_reveal,
            "edit": self.edit,
            "policies": list(self.policies),
        }


@dataclass(frozen=True, slots=True)
class CaseView:
    case: Case
    fields: tuple[FieldView, ...]
    reveals_left_today: int

    def to_json(self) -> dict[str, Any]:
        return {
            "case": self.case.summary(),
            "fields": [f.to_json() for f in self.fields],
            "reveals_left_today": self.reveals_left_today,
        }


@dataclass(frozen=True, slots=True)
class RevealResult:
    field_class: FieldClass
    values: tuple[Any, ...]
    reveals_left_today: int
