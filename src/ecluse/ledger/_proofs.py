"""Inclusion and consistency proofs computed from the stored leaf hashes."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ecluse.errors import InputError
from ecluse.ledger._entries import leaf_bytes
from ecluse.ledger._merkle import (
    CompactRange,
    consistency_ranges,
    inclusion_ranges,
    leaf_hash,
    verify_consistency,
    verify_inclusion,
)
from ecluse.ledger._tables import entries

__all__ = [
    "ConsistencyProof",
    "InclusionProof",
    "consistency_proof",
    "inclusion_proof",
    "load_proof",
]


@dataclass(frozen=True, slots=True)
class InclusionProof:
    """Proof that the entry at ``index`` (bytes ``leaf``) is in the tree of ``tree_size``."""

    index: int
    tree_size: int
    leaf: bytes
    path: tuple[bytes, ...]

    @property
    def leaf_hash(self) -> bytes:
        return leaf_hash(self.leaf)

    def verify(self, root: bytes) -> bool:
        return verify_inclusion(self.leaf_hash, self.index, self.tree_size, self.path, root)

    def to_json(self) -> dict[str, Any]:
        return {
            "type": "inclusion",
            "index": self.index,
            "tree_size": self.tree_size,
            "leaf": self.leaf.decode(),
            "leaf_hash": self.leaf_hash.hex(),
            "path": [h.hex() for h in self.path],
        }


@dataclass(frozen=True, slots=True)
class ConsistencyProof:
    """Proof that the tree of ``new_size`` is the tree of ``old_size`` with leaves appended."""

    old_size: int
    new_size: int
    path: tuple[bytes, ...]

    def verify(self, old_root: bytes, new_root: bytes) -> bool:
        return verify_consistency(self.old_size, self.new_size, old_root, new_root, self.path)

    def to_json(self) -> dict[str, Any]:
        return {
            "type": "consistency",
            "old_size": self.old_size,
            "new_size": self.new_size,
            "path": [h.hex() for h in self.path],
        }


def load_proof(text: str, where: str = "proof") -> InclusionProof | ConsistencyProof:
    """Parse a proof printed by ``ecluse ledger prove``; errors name the field."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"not JSON ({exc.msg})", where=f"{where}:{exc.lineno}") from None
    if not isinstance(data, dict) or data.get("type") not in ("inclusion", "consistency"):
        raise InputError("not a ledger proof", where=where, field="type")
    field = "path"
    try:
        path = tuple(bytes.fromhex(h) for h in data["path"])
        if data["type"] == "inclusion":
            field = "leaf"
            leaf = str(data["leaf"]).encode()
            field = "index"
            return InclusionProof(_int(data["index"]), _int(data["tree_size"]), leaf, path)
        field = "old_size"
        return ConsistencyProof(_int(data["old_size"]), _int(data["new_size"]), path)
    except KeyError as exc:
        raise InputError("missing", where=where, field=str(exc.args[0])) from None
    except (TypeError, ValueError):
        raise InputError("malformed", where=where, field=field) from None


def _int(v: Any) -> int:
    if not isinstance(v, int) or isinstance(v, bool) or v < 0:
        raise ValueError
    return v


def _range_hash(conn: Connection, start: int, stop: int) -> bytes:
    t = entries.c
    stmt = sa.select(t.leaf_hash).where(t.idx >= start, t.idx < stop).order_by(t.idx)
    cr = CompactRange()
    cr.extend(bytes(h) for h in conn.execute(stmt).scalars())
    if cr.size != stop - start:
        raise InputError(f"entries missing in {start}..{stop - 1}: run 'ecluse ledger verify'")
    return cr.root()


def inclusion_proof(conn: Connection, index: int, tree_size: int) -> InclusionProof:
    if not 0 <= index < tree_size:
        raise InputError(f"index {index} is not in a tree of size {tree_size}", field="index")
    t = entries.c
    row = conn.execute(
        sa.select(t.idx, t.time, t.kind, t.actor, t.subject, t.case_id, t.details).where(
            t.idx == index
        )
    ).one_or_none()
    if row is None:
        raise InputError(f"entry {index} is missing: run 'ecluse ledger verify'")
    leaf = leaf_bytes(index, row.time, row.kind, row.actor, row.subject, row.case_id, row.details)
    path = tuple(_range_hash(conn, a, b) for a, b in inclusion_ranges(index, tree_size))
    return InclusionProof(index, tree_size, leaf, path)


def consistency_proof(conn: Connection, old_size: int, new_size: int) -> ConsistencyProof:
    if not 0 <= old_size <= new_size:
        raise InputError(f"no consistency proof from size {old_size} to {new_size}")
    path = tuple(_range_hash(conn, a, b) for a, b in consistency_ranges(old_size, new_size))
    return ConsistencyProof(old_size, new_size, path)
