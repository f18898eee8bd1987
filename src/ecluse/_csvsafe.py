"""CSV export safety: neutralise spreadsheet formulas in anything Ecluse writes out."""

from __future__ import annotations

__all__ = ["csv_safe"]

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: object) -> str:
    """The value as text, prefixed with ``'`` when a spreadsheet would run it as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text
