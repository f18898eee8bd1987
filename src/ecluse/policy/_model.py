"""The values the policy engine takes and gives: who asks, about which case, and the answer."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from ecluse.policy._schema import OPERATOR
from ecluse.vocabulary import Action, CaseStatus, CaseType, FieldClass, Role

__all__ = [
    "CaseContext",
    "Decision",
    "EditRight",
    "FieldAccess",
    "PolicyChange",
    "Principal",
    "Visibility",
]


@dataclass(frozen=True, slots=True)
class Principal:
    """The person asking: role, vendor (or ``"operator"``), site country and team."""

    role: Role
    vendor: str = OPERATOR
    site_country: str = ""
    team: str = ""

    @classmethod
    def of(
        cls,
        role: Role,
        vendor: int | str | None,
        site_country: str | None,
        team_id: int | str | None,
    ) -> Principal:
        """From the organisation's records (``ecluse.org.Principal``): ``vendor`` is the key
        policies name the vendor by (its name, or its id); ``None`` means the operator's own
        people."""
        return cls(
            role=role,
            vendor=OPERATOR if vendor is None else str(vendor),
            site_country=(site_country or "").upper(),
            team="" if team_id is None else str(team_id),
        )


@dataclass(frozen=True, slots=True)
class CaseContext:
    """The case a field belongs to, as seen from the person asking.

    The last three attributes only matter for edits and their approval; a case view ignores
    them.
    """

    case_type: CaseType
    status: CaseStatus = CaseStatus.IN_PROGRESS
    assigned_to_principal: bool = False
    in_principal_team_queue: bool = False
    principal_is_requester: bool = False
    requester_vendor: str | None = None  # None: the asking person's own vendor
    edit_approved: bool = False

    @property
    def is_plain_view(self) -> bool:
        """True when no edit- or approval-specific attribute is set."""
        return not (
            self.principal_is_requester or self.requester_vendor is not None or self.edit_approved
        )


@dataclass(frozen=True, slots=True)
class Decision:
    """One authorization answer and the policies that made it (by their ``@id``)."""

    allowed: bool
    policy_ids: tuple[str, ...]
    reasons: tuple[str, ...]


class Visibility(StrEnum):
    HIDDEN = "hidden"
    MASKED = "masked"
    CLEAR = "clear"


class EditRight(StrEnum):
    NONE = "no"
    DIRECT = "yes"
    NEEDS_APPROVAL = "with approval"


@dataclass(frozen=True, slots=True)
class FieldAccess:
    """What one person may do with one field class of a case."""

    field_class: FieldClass
    visibility: Visibility
    can_reveal: bool
    can_export: bool
    edit: EditRight
    can_approve_edit: bool
    #: The decision per action; for ``edit``, the decision once a second person approved.
    decisions: Mapping[Action, Decision]
    #: For ``edit``, the decision before any approval (why an approval is needed).
    unapproved_edit: Decision

    @property
    def can_edit(self) -> bool:
        return self.edit is not EditRight.NONE

    @property
    def policy_ids(self) -> tuple[str, ...]:
        """The policies that decided the visibility."""
        if self.visibility is Visibility.CLEAR:
            return self.decisions[Action.VIEW_CLEAR].policy_ids
        return self.decisions[Action.VIEW_MASKED].policy_ids

    @property
    def deciding_policies(self) -> tuple[str, ...]:
        """Every policy that gave this person a right on the field, or hid it, in order."""
        ids = list(self.policy_ids)
        granted = (
            (self.can_reveal, Action.REVEAL),
            (self.can_export, Action.EXPORT),
            (self.can_edit, Action.EDIT),
            (self.can_approve_edit, Action.APPROVE_EDIT),
        )
        for allowed, action in granted:
            if allowed:
                ids += self.decisions[action].policy_ids
        if self.edit is EditRight.NEEDS_APPROVAL:
            ids += self.unapproved_edit.policy_ids
        return tuple(dict.fromkeys(ids))


@dataclass(frozen=True)
class PolicyChange:
    """A new policy set took effect; the case desk writes this to the ledger."""

    old_digest: str
    new_digest: str
    files: tuple[tuple[str, str, str], ...]  # (name, origin, sha256) of the new set
    changed: tuple[str, ...]  # names of files added, removed or modified
    at: datetime = field(compare=False)
