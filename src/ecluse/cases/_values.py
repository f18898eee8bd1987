"""A customer's values per field class, shaped for case views (and masked when required)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ecluse.masks import mask
from ecluse.vocabulary import FieldClass

__all__ = ["field_values", "masked_values"]


def _address(a: Mapping[str, Any]) -> dict[str, str]:
    # the shape (and defaults) of vault.Address
    return {
        "street": a["street"],
        "house_number": a["house_number"],
        "box": a.get("box", ""),
        "postcode": a["postcode"],
        "city": a["city"],
        "country": a.get("country", "BE"),
    }


def field_values(record: Mapping[str, Any], field_class: FieldClass) -> tuple[Any, ...]:
    """The clear values of one field class of a customer's record (``Vault.open_record``:
    the mapping it was sealed from, read as ``vault.Customer`` reads it, defaults included);
    "amount" keys stay visible under masks."""
    match field_class:
        case FieldClass.NAME:
            return (f"{record['first_name']} {record['last_name']}".strip(),)
        case FieldClass.BIRTH_DATE | FieldClass.NATIONAL_NUMBER | FieldClass.IBAN:
            value = record.get(_SINGLE[field_class])
            return (value,) if value else ()
        case FieldClass.ADDRESS:
            return tuple(_address(a) for a in record.get("addresses", ()))
        case FieldClass.PHONE:
            return tuple(record.get("phones", ()))
        case FieldClass.EMAIL:
            return tuple(record.get("emails", ()))
        case FieldClass.CONTRACTS:
            return tuple(
                {"id": k["id"], "product": k["product"], "start": k["start"],
                 "amount": k.get("monthly_eur")}
                for k in record.get("contracts", ())
            )  # fmt: skip
        case FieldClass.INVOICES:
            return tuple(
                {"id": i["id"], "period": i["period"], "amount": i["amount_eur"],
                 "status": i.get("status", "open")}
                for i in record.get("invoices", ())
            )  # fmt: skip
        case FieldClass.LINES:
            return tuple(
                {"msisdn": m["msisdn"], "plan": m.get("plan", "")} for m in record.get("lines", ())
            )
        case FieldClass.SUPPLY_POINTS:
            return tuple(
                {
                    "ean": s["ean"],
                    "energy": s["energy"],
                    "address": _address(s["address"]) if s.get("address") else None,
                }
                for s in record.get("supply_points", ())
            )
    return ()


_SINGLE = {
    FieldClass.BIRTH_DATE: "birth_date",
    FieldClass.NATIONAL_NUMBER: "national_number",
    FieldClass.IBAN: "iban",
}


def masked_values(field_class: FieldClass, values: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple(mask(field_class, v) for v in values)
