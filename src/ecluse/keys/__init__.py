"""Key management: key-encryption keys, per-customer data keys, blind indexes, signing keys.

* A **KEK** (key-encryption key, AES-256) comes from ``<keys-dir>/kek-<id>.key`` (mode 0600,
  created by ``ecluse init``) or from ``ECLUSE_KEK`` (``id:base64``, several comma-separated,
  the first one active). It only ever wraps data keys, so rotating it re-wraps keys and leaves
  the data as it is.
* A **data key** (AES-256-GCM) per customer seals that customer's record. Destroying the wrapped
  data key erases the customer: every ciphertext of theirs becomes unreadable.
* **Blind indexes** are HMAC-SHA-256 over a normalised value under a separate index key, so a
  phone or IBAN can be looked up exactly without being stored in clear.
* An **Ed25519** key signs ledger checkpoints; a session key signs cookies and CSRF tokens.
"""

from __future__ import annotations

from ecluse.keys._keyring import (
    BlindIndexer,
    DataKey,
    KeyMaker,
    Keyring,
    UndecryptableError,
    WrappedKey,
    create_keys,
    new_kek,
)

__all__ = [
    "BlindIndexer",
    "DataKey",
    "KeyMaker",
    "Keyring",
    "UndecryptableError",
    "WrappedKey",
    "create_keys",
    "new_kek",
]
