"""One CRM extract row → a validated customer record ready to seal, or a rejection.

Runs in import worker processes: pure functions of the row and the blind indexer.
"""

from __future__ import annotations

import math
import re
from typing import Any, NamedTuple

import orjson

from ecluse.keys import BlindIndexer
from ecluse.vault._model import LANGUAGES
from ecluse.vault._normalise import (
    Invalid,
    check_ean,
    normalise_birth_date,
    normalise_email,
    normalise_iban,
    normalise_national_number,
    normalise_phone,
    normalise_postcode,
)

__all__ = [
    "MAX_FIELD",
    "OPTIONAL_COLUMNS",
    "REQUIRED_COLUMNS",
    "Prepared",
    "Reject",
    "index_entries",
    "parse_row",
]

REQUIRED_COLUMNS = (
    "external_id",
    "first_name",
    "last_name",
    "birth_date",
    "national_number",
    "language",
    "street",
    "house_number",
    "postcode",
    "city",
    "country",
    "phone",
    "email",
    "iban",
)
OPTIONAL_COLUMNS = (
    "box",
    "mobile_lines",
    "ean_electricity",
    "ean_gas",
    "contracts",
    "invoices",
)
#: Longest value accepted in any field; longer means a corrupt row (e.g. an unclosed quote).
MAX_FIELD = 4096
_MAX_RAW_KEPT = 200
_COUNTRIES = frozenset({"BE", "FR", "NL", "LU", "DE", "MA"})
_EXTERNAL_ID_RE = re.compile(r"^[\w.\-/:=+@#]{1,64}$")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# Whitespace at either end of a list item or of one of its ``|`` parts: only then do the
# parts need stripping one by one (an import row carries about five such items).
_LOOSE_PARTS_RE = re.compile(r"^\s|\s$|\s\||\|\s")
# An amount with at most two decimals: float() of it is already what round(.., 2) gives.
_PLAIN_AMOUNT_RE = re.compile(r"-?[0-9]{1,15}(?:[.,][0-9]{1,2})?")


# Named tuples rather than dataclasses: they cross the worker pipe by the thousand, and a
# slotted dataclass pickles through Python-level __getstate__/__setstate__ (several times slower).
class Prepared(NamedTuple):
    """A row that goes into the vault (possibly with flagged optional fields)."""

    line: int
    external_id: str
    language: str | None
    record: bytes  # JSON, sealed by the writer
    blind_index: tuple[tuple[str, bytes], ...]
    invalid_fields: str


class Reject(NamedTuple):
    """A row that cannot be imported: where and why (never the value)."""

    line: int
    field: str
    reason: str
    external_id: str = ""


