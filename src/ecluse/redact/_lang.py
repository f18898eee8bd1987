"""Cheap language guess (French, Dutch or English) from frequent function words."""

from __future__ import annotations

from ecluse.redact._text import WORD
from ecluse.redact._vocab import LANG_WORDS

__all__ = ["LANGUAGES", "guess_language"]

LANGUAGES = ("fr", "nl", "en")


def guess_language(text: str, default: str = "fr") -> str:
    """``fr``, ``nl`` or ``en``: the language whose common words occur most.

    ``default`` wins ties and texts without any common word."""
    counts = dict.fromkeys(LANGUAGES, 0)
    for m in WORD.finditer(text[:2000]):
        for w in m.group().lower().replace("’", "'").split("'"):
            for lang in LANGUAGES:
                if w in LANG_WORDS[lang]:
                    counts[lang] += 1
    best = max(LANGUAGES, key=lambda lang: (counts[lang], lang == default))
    return best if counts[best] else default
