"""Pseudonymisation of messages for the vendor's view, and re-identification of replies."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ecluse.redact._checks import normalise
from ecluse.redact._known import known_matcher
from ecluse.redact._redactor import Redactor
from ecluse.redact._tokens import TOKEN, TokenMap
from ecluse.redact._types import EntityType, KnownValues, Span

__all__ = ["Pseudonymiser", "RedactedText", "ReidentifiedReply", "apply_tokens", "reidentify"]


@dataclass(frozen=True)
class RedactedText:
    """A message as the vendor sees it: each piece of personal data replaced by its token."""

    text: str
    spans: tuple[Span, ...]  # in the original text
    tokens: tuple[str, ...]  # one per span
    lang: str


@dataclass(frozen=True)
class ReidentifiedReply:
    """An agent's reply with tokens replaced by clear values, ready to send unless held.

    ``reasons`` name entity types and positions in the reply as written, never values.
    """

    text: str
    held_for_review: bool
    reasons: tuple[str, ...]


def _replace(text: str, spans: Sequence[tuple[int, int, str]]) -> str:
    parts, pos = [], 0
    for start, end, repl in spans:
        parts.append(text[pos:start])
        parts.append(repl)
        pos = end
    parts.append(text[pos:])
    return "".join(parts)


def apply_tokens(text: str, spans: Sequence[Span], token_map: TokenMap, lang: str) -> RedactedText:
    """Replace each span of ``text`` by its token in ``token_map`` (created when new)."""
    tokens = tuple(token_map.token_for(s.entity, text[s.start : s.end]) for s in spans)
    redacted = _replace(text, [(s.start, s.end, t) for s, t in zip(spans, tokens, strict=True)])
    return RedactedText(redacted, tuple(spans), tokens, lang)


class Pseudonymiser:
    """Pseudonymises the messages of one case with one :class:`TokenMap`."""

    def __init__(
        self,
        token_map: TokenMap | None = None,
        *,
        known: KnownValues | None = None,
        redactor: Redactor | None = None,
    ) -> None:
        self.token_map = token_map if token_map is not None else TokenMap()
        self.known = known
        self.redactor = redactor or default_redactor()

    def pseudonymise(self, text: str, *, lang: str = "auto") -> RedactedText:
        return self.pseudonymise_many([text], lang=lang)[0]

    def pseudonymise_many(self, texts: Sequence[str], *, lang: str = "auto") -> list[RedactedText]:
        found = self.redactor.analyze_many(texts, lang=lang, known=[self.known] * len(texts))
        out = []
        for text, spans in zip(texts, found, strict=True):
            out.append(
                apply_tokens(text, spans, self.token_map, self.redactor.language(text, lang))
            )
        return out


_DEFAULT: list[Redactor] = []


def default_redactor() -> Redactor:
    """A process-wide :class:`Redactor` with the default settings."""
    if not _DEFAULT:
        _DEFAULT.append(Redactor())
    return _DEFAULT[0]


def reidentify(
    reply: str,
    token_map: TokenMap,
    *,
    known: KnownValues | None = None,
    redactor: Redactor | None = None,
    lang: str = "auto",
) -> ReidentifiedReply:
    """Turn an agent's reply back into clear text for sending.

    The reply is held for review when it uses a token the case never issued, or carries
    clear personal data that is not the case customer's (not in the token map nor among
    ``known``): an agent pasting data from elsewhere. Single-word names are not flagged (an
    agent signing with a first name); full names and every identifier are.
    """
    redactor = redactor or default_redactor()
    reasons: list[str] = []
    replacements: list[tuple[int, int, str]] = []
    for m in TOKEN.finditer(reply):
        value = token_map.value(m.group())
        if value is None:
            reasons.append(f"unknown token {m.group()} at {m.start()}-{m.end()}")
        else:
            replacements.append((m.start(), m.end(), value))
    # blank the tokens (same length) so they are not analysed as text
    blanked = TOKEN.sub(lambda m: " " * len(m.group()), reply)
    own = {
        (s.entity, normalise(s.entity, blanked[s.start : s.end]))
        for s in (known_matcher(known).find(blanked) if known else ())
    }
    for s in redactor.analyze(blanked, lang=lang, known=known):
        value = blanked[s.start : s.end]
        if s.source == "known" or (s.entity, normalise(s.entity, value)) in own:
            continue
        if token_map.lookup(s.entity, value) is not None:
            continue
        if s.entity is EntityType.PERSON and len(value.split()) < 2:
            continue
        reasons.append(f"{s.entity.value} at {s.start}-{s.end}")
    return ReidentifiedReply(_replace(reply, replacements), bool(reasons), tuple(reasons))
