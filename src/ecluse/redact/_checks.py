"""Cheap validators and normalisers for structured identifiers.

Validators take the matched text and say whether it really is the identifier (checksum,
numbering plan); normalisers give the comparison key used for stable tokens and case-aware
matching (E.164 phone, compact IBAN, digits only, folded text).
"""

from __future__ import annotations

import ipaddress
import re
from datetime import date
from functools import lru_cache

import phonenumbers
from stdnum import iban as std_iban
from stdnum import luhn
from stdnum.be import bis as std_bis
from stdnum.be import nn as std_nn
from stdnum.be import vat as std_vat

from ecluse.redact._text import fold
from ecluse.redact._types import EntityType
from ecluse.redact._vocab import TITLES

__all__ = [
    "digits",
    "is_card",
    "is_ean",
    "is_iban",
    "is_ip",
    "is_national_number",
    "is_payment_ref",
    "is_vat",
    "normalise",
    "parse_date",
    "phone_e164",
]

_NON_DIGIT = re.compile(r"\D")
_NON_ALNUM = re.compile(r"[^0-9A-Za-z]")

#: Regions tried in order for a national-format phone number (Belgium first). Only regions
#: with a fixed-length plan and a 0 trunk prefix: German national numbers have variable
#: length (any digit run would pass) and Luxembourg has no trunk prefix, so those two are
#: recognised in international form only.
PHONE_REGIONS = ("BE", "FR", "NL", "MA")


def digits(text: str) -> str:
    return _NON_DIGIT.sub("", text)


@lru_cache(maxsize=16384)  # the same candidates come back (shrinking, allow-list, tokens)
def phone_e164(text: str, regions: tuple[str, ...] = PHONE_REGIONS) -> str | None:
    """E.164 form of a valid phone number, or ``None`` when no region accepts it."""
    raw = text.strip()
    if raw.startswith("00"):
        raw = "+" + raw[2:]
    if raw.startswith("+"):
        try:
            num = phonenumbers.parse(raw, None)
        except phonenumbers.NumberParseException:
            return None
        if phonenumbers.is_valid_number(num):
            return phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164)
        return None
    if not raw.startswith("0"):
        return None  # national numbers always carry the trunk prefix in our regions
    for region in regions:
        try:
            num = phonenumbers.parse(raw, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(num):
            return phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164)
    return None


def is_iban(text: str) -> bool:
    return bool(std_iban.is_valid(text))


def is_national_number(text: str) -> bool:
    d = digits(text)
    return len(d) == 11 and bool(std_nn.is_valid(d) or std_bis.is_valid(d))


def is_ean(text: str) -> bool:
    """An 18-digit GS1 supply-point code (Belgian ones start with 54)."""
    d = digits(text)
    if len(d) != 18 or not d.startswith("54"):
        return False
    total = sum(int(c) * (3 if i % 2 == 0 else 1) for i, c in enumerate(reversed(d[:-1])))
    return (10 - total % 10) % 10 == int(d[-1])


def is_card(text: str) -> bool:
    d = digits(text)
    # issuer prefixes of the schemes used in Europe: Visa, Mastercard, Amex, Maestro, Discover
    return 13 <= len(d) <= 19 and d[0] in "23456" and bool(luhn.is_valid(d))


def is_vat(text: str) -> bool:
    d = digits(text)
    if len(d) == 9:
        d = "0" + d
    return len(d) == 10 and bool(std_vat.is_valid(d))


def is_payment_ref(text: str) -> bool:
    """Belgian structured communication: 10 digits and a mod-97 check (97 when 0)."""
    d = digits(text)
    if len(d) != 12:
        return False
    check = int(d[:10]) % 97 or 97
    return check == int(d[10:])


def is_ip(text: str) -> bool:
    try:
        addr = ipaddress.ip_address(text)
    except ValueError:
        return False
    return not (addr.version == 4 and text.count(".") != 3)


_MONTHS = {
    # fr
    "janvier": 1, "fevrier": 2, "mars": 3, "avril": 4, "mai": 5, "juin": 6, "juillet": 7,
    "aout": 8, "septembre": 9, "octobre": 10, "novembre": 11, "decembre": 12,
    # nl
    "januari": 1, "februari": 2, "maart": 3, "april": 4, "mei": 5, "juni": 6, "juli": 7,
    "augustus": 8, "oktober": 10,
    # en
    "january": 1, "february": 2, "march": 3, "may": 5, "june": 6, "july": 7,
    "august": 8, "october": 10, "december": 12,
    "september": 9, "november": 11,
}  # fmt: skip
MONTH_NAMES = tuple(sorted(_MONTHS, key=len, reverse=True))
_NUMERIC_DATE = re.compile(r"(\d{1,4})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{2,4})")
_WORD_DATE = re.compile(r"(\d{1,2})(?:er|e|st|nd|rd|th)?\s+([a-z]+)\s+(\d{4})")
_EN_DATE = re.compile(r"([a-z]+)\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})")


def _mk(y: int, m: int, d: int) -> date | None:
    if y < 100:
        y += 1900 if y > 30 else 2000
    try:
        return date(y, m, d)
    except ValueError:
        return None


def parse_date(text: str) -> date | None:
    """A calendar date written as digits (d/m/y or y-m-d) or with a FR/NL/EN month name."""
    t = fold(text)
    m = _NUMERIC_DATE.fullmatch(t)
    if m:
        a, b, c = (int(x) for x in m.groups())
        if len(m.group(1)) == 4:
            return _mk(a, b, c)
        return _mk(c, b, a)
    m = _WORD_DATE.fullmatch(t)
    if m and m.group(2) in _MONTHS:
        return _mk(int(m.group(3)), _MONTHS[m.group(2)], int(m.group(1)))
    m = _EN_DATE.fullmatch(t)
    if m and m.group(1) in _MONTHS:
        return _mk(int(m.group(3)), _MONTHS[m.group(1)], int(m.group(2)))
    return None


def normalise(entity: EntityType, value: str) -> str:
    """The comparison key of a value: equal keys mean the same piece of personal data."""
    if entity is EntityType.PHONE:
        return phone_e164(value) or digits(value)
    if entity is EntityType.IBAN:
        return _NON_ALNUM.sub("", value).upper()
    if entity is EntityType.EMAIL:
        return value.strip().casefold()
    if entity is EntityType.VAT:
        d = digits(value)
        return d.zfill(10) if len(d) == 9 else d
    if entity in (
        EntityType.NATIONAL_NUMBER,
        EntityType.EAN,
        EntityType.CARD,
        EntityType.PAYMENT_REF,
    ):
        return digits(value)
    if entity is EntityType.BIRTH_DATE:
        parsed = parse_date(value)
        return parsed.isoformat() if parsed else fold(value)
    if entity in (EntityType.CUSTOMER_NUMBER, EntityType.CONTRACT_NUMBER, EntityType.IP):
        return _NON_ALNUM.sub("", value).upper()
    # names and addresses: case, accents, punctuation, spacing and titles do not matter
    words = re.sub(r"[^\w]+", " ", fold(value)).split()
    if entity is EntityType.PERSON:
        words = [w for w in words if w not in TITLES] or words
    return " ".join(words)
