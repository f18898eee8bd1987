"""Text both databases can store, checked where input arrives (API bodies, console forms)."""

from __future__ import annotations

__all__ = ["storable_text"]


def storable_text(text: str) -> str:
    """``text`` itself, or ``ValueError`` naming what is wrong (never the text): PostgreSQL
    refuses NUL in text, and lone surrogates cannot be encoded. Caught here, such input gets a
    clear refusal instead of failing in the driver (an HTTP 500)."""
    if "\x00" in text:
        raise ValueError("must not contain NUL characters")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must be valid Unicode text") from None
    return text
