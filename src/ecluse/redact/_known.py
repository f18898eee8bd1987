"""Case-aware matching: find a customer's own values in free text however they are written.

Structured values match with any spacing or punctuation between their characters (a phone
also in national or international form, a birth date in any usual format); name words match
case- and accent-insensitively with one typo allowed in words of five letters or more.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

import phonenumbers

from ecluse.redact._checks import MONTH_NAMES, normalise, parse_date
from ecluse.redact._text import fold, fold_aligned, within_one_edit, words
from ecluse.redact._types import EntityType, KnownValues, Span
from ecluse.redact._vocab import PARTICLES

__all__ = ["KnownMatcher", "known_matcher"]

_SEP = r"[\s./()-]*"
_MONTHS_BY_NUMBER: dict[int, list[str]] = {}
for _name in MONTH_NAMES:
    _d = parse_date(f"1 {_name} 2000")
    if _d:
        _MONTHS_BY_NUMBER.setdefault(_d.month, []).append(_name)


def _flexible(chars: str) -> str:
    return _SEP.join(re.escape(c) for c in chars)


def _phone_pattern(value: str) -> str | None:
    e164 = normalise(EntityType.PHONE, value)
    if not e164.startswith("+"):
        return _flexible(e164) if len(e164) >= 6 else None
    num = phonenumbers.parse(e164, None)
    cc, nsn = str(num.country_code), phonenumbers.national_significant_number(num)
    prefix = rf"(?:(?:\+|00){_SEP}{_flexible(cc)}{_SEP}(?:\(0\){_SEP})?|0{_SEP})"
    return prefix + _flexible(nsn)


def _date_pattern(value: str) -> str | None:
    d = parse_date(value)
    if d is None:
        return None
    day, month, year = d.day, d.month, d.year
    dd = rf"0?{day}" if day < 10 else str(day)
    mm = rf"0?{month}" if month < 10 else str(month)
    sep = r"\s*[/.-]\s*"
    alts = [
        rf"{dd}{sep}{mm}{sep}(?:{year}|{year % 100:02d})",
        rf"{year}-{month:02d}-{day:02d}",
    ]
    names = "|".join(_MONTHS_BY_NUMBER.get(month, []))
    if names:
        alts.append(rf"{dd}(?:er|e|st|nd|rd|th)?\s+(?:{names})\s+{year}")
        alts.append(rf"(?:{names})\s+{dd}(?:st|nd|rd|th)?,?\s+{year}")
    return "(?:" + "|".join(alts) + ")"


def _address_patterns(value: str) -> list[str]:
    out = []
    for part in re.split(r"[,\n]+", value):
        toks = re.findall(r"\w+", fold(part))
        if toks:
            out.append(r"[\W_]*".join(re.escape(t) for t in toks))
    return out


class KnownMatcher:
    """Compiled matchers for one customer's known values."""

    def __init__(self, known: KnownValues) -> None:
        self.known = known
        patterns: list[tuple[EntityType, str]] = []
        for entity, value in known.items():
            pattern: str | None
            if entity is EntityType.PERSON:
                continue
            if entity is EntityType.PHONE:
                pattern = _phone_pattern(value)
            elif entity is EntityType.BIRTH_DATE:
                pattern = _date_pattern(value)
            elif entity is EntityType.ADDRESS:
                for p in _address_patterns(value):
                    patterns.append((entity, p))
                continue
            elif entity is EntityType.EMAIL:
                pattern = re.escape(fold(value))
            else:
                key = re.sub(r"[\W_]", "", fold(value))
                pattern = _flexible(key) if len(key) >= 4 else None
            if pattern:
                patterns.append((entity, pattern))
        self._groups = [entity for entity, _ in patterns]
        self._regex = (
            re.compile(
                "|".join(rf"(?<![\w])(?P<g{i}>{p})(?![\w])" for i, (_, p) in enumerate(patterns))
            )
            if patterns
            else None
        )
        self._name_words = {
            fold(w): w
            for name in known.names
            for w in re.findall(r"[^\W\d_]+", name)
            if len(w) >= 2 and fold(w) not in PARTICLES
        }

    def find(self, text: str) -> Iterator[Span]:
        folded = fold_aligned(text)
        if self._regex is not None:
            for m in self._regex.finditer(folded):
                group = m.lastgroup
                if group is not None:
                    entity = self._groups[int(group[1:])]
                    yield Span(m.start(), m.end(), entity, 1.0, "known")
        yield from self._names(text)

    def _name_match(self, word: str) -> bool:
        if word in self._name_words:
            return True
        if len(word) < 5:
            return False
        return any(len(n) >= 5 and within_one_edit(word, n) for n in self._name_words)

    def _names(self, text: str) -> Iterator[Span]:
        if not self._name_words:
            return
        run: tuple[int, int] | None = None
        pending_particle = False
        for start, end, word in words(text):
            f = fold(word)
            if self._name_match(f):
                if run and (pending_particle or not text[run[1] : start].strip(" -")):
                    run = (run[0], end)
                else:
                    if run:
                        yield Span(run[0], run[1], EntityType.PERSON, 1.0, "known")
                    run = (start, end)
                pending_particle = False
            elif run and f in PARTICLES and not text[run[1] : start].strip(" -"):
                pending_particle = True
            else:
                if run:
                    yield Span(run[0], run[1], EntityType.PERSON, 1.0, "known")
                run, pending_particle = None, False
        if run:
            yield Span(run[0], run[1], EntityType.PERSON, 1.0, "known")


@lru_cache(maxsize=256)
def known_matcher(known: KnownValues) -> KnownMatcher:
    """The compiled matcher of a case's known values (cached: cases send many messages)."""
    return KnownMatcher(known)
