"""Case-aware matching: find a customer's own values in free text however they are written.

Structured values are compared on a *compact* copy of the text (folded, separators such as
spaces, dots, slashes, dashes and brackets removed, with a map back to the original
offsets), so ``0470/12.34.56``, ``+32 (0)470 12 34 56`` and ``0032470123456`` all meet the
vault's ``+32470123456``; birth dates in any usual format meet the vault's ISO date; name
words match case- and accent-insensitively with one typo allowed in words of five letters or
more. Building a matcher is plain string work (no regex compilation), so a matcher per case
costs microseconds.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

from phonenumbers import COUNTRY_CODE_TO_REGION_CODE

from ecluse.redact._checks import MONTH_NAMES, normalise, parse_date
from ecluse.redact._text import fold, fold_aligned, within_one_edit, words
from ecluse.redact._types import EntityType, KnownValues, Span
from ecluse.redact._vocab import PARTICLES

__all__ = ["KnownMatcher", "known_matcher"]

_SEPARATORS = frozenset(" \t\n\r./()-,")
_MONTHS_BY_NUMBER: dict[int, list[str]] = {}
for _name in MONTH_NAMES:
    _d = parse_date(f"1 {_name} 2000")
    if _d:
        _MONTHS_BY_NUMBER.setdefault(_d.month, []).append(_name)


def _squeeze(value: str) -> str:
    return "".join(c for c in fold_aligned(value) if c not in _SEPARATORS)


def _alnum(value: str) -> str:
    return "".join(c for c in fold_aligned(value) if c.isalnum())


def _phone_forms(value: str) -> set[str]:
    e164 = normalise(EntityType.PHONE, value)
    if not e164.startswith("+"):
        return {e164} if len(e164) >= 6 else set()
    # country codes are prefix-free: the first 1-3 digits that are one is the one
    digits = e164[1:]
    cc = next(
        (digits[:n] for n in (1, 2, 3) if int(digits[:n]) in COUNTRY_CODE_TO_REGION_CODE),
        digits[:2],
    )
    nsn = digits[len(cc) :]
    if cc == "39":  # Italy keeps its leading 0 in the national significant number
        return {nsn, f"+{cc}{nsn}", f"00{cc}{nsn}"}
    return {"0" + nsn, f"+{cc}{nsn}", f"00{cc}{nsn}", f"+{cc}0{nsn}", f"00{cc}0{nsn}"}


def _date_forms(value: str) -> set[str]:
    d = parse_date(value)
    if d is None:
        return set()
    days, months = {f"{d.day:02d}", str(d.day)}, {f"{d.month:02d}", str(d.month)}
    years = {str(d.year), f"{d.year % 100:02d}"}
    forms = {f"{d.year}{d.month:02d}{d.day:02d}"}
    forms |= {day + month + year for day in days for month in months for year in years}
    ordinal = {1: "st", 2: "nd", 3: "rd"}.get(d.day if d.day < 20 else d.day % 10, "th")
    for name in _MONTHS_BY_NUMBER.get(d.month, []):
        for day in days:
            forms |= {
                f"{day}{name}{d.year}",
                f"{name}{day}{d.year}",
                f"{name}{day}{ordinal}{d.year}",
            }
            forms |= {f"{day}er{name}{d.year}", f"{day}{ordinal}{name}{d.year}"}
    return forms


_DROP_SEPARATORS = {ord(c): None for c in _SEPARATORS}


class _Compact:
    """The folded text without separators, or with letters and digits only; the map back to
    offsets in the original text is only built when something was found."""

    def __init__(self, text: str, keep: str) -> None:
        self.folded = fold_aligned(text)
        self.keep = keep
        if keep == "alnum":
            self.text = "".join(filter(str.isalnum, self.folded))
        else:
            self.text = self.folded.translate(_DROP_SEPARATORS)
        self._idx: list[int] | None = None

    def offset(self, pos: int) -> int:
        if self._idx is None:
            if self.keep == "alnum":
                self._idx = [i for i, c in enumerate(self.folded) if c.isalnum()]
            else:
                self._idx = [i for i, c in enumerate(self.folded) if c not in _SEPARATORS]
        return self._idx[pos]


class KnownMatcher:
    """One customer's known values, prepared for matching."""

    def __init__(self, known: KnownValues) -> None:
        self.known = known
        squeezed: dict[str, EntityType] = {}
        alnum: dict[str, EntityType] = {}
        for entity, value in known.items():
            if entity is EntityType.PERSON:
                continue
            if entity is EntityType.PHONE:
                forms = _phone_forms(value)
            elif entity is EntityType.BIRTH_DATE:
                forms = _date_forms(value)
            elif entity is EntityType.ADDRESS:
                for part in re.split(r"[,\n]+", value):
                    key = _alnum(part)
                    if len(key) >= 4:
                        alnum[key] = entity
                continue
            else:
                forms = {_squeeze(value)}
            for form in forms:
                if len(form) >= 4:
                    squeezed[form] = entity
        # longest first, so that a longer form claims its span before a shorter one
        self._squeezed = sorted(squeezed.items(), key=lambda kv: -len(kv[0]))
        self._alnum = sorted(alnum.items(), key=lambda kv: -len(kv[0]))
        self._name_words = {
            fold(w)
            for name in known.names
            for w in re.findall(r"[^\W\d_]+", name)
            if len(w) >= 2 and fold(w) not in PARTICLES
        }

    def find(self, text: str) -> Iterator[Span]:
        taken: list[tuple[int, int]] = []
        for keep, table in (("sep", self._squeezed), ("alnum", self._alnum)):
            if not table:
                continue
            compact = _Compact(text, keep)
            for form, entity in table:
                pos = compact.text.find(form)
                while pos >= 0:
                    start, end = compact.offset(pos), compact.offset(pos + len(form) - 1) + 1
                    bounded = (start == 0 or not text[start - 1].isalnum()) and (
                        end == len(text) or not text[end].isalnum()
                    )
                    if bounded and not any(s < end and start < e for s, e in taken):
                        taken.append((start, end))
                        yield Span(start, end, entity, 1.0, "known")
                    pos = compact.text.find(form, pos + 1)
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
        ftext = fold_aligned(text)
        for start, end, _ in words(text):
            f = ftext[start:end]
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
    """The prepared matcher of a case's known values (cached: cases send many messages)."""
    return KnownMatcher(known)
