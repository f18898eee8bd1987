"""``shown_values``: a case view applied to a customer's values."""

from __future__ import annotations

import pytest

from ecluse.errors import PermissionDenied
from ecluse.policy import CaseContext, PolicyEngine, Principal, shown_values
from ecluse.vocabulary import CaseType, FieldClass, Role

VALUES: dict[FieldClass, object] = {
    FieldClass.NAME: "Jean Dupont",
    FieldClass.NATIONAL_NUMBER: "85.07.30-033.28",
    FieldClass.PHONE: ["+32 470 12 34 17"],
    FieldClass.EMAIL: ["jean.dupont@example.be"],
    FieldClass.IBAN: "BE71 0961 2345 7034",
    FieldClass.CONTRACTS: [{"id": "CTR-2023-000123", "product": "Elec fixed"}],
}
AGENT = Principal(Role.AGENT, vendor="callmaroc", site_country="MA", team="fr-1")
COMPLAINT = CaseContext(CaseType.COMPLAINT, assigned_to_principal=True)


def test_an_agent_sees_the_complaint_fields_masked_and_nothing_else(
    engine: PolicyEngine,
) -> None:
    shown = shown_values(engine.case_view(AGENT, COMPLAINT), VALUES)
    assert shown == {
        FieldClass.NAME: "J. D.",
        FieldClass.PHONE: ["+32 4•• •• •• 17"],
        FieldClass.EMAIL: ["j•••@example.be"],
        FieldClass.CONTRACTS: [{"id": "•••0123", "product": "Elec fixed"}],
    }
    assert "0961" not in repr(shown) and "85.07" not in repr(shown)


def test_a_revealed_field_is_shown_in_clear(engine: PolicyEngine) -> None:
    view = engine.case_view(AGENT, COMPLAINT)
    shown = shown_values(view, VALUES, revealed={FieldClass.PHONE})
    assert shown[FieldClass.PHONE] == ["+32 470 12 34 17"]
    assert shown[FieldClass.EMAIL] == ["j•••@example.be"]


@pytest.mark.parametrize("field", [FieldClass.NAME, FieldClass.IBAN, FieldClass.NATIONAL_NUMBER])
def test_revealing_what_the_policy_does_not_allow_is_refused(
    engine: PolicyEngine, field: FieldClass
) -> None:
    view = engine.case_view(AGENT, COMPLAINT)
    with pytest.raises(PermissionDenied, match=field.value) as caught:
        shown_values(view, VALUES, revealed={field})
    assert "Dupont" not in str(caught.value)


def test_an_analyst_sees_a_usage_review_in_clear(engine: PolicyEngine) -> None:
    view = engine.case_view(Principal(Role.ANALYST), CaseContext(CaseType.USAGE_REVIEW))
    shown = shown_values(view, VALUES)
    assert shown[FieldClass.PHONE] == ["+32 470 12 34 17"]
    assert FieldClass.IBAN not in shown


def test_principal_from_the_organisations_ids() -> None:
    assert Principal.of(Role.AGENT, 7, "ma", 12) == Principal(Role.AGENT, "7", "MA", "12")
    assert Principal.of(Role.DPO, None, None, None) == Principal(Role.DPO)
