"""Value objects of the organisation: what service functions return."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from ecluse.org._hours import BusinessHours
from ecluse.vocabulary import OPERATOR_ROLES, VENDOR_ROLES, Role

__all__ = [
    "TOTP_REQUIRED_ROLES",
    "Operator",
    "Person",
    "Principal",
    "Session",
    "Site",
    "Vendor",
    "VendorStatus",
    "contract_current",
]

#: Roles that cannot log in without a second factor.
TOTP_REQUIRED_ROLES = frozenset({Role.ADMIN, Role.DPO})


class VendorStatus(StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"  # access paused, contract still running
    ENDED = "ended"


def contract_current(status: str, start: datetime, end: datetime | None, now: datetime) -> bool:
    """Whether a vendor's people may act at ``now``."""
    return status == VendorStatus.ACTIVE and start <= now and (end is None or now < end)


@dataclass(frozen=True, slots=True)
class Operator:
    name: str
    country: str


@dataclass(frozen=True, slots=True)
class Vendor:
    id: int
    name: str
    contract_start: datetime
    contract_end: datetime | None
    countries: tuple[str, ...]
    status: VendorStatus

    def is_current(self, now: datetime) -> bool:
        return contract_current(self.status, self.contract_start, self.contract_end, now)


@dataclass(frozen=True, slots=True)
class Site:
    id: int
    vendor_id: int
    name: str
    country: str
    languages: tuple[str, ...]
    hours: BusinessHours

    @property
    def timezone(self) -> str:
        return self.hours.timezone


@dataclass(frozen=True, slots=True)
class Person:
    """A person as the directory shows them (never their credentials)."""

    id: int
    handle: str
    display_name: str
    email: str
    role: Role
    vendor_id: int | None
    site_id: int | None
    team_lead_id: int | None
    skills: tuple[str, ...]
    languages: tuple[str, ...]
    capacity: int
    active: bool
    left_at: datetime | None
    totp_enrolled: bool

    @property
    def is_vendor(self) -> bool:
        return self.role in VENDOR_ROLES


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is acting, with what policy needs to decide; built fresh on every request."""

    person_id: int
    handle: str
    role: Role
    vendor_id: int | None
    site_id: int | None
    site_country: str | None
    team_id: int | None  # the team lead's person id (a lead's own id); None for operator roles
    skills: frozenset[str]
    languages: frozenset[str]
    active: bool = True
    contract_start: datetime | None = None
    contract_end: datetime | None = None
    vendor_status: VendorStatus | None = None
    via: str = "session"  # "session" or "token"
    credential_id: int | None = None  # the session or API token id

    @property
    def is_operator(self) -> bool:
        return self.role in OPERATOR_ROLES

    @property
    def is_vendor(self) -> bool:
        return self.role in VENDOR_ROLES


@dataclass(frozen=True, slots=True)
class Session:
    """A login. ``token`` is the only clear copy: give it to the client, never store it."""

    id: int
    person_id: int
    created_at: datetime
    expires_at: datetime
    token: str = field(repr=False)
