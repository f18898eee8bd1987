"""The customer vault: records sealed per customer, blind-index look-ups, safe import.

Each customer's record is sealed with their own AES-256-GCM data key, wrapped by the
installation's KEK; look-ups by phone, e-mail, national number, IBAN or EAN go through keyed
blind indexes. Erasing a customer destroys their data key.
"""

from __future__ import annotations

from ecluse.installation import Installation
from ecluse.vault._import import ImportReport, import_customers
from ecluse.vault._model import (
    LANGUAGES,
    Address,
    Contract,
    Customer,
    FieldIssue,
    Invoice,
    MobileLine,
    SupplyPoint,
)
from ecluse.vault._normalise import (
    Invalid,
    check_ean,
    fold,
    normalise_birth_date,
    normalise_email,
    normalise_iban,
    normalise_national_number,
    normalise_phone,
    normalise_postcode,
)
from ecluse.vault._parse import OPTIONAL_COLUMNS, REQUIRED_COLUMNS
from ecluse.vault._rotate import RotationReport, rotate_kek
from ecluse.vault._store import LOOKUP_KINDS, Vault

__all__ = [
    "LANGUAGES",
    "LOOKUP_KINDS",
    "OPTIONAL_COLUMNS",
    "REQUIRED_COLUMNS",
    "Address",
    "Contract",
    "Customer",
    "FieldIssue",
    "ImportReport",
    "Invalid",
    "Invoice",
    "MobileLine",
    "RotationReport",
    "SupplyPoint",
    "Vault",
    "check_ean",
    "fold",
    "import_customers",
    "normalise_birth_date",
    "normalise_email",
    "normalise_iban",
    "normalise_national_number",
    "normalise_phone",
    "normalise_postcode",
    "rotate_kek",
    "vault_of",
]


def vault_of(inst: Installation) -> Vault:
    """The vault of an installation."""
    return Vault(inst.engine, inst.keyring)
