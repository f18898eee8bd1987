"""The detection pipeline: structured identifiers, addresses, names, the case's known values,
the operator's allow-list, and overlap resolution."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from ecluse.redact._address import AddressDetector
from ecluse.redact._checks import phone_e164
from ecluse.redact._known import known_matcher
from ecluse.redact._lang import LANGUAGES, guess_language
from ecluse.redact._names import NameDetector
from ecluse.redact._structured import (
    Detector,
    PatternDetector,
    digit_runs,
    structured_detectors,
)
from ecluse.redact._text import fold, fold_aligned
from ecluse.redact._types import EntityType, KnownValues, RedactConfig, Span

__all__ = ["Redactor", "resolve"]

_PRIORITY = {"known": 4, "pattern": 3, "cue": 2, "ner": 1, "lexicon": 1}


def resolve(spans: Iterable[Span], min_score: float = 0.0) -> list[Span]:
    """Non-overlapping spans, in text order.

    Overlapping spans of one type merge into their union (a known first name inside a longer
    detected name); between types the more trusted source wins (a case's known value, then a
    validated identifier, then cues, then models), then the longer span.
    """
    ordered = sorted((s for s in spans if s.score >= min_score), key=lambda s: (s.start, -s.end))
    merged: list[Span] = []
    for s in ordered:
        for i, m in enumerate(merged):
            if m.entity is s.entity and m.overlaps(s):
                best = m if _PRIORITY[m.source] >= _PRIORITY[s.source] else s
                merged[i] = Span(
                    min(m.start, s.start),
                    max(m.end, s.end),
                    m.entity,
                    max(m.score, s.score),
                    best.source,
                )
                break
        else:
            merged.append(s)
    chosen: list[Span] = []
    for s in sorted(merged, key=lambda s: (-_PRIORITY[s.source], -s.score, -s.length, s.start)):
        if not any(s.overlaps(c) for c in chosen):
            chosen.append(s)
    return sorted(chosen, key=lambda s: s.start)


class Redactor:
    """Finds personal data in French, Dutch and English customer-service text.

    One instance per process is enough: it compiles its tables once, and loads the name
    lexicon and (for French, when ``config.use_ner``) the spaCy model on first use.
    """

    def __init__(
        self,
        config: RedactConfig | None = None,
        *,
        detectors: Sequence[Detector] | None = None,
    ) -> None:
        self.config = config or RedactConfig()
        defaults: list[Detector] = [*structured_detectors(self.config)]
        defaults += [AddressDetector(), NameDetector()]
        self.detectors: list[Detector] = list(detectors) if detectors is not None else defaults
        self._allow_phones: set[str] = set()
        self._allow_words: set[str] = set()
        alternatives = []
        for entry in self.config.allow_list:
            e164 = phone_e164(entry)
            if e164:
                self._allow_phones.add(e164)
            key = fold(entry)
            self._allow_words.add(key)
            alternatives.append(r"[\W_]*".join(re.escape(w) for w in re.findall(r"\w+", key)))
        self._allow = (
            re.compile(
                "|".join(rf"(?<!\w)(?:{a})(?!\w)" for a in sorted(alternatives, key=len)[::-1])
            )
            if alternatives
            else None
        )

    def warm_up(self) -> None:
        """Load the name lexicon and (if used) the French model now rather than on first use."""
        from ecluse.redact._lexicon import name_lexicon

        name_lexicon()
        if self.config.use_ner:
            from ecluse.redact._ner import french_ner

            french_ner()

    def language(self, text: str, lang: str = "auto") -> str:
        if lang == "auto":
            return guess_language(text)
        if lang not in LANGUAGES:
            raise ValueError(f"unsupported language {lang!r} (use auto, fr, nl or en)")
        return lang

    def analyze(
        self, text: str, *, lang: str = "auto", known: KnownValues | None = None
    ) -> list[Span]:
        """Personal data in ``text``: non-overlapping spans in text order."""
        return self.analyze_many([text], lang=lang, known=[known])[0]

    def analyze_many(
        self,
        texts: Sequence[str],
        *,
        lang: str = "auto",
        known: Sequence[KnownValues | None] | None = None,
    ) -> list[list[Span]]:
        """:meth:`analyze` for a batch (the French model then runs in batches)."""
        langs = [self.language(t, lang) for t in texts]
        found: list[list[Span]] = []
        for i, (text, language) in enumerate(zip(texts, langs, strict=True)):
            runs = digit_runs(text)  # shared by every identifier detector
            spans = [
                s
                for d in self.detectors
                for s in (
                    d.find_in(text, runs)
                    if isinstance(d, PatternDetector)
                    else d.find(text, language)
                )
            ]
            k = known[i] if known is not None and i < len(known) else None
            if k is not None:
                spans.extend(known_matcher(k).find(text))
            found.append(spans)
        if self.config.use_ner:
            from ecluse.redact._ner import ner_person_spans, unexplained_capitals

            # the model only reads French texts with a capitalised word nothing else explains
            french = [
                i
                for i, language in enumerate(langs)
                if language == "fr"
                and unexplained_capitals(texts[i], [*found[i], *self._allow_spans(texts[i])])
            ]
            if french:
                for i, spans in zip(
                    french, ner_person_spans([texts[i] for i in french]), strict=True
                ):
                    found[i].extend(spans)
        return [
            resolve(self._allowed(text, spans), self.config.min_score)
            for text, spans in zip(texts, found, strict=True)
        ]

    def _allow_spans(self, text: str) -> list[Span]:
        """The allow-list's occurrences in ``text`` (as spans, to mark them explained)."""
        if self._allow is None:
            return []
        return [
            Span(m.start(), m.end(), EntityType.ADDRESS, 0.0, "pattern")
            for m in self._allow.finditer(fold_aligned(text))
        ]

    def _allowed(self, text: str, spans: list[Span]) -> list[Span]:
        """Drop what the operator declared public (its hotline, products, office street)."""
        if not self.config.allow_list or not spans:
            return spans
        ranges = (
            [(m.start(), m.end()) for m in self._allow.finditer(fold_aligned(text))]
            if self._allow
            else []
        )
        kept = []
        for s in spans:
            if any(a <= s.start and s.end <= b for a, b in ranges):
                continue
            value = text[s.start : s.end]
            if s.entity is EntityType.PHONE and phone_e164(value) in self._allow_phones:
                continue
            if fold(value) in self._allow_words:
                continue
            kept.append(s)
        return kept
