"""Postal addresses: street and number, postcode and city, PO boxes.

Belgian formats first ("Rue de la Station 12 bte 3, 1000 Bruxelles", "Kerkstraat 5 bus 2,
9000 Gent"), also French ("12 rue de la Paix, 75002 Paris"), Dutch ("Damstraat 1, 1012 AB
Amsterdam") and Moroccan ("45 Bd Mohammed V, 20000 Casablanca"). Adjacent parts merge into one
span so that a street never survives next to its redacted postcode.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ecluse.redact._types import EntityType, Span

__all__ = ["AddressDetector"]

_I = re.IGNORECASE
_UP = r"[A-ZÀ-ÖØ-Þ]"
_WORD = r"[A-Za-zÀ-ÖØ-öø-ÿ'’-]+"
_CAPWORD = rf"(?:{_UP}[\wÀ-ÿ'’-]*|[Dd]'{_UP}[\wÀ-ÿ'’-]*)"
_LINK = r"(?:de|du|des|la|le|l'|d'|van|der|den|het|ter|ten|of|the|et|en|and|aux|au|sur|lez)"
_NUMBER = (
    r"\d{1,4}(?:\s?[a-zA-Z](?![\wÀ-ÿ]))?"
    r"(?:\s*(?:,\s*)?(?:bte|boîte|boite|bus|b\.|bt|box|apt\.?|app\.?|/)\s*\d{1,4}[a-zA-Z]?)?"
)
_FR_TYPES = (  # street words match in any case, even inside the case-sensitive pattern
    r"(?i:rue|avenue|av\.|boulevard|bd|bld|chaussée|chaussee|place|chemin|allée|allee|square|"
    r"quai|impasse|route|clos|drève|dreve|sentier|rond-point|résidence|residence|cité|"
    r"galerie|parvis|passage|venelle|ruelle|hay|lotissement|derb)"
)
_NL_SUFFIX = (
    r"straat|laan|steenweg|plein|weg|dreef|lei|baan|kaai|markt|singel|hof|dijk|gracht|pad|"
    r"veld|berg|dal|hoek|park|wijk|kade|vest|ring|plaats|dam|pleintje|steeg|gang|meers"
)
_EN_TYPES = (
    r"(?i:street|st\.|road|rd\.?|avenue|ave\.?|lane|drive|way|close|court|square|place|crescent)"
)
_STREET_NAME = rf"{_CAPWORD}(?:[\s-]+(?:{_LINK}\s+|{_LINK}(?={_UP}))?{_CAPWORD}){{0,4}}"
_STREET_FR = (
    rf"(?:(?<![\w])(?:{_FR_TYPES})\s+(?:(?:{_LINK})\s*)*{_STREET_NAME}"
    rf"|(?<![\w]){_STREET_NAME}\s+(?:{_LINK}\s+)?(?:{_FR_TYPES}))"
)
_STREET_NL = rf"(?<![\w])(?:{_CAPWORD}[\s-])?{_CAPWORD}?{_WORD}?(?:{_NL_SUFFIX})\b"
_STREET_NL_LOOSE = rf"(?<![\w])(?:Grote|Kleine|Oude|Nieuwe|Sint|Lange|Korte)[\s-]{_CAPWORD}"
_PARTS = (
    # street then number (Belgian/Dutch order)
    rf"(?:{_STREET_FR}|{_STREET_NL}|{_STREET_NL_LOOSE}),?\s+(?:n°\s*|nr\.?\s*)?{_NUMBER}(?!\d)",
    # number then street (French/English/Moroccan order)
    rf"(?<![\w,.]){_NUMBER},?\s+(?:{_FR_TYPES})\s+(?:(?:{_LINK})\s*)*{_STREET_NAME}",
    rf"(?<![\w,.]){_NUMBER}\s+{_STREET_NAME}\s+(?:{_EN_TYPES})(?![\w])",
)
_LOWER_NL = rf"(?<![\w])[a-zà-ÿ'-]{{2,}}(?:{_NL_SUFFIX})"
_STREET = re.compile(
    "|".join(
        (
            rf"(?:{_STREET_FR}|{_LOWER_NL}),?\s+(?:n°\s*|nr\.?\s*)?{_NUMBER}(?!\d)",
            _PARTS[1],
        )
    ),
    _I,
)
_STREET_CASED = re.compile("|".join(f"(?:{p})" for p in _PARTS))
_CITYWORD = rf"(?:{_UP}[\wÀ-ÿ'’-]+|[Dd]'{_UP}[\wÀ-ÿ'’-]*)"  # two letters at least: not "I"
_CITY = rf"{_CITYWORD}(?:[\s-](?:{_LINK}[\s-])?{_CITYWORD}){{0,3}}"
_POSTCODE_CITY_RE = (
    rf"(?<![\w.,/-])(?:(?:B|F|NL|L|MA)-\s?)?"
    rf"(?:[1-9]\d{{3}}(?:\s?[A-Z]{{2}}(?![\w]))?|\d{{5}}|L-\d{{4}})\s+{_CITY}"
)
_POSTCODE_CITY = re.compile(_POSTCODE_CITY_RE)
# transcripts: lower-case, one-word city, only after a place preposition or a street
_POSTCODE_CITY_LOWER = re.compile(
    r"(?<![\w.,/-])(?P<pre>(?:à|a|te|in|uit|de|from|at|,)\s+)?(?:[1-9]\d{3}|\d{5})\s+"
    r"[a-zà-ÿ'-]{3,}"
)
_PO_BOX = re.compile(
    r"(?<![\w])(?:b\.?\s?p\.?|boîte postale|boite postale|postbus|po box|p\.o\. box|"
    r"postbox|case postale)\s*\d{1,6}",
    _I,
)
_JOIN = re.compile(r"\s*(?:,|-|–)?\s*(?:(?:à|a|te|in)\s+)?")
_NOT_CITY = frozenset(
    """
    janvier février fevrier mars avril mai juin juillet août aout septembre octobre novembre
    décembre decembre januari februari maart april mei juni juli augustus oktober january
    february march may june july august october december euro euros eur kwh km jours dagen
    days mois maanden months ans jaar years heures uur hours minutes minuten fois keer times
    factures facturen invoices kw mb gb
    """.split()  # noqa: SIM905 - a word list reads better as text
)


_WORDS = re.compile(r"[^\W\d_][\w'’-]*")
_STREET_TYPES = frozenset(
    re.sub(r"[()?:\\]|i:", "", f"{_FR_TYPES}|{_EN_TYPES}").replace(".", "").split("|")
) | {"grote", "kleine", "oude", "nieuwe", "sint", "lange", "korte"}
_NL_SUFFIXES = tuple(_NL_SUFFIX.split("|"))
_BEFORE, _AFTER = 90, 60  # how far a street may reach around its street word


def _street_windows(text: str) -> list[tuple[int, int]]:
    """Stretches of ``text`` around street words ("rue", "…straat"): the only places the
    (costly) street patterns need to run. Windows start at a word boundary."""
    windows: list[tuple[int, int]] = []
    low = text.lower()
    for m in _WORDS.finditer(low):
        w = m.group()
        if w in _STREET_TYPES or w.endswith(_NL_SUFFIXES):
            start = max(0, m.start() - _BEFORE)
            while start > 0 and not low[start - 1].isspace():
                start -= 1
            end = min(len(text), m.end() + _AFTER)
            if windows and start <= windows[-1][1]:
                windows[-1] = (windows[-1][0], end)
            else:
                windows.append((start, end))
    return windows


class AddressDetector:
    """Streets with a number, postcodes with a city, PO boxes; adjacent parts are merged."""

    entity = EntityType.ADDRESS

    def find(self, text: str, lang: str) -> Iterator[Span]:
        parts: list[tuple[int, int, float]] = []
        lower = sum(map(str.isupper, text)) * 20 < len(text)  # transcripts: few capitals
        windows = _street_windows(text)
        for ws, we in windows:
            for m in _STREET_CASED.finditer(text, ws, we):
                parts.append((m.start(), m.end(), 0.9))
        if windows and (not parts or lower):
            # transcripts are lower-case: accept the case-insensitive form there
            for ws, we in windows:
                for m in _STREET.finditer(text, ws, we):
                    if not any(s <= m.start() < e for s, e, _ in parts):
                        parts.append((m.start(), m.end(), 0.75))
        for m in _POSTCODE_CITY.finditer(text):
            city = m.group().split()[-1].strip(".,").lower()
            if city in _NOT_CITY:
                continue
            parts.append((m.start(), m.end(), 0.8))
        if lower:
            streets = [e for _, e, _ in parts]
            for m in _POSTCODE_CITY_LOWER.finditer(text):
                city = m.group().split()[-1]
                start = m.start() + len(m.group("pre") or "")
                after_street = any(_JOIN.fullmatch(text[e:start]) for e in streets if e <= start)
                if city in _NOT_CITY or not (m.group("pre") or after_street):
                    continue
                parts.append((start, m.end(), 0.7))
        for m in _PO_BOX.finditer(text):
            parts.append((m.start(), m.end(), 0.85))
        parts.sort()
        merged: list[list[float]] = []
        for s, e, score in parts:
            if merged:
                last = merged[-1]
                gap = text[int(last[1]) : s]
                if s <= last[1] or _JOIN.fullmatch(gap):
                    last[1] = max(last[1], e)
                    last[2] = max(last[2], score) + 0.05
                    continue
            merged.append([s, e, score])
        for first, last_end, score in merged:
            yield Span(int(first), int(last_end), EntityType.ADDRESS, min(score, 0.99), "pattern")
