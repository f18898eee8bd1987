"""Compact first/last-name sets from ``names-dataset``, built once and cached on disk.

The package ships two large pickles (slow to load: ~15 s). We keep only names that rank in
the countries whose customers we serve, fold them, and cache the result under the user cache
directory keyed by the package version, so later processes load it in a fraction of a second.
"""

from __future__ import annotations

import contextlib
import gzip
import os
import pickle
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import platformdirs

from ecluse.redact._text import fold

__all__ = ["NameLexicon", "name_lexicon"]

_COUNTRIES = frozenset(
    {"BE", "NL", "FR", "LU", "DE", "GB", "IE", "US", "CA", "MA", "DZ", "TN", "TR", "IT", "ES"}
    | {"PT", "PL", "RO", "CD", "SN", "CM"}
)
_FIRST_RANK = 5000
_LAST_RANK = 20000
_FORMAT = "v3"


@dataclass(frozen=True)
class NameLexicon:
    """Folded first names and last names (without stop words), and the stop words of
    French, Dutch and English (from spaCy's lists, stored here so a warm start never imports
    spaCy)."""

    first: frozenset[str]
    last: frozenset[str]
    stop: frozenset[str]


def _cache_path() -> Path:
    try:
        pkg = version("names-dataset")
    except PackageNotFoundError:
        pkg = "unknown"
    base = Path(os.environ.get("ECLUSE_CACHE_DIR") or platformdirs.user_cache_dir("ecluse"))
    return base / f"names-{pkg}-{_FORMAT}.txt.gz"


def _ranked(path: Path, limit: int) -> set[str]:
    with gzip.open(path) as fh:
        data: dict[str, dict[str, Any]] = pickle.load(fh)  # the package's own shipped data
    out: set[str] = set()
    for name, info in data.items():
        ranks = info.get("rank") or {}
        if any(r is not None and r <= limit for c, r in ranks.items() if c in _COUNTRIES):
            out.add(fold(name))
    return out


def _build() -> tuple[set[str], set[str], set[str]]:
    import names_dataset  # local: only needed when the cache is cold

    base = Path(names_dataset.__file__).parent / "v3"
    stop = _stop_words()
    return (
        _ranked(base / "first_names.pkl.gz", _FIRST_RANK) - stop,
        _ranked(base / "last_names.pkl.gz", _LAST_RANK) - stop,
        stop,
    )


def _write(path: Path, first: set[str], last: set[str], stop: set[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    body = "\n".join(["#first", *sorted(first), "#last", *sorted(last), "#stop", *sorted(stop)])
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    with os.fdopen(fd, "wb") as fh:
        fh.write(gzip.compress(body.encode("utf-8"), 6))
    os.replace(tmp, path)  # atomic: concurrent workers never read half a file


def _read(path: Path) -> tuple[set[str], set[str], set[str]] | None:
    try:
        lines = gzip.decompress(path.read_bytes()).decode("utf-8").split("\n")
        cut, cut2 = lines.index("#last"), lines.index("#stop")
    except (OSError, ValueError, EOFError):
        return None
    if not lines or lines[0] != "#first":
        return None
    return set(lines[1:cut]), set(lines[cut + 1 : cut2]), set(lines[cut2 + 1 :])


def _stop_words() -> set[str]:
    from spacy.lang.en.stop_words import STOP_WORDS as EN
    from spacy.lang.fr.stop_words import STOP_WORDS as FR
    from spacy.lang.nl.stop_words import STOP_WORDS as NL

    from ecluse.redact._vocab import DOMAIN_WORDS

    return {fold(w) for w in (*FR, *NL, *EN)} | DOMAIN_WORDS


@lru_cache(maxsize=1)
def name_lexicon() -> NameLexicon:
    """The process-wide name lexicon (built from ``names-dataset`` on first use, then cached)."""
    path = _cache_path()
    cached = _read(path) if path.exists() else None
    if cached is None:
        cached = _build()
        with contextlib.suppress(OSError):  # a read-only cache dir only costs speed
            _write(path, *cached)
    first, last, stop = cached
    return NameLexicon(frozenset(first), frozenset(last), frozenset(stop))
