"""Per-entity precision, recall and F1 of a system against the gold spans of a corpus.

Two matching modes, both typed (a span only counts against gold of the same entity type):

* ``exact``: a prediction is right when its boundaries equal a gold span's, after trimming
  surrounding spaces and punctuation from both (so ``"Dupont,"`` equals ``"Dupont"``).
* ``overlap``: a prediction is right when it overlaps a gold span; a gold span is found when a
  prediction overlaps it. Precision counts right predictions, recall found gold spans. This is
  the lenient mode: it does not punish a system whose spans are cut differently (a street
  without its city) - which for redaction can still leak data, hence both are reported.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from ecluse.redact._corpus import CorpusMessage
from ecluse.redact._types import STRUCTURED, EntityType

__all__ = ["Counts", "Scores", "evaluate", "format_scores"]

_TRIM = " \t\n.,;:!?()'\"«»"


@dataclass
class Counts:
    predicted: int = 0
    correct: int = 0  # predictions that match gold
    gold: int = 0
    found: int = 0  # gold spans that a prediction matches

    @property
    def precision(self) -> float:
        return self.correct / self.predicted if self.predicted else (1.0 if not self.gold else 0.0)

    @property
    def recall(self) -> float:
        return self.found / self.gold if self.gold else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def add(self, other: Counts) -> None:
        self.predicted += other.predicted
        self.correct += other.correct
        self.gold += other.gold
        self.found += other.found


@dataclass
class Scores:
    mode: str
    per_entity: dict[EntityType, Counts] = field(default_factory=dict)

    def micro(self, entities: Iterable[EntityType]) -> Counts:
        total = Counts()
        for e in entities:
            if e in self.per_entity:
                total.add(self.per_entity[e])
        return total

    @property
    def structured(self) -> Counts:
        return self.micro(STRUCTURED)

    @property
    def names_addresses(self) -> Counts:
        return self.micro((EntityType.PERSON, EntityType.ADDRESS))

    @property
    def overall(self) -> Counts:
        return self.micro(EntityType)


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start] in _TRIM:
        start += 1
    while end > start and text[end - 1] in _TRIM:
        end -= 1
    return start, end


def evaluate(
    corpus: Sequence[CorpusMessage],
    predictions: Sequence[Iterable[tuple[int, int, EntityType]]],
    mode: str = "overlap",
) -> Scores:
    """Score ``predictions`` (one list of ``(start, end, entity)`` per message)."""
    if mode not in ("overlap", "exact"):
        raise ValueError("mode must be 'overlap' or 'exact'")
    scores = Scores(mode)
    for msg, preds in zip(corpus, predictions, strict=True):
        gold = [(*_trim(msg.text, g.start, g.end), g.entity) for g in msg.spans]
        pred = [(*_trim(msg.text, s, e), ent) for s, e, ent in preds]
        pred = [p for p in pred if p[0] < p[1]]

        def match(a: tuple[int, int, EntityType], b: tuple[int, int, EntityType]) -> bool:
            if a[2] is not b[2]:
                return False
            if mode == "exact":
                return a[:2] == b[:2]
            return a[0] < b[1] and b[0] < a[1]

        for e in {g[2] for g in gold} | {p[2] for p in pred}:
            c = scores.per_entity.setdefault(e, Counts())
            gs = [g for g in gold if g[2] is e]
            ps = [p for p in pred if p[2] is e]
            c.gold += len(gs)
            c.predicted += len(ps)
            c.found += sum(any(match(p, g) for p in ps) for g in gs)
            c.correct += sum(any(match(p, g) for g in gs) for p in ps)
    return scores


def format_scores(named: dict[str, Scores]) -> str:
    """A plain-text table: one row per entity type, P/R/F1 per system, then the micro rows."""
    systems = list(named)
    entities = sorted({e for s in named.values() for e in s.per_entity}, key=list(EntityType).index)
    header = f"{'entity':<16}{'gold':>6}" + "".join(f"  {name[:22]:>22}" for name in systems)
    lines = [header, f"{'':<22}" + "".join(f"  {'P     R     F1':>22}" for _ in systems)]

    def row(label: str, counts: list[Counts]) -> str:
        cells = "".join(f"  {c.precision:6.3f}{c.recall:6.3f}{c.f1:6.3f}".rjust(24) for c in counts)
        return f"{label:<16}{counts[0].gold:>6}{cells}"

    for e in entities:
        lines.append(row(e.value, [named[s].per_entity.get(e, Counts()) for s in systems]))
    lines.append(row("micro:struct", [named[s].structured for s in systems]))
    lines.append(row("micro:name+addr", [named[s].names_addresses for s in systems]))
    lines.append(row("micro:all", [named[s].overall for s in systems]))
    return "\n".join(lines)
