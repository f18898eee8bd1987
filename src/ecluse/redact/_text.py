"""Text helpers: accent/case folding that keeps offsets, word tokens, edit distance."""

from __future__ import annotations

import re
import unicodedata

__all__ = ["WORD", "fold", "fold_aligned", "within_one_edit", "words"]

#: A word: letters (any script), apostrophes and hyphens inside.
WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")


class _FoldTable(dict[int, str]):
    """``str.translate`` table that folds each character on first sight (one char each)."""

    def __missing__(self, code: int) -> str:
        ch = chr(code)
        base = unicodedata.normalize("NFKD", ch)[:1] or ch
        low = base.lower()
        folded = low if len(low) == 1 else base
        self[code] = folded
        return folded


_FOLD = _FoldTable()


def fold_aligned(text: str) -> str:
    """Lower-case, accent-free copy of ``text`` with the same length (offsets carry over)."""
    if text.isascii():
        return text.lower()
    return text.translate(_FOLD)


def fold(text: str) -> str:
    """Lower-case, accent-free, single-spaced form used as a comparison key."""
    return " ".join(fold_aligned(text).replace("’", "'").split())


def words(text: str) -> list[tuple[int, int, str]]:
    """``(start, end, word)`` for every word in ``text``."""
    return [(m.start(), m.end(), m.group()) for m in WORD.finditer(text)]


def within_one_edit(a: str, b: str) -> bool:
    """True when ``a`` and ``b`` differ by at most one insertion, deletion or substitution,
    or one swap of adjacent letters (the commonest typo)."""
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    if la == lb:
        diff = [i for i in range(la) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        return (
            len(diff) == 2
            and diff[1] == diff[0] + 1
            and a[diff[0]] == b[diff[1]]
            and a[diff[1]] == b[diff[0]]
        )
    if la > lb:
        a, b = b, a
    # b is one longer: skip one character of b
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    return a[i:] == b[i + 1 :]
