"""Masks for single values: each keeps the small part an agent needs and hides the rest.

Every function is total: whatever it is given (empty, non-ASCII, absurdly long, not the
expected kind of value at all), it returns a string and never raises. When a value does not
look like what the mask expects, the fallback hides more, never less.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime

import phonenumbers
from stdnum.be import nn as be_nn

__all__ = [
    "BULLET",
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

BULLET = "•"
_HIDDEN = BULLET * 3  # what a value we cannot read safely becomes
_MAX_INPUT = 512  # longer inputs are not real values; only their head is looked at
_DEFAULT_REGION = "BE"


def _digits(text: str) -> str:
    return "".join(ch for ch in text if "0" <= ch <= "9")


def _groups_from_left(chars: str, size: int) -> str:
    return " ".join(chars[i : i + size] for i in range(0, len(chars), size))


def _pairs(chars: str) -> str:
    """Phone-style grouping: pairs from the right, an odd head of three (``4•• •• 17``)."""
    head = 3 if len(chars) % 2 and len(chars) >= 3 else len(chars) % 2
    parts = [chars[:head]] if head else []
    parts += [chars[i : i + 2] for i in range(head, len(chars), 2)]
    return " ".join(parts)


def mask_phone(value: str) -> str:
    """``+32 470 12 34 17`` → ``+32 4•• •• •• 17``: country code, first and last two digits.

    Numbers without a country code are read as Belgian. Anything that is not a phone
    number keeps at most its last two digits.
    """
    text = str(value)[:_MAX_INPUT]
    split = _split_e164(text)
    if split is None:
        try:
            number = phonenumbers.parse(text, _DEFAULT_REGION)
        except phonenumbers.NumberParseException:
            return _mask_digits(text)
        split = str(number.country_code), phonenumbers.national_significant_number(number)
    cc, nsn = split
    if len(nsn) < 6 or not nsn.isdigit():
        return f"+{cc} {_HIDDEN}"
    return f"+{cc} " + _pairs(nsn[0] + BULLET * (len(nsn) - 3) + nsn[-2:])


_SEPARATORS = str.maketrans("", "", " .-/\u00a0")


def _split_e164(text: str) -> tuple[str, str] | None:
    """Country code and national number of a plainly written number (``+32…``, ``0032…``,
    Belgian ``0…``) without the (slow) full parser; ``None`` for anything else."""
    compact = text.translate(_SEPARATORS)
    if compact.startswith("00"):  # the international call prefix, as written in Belgium
        compact = "+" + compact[2:]
    elif compact.startswith("0") and compact.isascii() and compact.isdigit():
        # a Belgian national number: trunk prefix 0, then 8 (landline) or 9 (mobile) digits
        return ("32", compact[1:]) if len(compact) in (9, 10) else None
    digits = compact[1:]
    if not compact.startswith("+") or not digits.isascii() or not digits.isdigit():
        return None
    if not 8 <= len(digits) <= 15 or digits.startswith("0"):
        return None
    for size in (1, 2, 3):
        if int(digits[:size]) in phonenumbers.COUNTRY_CODE_TO_REGION_CODE:
            if digits[size] == "0":  # "+32 0470…": the parser knows which trunk 0 to drop
                return None
            return digits[:size], digits[size:]
    return None


def _mask_digits(text: str) -> str:
    digits = _digits(text)
    if len(digits) < 6:
        return _HIDDEN
    return _pairs(BULLET * (len(digits) - 2) + digits[-2:])


def mask_msisdn(value: str) -> str:
    """A mobile line in international form without ``+`` (``32470123417``), masked like a phone."""
    text = str(value)[:_MAX_INPUT].strip()
    if text.isdigit() and not text.startswith("0") and len(text) > 8:
        text = "+" + text
    return mask_phone(text)


def mask_iban(value: str) -> str:
    """``BE71 0961 2345 7034`` → ``BE•• •••• •••• 7034``: country and last four."""
    text = "".join(str(value)[:_MAX_INPUT].split()).upper()  # IBANs are written in groups
    if (
        len(text) >= 12
        and text[:2].isascii()
        and text[:2].isalpha()
        and text[2:].isascii()
        and text[2:].isalnum()
    ):
        return _groups_from_left(text[:2] + BULLET * (len(text) - 6) + text[-4:], 4)
    return mask_reference(text)


def mask_reference(value: str) -> str:
    """An identifier (contract, invoice, account number): its last four characters only.

    Only something shaped like an identifier (one word, with digits) shows anything: free
    text such as a name in a reference field is hidden entirely.
    """
    text = str(value)[:_MAX_INPUT].strip()
    if (
        len(text) < 8
        or not text.isprintable()
        or any(map(str.isspace, text))
        or not any(map(str.isdigit, text))
    ):
        return _HIDDEN
    return _HIDDEN + text[-4:]


def mask_ean(value: str) -> str:
    """An 18-digit EAN (energy supply point) → ``•••• 1234``: the last four digits."""
    digits = _digits(str(value)[:_MAX_INPUT])
    if len(digits) < 8:
        return _HIDDEN
    return BULLET * 4 + " " + digits[-4:]


def mask_email(value: str) -> str:
    """``jean.dupont@example.be`` → ``j•••@example.be``: first letter and the domain."""
    text = str(value)[:_MAX_INPUT].strip()
    local, at, domain = text.rpartition("@")
    if not at:
        local, domain = text, ""
    first = local[:1] if local[:1].isalnum() else ""
    # the domain is only kept when it looks like one: no spaces, no second @
    if domain and ("@" in domain or not domain.isprintable() or " " in domain):
        domain = ""
    return f"{first}{_HIDDEN}@{domain}" if domain else f"{first}{_HIDDEN}"


def _initial(word: str) -> str:
    for ch in unicodedata.normalize("NFC", word):
        if ch.isalpha():
            upper = ch.upper()
            return upper if len(upper) == 1 else ch
    return ""


def mask_name(value: str) -> str:
    """``Jean-Pierre van Damme`` → ``J.-P. V. D.``: initials only."""
    words = str(value)[:_MAX_INPUT].split()
    out: list[str] = []
    for word in words:
        parts = [_initial(part) for part in word.split("-")]
        initials = "-".join(f"{p}." for p in parts if p)
        if initials:
            out.append(initials)
    return " ".join(out) if out else _HIDDEN


_CITY = re.compile(r"['’]?[^\W\d_]+(?:[ \-'’.]+[^\W\d_]+)*\.?")
_POSTCODE_CITY = re.compile(r"(?:^|[\s,])(?:[A-Z]{1,2}-)?\d{4,5}(?:\s?[A-Z]{2})?\s+(\D+?)\s*$")


def mask_address(value: str) -> str:
    """``Rue de la Loi 16, 1000 Bruxelles`` → ``Bruxelles``: the city only.

    The city is what follows the postcode of the last line or comma-separated part; an
    address without a recognisable postcode is hidden entirely.
    """
    text = " ".join(str(value)[:_MAX_INPUT].split())
    last = text.rsplit(",", 1)[-1].strip()
    match = _POSTCODE_CITY.search(last) or _POSTCODE_CITY.search(" " + last)
    if match is None:
        return _HIDDEN
    city = match.group(1).strip(" ,.")
    # a city name is letters, spaces, hyphens, apostrophes and dots, in a few words; anything
    # else after the postcode (a name in brackets, a note) is not shown
    if not city or len(city) > 40 or len(city.split()) > 4 or not _CITY.fullmatch(city):
        return _HIDDEN
    return city


_YEAR = re.compile(r"(?<!\d)(1[89]\d\d|20\d\d)(?!\d)")


def mask_date(value: str | date) -> str:
    """``1984-03-12`` → ``1984``: the year only."""
    if isinstance(value, date | datetime):
        return f"{value.year:04d}"
    years = _YEAR.findall(str(value)[:_MAX_INPUT])
    return years[0] if len(years) == 1 else BULLET * 4


def mask_national_number(value: str, *, keep_year: bool = False) -> str:
    """A Belgian national register number: fully hidden, or (``keep_year``) its birth year."""
    if keep_year:
        try:
            year = be_nn.get_birth_year(str(value)[:_MAX_INPUT])
        except (be_nn.ValidationError, ValueError, TypeError):
            year = None
        if year is not None:
            return f"{year:04d}"
    return "••.••.••-•••.••"
