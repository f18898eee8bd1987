"""A case view's values are taken straight from the decrypted record: they must be exactly what
the customer model (``vault.Customer``) holds, defaults included, for every field class."""

from __future__ import annotations

from typing import Any

import pytest

from ecluse.cases._values import field_values
from ecluse.vault import Address, Contract, Customer, Invoice, MobileLine, SupplyPoint
from ecluse.vault._model import record_data
from ecluse.vocabulary import FieldClass


def _address(a: Address) -> dict[str, str]:
    return {
        "street": a.street,
        "house_number": a.house_number,
        "box": a.box,
        "postcode": a.postcode,
        "city": a.city,
        "country": a.country,
    }


def from_model(c: Customer, fc: FieldClass) -> tuple[Any, ...]:
    """The oracle: each field class read off the customer model's attributes."""
    return {
        FieldClass.NAME: (c.full_name,),
        FieldClass.BIRTH_DATE: (c.birth_date,) if c.birth_date else (),
        FieldClass.NATIONAL_NUMBER: (c.national_number,) if c.national_number else (),
        FieldClass.ADDRESS: tuple(_address(a) for a in c.addresses),
        FieldClass.PHONE: c.phones,
        FieldClass.EMAIL: c.emails,
        FieldClass.IBAN: (c.iban,) if c.iban else (),
        FieldClass.CONTRACTS: tuple(
            {"id": k.id, "product": k.product, "start": k.start, "amount": k.monthly_eur}
            for k in c.contracts
        ),
        FieldClass.INVOICES: tuple(
            {"id": i.id, "period": i.period, "amount": i.amount_eur, "status": i.status}
            for i in c.invoices
        ),
        FieldClass.LINES: tuple({"msisdn": m.msisdn, "plan": m.plan} for m in c.lines),
        FieldClass.SUPPLY_POINTS: tuple(
            {
                "ean": s.ean,
                "energy": s.energy,
                "address": _address(s.address) if s.address else None,
            }
            for s in c.supply_points
        ),
    }[fc]


HOME = Address("Rue Haute", "12", "1000", "Bruxelles", box="3")
FULL = Customer(
    id="C-1",
    external_id="X1",
    first_name="Anne",
    last_name="Peeters",
    language="nl",
    birth_date="1980-02-29",
    national_number="80022912345",
    addresses=(HOME, Address("Meir", "1", "2000", "Antwerpen", country="NL")),
    phones=("+32470123456", "+3222345678"),
    emails=("anne@example.be",),
    iban="BE71096123456769",
    contracts=(Contract("K1", "power", "2020-01-01", 61.5), Contract("K2", "gas", "2021-06-01")),
    invoices=(Invoice("F1", "2026-10", 74.2), Invoice("F2", "2026-11", 80.0, "paid")),
    lines=(MobileLine("+32470999888", "unlimited"), MobileLine("+32470999777")),
    supply_points=(
        SupplyPoint("541448820000000013", "electricity", HOME),
        SupplyPoint("541448820000000020", "gas"),
    ),
)
SPARSE = Customer(id="C-2", external_id=None, first_name="", last_name="Janssens")


@pytest.mark.parametrize("customer", [FULL, SPARSE], ids=["full", "sparse"])
@pytest.mark.parametrize("fc", list(FieldClass), ids=lambda fc: fc.value)
def test_values_from_the_sealed_record_are_the_models(customer: Customer, fc: FieldClass) -> None:
    record = record_data(customer.to_record())
    assert field_values(record, fc) == from_model(customer, fc)


def test_a_record_without_the_optional_keys_reads_as_the_models_defaults() -> None:
    """GIVEN a record that holds only the name and items without their optional keys
    THEN every field class reads as the customer model reads it (defaults, empty classes)."""
    record: dict[str, Any] = {
        "first_name": "Jan",
        "last_name": "Smet",
        "addresses": [{"street": "Kerkstraat", "house_number": "5", "postcode": "9000",
                       "city": "Gent"}],
        "contracts": [{"id": "K", "product": "power", "start": "2024-01-01"}],
        "invoices": [{"id": "F", "period": "2026-01", "amount_eur": 12.5}],
        "lines": [{"msisdn": "+32470000001"}],
        "supply_points": [{"ean": "541448820000000013", "energy": "gas", "address": None}],
    }  # fmt: skip
    customer = Customer.from_data("C-3", None, record)
    for fc in FieldClass:
        assert field_values(record, fc) == from_model(customer, fc), fc
    assert field_values(record, FieldClass.ADDRESS)[0]["country"] == "BE"
