"""Masks: what an agent sees of a field when a policy allows it only masked.

``+32 4•• •• •• 17``, ``BE•• •••• •••• 7034``, ``j•••@example.be``, ``J. D.``; each mask keeps
the small part needed to recognise the value with the customer on the line and hides the rest.
All masks are total functions: they never raise, whatever they are given.
"""

from __future__ import annotations

from ecluse.masks._dispatch import KEPT_KEYS, MaskedValue, mask
from ecluse.masks._fields import (
    BULLET,
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

__all__ = [
    "BULLET",
    "KEPT_KEYS",
    "MaskedValue",
    "mask",
    "mask_address",
    "mask_date",
    "mask_ean",
    "mask_email",
    "mask_iban",
    "mask_msisdn",
    "mask_name",
    "mask_national_number",
    "mask_phone",
    "mask_reference",
]
