"""The domain's shared words: field classes, case types, roles and actions.

Every module (vault, policy, cases, ledger, redaction, console) speaks these names, and the
Cedar policies use their string values.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = [
    "OPERATOR_ROLES",
    "VENDOR_ROLES",
    "Action",
    "CaseStatus",
    "CaseType",
    "FieldClass",
    "Role",
]


class FieldClass(StrEnum):
    """A class of customer data a case may open; policies decide per class."""

    NAME = "name"
    BIRTH_DATE = "birth_date"
    NATIONAL_NUMBER = "national_number"
    ADDRESS = "address"  # postal addresses
    PHONE = "phone"  # contact phone numbers
    EMAIL = "email"
    IBAN = "iban"
    CONTRACTS = "contracts"
    INVOICES = "invoices"
    LINES = "lines"  # mobile lines (MSISDN)
    SUPPLY_POINTS = "supply_points"  # energy supply points (EAN + supply address)


class CaseType(StrEnum):
    INVOICE_EXPLANATION = "invoice_explanation"
    METER_MOVE = "meter_move"
    CONTRACT_RENEGOTIATION = "contract_renegotiation"
    USAGE_REVIEW = "usage_review"
    LINE_RESTORE = "line_restore"
    COMPLAINT = "complaint"
    PRIVACY_REQUEST = "privacy_request"


class CaseStatus(StrEnum):
    NEW = "new"
    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    PENDING_CUSTOMER = "pending_customer"
    RESOLVED = "resolved"
    CLOSED = "closed"


class Role(StrEnum):
    # operator side
    ADMIN = "admin"
    DPO = "dpo"
    ANALYST = "analyst"
    SUPERVISOR = "supervisor"
    # vendor side
    AGENT = "agent"
    TEAM_LEAD = "team_lead"


OPERATOR_ROLES = frozenset({Role.ADMIN, Role.DPO, Role.ANALYST, Role.SUPERVISOR})
VENDOR_ROLES = frozenset({Role.AGENT, Role.TEAM_LEAD})


class Action(StrEnum):
    VIEW_MASKED = "view_masked"
    VIEW_CLEAR = "view_clear"
    REVEAL = "reveal"
    EXPORT = "export"
    EDIT = "edit"
    APPROVE_EDIT = "approve_edit"
