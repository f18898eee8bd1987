"""Pseudonymous line ids: a keyed HMAC of the MSISDN, so alerts carry no clear number.

With an installation the key is the keyring's blind-index key (``blind_index("msisdn", e164)``),
so the case desk can find the customer's line through the vault's own blind index. Standalone
(simulator, benchmark) a random secret of the run is used: ids are then only stable within it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from collections.abc import Callable

from ecluse.keys import Keyring

__all__ = ["LinePseudonymiser"]


class LinePseudonymiser:
    """Maps an E.164 MSISDN to ``ln_`` + 20 base32 characters (100 bits of the HMAC)."""

    def __init__(self, digest: Callable[[str], bytes]) -> None:
        self._digest = digest
        self._cache: dict[str, str] = {}

    @classmethod
    def from_keyring(cls, keyring: Keyring) -> LinePseudonymiser:
        return cls(lambda e164: keyring.blind_index("msisdn", e164))

    @classmethod
    def from_secret(cls, secret: bytes | None = None) -> LinePseudonymiser:
        key = secret or os.urandom(32)
        return cls(
            lambda e164: hmac.new(key, b"msisdn\x00" + e164.encode(), hashlib.sha256).digest()
        )

    def line_id(self, msisdn: str) -> str:
        cached = self._cache.get(msisdn)
        if cached is None:
            raw = base64.b32encode(self._digest(msisdn)[:15]).decode().lower()
            cached = self._cache[msisdn] = "ln_" + raw[:20]
        return cached
