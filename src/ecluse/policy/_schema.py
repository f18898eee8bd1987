"""The Cedar schema every policy is validated against, built from :mod:`ecluse.vocabulary`.

Roles, field classes, case types and statuses are Cedar *enumerated entity types*, so a typo
in a policy (``Ecluse::Role::"agnet"``) is a validation error, not a rule that silently never
matches.
"""

from __future__ import annotations

from enum import StrEnum

from ecluse.vocabulary import Action, CaseStatus, CaseType, FieldClass, Role

__all__ = ["NAMESPACE", "OPEN_STATUSES", "OPERATOR", "SCHEMA_TEXT"]

NAMESPACE = "Ecluse"
#: The ``vendor`` attribute of the operator's own people.
OPERATOR = "operator"
#: Statuses in which a case is being worked (the guards give vendors nothing outside them).
OPEN_STATUSES = frozenset(
    {CaseStatus.NEW, CaseStatus.ASSIGNED, CaseStatus.IN_PROGRESS, CaseStatus.PENDING_CUSTOMER}
)


def _enum(name: str, values: type[StrEnum]) -> str:
    members = ", ".join(f'"{member.value}"' for member in values)
    return f"  entity {name} enum [{members}];"


SCHEMA_TEXT = f"""namespace {NAMESPACE} {{
{_enum("Role", Role)}
{_enum("FieldClass", FieldClass)}
{_enum("CaseType", CaseType)}
{_enum("CaseStatus", CaseStatus)}

  // A person asking for access: one of the operator's people or a vendor's.
  entity Person = {{
    role: Role,
    vendor: String,        // the vendor's id, or "{OPERATOR}" for the operator's own people
    site_country: String,  // ISO 3166 alpha-2 country of the person's site, "" if unknown
    team: String,          // the person's team, "" if none
  }};

  // One class of data of the customer behind a case of a given type.
  entity Field = {{
    field_class: FieldClass,
    case_type: CaseType,
  }};

  type CaseContext = {{
    status: CaseStatus,
    assigned_to_principal: Bool,    // the case is assigned to this person
    in_principal_team_queue: Bool,  // the case waits in this person's team queue
    principal_is_requester: Bool,   // approvals: this person asked for the change
    requester_vendor: String,       // approvals: the vendor of the person who asked
    edit_approved: Bool,            // edits: a second person approved the change
  }};

  action {", ".join(f'"{a.value}"' for a in Action)}
    appliesTo {{ principal: [Person], resource: [Field], context: CaseContext }};
}}
"""
