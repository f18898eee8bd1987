"""The number-range table: longest-prefix classification of the other party of a record."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from ecluse.errors import ConfigError

__all__ = ["MAX_PREFIX_LEN", "RANGE_CLASSES", "NumberRange", "RangeTable", "load_ranges"]

RANGE_CLASSES = ("national", "premium", "international", "high_risk")
#: A prefix is ``+`` and up to 8 digits.
MAX_PREFIX_LEN = 9
_PREFIX = re.compile(rf"\+[0-9]{{0,{MAX_PREFIX_LEN - 1}}}")


@dataclass(frozen=True, slots=True)
class NumberRange:
    prefix: str
    range_class: str
    country: str


@dataclass(frozen=True)
class RangeTable:
    home_country: str
    ranges: tuple[NumberRange, ...]

    def classify(self, number: str) -> NumberRange | None:
        """The longest range matching ``number`` (None for short codes)."""
        best: NumberRange | None = None
        for r in self.ranges:
            if number.startswith(r.prefix) and (best is None or len(r.prefix) > len(best.prefix)):
                best = r
        return best


def load_ranges(path: str | Path | None = None) -> RangeTable:
    """Read a range table (TOML); the default one ships with the package."""
    if path:
        where = str(path)
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"{where}: cannot read number ranges ({exc.strerror})") from None
    else:
        where = "number_ranges.toml (default)"
        text = resources.files("ecluse.usage").joinpath("number_ranges.toml").read_text("utf-8")
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{where}: not valid TOML: {exc}") from None
    home = raw.get("home_country")
    rows = raw.get("ranges")
    if not isinstance(home, str) or not isinstance(rows, list):
        raise ConfigError(f"{where}: needs home_country (string) and ranges (list)")
    out: list[NumberRange] = []
    seen: set[str] = set()
    for n, row in enumerate(rows, 1):
        ok = isinstance(row, list) and len(row) == 3 and all(isinstance(v, str) for v in row)
        if not ok or not _PREFIX.fullmatch(row[0]) or row[1] not in RANGE_CLASSES:
            raise ConfigError(
                f"{where}: range {n} must be [prefix '+digits', class in "
                f"{'/'.join(RANGE_CLASSES)}, country]"
            )
        if row[0] in seen:
            raise ConfigError(f"{where}: range {n}: prefix {row[0]} listed twice")
        seen.add(row[0])
        out.append(NumberRange(row[0], row[1], row[2]))
    return RangeTable(home, tuple(out))
