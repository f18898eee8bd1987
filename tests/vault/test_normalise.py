"""Validators and normalisers: table-driven cases and property tests against the libraries."""

from __future__ import annotations

import contextlib
import re

import phonenumbers
import pytest
from email_validator import EmailNotValidError, validate_email
from hypothesis import given
from hypothesis import strategies as st

from ecluse.demo._identifiers import ean, iban_be, national_number
from ecluse.vault import (
    Invalid,
    check_ean,
    normalise_birth_date,
    normalise_email,
    normalise_iban,
    normalise_national_number,
    normalise_phone,
    normalise_postcode,
)


@pytest.mark.parametrize(
    ("raw", "country", "e164"),
    [
        ("0470 12 34 56", "BE", "+32470123456"),
        ("+32 470 12 34 56", "BE", "+32470123456"),
        ("0032470123456", "BE", "+32470123456"),
        ("0470/12.34.56", "BE", "+32470123456"),
        ("02 512 34 56", "BE", "+3225123456"),
        ("+212 612-345678", "BE", "+212612345678"),
        ("0612345678", "MA", "+212612345678"),
        ("06 12 34 56 78", "FR", "+33612345678"),
        ("+352 621 123 456", "BE", "+352621123456"),
        ("+31 6 12345678", "BE", "+31612345678"),
    ],
)
def test_phone_formats(raw: str, country: str, e164: str) -> None:
    assert normalise_phone(raw, country) == e164


@pytest.mark.parametrize("raw", ["0470 12 34", "12345", "n/a", "", "+32 000 00 00 00", "125,50"])
def test_phone_look_alikes_are_invalid(raw: str) -> None:
    with pytest.raises(Invalid) as exc:
        normalise_phone(raw)
    assert raw.strip() == "" or raw not in str(exc.value)


@given(st.from_regex(r"(\+32|0032|0)4[0-9]{8}", fullmatch=True))
def test_belgian_mobile_fast_path_agrees_with_phonenumbers(raw: str) -> None:
    try:
        expected: str | None = phonenumbers.format_number(
            phonenumbers.parse(raw if not raw.startswith("00") else "+" + raw[2:], "BE"),
            phonenumbers.PhoneNumberFormat.E164,
        )
        parsed = phonenumbers.parse(expected, None)
        if not phonenumbers.is_valid_number(parsed):
            expected = None
    except phonenumbers.NumberParseException:
        expected = None
    try:
        got: str | None = normalise_phone(raw)
    except Invalid:
        got = None
    assert got == expected


@given(st.emails())
def test_email_fast_path_never_accepts_what_email_validator_rejects(address: str) -> None:
    try:
        ours: str | None = normalise_email(address)
    except Invalid:
        ours = None
    try:
        validate_email(address, check_deliverability=False)
        valid = True
    except EmailNotValidError:
        valid = False
    if ours is not None:
        assert valid


@given(st.text(max_size=40))
def test_email_garbage_never_crashes(text: str) -> None:
    with contextlib.suppress(Invalid):
        normalise_email(text)


@pytest.mark.parametrize(
    ("raw", "ok"),
    [
        ("jean.dupont@example.be", True),
        ("Jean.Dupont@Example.BE", True),
        ("jean.dupont@", False),
        ("jean dupont@skynet.be", False),
        ("jeandupontskynet.be", False),
        ("jean..dupont@skynet.be", False),
    ],
)
def test_email_table(raw: str, ok: bool) -> None:
    if ok:
        assert normalise_email(raw) == raw.lower()
    else:
        with pytest.raises(Invalid):
            normalise_email(raw)


def test_generated_identifiers_validate() -> None:
    import random
    from datetime import date

    rng = random.Random(3)
    for _ in range(200):
        born = date(rng.randrange(1930, 2008), rng.randrange(1, 13), rng.randrange(1, 29))
        nn = national_number(rng, born, rng.random() < 0.5)
        assert normalise_national_number(nn) == nn
        assert normalise_iban(iban_be(rng)).startswith("BE")
        assert check_ean(ean(rng)).startswith("54")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("85.07.30-033.28", "85073003328"),
        ("85073003328", "85073003328"),
        ("BE71 0961 2345 6769", None),
    ],
)
def test_national_number_formats(raw: str, expected: str | None) -> None:
    if expected:
        assert normalise_national_number(raw) == expected
    else:
        with pytest.raises(Invalid):
            normalise_national_number(raw)


def test_bad_checksums_are_invalid() -> None:
    with pytest.raises(Invalid):
        normalise_national_number("85073003329")
    with pytest.raises(Invalid):
        normalise_iban("BE71 0961 2345 6768")
    with pytest.raises(Invalid):
        check_ean("541234567890123456")
    assert normalise_iban("NL91ABNA0417164300") == "NL91ABNA0417164300"


@given(st.text(max_size=30))
def test_iban_agrees_with_stdnum(text: str) -> None:
    from stdnum import iban

    try:
        ours: str | None = normalise_iban(text)
    except Invalid:
        ours = None
    assert (ours is not None) == iban.is_valid(re.sub(r"[\s./-]", "", text))


def test_postcode_and_birth_date() -> None:
    assert normalise_postcode("1000", "BE") == "1000"
    with pytest.raises(Invalid):
        normalise_postcode("B-10000", "BE")
    assert normalise_birth_date("27/10/1988") == "1988-10-27"
    assert normalise_birth_date("1988-10-27") == "1988-10-27"
    for bad in ("31/02/1988", "1850-01-01", "2999-01-01", "yesterday"):
        with pytest.raises(Invalid):
            normalise_birth_date(bad)
