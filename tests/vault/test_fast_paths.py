"""The import's fast paths give the same verdicts and bytes as the reference implementations."""

from __future__ import annotations

import hmac
import json
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.be import bis, nn

from ecluse.demo import COLUMNS
from ecluse.keys import BlindIndexer
from ecluse.vault import Invalid, check_ean, normalise_national_number
from ecluse.vault._normalise import _national_number_ok
from ecluse.vault._parse import Prepared, _amount, _parts, index_entries, parse_row
from ecluse.vault._seal import random_id, random_ids
from ecluse.vault._store import LOOKUP_KINDS

KINDS = sorted({k for kinds in LOOKUP_KINDS.values() for k in kinds})


def _with_check(body: int, born_2000s: bool) -> str:
    check = 97 - ((2_000_000_000 if born_2000s else 0) + body) % 97
    return f"{body:09d}{check:02d}"


@given(st.integers(0, 10**9 - 1), st.booleans(), st.integers(0, 99))
def test_national_number_fast_path_agrees_with_stdnum(body: int, y2k: bool, noise: int) -> None:
    """GIVEN 11-digit numbers, most with a right check for either century (some not)
    WHEN the fast path judges them THEN it accepts exactly what be.nn or be.bis accept."""
    digits = _with_check(body, y2k) if noise < 80 else f"{body:09d}{noise:02d}"
    assert _national_number_ok(digits) == (nn.is_valid(digits) or bis.is_valid(digits))


@given(st.text(alphabet="0123456789", min_size=17, max_size=17))
def test_ean_check_digit_matches_gs1(body: str) -> None:
    weighted = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    check = (10 - weighted % 10) % 10
    for last in range(10):
        candidate = "54" + body[2:] + str(last)
        try:
            check_ean(candidate)
            accepted = True
        except Invalid:
            accepted = False
        expected = sum(
            int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(candidate[:-1]))
        )
        assert accepted == ((10 - expected % 10) % 10 == last)
    assert 0 <= check <= 9


@given(st.lists(st.text(min_size=1, max_size=40), min_size=1, max_size=4))
def test_index_entries_are_the_indexers_digests(emails: list[str]) -> None:
    indexer = BlindIndexer(b"\x01" * 32)
    record = {"emails": emails, "phones": ["+32470123456"], "iban": "BE71096123456769"}
    for kind, digest in index_entries(record, indexer):
        assert digest in {
            indexer.digest(kind, v) for v in [*emails, "+32470123456", "BE71096123456769"]
        }
    assert len(index_entries(record, indexer)) == len(set(emails)) + 2


def test_random_ids_use_the_whole_alphabet_at_every_length() -> None:
    for length in (1, 2, 3, 14, 16):
        ids = {random_id("c", length) for _ in range(400)}
        assert all(len(i) == length + 1 and i.startswith("c") for i in ids)
        assert set("".join(i[1:] for i in ids)) == set("bcdfghjkmnpqrstvwxz")


def test_normalise_national_number_keeps_its_verdicts() -> None:
    assert normalise_national_number("85.07.30-033.28") == "85073003328"
    assert normalise_national_number("85273003371") == "85273003371"  # BIS number
    assert normalise_national_number("01010100126") == "01010100126"  # born in 2001
    for wrong in ("85073003357", "85273003303"):
        try:
            normalise_national_number(wrong)
        except Invalid as exc:
            assert "checksum" in str(exc)
        else:
            raise AssertionError(f"{wrong} accepted")


def test_random_ids_come_in_the_number_asked_and_never_repeat() -> None:
    ids = random_ids("c", 16, 5000)
    assert len(ids) == len(set(ids)) == 5000
    assert all(len(i) == 17 and set(i[1:]) <= set("bcdfghjkmnpqrstvwxz") for i in ids)
    assert random_ids("k", 14, 0) == []


_TEXT = st.text(st.characters(blacklist_categories=("Cs",)))  # what a decoded file can hold


@given(key=st.binary(min_size=1, max_size=100), kind=st.sampled_from(KINDS), value=_TEXT)
def test_the_blind_index_is_hmac_sha256_of_kind_nul_value(
    key: bytes, kind: str, value: str
) -> None:
    """The digest from pre-keyed SHA-256 states is exactly HMAC-SHA-256(key, kind || 0x00 ||
    value), for keys shorter and longer than the hash's block too."""
    message = f"{kind}\x00{value}".encode()
    assert BlindIndexer(key).digest(kind, value) == hmac.digest(key, message, "sha256")


@given(st.lists(st.tuples(st.sampled_from(COLUMNS), _TEXT), max_size=12))
def test_a_sealed_record_is_the_json_the_model_writes(fields: list[tuple[str, str]]) -> None:
    """GIVEN any row WHEN it is parsed THEN its record bytes are what ``json.dumps`` writes."""
    values = {"external_id": "C-1", "last_name": "Peeters", **dict(fields)}
    prepared = parse_row(values, 2, BlindIndexer(b"\x02" * 32))
    if isinstance(prepared, Prepared):
        decoded = json.loads(prepared.record)
        assert (
            prepared.record
            == json.dumps(decoded, separators=(",", ":"), ensure_ascii=False).encode()
        )


@pytest.mark.parametrize("amount", ["nan", "NaN", "inf", "-Infinity", "1e400", "abc"])
def test_a_non_finite_amount_is_flagged_not_stored(amount: str) -> None:
    """GIVEN an invoice whose amount is not a finite number WHEN the row is parsed THEN the
    invoice is flagged and left out, and a contract keeps no monthly amount."""
    values = {
        "external_id": "C-1",
        "last_name": "Peeters",
        "invoices": f"F1|2026-01|{amount}|open",
        "contracts": f"K1|Internet|2024-01-01|{amount}",
    }
    prepared = parse_row(values, 2, BlindIndexer(b"\x02" * 32))
    assert isinstance(prepared, Prepared)
    record = json.loads(prepared.record)
    assert record["invoices"] == [] and "invoices" in prepared.invalid_fields
    assert record["contracts"][0]["monthly_eur"] is None


@given(st.lists(st.text(st.sampled_from(" \t\u00a0ab|1"), max_size=6), min_size=1, max_size=5))
def test_list_item_parts_are_stripped_whatever_the_spacing(parts: list[str]) -> None:
    """GIVEN a ``|``-separated item with any spacing WHEN it is split THEN each part is what
    ``str.strip`` leaves (the fast path skips stripping only when nothing needs it)."""
    raw = "|".join(parts)
    expected = [p.strip() for p in raw.split("|")]
    assert _parts(raw, ("a",))[: len(expected)] == expected


@given(
    st.one_of(
        st.decimals(allow_nan=False, allow_infinity=False, places=2).map(str),
        st.floats(allow_nan=True, allow_infinity=True).map(str),
        st.from_regex(r"-?[0-9]{1,16}([.,][0-9]{0,4})?", fullmatch=True),
    )
)
def test_plain_amounts_read_as_the_rounded_float(text: str) -> None:
    """GIVEN an amount as a CRM writes it WHEN it is read THEN it is the float rounded to
    cents (or None if not finite), the fast path for two decimals included."""
    try:
        value: float | None = float(text.replace(",", "."))
    except ValueError:
        value = None
    expected = round(value, 2) if value is not None and math.isfinite(value) else None
    assert _amount(text) == expected
