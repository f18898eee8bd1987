"""Checks of directory input; errors name the field, never the value."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime

import phonenumbers

from ecluse.errors import InputError
from ecluse.vocabulary import CaseType, Role

__all__ = [
    "check_aware",
    "check_countries",
    "check_country",
    "check_languages",
    "check_name",
    "check_role",
    "check_skills",
    "normalise_email",
]

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_LANGUAGE = re.compile(r"^[a-z]{2}$")
# ISO 3166-1 alpha-2 codes known to libphonenumber (every inhabited country).
_COUNTRIES = frozenset(r for r in phonenumbers.SUPPORTED_REGIONS if r.isalpha())


def normalise_email(email: str) -> str:
    value = email.strip().lower()
    if len(value) > 320 or not _EMAIL.match(value):
        raise InputError("not an e-mail address", field="email")
    return value


def check_name(name: str, field: str = "name") -> str:
    value = " ".join(name.split())
    if not value or len(value) > 200:
        raise InputError("must be 1 to 200 characters", field=field)
    return value


def check_country(code: str, field: str = "country") -> str:
    value = code.strip().upper()
    if value not in _COUNTRIES:
        raise InputError("not an ISO 3166 two-letter country code", field=field)
    return value


def check_countries(codes: Iterable[str]) -> tuple[str, ...]:
    values = tuple(dict.fromkeys(check_country(c, "countries") for c in codes))
    if not values:
        raise InputError("at least one country", field="countries")
    return values


def check_languages(codes: Iterable[str], *, required: bool = True) -> tuple[str, ...]:
    values = tuple(dict.fromkeys(c.strip().lower() for c in codes if c.strip()))
    if any(not _LANGUAGE.match(v) for v in values):
        raise InputError("languages are ISO 639-1 two-letter codes", field="languages")
    if required and not values:
        raise InputError("at least one language", field="languages")
    return values


def check_skills(names: Iterable[str]) -> tuple[str, ...]:
    values = tuple(dict.fromkeys(s.strip().lower() for s in names if s.strip()))
    known = {c.value for c in CaseType}
    if any(v not in known for v in values):
        raise InputError(f"skills are case types: {', '.join(sorted(known))}", field="skills")
    return values


def check_role(role: str) -> Role:
    try:
        return Role(role.strip().lower())
    except ValueError:
        raise InputError(
            f"unknown role; one of {', '.join(r.value for r in Role)}", field="role"
        ) from None


def check_aware(value: datetime, field: str) -> None:
    if value.tzinfo is None:
        raise InputError("a time must carry its time zone", field=field)
