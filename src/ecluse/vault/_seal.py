"""Sealing validated rows for the vault: fresh ids, data keys, ciphertexts, index entries.

Runs where the rows are parsed (the import's worker processes), so the process that writes
to the database only inserts or updates. Customers already known when a chunk is dispatched
are sealed under their own id and key; a row whose customer turns out otherwise at write time
is re-sealed there (see ``Vault.write_batch``).
"""

from __future__ import annotations

import functools
import secrets
from collections.abc import Iterable, Sequence
from typing import NamedTuple

from ecluse.keys import KeyMaker, WrappedKey
from ecluse.vault._parse import Prepared, Reject

__all__ = [
    "KnownCustomers",
    "SealedRow",
    "new_customer_id",
    "pack_index_keys",
    "random_id",
    "random_ids",
    "record_aad",
    "seal_rows",
    "unpack_index_keys",
]

_ID_ALPHABET = "bcdfghjkmnpqrstvwxz"  # no digits, no vowels: an id never reads as a number or word
# Bytes 0-246 map onto the 19 letters 13 times over (uniformly); 247-255 are dropped.
_ID_TABLE = bytes(_ID_ALPHABET.encode()[b % len(_ID_ALPHABET)] for b in range(256))
_ID_DROP = bytes(range(len(_ID_ALPHABET) * (256 // len(_ID_ALPHABET)), 256))


def random_ids(prefix: str, length: int, count: int) -> list[str]:
    """``count`` random pseudonymous ids (``length`` letters, ~4.2 bits each) that say nothing."""
    # Rejection sampling of random bytes with bytes.translate: a whole import chunk's ids from
    # a few urandom calls (one secrets.choice per letter was most of the import's write time).
    need = length * count
    letters = b""
    while len(letters) < need:
        letters += secrets.token_bytes(need - len(letters) + need // 20 + 8).translate(
            _ID_TABLE, _ID_DROP
        )
    text = letters.decode("ascii")
    return [prefix + text[i : i + length] for i in range(0, need, length)]


def random_id(prefix: str, length: int) -> str:
    """A random pseudonymous id (``length`` letters, ~4.2 bits each) that says nothing."""
    return random_ids(prefix, length, 1)[0]


def new_customer_id() -> str:
    """A random pseudonymous customer id (~67 bits)."""
    return random_id("c", 16)


_DIGEST_BYTES = 32


@functools.cache
def _kind_prefix(kind: str) -> bytes:
    return bytes([len(kind)]) + kind.encode()


def pack_index_keys(entries: Iterable[tuple[str, bytes]]) -> bytes:
    """A customer's blind-index entries as one value: per entry, len(kind), kind, digest."""
    return b"".join([_kind_prefix(kind) + digest for kind, digest in entries])


def unpack_index_keys(blob: bytes | None) -> list[tuple[str, bytes]]:
    entries: list[tuple[str, bytes]] = []
    at = 0
    while blob and at < len(blob):
        end = at + 1 + blob[at]
        entries.append((blob[at + 1 : end].decode(), blob[end : end + _DIGEST_BYTES]))
        at = end + _DIGEST_BYTES
    return entries


def record_aad(customer_id: str) -> bytes:
    """Associated data binding a sealed record to its customer."""
    return customer_id.encode() + b"|record"


class SealedRow(NamedTuple):
    """A validated row sealed for a new customer, ready to insert."""

    line: int
    external_id: str
    language: str | None
    customer_id: str  # fresh; a known customer keeps their own id and key
    record: bytes  # sealed under the fresh data key, AAD bound to customer_id
    kek_id: str
    wrapped: bytes
    blind_index: tuple[tuple[str, bytes], ...]
    index_keys: bytes  # blind_index packed for the customer row
    invalid_fields: str
    fresh: bool = True  # False: sealed under a known customer's own id and key


#: A known customer as the import's workers see them: vault id, data key wrapped by the
#: active KEK (customers under an older KEK are left to the writing process).
KnownCustomers = dict[str, tuple[str, bytes]]


def seal_rows(
    rows: Sequence[Prepared | Reject], maker: KeyMaker, known: KnownCustomers | None = None
) -> list[SealedRow | Reject]:
    """Seal every prepared row: a known customer's under their own id and data key, any other
    under a fresh id and key; rejections pass through."""
    known = known or {}
    count = sum(1 for r in rows if isinstance(r, Prepared) and r.external_id not in known)
    ids = iter(random_ids("c", 16, count))
    keys = iter(maker.new_data_keys(count))
    sealed: list[SealedRow | Reject] = []
    for row in rows:
        if isinstance(row, Reject):
            sealed.append(row)
            continue
        prior = known.get(row.external_id)
        if prior is None:
            cid = next(ids)
            dek, wrapped = next(keys)
        else:
            cid, blob = prior
            dek, wrapped = maker.unwrap(blob), WrappedKey(maker.kek_id, blob)
        sealed.append(
            SealedRow(
                row.line,
                row.external_id,
                row.language,
                cid,
                dek.seal(row.record, record_aad(cid)),
                wrapped.kek_id,
                wrapped.blob,
                row.blind_index,
                pack_index_keys(row.blind_index),
                row.invalid_fields,
                prior is None,
            )
        )
    return sealed
