"""A customer's values per field class, shaped for case views (and masked when required)."""

from __future__ import annotations

from typing import Any

from ecluse.masks import mask
from ecluse.vault import Address, Customer
from ecluse.vocabulary import FieldClass

__all__ = ["field_values", "masked_values"]


def _address(a: Address) -> dict[str, str]:
    return {
        "street": a.street,
        "house_number": a.house_number,
        "box": a.box,
        "postcode": a.postcode,
        "city": a.city,
        "country": a.country,
    }


def field_values(c: Customer, field_class: FieldClass) -> tuple[Any, ...]:
    """The clear values of one field class ("amount" keys stay visible under masks)."""
    match field_class:
        case FieldClass.NAME:
            return (c.full_name,)
        case FieldClass.BIRTH_DATE:
            return (c.birth_date,) if c.birth_date else ()
        case FieldClass.NATIONAL_NUMBER:
            return (c.national_number,) if c.national_number else ()
        case FieldClass.ADDRESS:
            return tuple(_address(a) for a in c.addresses)
        case FieldClass.PHONE:
            return c.phones
        case FieldClass.EMAIL:
            return c.emails
        case FieldClass.IBAN:
            return (c.iban,) if c.iban else ()
        case FieldClass.CONTRACTS:
            return tuple(
                {"id": k.id, "product": k.product, "start": k.start, "amount": k.monthly_eur}
                for k in c.contracts
            )
        case FieldClass.INVOICES:
            return tuple(
                {"id": i.id, "period": i.period, "amount": i.amount_eur, "status": i.status}
                for i in c.invoices
            )
        case FieldClass.LINES:
            return tuple({"msisdn": m.msisdn, "plan": m.plan} for m in c.lines)
        case FieldClass.SUPPLY_POINTS:
            return tuple(
                {
                    "ean": s.ean,
                    "energy": s.energy,
                    "address": _address(s.address) if s.address else None,
                }
                for s in c.supply_points
            )
    return ()


def masked_values(field_class: FieldClass, values: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple(mask(field_class, v) for v in values)
