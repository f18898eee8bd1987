"""The tamper-evident ledger: an RFC 6962 Merkle log of every access, with signed checkpoints.

Every view, reveal, export, edit, decision, login, denied access and policy change becomes an
:class:`Entry` in an append-only log stored in the database. Leaves are the entries' canonical
JSON bytes; the tree uses RFC 6962 hashing; checkpoints (tree size, root, time) are signed with
the installation's Ed25519 key. :meth:`Ledger.verify` recomputes everything and names the first
entry that was changed, removed or reordered; the ``verify_*`` functions let an auditor check
checkpoints and proofs with nothing but the data and the public key.

Entries name customers only by pseudonymous id: callers must never put clear personal data in
an entry, and :meth:`Ledger.append` rejects values that plainly look like it.
"""

from __future__ import annotations

from ecluse.ledger._checkpoint import (
    SignedCheckpoint,
    key_id,
    load_public_key,
    public_key_text,
    verify_checkpoint,
)
from ecluse.ledger._entries import ClearDataError, Entry, EntryKind, NewEntry
from ecluse.ledger._ledger import Ledger, ledger_for
from ecluse.ledger._merkle import (
    EMPTY_ROOT,
    leaf_hash,
    node_hash,
    root_of,
    verify_consistency,
    verify_inclusion,
)
from ecluse.ledger._proofs import ConsistencyProof, InclusionProof, load_proof
from ecluse.ledger._verify import Problem, VerifyReport
from ecluse.ledger._writer import WriterUnavailable

__all__ = [
    "EMPTY_ROOT",
    "ClearDataError",
    "ConsistencyProof",
    "Entry",
    "EntryKind",
    "InclusionProof",
    "Ledger",
    "NewEntry",
    "Problem",
    "SignedCheckpoint",
    "VerifyReport",
    "WriterUnavailable",
    "key_id",
    "leaf_hash",
    "ledger_for",
    "load_proof",
    "load_public_key",
    "node_hash",
    "public_key_text",
    "root_of",
    "verify_checkpoint",
    "verify_consistency",
    "verify_inclusion",
]
