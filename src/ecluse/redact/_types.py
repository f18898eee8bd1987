"""Value types of the redaction module: entity types, spans, a case's known values, settings."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from ecluse.errors import ConfigError

__all__ = ["STRUCTURED", "EntityType", "KnownValues", "RedactConfig", "Span"]


class EntityType(StrEnum):
    PERSON = "PERSON"
    ADDRESS = "ADDRESS"
    PHONE = "PHONE"
    EMAIL = "EMAIL"
    IBAN = "IBAN"
    NATIONAL_NUMBER = "NATIONAL_NUMBER"
    EAN = "EAN"
    CARD = "CARD"
    VAT = "VAT"
    PAYMENT_REF = "PAYMENT_REF"
    BIRTH_DATE = "BIRTH_DATE"
    CUSTOMER_NUMBER = "CUSTOMER_NUMBER"
    CONTRACT_NUMBER = "CONTRACT_NUMBER"
    IP = "IP"


#: Identifiers with a format (and mostly a checksum), as opposed to names and addresses.
STRUCTURED = frozenset(EntityType) - {EntityType.PERSON, EntityType.ADDRESS}


@dataclass(frozen=True, slots=True)
class Span:
    """One detected piece of personal data: ``text[start:end]`` is of type ``entity``.

    ``source`` says which detector found it (``pattern``, ``known``, ``lexicon``, ``ner``,
    ``cue``); ``score`` is its confidence in [0, 1].
    """

    start: int
    end: int
    entity: EntityType
    score: float = 1.0
    source: str = "pattern"

    def overlaps(self, other: Span) -> bool:
        return self.start < other.end and other.start < self.end

    @property
    def length(self) -> int:
        return self.end - self.start


def _strings(values: Iterable[str] | str | None) -> tuple[str, ...]:
    if values is None:
        return ()
    if isinstance(values, str):
        return (values,) if values.strip() else ()
    return tuple(v for v in values if isinstance(v, str) and v.strip())


@dataclass(frozen=True)
class KnownValues:
    """What the vault knows about a case's customer, as plain strings in any usual format.

    The redactor finds these in free text however they are written (spacing, case, accents,
    a typo in a name) and gives each one the same token wherever it appears.
    """

    names: tuple[str, ...] = ()
    birth_date: str | None = None
    national_number: str | None = None
    phones: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    ibans: tuple[str, ...] = ()
    addresses: tuple[str, ...] = ()
    eans: tuple[str, ...] = ()
    msisdns: tuple[str, ...] = ()
    contract_numbers: tuple[str, ...] = ()
    customer_numbers: tuple[str, ...] = ()

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> KnownValues:
        """Build from a JSON-like mapping; unknown keys and empty values are ignored."""
        return cls(
            names=_strings(data.get("names")),
            birth_date=(_strings(data.get("birth_date")) or (None,))[0],
            national_number=(_strings(data.get("national_number")) or (None,))[0],
            phones=_strings(data.get("phones")),
            emails=_strings(data.get("emails")),
            ibans=_strings(data.get("ibans")),
            addresses=_strings(data.get("addresses")),
            eans=_strings(data.get("eans")),
            msisdns=_strings(data.get("msisdns")),
            contract_numbers=_strings(data.get("contract_numbers")),
            customer_numbers=_strings(data.get("customer_numbers")),
        )

    def items(self) -> list[tuple[EntityType, str]]:
        """Every known value with the entity type it is redacted as."""
        out: list[tuple[EntityType, str]] = [(EntityType.PERSON, v) for v in self.names]
        if self.birth_date:
            out.append((EntityType.BIRTH_DATE, self.birth_date))
        if self.national_number:
            out.append((EntityType.NATIONAL_NUMBER, self.national_number))
        out += [(EntityType.PHONE, v) for v in (*self.phones, *self.msisdns)]
        out += [(EntityType.EMAIL, v) for v in self.emails]
        out += [(EntityType.IBAN, v) for v in self.ibans]
        out += [(EntityType.ADDRESS, v) for v in self.addresses]
        out += [(EntityType.EAN, v) for v in self.eans]
        out += [(EntityType.CONTRACT_NUMBER, v) for v in self.contract_numbers]
        out += [(EntityType.CUSTOMER_NUMBER, v) for v in self.customer_numbers]
        return out


DEFAULT_CUSTOMER_PATTERNS = (r"\bC-?\d{6,9}\b",)
DEFAULT_CONTRACT_PATTERNS = (r"\b(?:CTR|CT|K)-?\d{6,9}\b",)


@dataclass(frozen=True)
class RedactConfig:
    """Operator settings, from the ``[redact]`` table of ``ecluse.toml``.

    ``allow_list``: the operator's own public data (hotline, product names, office street) that
    is never redacted. ``customer_number_patterns`` / ``contract_number_patterns``: regular
    expressions for the operator's own reference numbers. ``use_ner``: run the French spaCy
    model for names (slower, better recall on unseen names).
    """

    allow_list: tuple[str, ...] = ()
    customer_number_patterns: tuple[str, ...] = DEFAULT_CUSTOMER_PATTERNS
    contract_number_patterns: tuple[str, ...] = DEFAULT_CONTRACT_PATTERNS
    use_ner: bool = True
    min_score: float = 0.5

    def __post_init__(self) -> None:
        for where, patterns in (
            ("customer_number_patterns", self.customer_number_patterns),
            ("contract_number_patterns", self.contract_number_patterns),
        ):
            for i, pattern in enumerate(patterns):
                try:
                    re.compile(pattern)
                except re.error as exc:
                    raise ConfigError(f"[redact] {where}[{i}]: invalid pattern: {exc}") from None

    @classmethod
    def from_section(cls, section: Mapping[str, Any]) -> RedactConfig:
        """Read the ``[redact]`` table; missing keys keep their defaults."""
        known = {
            "allow_list",
            "customer_number_patterns",
            "contract_number_patterns",
            "use_ner",
            "min_score",
        }
        unknown = sorted(set(section) - known)
        if unknown:
            raise ConfigError(f"[redact]: unknown setting(s): {', '.join(unknown)}")
        kwargs: dict[str, Any] = {}
        for key in ("allow_list", "customer_number_patterns", "contract_number_patterns"):
            if key in section:
                value = section[key]
                if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                    raise ConfigError(f"[redact] {key}: must be a list of strings")
                kwargs[key] = tuple(value)
        if "use_ner" in section:
            if not isinstance(section["use_ner"], bool):
                raise ConfigError("[redact] use_ner: must be true or false")
            kwargs["use_ner"] = section["use_ner"]
        if "min_score" in section:
            score = section["min_score"]
            if not isinstance(score, int | float) or not 0 <= score <= 1:
                raise ConfigError("[redact] min_score: must be a number between 0 and 1")
            kwargs["min_score"] = float(score)
        return cls(**kwargs)
