"""GSM 03.38 (GSM-7): how long an SMS is, and how to keep one in the 7-bit alphabet.

One SMS part carries 160 septets of GSM-7 but only 70 characters of UCS-2; a single "ê" or
"•" switches the whole message to UCS-2. So SMS texts are transliterated to GSM-7.
"""

from __future__ import annotations

import unicodedata

__all__ = ["SMS_SEPTETS", "gsm7_septets", "to_gsm7"]

SMS_SEPTETS = 160

_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# Escape-table characters cost two septets each.
_EXTENDED = frozenset("^{}\\[~]|€\f")

_REPLACEMENTS = {
    "\u2018": "'",
    "\u2019": "'",
    "\u201a": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u201e": '"',
    "«": '"',
    "»": '"',
    "\u2013": "-",
    "\u2014": "-",
    "\u2026": "...",
    "\u00a0": " ",
    "\u202f": " ",
    "\u2022": "*",
    "\t": " ",
    "œ": "oe",
    "Œ": "OE",
    "ç": "c",  # the basic table's "Ç" would upper-case it; phones differ in how they show it
}


def gsm7_septets(text: str) -> int | None:
    """Septets ``text`` needs in GSM-7, or ``None`` if it is not encodable in it."""
    total = 0
    for ch in text:
        if ch in _BASIC:
            total += 1
        elif ch in _EXTENDED:
            total += 2
        else:
            return None
    return total


def to_gsm7(text: str) -> str:
    """``text`` in the GSM-7 alphabet: accents dropped where GSM-7 lacks them, "?" otherwise."""
    out: list[str] = []
    for ch in text:
        if ch in _BASIC or ch in _EXTENDED:
            out.append(ch)
            continue
        if ch in _REPLACEMENTS:
            out.append(_REPLACEMENTS[ch])
            continue
        base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
        if base and all(c in _BASIC or c in _EXTENDED for c in base):
            out.append(base)
        else:
            out.append("?")
    return "".join(out)
