"""``mask(field_class, value)``: the mask for a value of a given field class.

Scalar values get their field class's mask. Structured values (a contract, an invoice, a
line, a supply point: mappings or dataclasses, or lists of them) are masked key by key: a key
that names a kind of personal data gets that mask, a descriptive key on the allow-list below
keeps its value (an agent explaining an invoice needs its amount and period), and any other
text is hidden. Unknown keys are hidden rather than shown, so a new attribute in the vault
cannot leak through a mask that has not heard of it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from datetime import date

from ecluse.masks._fields import (
    mask_address,
    mask_date,
    mask_ean,
    mask_email,
    mask_iban,
    mask_msisdn,
    mask_name,
    mask_national_number,
    mask_phone,
    mask_reference,
)
from ecluse.vocabulary import FieldClass

__all__ = ["KEPT_KEYS", "MaskedValue", "mask"]

MaskedValue = str | int | float | bool | None | list["MaskedValue"] | dict[str, "MaskedValue"]

_Masker = Callable[[str], str]

_BY_CLASS: dict[FieldClass, _Masker] = {
    FieldClass.NAME: mask_name,
    FieldClass.BIRTH_DATE: mask_date,
    FieldClass.NATIONAL_NUMBER: mask_national_number,
    FieldClass.ADDRESS: mask_address,
    FieldClass.PHONE: mask_phone,
    FieldClass.EMAIL: mask_email,
    FieldClass.IBAN: mask_iban,
    FieldClass.CONTRACTS: mask_reference,
    FieldClass.INVOICES: mask_reference,
    FieldClass.LINES: mask_msisdn,
    FieldClass.SUPPLY_POINTS: mask_ean,
}

_BY_KEY: dict[str, _Masker] = {
    "name": mask_name,
    "first_name": mask_name,
    "last_name": mask_name,
    "holder": mask_name,
    "birth_date": mask_date,
    "national_number": mask_national_number,
    "address": mask_address,
    "supply_address": mask_address,
    "billing_address": mask_address,
    "phone": mask_phone,
    "mobile": mask_phone,
    "msisdn": mask_msisdn,
    "email": mask_email,
    "iban": mask_iban,
    "ean": mask_ean,
    "id": mask_reference,
    "number": mask_reference,
    "reference": mask_reference,
    "contract_id": mask_reference,
    "invoice_id": mask_reference,
    "customer_id": mask_reference,
}

#: Descriptive keys whose values are shown as they are inside a masked record.
KEPT_KEYS = frozenset(
    {
        "product",
        "plan",
        "tariff",
        "kind",
        "type",
        "status",
        "energy",
        "amount",
        "amount_eur",
        "monthly_eur",
        "currency",
        "unit",
        "period",
        "start",
        "end",
        "start_date",
        "end_date",
        "issued",
        "issue_date",
        "due_date",
        "paid",
        "consumption",
        "consumption_kwh",
        "meter_type",
        "direction",
        "city",
        "country",
    }
)

_MAX_DEPTH = 8  # deeper nesting is not a real record; hide it rather than recurse forever


def mask(field_class: FieldClass, value: object) -> MaskedValue:
    """The masked form of ``value``, a value of ``field_class``. Never raises."""
    masker = _BY_CLASS.get(field_class)  # a StrEnum: its str value finds it too
    return _mask(masker or _BY_CLASS[FieldClass(field_class)], value, 0)


def _mask(masker: _Masker, value: object, depth: int) -> MaskedValue:
    if value is None:
        return None
    if depth > _MAX_DEPTH:
        return "•••"
    if isinstance(value, str):
        return masker(value)
    if value.__class__ is dict:  # the vault's records, ahead of the slower checks below
        return _mask_dict(value, masker, depth + 1)
    if isinstance(value, date):
        return mask_date(value)
    if isinstance(value, bool | int | float):
        return masker(str(value))
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        # the vault's records (Address, Contract, SupplyPoint, ...) are dataclasses
        value = {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): _mask_item(str(k), v, masker, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_mask(masker, item, depth + 1) for item in value]
    return "•••"


_PLAIN = frozenset({str, int, float, bool, type(None)})


def _mask_dict(value: dict[object, object], outer: _Masker, depth: int) -> MaskedValue:
    """A dict's items, with a fast lane for the vault's own keys (lower case, plain values),
    which give the same as :func:`_mask_item`: a case view masks a dozen of them per item."""
    out: dict[str, MaskedValue] = {}
    for k, v in value.items():
        key = k if k.__class__ is str else str(k)
        if v.__class__ in _PLAIN and depth <= _MAX_DEPTH:
            if key in KEPT_KEYS:
                out[key] = v  # type: ignore[assignment]
                continue
            masker = _BY_KEY.get(key)
            if masker is not None:
                out[key] = None if v is None else masker(v if v.__class__ is str else str(v))
                continue
        out[key] = _mask_item(key, v, outer, depth)
    return out


def _mask_item(key: str, value: object, outer: _Masker, depth: int) -> MaskedValue:
    lowered = key.lower()
    if lowered in KEPT_KEYS:
        if isinstance(value, date):
            return value.isoformat()
        if value is None or isinstance(value, str | int | float | bool):
            return value
    masker = _BY_KEY.get(lowered)
    if masker is not None:
        return _mask(masker, value, depth)
    if isinstance(value, Mapping | list | tuple):
        return _mask(outer, value, depth)
    return None if value is None else "•••"
