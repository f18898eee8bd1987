"""The customer record as the vault holds it (decrypted, in memory only)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from typing import Any

import orjson

__all__ = [
    "LANGUAGES",
    "Address",
    "Contract",
    "Customer",
    "FieldIssue",
    "Invoice",
    "MobileLine",
    "SupplyPoint",
    "record_data",
]

#: Languages the operator serves customers in.
LANGUAGES = ("fr", "nl", "de", "en")


@dataclass(frozen=True, slots=True)
class Address:
    street: str
    house_number: str
    postcode: str
    city: str
    country: str = "BE"
    box: str = ""

    def one_line(self) -> str:
        box = f" bte {self.box}" if self.box else ""
        return (
            f"{self.street} {self.house_number}{box}, {self.postcode} {self.city}, {self.country}"
        )


@dataclass(frozen=True, slots=True)
class Contract:
    id: str
    product: str
    start: str  # ISO date
    monthly_eur: float | None = None


@dataclass(frozen=True, slots=True)
class Invoice:
    id: str
    period: str  # YYYY-MM
    amount_eur: float
    status: str = "open"


@dataclass(frozen=True, slots=True)
class MobileLine:
    msisdn: str  # E.164
    plan: str = ""


@dataclass(frozen=True, slots=True)
class SupplyPoint:
    ean: str  # 18 digits, 54..., GS1 check digit
    energy: str  # electricity | gas
    address: Address | None = None


@dataclass(frozen=True, slots=True)
class FieldIssue:
    """An optional field that failed validation: kept (sealed with the record) and flagged."""

    field: str
    reason: str
    raw: str


def record_data(blob: bytes) -> dict[str, Any]:
    """A sealed record's JSON, opened: the mapping :meth:`Customer.to_record` wrote."""
    try:
        data: dict[str, Any] = orjson.loads(blob)  # a third of json.loads's cost
    except orjson.JSONDecodeError:  # NaN or Infinity, which json.dumps writes and orjson
        data = json.loads(blob)  # refuses: records edited before amounts were checked
    return data


@dataclass(frozen=True, slots=True)
class Customer:
    id: str  # pseudonymous vault id: what ledger entries and URLs use
    external_id: str | None  # the CRM's id
    first_name: str
    last_name: str
    language: str | None = None
    birth_date: str | None = None  # ISO date
    national_number: str | None = None  # 11 digits, checksum verified
    addresses: tuple[Address, ...] = ()
    phones: tuple[str, ...] = ()  # E.164
    emails: tuple[str, ...] = ()
    iban: str | None = None
    contracts: tuple[Contract, ...] = ()
    invoices: tuple[Invoice, ...] = ()
    lines: tuple[MobileLine, ...] = ()
    supply_points: tuple[SupplyPoint, ...] = ()
    issues: tuple[FieldIssue, ...] = field(default=())

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def to_record(self) -> bytes:
        """The sealed part: everything but the ids (which live in clear columns)."""
        data = {name: _plain(getattr(self, name)) for name in _RECORD_FIELDS}
        return json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()

    @classmethod
    def from_data(cls, customer_id: str, external_id: str | None, data: dict[str, Any]) -> Customer:
        """The customer of a decoded record (:func:`record_data`)."""

        def addr(a: dict[str, Any] | None) -> Address | None:
            return Address(**a) if a else None

        return cls(
            id=customer_id,
            external_id=external_id,
            first_name=data["first_name"],
            last_name=data["last_name"],
            language=data.get("language"),
            birth_date=data.get("birth_date"),
            national_number=data.get("national_number"),
            addresses=tuple(Address(**a) for a in data.get("addresses", ())),
            phones=tuple(data.get("phones", ())),
            emails=tuple(data.get("emails", ())),
            iban=data.get("iban"),
            contracts=tuple(Contract(**c) for c in data.get("contracts", ())),
            invoices=tuple(Invoice(**i) for i in data.get("invoices", ())),
            lines=tuple(MobileLine(**m) for m in data.get("lines", ())),
            supply_points=tuple(
                SupplyPoint(ean=s["ean"], energy=s["energy"], address=addr(s.get("address")))
                for s in data.get("supply_points", ())
            ),
            issues=tuple(FieldIssue(**i) for i in data.get("issues", ())),
        )


_RECORD_FIELDS = tuple(f.name for f in fields(Customer) if f.name not in {"id", "external_id"})


def _plain(value: Any) -> Any:
    """JSON-ready form of record values (``dataclasses.asdict`` is ten times slower)."""
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    slots = getattr(value, "__slots__", None)
    if slots is not None:
        return {name: _plain(getattr(value, name)) for name in slots}
    return value
