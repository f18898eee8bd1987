"""Person names from a first/last-name lexicon and context cues, in any of our languages."""

from __future__ import annotations

import re
from collections.abc import Iterator

from ecluse.redact._lexicon import NameLexicon, name_lexicon
from ecluse.redact._text import fold, words
from ecluse.redact._types import EntityType, Span
from ecluse.redact._vocab import (
    DOMAIN_WORDS,
    PARTICLES,
    STREET_WORDS,
    STRONG_CUES,
    TITLES,
    WEAK_CUES,
)

__all__ = ["NameDetector"]

_GAP = re.compile(r"[ \t]*-?[ \t]*|[ \t]*\.[ \t]*")  # what may sit between two name words
_SENTENCE_END = re.compile(r"(?:^|[.!?\n:;]\s*)$")
_MAX_WORDS = 4
_PLACE_WORDS = frozenset("uit te in naar à a vers from to near bij at de du van".split())  # noqa: SIM905


def _cue_strength(prev_folded: str) -> float:
    """How strongly the folded text just before a word announces a name."""
    tail = prev_folded.rstrip(" ,:")
    for cue in STRONG_CUES:
        if tail.endswith(cue) and (len(tail) == len(cue) or not tail[-len(cue) - 1].isalnum()):
            return 0.95
    last = tail.rsplit(" ", 1)[-1].rstrip(".")
    if last in TITLES:
        return 0.95
    for cue in WEAK_CUES:
        if tail.endswith(cue) and (len(tail) == len(cue) or not tail[-len(cue) - 1].isalnum()):
            return 0.75
    return 0.0


class NameDetector:
    """Finds person names: lexicon first names, capitalised surnames after them, and words
    announced by cues ("je m'appelle", "mijn naam is", "Madame", "dhr.", "Dear Mr")."""

    entity = EntityType.PERSON

    def __init__(self, lexicon: NameLexicon | None = None) -> None:
        self._lexicon = lexicon

    @property
    def lexicon(self) -> NameLexicon:
        if self._lexicon is None:
            self._lexicon = name_lexicon()
        return self._lexicon

    def find(self, text: str, lang: str) -> Iterator[Span]:
        lex = self.lexicon
        toks = words(text)
        folded = [fold(w) for _, _, w in toks]
        i = 0
        while i < len(toks):
            start, _, word = toks[i]
            f = folded[i]
            prev = fold(text[max(0, start - 24) : start])
            cue = _cue_strength(prev)
            cap = word[:1].isupper()
            is_first = f in lex.first
            if f in DOMAIN_WORDS or f in TITLES or (not cap and not cue and not is_first):
                i += 1
                continue
            if prev.rstrip(" ,").rsplit(" ", 1)[-1] in STREET_WORDS:
                # "Rue Victor Hugo": the whole capitalised run is a street, not a person
                i += 1
                while i < len(toks) and (toks[i][2][:1].isupper() or folded[i] in PARTICLES):
                    i += 1
                continue
            j, n_names, lowers_ok = i, 0, not cap and (cue > 0 or is_first)
            end = toks[i][1]
            # extend over name words (and particles between them) separated by spaces/hyphens
            k = i
            while k < len(toks) and n_names < _MAX_WORDS:
                if k > i and not _GAP.fullmatch(text[toks[k - 1][1] : toks[k][0]]):
                    break
                w, fk = toks[k][2], folded[k]
                if fk in PARTICLES and k + 1 < len(toks) and k > i:
                    k += 1
                    continue
                known = fk in lex.first or fk in lex.last
                if fk in DOMAIN_WORDS or fk in TITLES or fk in STREET_WORDS:
                    break
                if not (w[:1].isupper() or (lowers_ok and known) or (k == i and is_first)):
                    break
                if k > i and not w[:1].isupper() and not known:
                    break
                n_names += 1
                j, end = k, toks[k][1]
                k += 1
            if n_names == 0:
                i += 1
                continue
            score = self._score(text, toks, folded, i, j, n_names, cue, lex)
            if score > 0:
                yield Span(start, end, EntityType.PERSON, score, "cue" if cue else "lexicon")
            i = j + 1

    @staticmethod
    def _score(
        text: str,
        toks: list[tuple[int, int, str]],
        folded: list[str],
        i: int,
        j: int,
        n_names: int,
        cue: float,
        lex: NameLexicon,
    ) -> float:
        names = [(toks[k][2], folded[k]) for k in range(i, j + 1) if folded[k] not in PARTICLES]
        if not names:
            return 0.0
        first_f = names[0][1]
        starts_sentence = bool(_SENTENCE_END.search(text[: toks[i][0]]))
        all_caps = all(w[:1].isupper() for w, _ in names)
        in_lex = sum(f in lex.first or f in lex.last for _, f in names)
        if cue >= 0.95:
            return cue
        before = fold(text[max(0, toks[i][0] - 8) : toks[i][0]]).split()
        if n_names == 1 and before and before[-1] in _PLACE_WORDS:
            return 0.0  # "uit Gent", "à Nivelles": a place, not a person
        if first_f in lex.first and n_names >= 2:
            if all_caps:
                return 0.9 if not starts_sentence or in_lex == n_names else 0.7
            # lower case (transcripts): both words must be known names
            return 0.8 if cue and in_lex == n_names else (0.55 if in_lex == n_names else 0.0)
        if cue and all_caps:
            return cue
        if first_f in lex.first and all_caps:
            return 0.4 if starts_sentence else 0.6
        if all_caps and n_names >= 2 and in_lex == n_names and not starts_sentence:
            return 0.6
        return 0.0
