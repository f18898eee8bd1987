"""``mask(field_class, value)`` masks scalars and whole records, and never raises."""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from ecluse.masks import KEPT_KEYS, mask
from ecluse.masks._dispatch import _BY_CLASS, _mask_dict, _mask_item
from ecluse.vocabulary import FieldClass

# timing depends on the machine's load, not on the mask: no per-example deadline
RELAXED = settings(deadline=None)

JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text() | st.dates(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=20,
)


@RELAXED
@given(st.sampled_from(list(FieldClass)), JSONISH)
def test_mask_is_total_for_every_field_class(field_class: FieldClass, value: object) -> None:
    mask(field_class, value)


def test_scalars_get_their_field_class_mask() -> None:
    assert mask(FieldClass.PHONE, "+32 470 12 34 17") == "+32 4•• •• •• 17"
    assert mask(FieldClass.IBAN, "BE71096123457034") == "BE•• •••• •••• 7034"
    assert mask(FieldClass.BIRTH_DATE, date(1990, 1, 2)) == "1990"
    assert mask(FieldClass.NAME, ["Jean Dupont", "Marie Claes"]) == ["J. D.", "M. C."]
    assert mask(FieldClass.EMAIL, None) is None


def test_records_are_masked_key_by_key_and_unknown_text_is_hidden() -> None:
    """GIVEN a contract record with an id, descriptive fields and a free-text note
    WHEN it is masked
    THEN the id keeps its last four, descriptive fields stay, and the note is hidden."""
    contract = {
        "id": "CTR-2023-000123",
        "product": "Electricity fixed 3y",
        "start": date(2023, 1, 1),
        "amount": 81.5,
        "notes": "PLANTED-secret-note",
        "holder": "Jean Dupont",
        "iban": "BE71 0961 2345 7034",
    }
    out = mask(FieldClass.CONTRACTS, [contract])
    assert out == [
        {
            "id": "•••0123",
            "product": "Electricity fixed 3y",
            "start": "2023-01-01",
            "amount": 81.5,
            "notes": "•••",
            "holder": "J. D.",
            "iban": "BE•• •••• •••• 7034",
        }
    ]
    assert "PLANTED" not in repr(out)


def test_supply_point_and_line_records() -> None:
    point = {"ean": "541448820044151234", "address": "Rue Haute 5, 4000 Liège"}
    assert mask(FieldClass.SUPPLY_POINTS, point) == {"ean": "•••• 1234", "address": "Liège"}
    line = {"msisdn": "32470123417", "plan": "Unlimited"}
    assert mask(FieldClass.LINES, line) == {"msisdn": "+32 4•• •• •• 17", "plan": "Unlimited"}
    assert mask(FieldClass.SUPPLY_POINTS, "541448820044151234") == "•••• 1234"


def test_absurd_nesting_is_hidden() -> None:
    deep: object = "+32 470 12 34 17"
    for _ in range(50):
        deep = [deep]
    assert "17" not in repr(mask(FieldClass.PHONE, deep))


def test_the_vaults_records_are_masked() -> None:
    """GIVEN the vault's own record types (dataclasses)
    WHEN a case opens them masked
    THEN only the city, descriptive fields and the last digits of identifiers show."""
    from ecluse.vault import Address, Contract, Invoice, MobileLine, SupplyPoint

    home = Address("Rue de la Loi", "16", "1000", "Bruxelles", box="3")
    assert mask(FieldClass.ADDRESS, (home,)) == [
        {
            "street": "•••",
            "house_number": "•••",
            "postcode": "•••",
            "city": "Bruxelles",
            "country": "BE",
            "box": "•••",
        }
    ]
    contract = Contract("CTR-2023-000123", "Elec fixed", "2023-01-01", 81.5)
    assert mask(FieldClass.CONTRACTS, (contract,)) == [
        {"id": "•••0123", "product": "Elec fixed", "start": "2023-01-01", "monthly_eur": 81.5}
    ]
    invoice = Invoice("INV-2024-000777", "2024-05", 81.5)
    assert mask(FieldClass.INVOICES, [invoice])[0]["amount_eur"] == 81.5  # type: ignore[index]
    line = MobileLine("+32470123417", "Unlimited")
    assert mask(FieldClass.LINES, [line]) == [{"msisdn": "+32 4•• •• •• 17", "plan": "Unlimited"}]
    point = SupplyPoint("541448820044151234", "electricity", home)
    masked = mask(FieldClass.SUPPLY_POINTS, [point])
    assert "Rue de la Loi" not in repr(masked) and "1000" not in repr(masked)
    assert masked[0]["ean"] == "•••• 1234"  # type: ignore[index]


_KNOWN_KEYS = [*sorted(KEPT_KEYS), "id", "email", "iban", "msisdn", "ean", "name", "Amount", "ID"]


@RELAXED
@given(
    st.sampled_from(list(FieldClass)),
    st.dictionaries(st.sampled_from(_KNOWN_KEYS) | st.text(max_size=8), JSONISH, max_size=8),
    st.integers(min_value=0, max_value=10),
)
def test_the_records_fast_lane_masks_as_key_by_key_does(
    field_class: FieldClass, record: dict[str, object], depth: int
) -> None:
    """The dict fast lane (vault keys, plain values) gives what the general path gives."""
    outer = _BY_CLASS[field_class]
    expected = {str(k): _mask_item(str(k), v, outer, depth) for k, v in record.items()}
    assert _mask_dict(record, outer, depth) == expected
