"""Validating and applying changes to a customer's record from a case."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Connection

from ecluse.errors import InputError
from ecluse.vault import Invalid, Vault, normalise_email, normalise_iban, normalise_phone
from ecluse.vocabulary import FieldClass

__all__ = ["apply_edit", "validate_edit"]

_ADDRESS_KEYS = ("street", "house_number", "box", "postcode", "city", "country")


def validate_edit(field_class: FieldClass, value: Any) -> Any:
    """The normalised new value, or :class:`InputError` naming the field."""
    try:
        if field_class is FieldClass.IBAN:
            return normalise_iban(str(value))
        if field_class is FieldClass.PHONE:
            return normalise_phone(str(value))
        if field_class is FieldClass.EMAIL:
            return normalise_email(str(value))
    except Invalid as exc:
        raise InputError(str(exc), field=field_class.value) from None
    if field_class is FieldClass.ADDRESS:
        if not isinstance(value, dict):
            raise InputError(
                "an address is an object with street, house_number, postcode, city", field="address"
            )
        address = {k: str(value.get(k, "")).strip()[:200] for k in _ADDRESS_KEYS}
        address["country"] = address["country"].upper() or "BE"
        missing = [k for k in ("street", "house_number", "postcode", "city") if not address[k]]
        if missing:
            raise InputError(f"missing {', '.join(missing)}", field="address")
        return address
    raise InputError(f"{field_class.value} cannot be changed from a case", field=field_class.value)


def apply_edit(
    vault: Vault, conn: Connection, customer_id: str, field_class: FieldClass, value: Any
) -> None:
    """Write the change into the sealed record (and its blind indexes)."""

    def change(record: dict[str, Any]) -> None:
        if field_class is FieldClass.IBAN:
            record["iban"] = value
        elif field_class is FieldClass.PHONE:
            record["phones"] = [value, *[p for p in record.get("phones", []) if p != value]]
        elif field_class is FieldClass.EMAIL:
            record["emails"] = [value, *[e for e in record.get("emails", []) if e != value]]
        elif field_class is FieldClass.ADDRESS:
            record["addresses"] = [value, *record.get("addresses", [])[1:]]

    vault.update_record(conn, customer_id, change)
