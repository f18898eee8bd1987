"""RFC 6962 hashing, roots and proofs, checked against vectors and a naive implementation."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ecluse.ledger import (
    EMPTY_ROOT,
    leaf_hash,
    node_hash,
    root_of,
    verify_consistency,
    verify_inclusion,
)
from ecluse.ledger._merkle import CompactRange, consistency_ranges, inclusion_ranges

# The leaves and roots of the certificate-transparency reference tests (merkle_tree_test).
CT_LEAVES = [
    b"",
    b"\x00",
    b"\x10",
    b"\x20\x21",
    b"\x30\x31",
    b"\x40\x41\x42\x43",
    b"\x50\x51\x52\x53\x54\x55\x56\x57",
    b"\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f",
]
CT_ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]


# -- a naive, literal transcription of RFC 6962 section 2.1 ---------------------------------
def _k(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def naive_mth(leaves: list[bytes]) -> bytes:
    n = len(leaves)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return hashlib.sha256(b"\x00" + leaves[0]).digest()
    k = _k(n)
    return hashlib.sha256(b"\x01" + naive_mth(leaves[:k]) + naive_mth(leaves[k:])).digest()


def naive_path(m: int, leaves: list[bytes]) -> list[bytes]:
    n = len(leaves)
    if n == 1:
        return []
    k = _k(n)
    if m < k:
        return [*naive_path(m, leaves[:k]), naive_mth(leaves[k:])]
    return [*naive_path(m - k, leaves[k:]), naive_mth(leaves[:k])]


def naive_subproof(m: int, leaves: list[bytes], whole: bool) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if whole else [naive_mth(leaves)]
    k = _k(n)
    if m <= k:
        return [*naive_subproof(m, leaves[:k], whole), naive_mth(leaves[k:])]
    return [*naive_subproof(m - k, leaves[k:], False), naive_mth(leaves[:k])]


def _hashes_of(ranges: list[tuple[int, int]], leaves: list[bytes]) -> list[bytes]:
    return [root_of(leaf_hash(x) for x in leaves[a:b]) for a, b in ranges]


LEAVES = [f"leaf {i}".encode() for i in range(70)]


def test_empty_tree_hash_is_sha256_of_nothing() -> None:
    assert EMPTY_ROOT.hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert root_of([]) == EMPTY_ROOT


def test_leaf_and_node_use_the_rfc_prefixes() -> None:
    assert leaf_hash(b"x") == hashlib.sha256(b"\x00x").digest()
    assert (
        node_hash(b"a" * 32, b"b" * 32) == hashlib.sha256(b"\x01" + b"a" * 32 + b"b" * 32).digest()
    )


@pytest.mark.parametrize("n", range(1, len(CT_LEAVES) + 1))
def test_roots_match_the_certificate_transparency_vectors(n: int) -> None:
    assert root_of(leaf_hash(x) for x in CT_LEAVES[:n]).hex() == CT_ROOTS[n - 1]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.binary(max_size=8), max_size=300))
def test_incremental_root_equals_naive_recursion(leaves: list[bytes]) -> None:
    cr = CompactRange()
    for i, x in enumerate(leaves):
        cr.append(leaf_hash(x))
        if i % 37 == 0:  # the root is right at every size, not only the last
            assert cr.root() == naive_mth(leaves[: i + 1])
    assert cr.root() == naive_mth(leaves)
    again = CompactRange.from_bytes(cr.size, cr.to_bytes())
    assert again.root() == cr.root()


def test_every_size_up_to_300_matches_naive() -> None:
    leaves = [i.to_bytes(2, "big") for i in range(300)]
    cr = CompactRange()
    for n in range(301):
        assert cr.root() == naive_mth(leaves[:n]), n
        if n < 300:
            cr.append(leaf_hash(leaves[n]))


@pytest.mark.parametrize("n", [*range(1, 34), 64, 65, 70])
def test_inclusion_proofs_match_rfc_path_and_verify(n: int) -> None:
    leaves = LEAVES[:n]
    root = naive_mth(leaves)
    for m in range(n):
        path = _hashes_of(inclusion_ranges(m, n), leaves)
        assert path == naive_path(m, leaves)
        assert verify_inclusion(leaf_hash(leaves[m]), m, n, path, root)
        # tampering: another leaf, index, root or path fails (a larger size may still fit
        # the same path for a leaf on the left edge: the size is bound by the checkpoint)
        assert not verify_inclusion(leaf_hash(b"other"), m, n, path, root)
        assert not verify_inclusion(leaf_hash(leaves[m]), m, m, path, root)
        assert not verify_inclusion(leaf_hash(leaves[m]), m, n, path, leaf_hash(b"r"))
        if n > 1:
            assert not verify_inclusion(leaf_hash(leaves[m]), (m + 1) % n, n, path, root)
            bad = list(path)
            bad[0] = bytes(32)
            assert not verify_inclusion(leaf_hash(leaves[m]), m, n, bad, root)
            assert not verify_inclusion(leaf_hash(leaves[m]), m, n, path[:-1], root)
            assert not verify_inclusion(leaf_hash(leaves[m]), m, n, [*path, root], root)


def test_consistency_proofs_for_all_pairs_match_rfc_and_verify() -> None:
    for n in range(1, 40):
        new_root = naive_mth(LEAVES[:n])
        for m in range(n + 1):
            old_root = naive_mth(LEAVES[:m])
            proof = _hashes_of(consistency_ranges(m, n), LEAVES[:n])
            if 0 < m < n:
                assert proof == naive_subproof(m, LEAVES[:n], True)
            assert verify_consistency(m, n, old_root, new_root, proof), (m, n)
            if 0 < m < n:
                assert not verify_consistency(m, n, leaf_hash(b"x"), new_root, proof)
                assert not verify_consistency(m, n, old_root, leaf_hash(b"x"), proof)
                bad = list(proof)
                bad[-1] = bytes(32)
                assert not verify_consistency(m, n, old_root, new_root, bad), (m, n)
                if len(proof) > 1:
                    assert not verify_consistency(m, n, old_root, new_root, proof[:-1])


def test_consistency_rejects_shrinking_and_empty_mismatch() -> None:
    root = naive_mth(LEAVES[:5])
    assert not verify_consistency(5, 4, root, naive_mth(LEAVES[:4]), [])
    assert not verify_consistency(0, 5, root, root, [])
    assert not verify_consistency(5, 5, root, naive_mth(LEAVES[:4]), [])


def test_ranges_reject_impossible_requests() -> None:
    with pytest.raises(ValueError):
        inclusion_ranges(3, 3)
    with pytest.raises(ValueError):
        consistency_ranges(4, 3)
    with pytest.raises(ValueError):
        CompactRange(3, [bytes(32)])