class _Row:
    """Collects field issues while the row's values are normalised."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.values = values
        self.issues: list[dict[str, str]] = []

    def text(self, name: str) -> str:
        value = self.values.get(name)
        if value.__class__ is str:  # the common case, CSV; skips str()
            return value.strip()
        return "" if value is None else str(value).strip()

    def items(self, name: str) -> list[Any]:
        value = self.values.get(name)
        if value is None or value == "":
            return []
        if isinstance(value, list):
            return value
        parts = [part.strip() for part in str(value).split(";")]
        return [part for part in parts if part]

    def flag(self, name: str, reason: str, raw: Any) -> None:
        self.issues.append({"field": name, "reason": reason, "raw": str(raw)[:_MAX_RAW_KEPT]})

    def checked(self, name: str, fn: Any, *args: Any) -> str | None:
        raw = self.text(name)
        if not raw:
            return None
        try:
            return str(fn(raw, *args))
        except Invalid as exc:
            self.flag(name, str(exc), raw)
            return None


def _structural_problem(values: dict[str, Any]) -> tuple[str, str] | None:
    texts = [v for v in values.values() if isinstance(v, str)]
    if len(texts) == len(values):
        # Fast path for a clean CSV row (all strings): one check over the joined fields; only
        # a row that fails it is walked field by field to name the culprit.
        joined = "".join(texts)
        if len(joined) <= MAX_FIELD and "\x00" not in joined and _encodes(joined):
            return None
    for name, value in values.items():
        if isinstance(value, list | dict):
            continue
        text = "" if value is None else str(value)
        if len(text) > MAX_FIELD:
            return name, f"field too long ({len(text)} characters, limit {MAX_FIELD})"
        if "\x00" in text:
            return name, "contains a NUL byte"
        if not _encodes(text):
            return name, "not valid UTF-8 (re-export the file as UTF-8 or pass --encoding)"
    return None


def _encodes(text: str) -> bool:
    """False if ``text`` holds undecodable bytes (surrogate escapes from a wrong encoding)."""
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def parse_row(values: dict[str, Any], line: int, indexer: BlindIndexer) -> Prepared | Reject:
    """Validate one row. Only a missing identity rejects it; bad optional fields are flagged."""
    external_id = str(values.get("external_id") or "").strip()
    safe_id = external_id if _EXTERNAL_ID_RE.match(external_id) else ""
    problem = _structural_problem(values)
    if problem:
        return Reject(line, problem[0], problem[1], safe_id)
    if not external_id:
        return Reject(line, "external_id", "missing: the CRM id is required")
    if not safe_id:
        return Reject(
            line, "external_id", "not a CRM id (1-64 letters, digits or . - _ / : = + @ #)"
        )
    row = _Row(values)
    first, last = row.text("first_name"), row.text("last_name")
    if not last and not first:
        return Reject(line, "last_name", "missing: a customer needs a name", safe_id)
    for name, value in (("first_name", first), ("last_name", last)):
        if _CONTROL_RE.search(value) or len(value) > 100:
            return Reject(line, name, "not a usable name (control characters or too long)", safe_id)

    language = row.text("language").lower() or None
    if language is not None and language not in LANGUAGES:
        row.flag("language", f"not one of {', '.join(LANGUAGES)}", language)
        language = None
    country = row.text("country").upper() or "BE"
    if country not in _COUNTRIES:
        row.flag("country", "country not served", country)
        country = "BE"
    address = _address(row, country)
    phones = _unique(_phone(row, "phone", raw, country) for raw in row.items("phone"))
    emails = _unique(_email(row, raw) for raw in row.items("email"))
    lines = [m for m in (_mobile_line(row, raw, country) for raw in row.items("mobile_lines")) if m]
    supply_points = [
        {"ean": ean, "energy": energy, "address": address}
        for energy in ("electricity", "gas")
        if (ean := row.checked(f"ean_{energy}", check_ean))
    ]
    national_number = row.checked("national_number", normalise_national_number)
    iban = row.checked("iban", normalise_iban)
    # The record is built as plain JSON-ready data (the shape of Customer.to_record): building
    # dataclasses first and converting them costs more than all the validation.
    record = {
        "first_name": first,
        "last_name": last,
        "language": language,
        "birth_date": row.checked("birth_date", normalise_birth_date),
        "national_number": national_number,
        "addresses": [address] if address else [],
        "phones": phones,
        "emails": emails,
        "iban": iban,
        "contracts": [c for c in (_contract(row, raw) for raw in row.items("contracts")) if c],
        "invoices": [i for i in (_invoice(row, raw) for raw in row.items("invoices")) if i],
        "lines": lines,
        "supply_points": supply_points,
        "issues": row.issues,
    }
    index = index_entries(record, indexer)
    invalid = ",".join(sorted({issue["field"] for issue in row.issues}))
    # orjson writes the same compact UTF-8 JSON as json.dumps(separators=(",", ":"),
    # ensure_ascii=False) at a tenth of the cost; the structural check above has already
    # rejected strings that are not valid UTF-8.
    blob = orjson.dumps(record)
    return Prepared(line, external_id, language, blob, index, invalid)


def _unique(values: Any) -> list[str]:
    return list(dict.fromkeys(v for v in values if v))


def _address(row: _Row, country: str) -> dict[str, str] | None:
    street, number, city = row.text("street"), row.text("house_number"), row.text("city")
    postcode = row.checked("postcode", normalise_postcode, country)
    if not (street or city or postcode):
        return None
    if not (street and city and postcode):
        missing = [
            n for n, v in (("street", street), ("city", city), ("postcode", postcode)) if not v
        ]
        row.flag("address", f"incomplete address (missing {', '.join(missing)})", "")
    return {
        "street": street,
        "house_number": number,
        "postcode": postcode or "",
        "city": city,
        "country": country,
        "box": row.text("box"),
    }


def _phone(row: _Row, name: str, raw: Any, country: str) -> str | None:
    try:
        return normalise_phone(str(raw), country)
    except Invalid as exc:
        row.flag(name, str(exc), raw)
        return None


def _email(row: _Row, raw: Any) -> str | None:
    try:
        return normalise_email(str(raw))
    except Invalid as exc:
        row.flag("email", str(exc), raw)
        return None


def _mobile_line(row: _Row, raw: Any, country: str) -> dict[str, str] | None:
    if isinstance(raw, dict):
        number, plan = str(raw.get("msisdn", "")), str(raw.get("plan", ""))
    else:
        number, _, plan = str(raw).partition(":")
    msisdn = _phone(row, "mobile_lines", number, country)
    return {"msisdn": msisdn, "plan": plan.strip()} if msisdn else None


def _parts(raw: Any, keys: tuple[str, ...]) -> list[str]:
    if isinstance(raw, dict):
        return [str(raw.get(k, "") or "") for k in keys]
    text = str(raw)
    parts = text.split("|")
    if _LOOSE_PARTS_RE.search(text):
        parts = [p.strip() for p in parts]
    return parts + [""] * (len(keys) - len(parts))


def _amount(text: str) -> float | None:
    """A money amount (comma or point decimals), or None; "nan" and "inf" are not amounts."""
    if _PLAIN_AMOUNT_RE.fullmatch(text):
        return float(text.replace(",", "."))
    try:
        value = float(text.replace(",", ".")) if text else None
    except ValueError:
        return None
    return round(value, 2) if value is not None and math.isfinite(value) else None


def _contract(row: _Row, raw: Any) -> dict[str, Any] | None:
    cid, product, start, monthly = _parts(raw, ("id", "product", "start", "monthly_eur"))[:4]
    if not cid or not product:
        row.flag("contracts", "a contract needs id|product|start|monthly_eur", raw)
        return None
    return {"id": cid, "product": product, "start": start, "monthly_eur": _amount(monthly)}


def _invoice(row: _Row, raw: Any) -> dict[str, Any] | None:
    iid, period, amount, status = _parts(raw, ("id", "period", "amount_eur", "status"))[:4]
    value = _amount(amount)
    if not iid or value is None:
        row.flag("invoices", "an invoice needs id|period|amount_eur|status", raw)
        return None
    return {"id": iid, "period": period, "amount_eur": value, "status": status or "open"}


def index_entries(record: dict[str, Any], indexer: BlindIndexer) -> tuple[tuple[str, bytes], ...]:
    """The blind-index entries (kind, digest) of a record in its sealed JSON shape."""
    pairs = {("phone", str(p)) for p in record.get("phones", [])}
    pairs.update(("msisdn", str(m["msisdn"])) for m in record.get("lines", []))
    pairs.update(("email", str(e)) for e in record.get("emails", []))
    pairs.update(("ean", str(sp["ean"])) for sp in record.get("supply_points", []))
    for kind in ("national_number", "iban"):
        if record.get(kind):
            pairs.add((kind, str(record[kind])))
    digest = indexer.digest
    return tuple((kind, digest(kind, value)) for kind, value in sorted(pairs))
