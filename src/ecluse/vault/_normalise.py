"""Validation and normalisation of contact data and Belgian identifiers.

Each function returns the canonical form (the one blind indexes are computed over) or raises
:class:`Invalid` with a reason that never repeats the value.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from stdnum import iban as _iban
from stdnum.be import bis as _bis
from stdnum.be import nn as _nn
from stdnum.exceptions import ValidationError

__all__ = [
    "PHONE_REGIONS",
    "Invalid",
    "check_ean",
    "fold",
    "normalise_birth_date",
    "normalise_email",
    "normalise_iban",
    "normalise_national_number",
    "normalise_phone",
    "normalise_postcode",
]

#: Regions whose national formats we accept; anything else must be written internationally.
PHONE_REGIONS = ("BE", "MA", "FR", "NL", "LU", "DE")
_EAN_RE = re.compile(r"^54\d{16}$")
_BE_IBAN_RE = re.compile(r"^BE\d{14}$")
_BE_MOBILE_RE = re.compile(r"^(\+32|0032|0)(4[5-9]\d{7})$")
# A conservative subset of addresses that email-validator accepts: the fast path for clean data.
_SIMPLE_EMAIL_RE = re.compile(
    r"^[a-z0-9](?:[a-z0-9_+-]|\.(?!\.))*(?<!\.)@"
    r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,24}$"
)
_SEPARATORS = re.compile(r"[\s.\-/]")


class Invalid(ValueError):
    """A value failed validation; the message says why, without quoting the value."""


def normalise_phone(raw: str, country: str = "BE") -> str:
    """E.164 form of a phone number written nationally (for ``country``) or internationally."""
    text = raw.strip()
    if not text:
        raise Invalid("empty")
    fast = _BE_MOBILE_RE.match(_SEPARATORS.sub("", text))
    if fast and (country.upper() == "BE" or not fast.group(1).startswith("0")):
        # Belgian mobiles (most of the file) skip phonenumbers' ~40 µs parse; the pattern is
        # libphonenumber's own BE mobile pattern and a property test keeps the two in step.
        return "+32" + fast.group(2)
    if text.startswith("00"):
        text = "+" + text[2:]
    region = country.upper() if country.upper() in PHONE_REGIONS else "BE"
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        raise Invalid("not a phone number") from None
    if not phonenumbers.is_valid_number(number):
        raise Invalid("not a valid number for its country")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise_email(raw: str) -> str:
    """Lower-cased address after a syntax check (no DNS look-up)."""
    lowered = raw.strip().lower()
    if (
        len(lowered) <= 254
        and _SIMPLE_EMAIL_RE.match(lowered)
        and len(lowered.partition("@")[0]) <= 64
    ):
        return lowered
    try:
        result = validate_email(raw.strip(), check_deliverability=False)
    except EmailNotValidError:
        raise Invalid("not a valid e-mail address") from None
    return str(result.normalized).lower()


def normalise_national_number(raw: str) -> str:
    """The 11 digits of a Belgian national register number or BIS number (checksum verified)."""
    digits = _SEPARATORS.sub("", raw)
    if not digits.isdigit() or len(digits) != 11:
        raise Invalid("a national number has 11 digits")
    if _national_number_ok(digits):
        return digits
    try:
        return str(_nn.validate(digits))
    except ValidationError:
        pass
    try:
        return str(_bis.validate(digits))
    except ValidationError:
        raise Invalid("checksum does not match (neither a national nor a BIS number)") from None


def _national_number_ok(digits: str) -> bool:
    """The rules python-stdnum's ``be.nn``/``be.bis`` apply, without their ~0.1 ms overhead.

    A national number's month is 0-12, a BIS number's 20-32 or 40-52; the check is
    97 - (first nine digits mod 97), with a leading 2 for people born from 2000. A number this
    rejects still goes through python-stdnum (for its verdict); a property test holds the two
    in step.
    """
    month = int(digits[2:4])
    if not (month <= 12 or 20 <= month <= 32 or 40 <= month <= 52) or int(digits) == 0:
        return False
    body, check = int(digits[:9]), int(digits[9:])
    if 97 - body % 97 == check:
        return True
    born_2000s = int(digits[:2]) + 2000 <= date.today().year
    return born_2000s and 97 - (2_000_000_000 + body) % 97 == check


def normalise_iban(raw: str) -> str:
    """Compact upper-case IBAN; checksum verified, and the national check for Belgian IBANs."""
    compact = _SEPARATORS.sub("", raw).upper()
    if _BE_IBAN_RE.match(compact):
        # Fast path for the common case (python-stdnum's generic path costs ~0.1 ms):
        # ISO 7064 mod 97-10 over the rearranged number, then the Belgian account check
        # (last two digits = first ten mod 97, 97 for zero).
        rearranged = compact[4:] + "1114" + compact[2:4]  # "BE" -> 11 14
        bban = compact[4:]
        national = int(bban[:10]) % 97 or 97
        if int(rearranged) % 97 == 1 and national == int(bban[10:]):
            return compact
        raise Invalid("not a valid IBAN (checksum or national format)")
    try:
        return str(_iban.validate(compact, check_country=True))
    except ValidationError:
        raise Invalid("not a valid IBAN (checksum or national format)") from None


def check_ean(raw: str) -> str:
    """An energy supply-point EAN: 18 digits, starting with 54, GS1 mod-10 check digit."""
    digits = _SEPARATORS.sub("", raw)
    if not _EAN_RE.match(digits):
        raise Invalid("a supply-point EAN has 18 digits and starts with 54")
    if _gs1_check_digit(digits[:-1]) != int(digits[-1]):
        raise Invalid("EAN check digit does not match")
    return digits


def _gs1_check_digit(body: str) -> int:
    # GS1: weights 3,1,3,1... from the rightmost digit of the body.
    total = 3 * sum(map(int, body[::-2])) + sum(map(int, body[-2::-2]))
    return (10 - total % 10) % 10


#: Postcode formats: Belgium and Luxembourg 4 digits, MA/FR/DE 5, the Netherlands 4 + 2 letters.
_POSTCODES = {
    country: re.compile(pattern)
    for country, pattern in {
        "BE": r"\d{4}",
        "LU": r"(L-)?\d{4}",
        "NL": r"\d{4} ?[A-Z]{2}",
        "FR": r"\d{5}",
        "DE": r"\d{5}",
        "MA": r"\d{5}",
    }.items()
}
_DMY_RE = re.compile(r"\d{2}[/.-]\d{2}[/.-]\d{4}")


def normalise_postcode(raw: str, country: str) -> str:
    """A postcode in its country's format (Belgium and Luxembourg: 4 digits, MA/FR/DE: 5...)."""
    text = raw.strip().upper()
    pattern = _POSTCODES.get(country.upper())
    if pattern is None or pattern.fullmatch(text):
        return text
    raise Invalid(f"not a {country.upper()} postcode")


def normalise_birth_date(raw: str, today: date | None = None) -> str:
    """ISO date (YYYY-MM-DD, or DD/MM/YYYY as Belgian CRMs write it) in a plausible range."""
    text = raw.strip()
    try:
        if _DMY_RE.fullmatch(text):
            value = date(int(text[6:]), int(text[3:5]), int(text[:2]))
        else:
            value = date.fromisoformat(text)
    except ValueError:
        raise Invalid("not a date (YYYY-MM-DD or DD/MM/YYYY)") from None
    today = today or date.today()
    if not (value.year >= 1900 and value <= today):
        raise Invalid("birth date out of range")
    return value.isoformat()


def fold(text: str) -> str:
    """Lower-case, accent-free form used to compare names."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
