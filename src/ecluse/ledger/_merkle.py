"""RFC 6962 Merkle tree hashing, proofs and their standalone verifiers.

Leaf hash ``H(0x00 || leaf)``, node hash ``H(0x01 || left || right)`` with SHA-256; a tree of
``n`` leaves splits at the largest power of two below ``n``. The verifiers follow RFC 9162
section 2.1.3.2 and 2.1.4.2 and need nothing but the hashes, so an auditor can run them.
"""

from __future__ import annotations

import hashlib
import operator
from collections.abc import Iterable, Sequence

__all__ = [
    "EMPTY_ROOT",
    "CompactRange",
    "consistency_ranges",
    "inclusion_ranges",
    "leaf_hash",
    "node_hash",
    "root_of",
    "tree_levels",
    "verify_consistency",
    "verify_inclusion",
]

_sha256 = hashlib.sha256
_digest = type(_sha256()).digest
EMPTY_ROOT = _sha256(b"").digest()
"""The root of the empty tree: SHA-256 of the empty string."""


def leaf_hash(leaf: bytes) -> bytes:
    return _sha256(b"\x00" + leaf).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return _sha256(b"\x01" + left + right).digest()


class CompactRange:
    """The right edge of a growing tree: one perfect-subtree hash per set bit of its size.

    Appending a leaf costs O(log n) hashes (amortised one), and the root folds the edge
    from the right, which gives exactly the RFC 6962 shape.
    """

    __slots__ = ("hashes", "size")

    def __init__(self, size: int = 0, hashes: Sequence[bytes] = ()) -> None:
        if len(hashes) != size.bit_count():
            raise ValueError("a compact range holds one hash per set bit of its size")
        self.size = size
        self.hashes = list(hashes)

    def append(self, leaf_digest: bytes) -> None:
        h = leaf_digest
        s = self.size
        stack = self.hashes
        while s & 1:
            h = _sha256(b"\x01" + stack.pop() + h).digest()
            s >>= 1
        stack.append(h)
        self.size += 1

    def extend(self, leaf_digests: Iterable[bytes]) -> None:
        # The same loop as append() inlined: verification spends most of its time here.
        stack = self.hashes
        size = self.size
        sha = _sha256
        for h in leaf_digests:
            s = size
            while s & 1:
                h = sha(b"\x01" + stack.pop() + h).digest()
                s >>= 1
            stack.append(h)
            size += 1
        self.size = size

    def append_subtree(self, root: bytes, height: int) -> None:
        """Append a perfect subtree of ``2**height`` leaves; the size must be a multiple of that."""
        s = self.size >> height
        stack = self.hashes
        while s & 1:
            root = _sha256(b"\x01" + stack.pop() + root).digest()
            s >>= 1
        stack.append(root)
        self.size += 1 << height

    def extend_levels(self, levels: Sequence[Sequence[bytes]], count: int) -> None:
        """Append the first ``count`` leaves of a :func:`tree_levels` block.

        The size must be a multiple of the block's largest power of two (blocks are aligned).
        """
        pos = 0
        for height in range(count.bit_length() - 1, -1, -1):
            if count >> height & 1:
                self.append_subtree(levels[height][pos >> height], height)
                pos += 1 << height

    def copy(self) -> CompactRange:
        return CompactRange(self.size, self.hashes)

    def root(self) -> bytes:
        if not self.hashes:
            return EMPTY_ROOT
        it = reversed(self.hashes)
        r = next(it)
        for h in it:
            r = _sha256(b"\x01" + h + r).digest()
        return r

    def to_bytes(self) -> bytes:
        return b"".join(self.hashes)

    @classmethod
    def from_bytes(cls, size: int, blob: bytes) -> CompactRange:
        return cls(size, [blob[i : i + 32] for i in range(0, len(blob), 32)])


def root_of(leaf_digests: Iterable[bytes]) -> bytes:
    """Merkle tree hash of the leaves whose leaf hashes are given, in order."""
    cr = CompactRange()
    cr.extend(leaf_digests)
    return cr.root()


def tree_levels(leaf_digests: list[bytes]) -> list[list[bytes]]:
    """Every level of the perfect subtrees over these leaves, leaves first, pairing from the left.

    Level ``h`` holds the roots of the aligned runs of ``2**h`` leaves (an odd last node has no
    parent). Each level is one chain of C-level maps, no Python loop per node: verification
    hashes every node of the log this way.
    """
    levels = [leaf_digests]
    level = leaf_digests
    while len(level) > 1:
        pairs = map(b"\x01".__add__, map(operator.add, level[0::2], level[1::2]))
        level = list(map(_digest, map(_sha256, pairs)))
        levels.append(level)
    return levels


def _split(n: int) -> int:
    """The largest power of two strictly below ``n`` (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """The leaf ranges ``[start, end)`` whose tree hashes form the audit path (RFC 6962 PATH)."""
    if not 0 <= index < size:
        raise ValueError(f"index {index} is not in a tree of size {size}")
    out: list[tuple[int, int]] = []
    lo, n, m = 0, size, index
    while n > 1:
        k = _split(n)
        if m < k:
            out.append((lo + k, lo + n))
            n = k
        else:
            out.append((lo, lo + k))
            lo, n, m = lo + k, n - k, m - k
    out.reverse()  # PATH lists the deepest sibling first
    return out


def consistency_ranges(old_size: int, new_size: int) -> list[tuple[int, int]]:
    """The leaf ranges whose tree hashes form the consistency proof (RFC 6962 PROOF)."""
    if not 0 <= old_size <= new_size:
        raise ValueError(f"no consistency proof from size {old_size} to size {new_size}")
    if old_size in (0, new_size):
        return []
    out: list[tuple[int, int]] = []
    lo, n, m, whole = 0, new_size, old_size, True
    while m != n:
        k = _split(n)
        if m <= k:
            out.append((lo + k, lo + n))
            n = k
        else:
            out.append((lo, lo + k))
            lo, n, m, whole = lo + k, n - k, m - k, False
    if not whole:
        out.append((lo, lo + n))
    out.reverse()
    return out


def verify_inclusion(
    leaf_digest: bytes, index: int, tree_size: int, path: Sequence[bytes], root: bytes
) -> bool:
    """True when ``path`` proves the leaf hash sits at ``index`` in the tree with ``root``."""
    if not 0 <= index < tree_size:
        return False
    fn, sn, r = index, tree_size - 1, leaf_digest
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    """True when ``proof`` shows the tree of ``new_size`` extends the tree of ``old_size``."""
    if not 0 <= old_size <= new_size:
        return False
    if old_size == new_size:
        return not proof and old_root == new_root
    if old_size == 0:
        return not proof and old_root == EMPTY_ROOT
    path = list(proof)
    if old_size & (old_size - 1) == 0:  # a power of two: the old root is itself a node
        path.insert(0, old_root)
    if not path:
        return False
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == old_root and sr == new_root
