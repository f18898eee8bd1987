"""Table-driven detectors for structured identifiers: a regular expression finds candidates,
a cheap validator (checksum, numbering plan, calendar) rejects look-alikes."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from ecluse.redact._checks import (
    MONTH_NAMES,
    is_card,
    is_ean,
    is_iban,
    is_ip,
    is_national_number,
    is_payment_ref,
    is_vat,
    parse_date,
    phone_e164,
)
from ecluse.redact._types import EntityType, RedactConfig, Span

__all__ = ["Detector", "PatternDetector", "digit_runs", "structured_detectors"]

_SEP_GROUP = re.compile(r"[\s./()-]+")
_LOOKS_LIKE_DATE = re.compile(r"\d{1,2}\s*[/.-]\s*\d{1,2}\s*[/.-]\s*(?:\d{4}|\d{2})")
_CONTEXT_WINDOW = 48


class Detector(Protocol):
    """Finds one entity type in a text."""

    @property
    def entity(self) -> EntityType: ...

    def find(self, text: str, lang: str) -> Iterator[Span]: ...


@dataclass(frozen=True)
class PatternDetector:
    """A regular expression (group ``v`` if present, else the whole match) plus a validator.

    ``context``: a cue that must occur within a few words before the match, unless the match
    itself matches ``context_free``. ``shrink``: on a failed validation, drop trailing groups
    (a phone number followed by an unrelated number) and retry.
    """

    entity: EntityType
    pattern: re.Pattern[str]
    validate: Callable[[str], bool]
    score: float = 0.95
    context: re.Pattern[str] | None = None
    context_free: re.Pattern[str] | None = None
    shrink: bool = False
    prefilter: re.Pattern[str] | None = None  # cheap test: no hit, no need to scan
    #: Identifiers with this many digits in one run are only looked for around such runs
    #: (``reach`` characters before them); 0: scan the whole text.
    min_digits: int = 0
    reach: int = 6
    #: Cheaper than a case-insensitive prefilter: one of these must occur in the lower-cased
    #: text.
    keywords: tuple[str, ...] = ()

    def find(self, text: str, lang: str) -> Iterator[Span]:
        yield from self.find_in(text, digit_runs(text) if self.min_digits else [])

    def find_in(self, text: str, runs: list[tuple[int, int, int]]) -> Iterator[Span]:
        """Spans in ``text``; ``runs`` are its digit runs (see :func:`digit_runs`)."""
        if self.keywords:
            low = text.lower()
            if not any(k in low for k in self.keywords):
                return
        if self.prefilter is not None and self.prefilter.search(text) is None:
            return
        if not self.min_digits:
            yield from self._scan(text, 0, len(text))
            return
        windows: list[list[int]] = []
        for start, end, n in runs:
            if n < self.min_digits:
                continue
            ws, we = max(0, start - self.reach), min(len(text), end + 4)
            if windows and ws <= windows[-1][1]:
                windows[-1][1] = max(windows[-1][1], we)
            else:
                windows.append([ws, we])
        for ws, we in windows:
            yield from self._scan(text, ws, we)

    def _scan(self, text: str, ws: int, we: int) -> Iterator[Span]:
        for m in self.pattern.finditer(text, ws, we):
            has_v = "v" in self.pattern.groupindex
            start, cand_end = m.span("v") if has_v else m.span()
            end = self._valid_end(text, start, cand_end)
            if end is None:
                continue
            if self.context is not None and not (
                self.context_free is not None and self.context_free.fullmatch(text[start:end])
            ):
                window = text[max(0, start - _CONTEXT_WINDOW) : start]
                if not self.context.search(window):
                    continue
            yield Span(start, end, self.entity, self.score, "pattern")

    def _valid_end(self, text: str, start: int, end: int) -> int | None:
        if self.validate(text[start:end]):
            return end
        if not self.shrink:
            return None
        seps = [m.start() for m in _SEP_GROUP.finditer(text, start, end)]
        for cut in reversed(seps):
            if cut - start < 6:
                break
            if self.validate(text[start:cut]):
                return cut
        return None


_RUN = re.compile(r"\d(?:[\d .\/()-]*\d)?")


def digit_runs(text: str) -> list[tuple[int, int, int]]:
    """``(start, end, digits)`` of every run of digits and separators in ``text``: computed
    once per text, it tells each identifier where it may be (an EAN needs 18 digits)."""
    return [(m.start(), m.end(), sum(map(str.isdigit, m.group()))) for m in _RUN.finditer(text)]


def _phone(candidate: str) -> bool:
    candidate = candidate.strip()
    if _LOOKS_LIKE_DATE.match(candidate):
        return False
    if phone_e164(candidate, ("BE",)):
        return True
    if not candidate.startswith("0"):
        return phone_e164(candidate) is not None
    # "078 15 15 15 5 fois": a Belgian number followed by a count beats a foreign reading
    for m in _SEP_GROUP.finditer(candidate):
        if phone_e164(candidate[: m.start()], ("BE",)):
            return False
    return phone_e164(candidate) is not None


def _birth_date(candidate: str) -> bool:
    parsed = parse_date(candidate)
    return parsed is not None and 1900 <= parsed.year <= date.today().year - 5


_I = re.IGNORECASE
_MONTHS = "|".join((*MONTH_NAMES, "février", "août", "décembre"))
_DATE = (
    r"(?:\d{1,2}\s*[/.-]\s*\d{1,2}\s*[/.-]\s*\d{2,4}|\d{4}-\d{2}-\d{2}"
    rf"|\d{{1,2}}(?:er|e|st|nd|rd|th)?\s+(?:{_MONTHS})\s+\d{{4}}"
    rf"|(?:{_MONTHS})\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}})"
)
_BIRTH_CUES = (
    r"n[ée]e?\b|naissance|geboren|geboorte|geb\.|born|birth|\bdob\b|d\.o\.b|verjaardag|"
    r"anniversaire|date of birth"
)
# the words of _BIRTH_CUES as plain lower-case substrings (a quick test before the regex)
_BIRTH_KEYWORDS = (
    "né", "ne le", "nee le", "naissance", "geboren", "geboorte", "geb.", "born", "birth",
    "dob", "d.o.b", "verjaardag", "anniversaire",
)  # fmt: skip
_NUMBER_CUE = r"\s*(?:n°|nr\.?|no\.?|num(?:éro|ero)?)?\s*[:#]?\s*"


def _keyword_pattern(keywords: str) -> re.Pattern[str]:
    return re.compile(rf"(?:{keywords}){_NUMBER_CUE}(?P<v>[A-Z0-9][A-Z0-9-]{{3,16}}\d)\b", _I)


def _has_digits(candidate: str) -> bool:
    return sum(c.isdigit() for c in candidate) >= 4


_CUSTOMER_KEYWORDS = (
    r"num[ée]ro (?:de )?client|n° (?:de )?client|client n°|r[ée]f[ée]rence client|"
    r"klant(?:en)?nummer|klantnr\.?|customer (?:number|no\.?|id|reference)|account number"
)
_CONTRACT_KEYWORDS = (
    r"num[ée]ro (?:de |du )?contrat|n° (?:de |du )?contrat|contrat n°|"
    r"contractnummer|contractnr\.?|contract (?:number|no\.?|reference)"
)


def structured_detectors(config: RedactConfig) -> Sequence[PatternDetector]:
    """The table of structured-identifier detectors, highest priority first."""
    e = EntityType
    table: list[PatternDetector] = [
        PatternDetector(
            e.EMAIL,
            re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}"),
            lambda s: ".." not in s,
            0.99,
            prefilter=re.compile("@"),
        ),
        PatternDetector(
            e.PAYMENT_REF,
            re.compile(
                r"(?:\+{3}|\*{3})\s?\d{3}\s?/\s?\d{4}\s?/\s?\d{5}\s?(?:\+{3}|\*{3})"
                r"|(?<![\d/])\d{3}/\d{4}/\d{5}(?![\d/])"
            ),
            is_payment_ref,
            0.99,
            prefilter=re.compile(r"\d/\d|\d\s?/\s?\d"),
            min_digits=12,
            reach=8,
        ),
        PatternDetector(
            e.IBAN,
            # upper or lower case (transcripts), without the slow IGNORECASE flag
            re.compile(
                r"\b(?:[A-Z]{2}|[a-z]{2})\d{2}(?:[ ]?[A-Za-z0-9]{4}){2,7}"
                r"(?:[ ]?[A-Za-z0-9]{1,4})?\b"
            ),
            is_iban,
            0.99,
            shrink=True,
            min_digits=8,
            reach=14,
        ),
        PatternDetector(
            e.EAN,
            re.compile(r"(?<![\d.])54(?:[ .]?\d){16}(?![\d])"),
            is_ean,
            0.99,
            shrink=True,
            min_digits=18,
        ),
        PatternDetector(
            e.NATIONAL_NUMBER,
            re.compile(r"(?<![\d.])\d{2}[. ]?\d{2}[. ]?\d{2}[ .-]?\d{3}[ .-]?\d{2}(?![\d])"),
            is_national_number,
            0.97,
            min_digits=11,
        ),
        PatternDetector(
            e.VAT,
            re.compile(r"(?<![\w.])(?:BE\s?)?[01]\d{3}[. ]?\d{3}[. ]?\d{3}(?![\d])", _I),
            is_vat,
            0.95,
            context=re.compile(
                r"tva|btw|vat|ondernem|entreprise|enterprise|\bbce\b|\bkbo\b|company", _I
            ),
            context_free=re.compile(r"BE.*|\d{4}\.\d{3}\.\d{3}", _I),
            min_digits=9,
            reach=8,
        ),
        PatternDetector(
            e.CARD,
            re.compile(r"(?<![\d.])[2-6]\d{3}(?:[ -]?\d){9,15}(?![\d])"),
            is_card,
            0.95,
            shrink=True,
            min_digits=13,
        ),
        PatternDetector(
            e.PHONE,
            re.compile(
                r"(?<![\w+./-])(?:(?:\+|00)\s?[1-9][\d\s./()-]{6,20}\d|0[\d\s./()-]{7,16}\d)"
                r"(?![\w])"
            ),
            _phone,
            0.9,
            shrink=True,
            min_digits=8,
            reach=8,
        ),
        PatternDetector(
            e.IP,
            re.compile(
                r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?!\w|\.\d)"
                r"|(?<![\w:])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{1,4}(?![\w:])"
            ),
            is_ip,
            0.9,
            prefilter=re.compile(r"\d\.\d{1,3}\.|[0-9a-fA-F]:[0-9a-fA-F:]"),
        ),
        PatternDetector(
            e.BIRTH_DATE,
            re.compile(rf"(?<![\w/.-]){_DATE}(?![\w/])", _I),
            _birth_date,
            0.85,
            context=re.compile(_BIRTH_CUES, _I),
            keywords=_BIRTH_KEYWORDS,
        ),
        PatternDetector(
            e.CUSTOMER_NUMBER,
            _keyword_pattern(_CUSTOMER_KEYWORDS),
            _has_digits,
            0.8,
            keywords=("client", "klant", "customer", "account"),
        ),
        PatternDetector(
            e.CONTRACT_NUMBER,
            _keyword_pattern(_CONTRACT_KEYWORDS),
            _has_digits,
            0.8,
            keywords=("contrat", "contract"),
        ),
    ]
    for pattern in config.customer_number_patterns:
        table.append(PatternDetector(e.CUSTOMER_NUMBER, re.compile(pattern), bool, 0.9))
    for pattern in config.contract_number_patterns:
        table.append(PatternDetector(e.CONTRACT_NUMBER, re.compile(pattern), bool, 0.9))
    return table
