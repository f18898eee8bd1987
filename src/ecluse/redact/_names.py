"""Person names from a first/last-name lexicon and context cues, in any of our languages."""

from __future__ import annotations

import re
from collections.abc import Iterator

from ecluse.redact._lexicon import NameLexicon, name_lexicon
from ecluse.redact._text import fold, fold_aligned, words
from ecluse.redact._types import EntityType, Span
from ecluse.redact._vocab import (
    DOMAIN_WORDS,
    PARTICLES,
    PLACE_NAMES,
    STREET_WORDS,
    STRONG_CUES,
    TITLES,
    WEAK_CUES,
)

__all__ = ["NameDetector"]

_SENTENCE_END = re.compile(r"(?:^|[.!?\n:;]\s*)$")
_MAX_WORDS = 4
_PLACE_WORDS = frozenset("uit te in naar à a vers from to near bij at de du van".split())  # noqa: SIM905


def _by_last_word(cues: tuple[str, ...]) -> dict[str, list[str]]:
    table: dict[str, list[str]] = {}
    for cue in cues:
        table.setdefault(cue.rsplit(" ", 1)[-1], []).append(cue)
    return table


_STRONG_BY_LAST = _by_last_word(STRONG_CUES)
_WEAK_BY_LAST = _by_last_word(WEAK_CUES)


def _cue_strength(prev_folded: str) -> float:
    """How strongly the folded text just before a word announces a name."""
    tail = prev_folded.rstrip(" ,:")
    last = tail.rsplit(" ", 1)[-1]
    if last.rstrip(".") in TITLES:
        return 0.95
    for table, strength in ((_STRONG_BY_LAST, 0.95), (_WEAK_BY_LAST, 0.75)):
        for cue in table.get(last, ()):
            if tail.endswith(cue) and (len(tail) == len(cue) or not tail[-len(cue) - 1].isalnum()):
                return strength
    return 0.0


