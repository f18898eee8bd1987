"""What a ledger entry is, its canonical bytes, and the guard against clear personal data."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from ecluse.errors import InputError

__all__ = [
    "ClearDataError",
    "Entry",
    "EntryKind",
    "NewEntry",
    "canonical_details",
    "format_time",
    "leaf_bytes",
]


class EntryKind(StrEnum):
    """What happened. Other modules may use their own lower_snake kinds (see ``NewEntry``)."""

    VIEW = "view"
    REVEAL = "reveal"
    EXPORT = "export"
    EDIT = "edit"
    DECISION = "decision"
    LOGIN = "login"
    LOGIN_FAILED = "login_failed"
    DENIED = "denied"
    POLICY_CHANGE = "policy_change"
    OFFBOARDING = "offboarding"
    ERASURE = "erasure"
    IMPORT = "import"
    NOTIFICATION = "notification"
    APPROVAL = "approval"
    USAGE_DECISION = "usage_decision"


class ClearDataError(InputError):
    """An entry carries something that looks like clear personal data; it is not appended."""


_KIND = re.compile(r"[a-z][a-z0-9_.]{0,63}")
_ID_MAX = 128
# Cheap detectors of values that must never be in the ledger. They never echo the value.
_CLEAR = (
    (re.compile(r"[^\s@]@[^\s@]+\.[A-Za-z]{2,}"), "an e-mail address"),
    (re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b"), "an IBAN"),
    (re.compile(r"(?:\+|\b00)\d(?:[ .\-/]?\d){7,}"), "a phone number"),
    (re.compile(r"\b\d{2}\.\d{2}\.\d{2}-\d{3}\.\d{2}\b"), "a national register number"),
    (re.compile(r"\d{9,}"), "a long number (phone, national number, card or EAN)"),
)
# Fast screen, run on every append: the digit detectors only fire where there are 8 or more
# digits and separators in a row, which ids and ordinary details rarely have.
_EMAIL = _CLEAR[0][0]
_DIGIT_RUN = re.compile(r"\d[\d ./\-]{6,}\d")
_DIGIT_DETECTORS = re.compile("|".join(f"(?:{p.pattern})" for p, _ in _CLEAR[1:]))


def _looks_clear(text: str) -> bool:
    if "@" in text and _EMAIL.search(text):
        return True
    return bool(_DIGIT_RUN.search(text) and _DIGIT_DETECTORS.search(text))


@dataclass(frozen=True, slots=True)
class NewEntry:
    """An entry to append. ``actor``, ``subject`` and ``case_id`` are pseudonymous ids.

    Callers must never put clear personal data (names, e-mail addresses, phone numbers,
    IBANs, free text typed by a customer) in any field: the ledger is kept forever and shown
    to auditors. ``details`` holds JSON values such as vendor, site, country, field classes
    and the reason *code* or pseudonymised reason. ``time`` defaults to the append time.
    """

    kind: str
    actor: str
    subject: str | None = None
    case_id: str | None = None
    details: Mapping[str, Any] = field(default_factory=dict)
    time: datetime | None = None


@dataclass(frozen=True, slots=True)
class Entry:
    """One stored entry; ``leaf`` is the canonical bytes its leaf hash covers."""

    index: int
    time: datetime
    kind: str
    actor: str
    subject: str | None
    case_id: str | None
    details: dict[str, Any]
    leaf_hash: bytes

    @property
    def leaf(self) -> bytes:
        return leaf_bytes(
            self.index,
            self.time,
            self.kind,
            self.actor,
            self.subject,
            self.case_id,
            canonical_details(self.details),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "time": format_time(self.time),
            "kind": self.kind,
            "actor": self.actor,
            "subject": self.subject,
            "case_id": self.case_id,
            "details": self.details,
            "leaf_hash": self.leaf_hash.hex(),
        }


def format_time(t: datetime) -> str:
    """UTC, microseconds, ``Z``: the one time format inside leaves and checkpoints."""
    if t.tzinfo is UTC:  # the usual case (utcnow): drop "+00:00" rather than convert
        return t.isoformat(timespec="microseconds")[:-6] + "Z"
    return t.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def _not_json(value: object) -> Any:
    raise TypeError(f"{type(value).__name__} is not a JSON value")


# json.dumps(..., sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
# builds an encoder and its C scanner on every call, which cost as much as the encoding; this
# is that C encoder built once. Without the markers dict it does not look for cycles: a
# cyclic value ends in RecursionError, which prepare() reports like any other bad value.
_c_encoder = json.encoder.c_make_encoder(  # type: ignore[attr-defined]  # C, not in typeshed
    None, _not_json, json.encoder.encode_basestring, None, ":", ",", True, False, False
)


def canonical_details(details: Mapping[str, Any]) -> str:
    return "".join(_c_encoder(details, 0))


_enc = json.encoder.encode_basestring  # C-accelerated; same escaping as json.dumps


def leaf_bytes(
    index: int,
    time: datetime | str,
    kind: str,
    actor: str,
    subject: str | None,
    case_id: str | None,
    details_json: str,
) -> bytes:
    """Canonical leaf: sorted-key compact JSON in UTF-8, byte-identical to ``json.dumps``.

    Written out by hand because verification rebuilds it for every entry; ``details_json``
    must already be canonical (:func:`canonical_details`).
    """
    ts = time if isinstance(time, str) else format_time(time)
    return (
        f'{{"actor":{_enc(actor)},"case_id":{"null" if case_id is None else _enc(case_id)},'
        f'"details":{details_json},"index":{index},"kind":{_enc(kind)},'
        f'"subject":{"null" if subject is None else _enc(subject)},"time":"{ts}"}}'
    ).encode()


def prepare(entry: NewEntry, where: str = "ledger entry") -> tuple[str, str]:
    """Validate an entry; returns its kind as a plain str and its canonical details JSON.

    On every append's path, so the common case is kept to a few C-level calls.
    """
    kind = str(entry.kind)
    if kind not in _KINDS_SEEN:
        if not _KIND.fullmatch(kind):
            raise InputError("a kind is lower_snake_case, at most 64 characters", where=where)
        _KINDS_SEEN.add(kind)
    texts = [_id(entry.actor, "actor", where)]
    if entry.subject is not None:
        texts.append(_id(entry.subject, "subject", where))
    if entry.case_id is not None:
        texts.append(_id(entry.case_id, "case_id", where))
    if not isinstance(entry.details, dict | Mapping):
        raise InputError("details must be a mapping", where=where, field="details")
    try:
        _strings(entry.details, texts)
    except RecursionError:  # a value that contains itself
        raise InputError(
            "details must hold JSON values only", where=where, field="details"
        ) from None
    # One search over all the strings joined by newlines (no detector matches across one);
    # the slow per-field pass below only runs to name the field in the error.
    joined = "\n".join(texts)
    if _looks_clear(joined):
        _name_clear_field(entry, where)
    try:
        details = canonical_details(entry.details)
        # A lone surrogate would only fail inside the shared transaction, failing others too.
        details.encode()
        joined.encode()
    except (TypeError, ValueError, RecursionError):
        raise InputError(
            "details must hold JSON values only", where=where, field="details"
        ) from None
    if entry.time is not None and entry.time.tzinfo is None:
        raise InputError("time must be timezone-aware", where=where, field="time")
    return kind, details


_KINDS_SEEN: set[str] = set()


def _id(value: object, name: str, where: str) -> str:
    if not isinstance(value, str) or not value or len(value) > _ID_MAX:
        if value is None:
            raise InputError("an entry needs an actor (a person id or 'system')", where=where)
        raise InputError(
            f"must be a non-empty id of at most {_ID_MAX} characters", where=where, field=name
        )
    return value


def _strings(value: Any, out: list[str]) -> None:
    # Concrete types first: isinstance against the Mapping ABC is slow on the hot path.
    for v in value.values() if isinstance(value, dict | Mapping) else value:
        if isinstance(v, str):
            out.append(v)
        elif isinstance(v, dict | list | tuple | Mapping):
            _strings(v, out)


def _name_clear_field(entry: NewEntry, where: str) -> None:
    for name in ("actor", "subject", "case_id"):
        value = getattr(entry, name)
        if value is not None:
            _check_clear(value, where, name)
    _check_value(entry.details, where, "details")


def _check_value(value: Any, where: str, path: str) -> None:
    if isinstance(value, str):
        _check_clear(value, where, path)
    elif isinstance(value, Mapping):
        for k, v in value.items():
            _check_value(v, where, f"{path}.{k}")
    elif isinstance(value, list | tuple):
        for i, v in enumerate(value):
            _check_value(v, where, f"{path}[{i}]")


def _check_clear(value: str, where: str, path: str) -> None:
    for pattern, what in _CLEAR:
        if pattern.search(value):
            raise ClearDataError(
                f"looks like {what}; ledger entries carry pseudonymous ids only",
                where=where,
                field=path,
            )
