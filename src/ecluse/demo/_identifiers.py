"""Valid synthetic Belgian identifiers (checksums right, values random)."""

from __future__ import annotations

import random
from datetime import date

__all__ = ["ean", "iban_be", "mobile_be", "national_number"]


def national_number(rng: random.Random, born: date, male: bool) -> str:
    """An 11-digit national register number for someone born on ``born``."""
    serial = rng.randrange(1, 499) * 2 + (1 if male else 0)
    body = f"{born:%y%m%d}{serial:03d}"
    base = int(("2" if born.year >= 2000 else "") + body)
    return f"{body}{97 - base % 97:02d}"


def iban_be(rng: random.Random) -> str:
    """A Belgian IBAN with a valid national check and ISO 7064 check digits."""
    first10 = f"{rng.randrange(1, 999):03d}{rng.randrange(0, 10**7):07d}"
    bban = f"{first10}{int(first10) % 97 or 97:02d}"
    check = 98 - int(bban + "111400") % 97
    return f"BE{check:02d}{bban}"


def ean(rng: random.Random) -> str:
    """An 18-digit supply-point EAN starting with 54, GS1 check digit."""
    body = "54" + "".join(str(rng.randrange(10)) for _ in range(15))
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return body + str((10 - total % 10) % 10)


def mobile_be(rng: random.Random) -> str:
    """A Belgian mobile number in E.164."""
    return f"+324{rng.choice('6789')}{rng.randrange(0, 10**7):07d}"