_GLUED = frozenset("0123456789!@#&_+=/\\")
_CUE_WORDS = frozenset(c for c in WEAK_CUES if " " not in c and "'" not in c)
_ELIDED = re.compile(r"(?:[cjlmnst]|qu)['’]")  # "c'est", "j'ai", "qu'il": never a name
_SPACES = re.compile(r"[ \t]+|[ \t]*-[ \t]*")


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

    def _blocked(self, f: str) -> bool:
        lex = self.lexicon
        return (
            len(f) < 2
            or _ELIDED.match(f) is not None
            or f in lex.stop
            or f in DOMAIN_WORDS
            or f in TITLES
            or f in STREET_WORDS
            or f in _CUE_WORDS
        )

    @staticmethod
    def _reserved(f: str) -> bool:
        return f in DOMAIN_WORDS or f in TITLES or f in STREET_WORDS or f in _CUE_WORDS

    def _is_first(self, f: str) -> bool:
        first = self.lexicon.first
        return f in first or ("-" in f and all(p in first for p in f.split("-")))

    def _is_known(self, f: str) -> bool:
        lex = self.lexicon
        return any(p in lex.first or p in lex.last for p in f.split("-"))

    def find(self, text: str, lang: str) -> Iterator[Span]:
        ftext = fold_aligned(text).replace("’", "'")  # folded once; offsets carry over
        toks = words(text)
        folded = [ftext[s:e] for s, e, _ in toks]
        n = len(toks)
        i = 0
        while i < n:
            start, _, word = toks[i]
            f = folded[i]
            cap = word[:1].isupper()
            if (self._blocked(f) and not (cap and f in PARTICLES)) or (not cap and len(f) < 3):
                i += 1
                continue
            end = toks[i][1]
            if (start and text[start - 1].isdigit()) or (end < len(text) and text[end] in _GLUED):
                i += 1  # "1Z999AA1012", "Fritz!Box": part of a code or a product, not a name
                continue
            prev = " ".join(ftext[max(0, start - 24) : start].split())
            if cap and prev.rstrip(" ,").rsplit(" ", 1)[-1] in STREET_WORDS:
                # "Rue Victor Hugo": the whole capitalised run is a street, not a person
                i += 1
                while i < n and (toks[i][2][:1].isupper() or folded[i] in PARTICLES):
                    i += 1
                continue
            cue = _cue_strength(prev)
            particle_start = cap and f in PARTICLES and cue >= 0.95  # "Monsieur De Backer"
            if (f in PARTICLES and not particle_start) or not (cap or cue or self._is_first(f)):
                i += 1
                continue
            names = [i]
            k = i + 1
            while k < n and len(names) < _MAX_WORDS:
                if not self._joined(text, toks, k):
                    break
                nxt = k
                while (
                    folded[nxt] in PARTICLES and nxt + 1 < n and self._joined(text, toks, nxt + 1)
                ):
                    nxt += 1  # "Jan van de Velde": take the particles if a name follows
                w, fk = toks[nxt][2], folded[nxt]
                after_particle = nxt > k or folded[names[-1]] in PARTICLES
                if self._blocked(fk) and not (
                    after_particle and w[:1].isupper() and not self._reserved(fk)
                ):  # "De Vos", "Van Dam": stop words after a particle are surnames
                    break
                if cap:
                    ok = w[:1].isupper()
                else:  # transcripts: lower-case names, known ones or right after a cue
                    ok = not w[:1].isupper() and (
                        self._is_known(fk) or (cue >= 0.95 and len(names) < 3)
                    )
                if not ok:
                    break
                names.extend(range(k, nxt + 1))
                k = nxt + 1
            j = names[-1]
            score = self._score(text, toks, folded, i, j, cue)
            if score > 0:
                source = "cue" if cue else "lexicon"
                yield Span(start, toks[j][1], EntityType.PERSON, score, source)
                i = j + 1
            else:
                i += 1  # a name may still start at the next word

    @staticmethod
    def _joined(text: str, toks: list[tuple[int, int, str]], k: int) -> bool:
        """Whether word ``k`` continues the name of word ``k - 1`` (only spaces, a hyphen, or
        the dot of an initial between them)."""
        gap = text[toks[k - 1][1] : toks[k][0]]
        if _SPACES.fullmatch(gap):
            return True
        return len(toks[k - 1][2]) == 1 and gap.strip() == "."

    def _score(
        self,
        text: str,
        toks: list[tuple[int, int, str]],
        folded: list[str],
        i: int,
        j: int,
        cue: float,
    ) -> float:
        names = [(toks[k][2], folded[k]) for k in range(i, j + 1) if folded[k] not in PARTICLES]
        if not names:
            return 0.0
        if cue >= 0.95:
            return cue
        before = fold(text[max(0, toks[i][0] - 8) : toks[i][0]]).split()
        if len(names) == 1 and before and before[-1] in _PLACE_WORDS:
            return 0.0  # "uit Gent", "à Nivelles": a place, not a person
        if len(names) == 1 and names[0][1] in PLACE_NAMES:
            return 0.0  # "Bonjour, Paris est magnifique": a lone city name is a place
        first_f = names[0][1]
        starts_sentence = bool(_SENTENCE_END.search(text[: toks[i][0]]))
        all_caps = all(w[:1].isupper() for w, _ in names)
        in_lex = sum(self._is_known(f) for _, f in names)
        if self._is_first(first_f) and len(names) >= 2:
            if all_caps:
                return 0.9 if not starts_sentence or in_lex == len(names) else 0.7
            # lower case (transcripts): both words must be known names
            if in_lex == len(names):
                return 0.8 if cue else 0.55
            return 0.0
        if cue and all_caps:
            return cue
        if self._is_first(first_f) and all_caps:
            return 0.4 if starts_sentence else 0.6
        if all_caps and len(names) >= 2 and in_lex == len(names) and not starts_sentence:
            return 0.6
        return 0.0
