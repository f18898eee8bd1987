"""The case-view cache keys on what the policies look at, and never mixes two people up."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ecluse.policy import DEFAULTS_DIR, CaseContext, PolicyEngine, Principal, access_code
from ecluse.policy._evaluate import evaluate_view
from ecluse.vocabulary import CaseStatus, CaseType, FieldClass, Role

COMPLAINT = CaseContext(CaseType.COMPLAINT, assigned_to_principal=True)


def agent(country: str, team: str = "t1", vendor: str = "callmaroc") -> Principal:
    return Principal(Role.AGENT, vendor=vendor, site_country=country, team=team)


def can_reveal_phone(engine: PolicyEngine, who: Principal) -> bool:
    return engine.case_view(who, COMPLAINT)[FieldClass.PHONE].can_reveal


def test_people_no_policy_tells_apart_share_one_cache_entry(engine: PolicyEngine) -> None:
    engine.clear_cache()
    before = engine.misses
    for vendor, country, team in [("a", "MA", "t1"), ("b", "BE", "t2"), ("c", "PT", "t3")]:
        engine.case_view(agent(country, team, vendor), COMPLAINT)
    assert engine.misses == before + 1
    assert engine.bundle.literals["team"] == frozenset()


def test_a_country_rule_splits_the_cache_by_country(tmp_path: Path) -> None:
    """GIVEN an operator rule: no reveals from sites in Morocco or Tunisia
    WHEN agents of the same vendor in MA and PT ask
    THEN the MA agent cannot reveal and the PT agent can, whatever the order of asking."""
    (tmp_path / "countries.cedar").write_text(
        "// No reveal from sites outside the EEA without an adequacy decision.\n"
        '@id("countries.no_reveal_outside_eea")\n'
        'forbid (principal, action == Ecluse::Action::"reveal", resource)\n'
        'when { ["MA", "TN"].contains(principal.site_country) };\n'
    )
    engine = PolicyEngine(tmp_path)
    assert engine.bundle.literals["site_country"] == frozenset({"", "MA", "TN"})
    assert can_reveal_phone(engine, agent("PT"))
    assert not can_reveal_phone(engine, agent("MA"))
    assert not can_reveal_phone(engine, agent("TN"))
    assert can_reveal_phone(engine, agent("BE"))


def test_an_attribute_used_any_other_way_is_keyed_exactly(tmp_path: Path) -> None:
    (tmp_path / "teams.cedar").write_text(
        "// Only the French-speaking teams reveal.\n"
        '@id("teams.fr_only")\n'
        'forbid (principal, action == Ecluse::Action::"reveal", resource)\n'
        'unless { principal.team like "fr-*" };\n'
    )
    engine = PolicyEngine(tmp_path)
    assert engine.bundle.literals["team"] is None
    assert can_reveal_phone(engine, agent("MA", team="fr-1"))
    assert not can_reveal_phone(engine, agent("MA", team="nl-1"))
    assert can_reveal_phone(engine, agent("MA", team="fr-2"))


def test_views_are_read_only(engine: PolicyEngine) -> None:
    view = engine.case_view(agent("MA"), COMPLAINT)
    with pytest.raises(TypeError):
        view[FieldClass.PHONE] = view[FieldClass.NAME]  # type: ignore[index]
    assert view[FieldClass.PHONE].field_class is FieldClass.PHONE


def test_statuses_no_policy_tells_apart_share_one_cache_entry(engine: PolicyEngine) -> None:
    classes = engine.bundle.status_classes
    assert len(set(classes.values())) == 2  # open, and resolved or closed
    assert classes[CaseStatus.IN_PROGRESS] == classes[CaseStatus.PENDING_CUSTOMER]
    assert classes[CaseStatus.RESOLVED] == classes[CaseStatus.CLOSED]
    assert classes[CaseStatus.NEW] != classes[CaseStatus.CLOSED]


def test_a_status_rule_splits_the_cache_by_status(tmp_path: Path) -> None:
    """GIVEN an operator rule: agents still see the name on a resolved (not closed) case
    WHEN the agent looks at a resolved and at a closed case, in either order
    THEN the resolved case shows the name, the closed one nothing."""
    (tmp_path / "guards.cedar").write_text(
        (DEFAULTS_DIR / "guards.cedar")
        .read_text()
        .replace(
            'Ecluse::CaseStatus::"pending_customer"',
            'Ecluse::CaseStatus::"pending_customer",\n    Ecluse::CaseStatus::"resolved"',
        )
    )
    engine = PolicyEngine(tmp_path)
    classes = engine.bundle.status_classes
    assert classes[CaseStatus.RESOLVED] != classes[CaseStatus.CLOSED]
    closed = CaseContext(CaseType.COMPLAINT, CaseStatus.CLOSED, assigned_to_principal=True)
    resolved = CaseContext(CaseType.COMPLAINT, CaseStatus.RESOLVED, assigned_to_principal=True)
    assert engine.case_view(agent("MA"), closed)[FieldClass.NAME].visibility.value == "hidden"
    assert engine.case_view(agent("MA"), resolved)[FieldClass.NAME].visibility.value == "masked"


def test_a_status_used_any_other_way_is_keyed_exactly(tmp_path: Path) -> None:
    (tmp_path / "odd.cedar").write_text(
        "// A rule that reads the status in a way the analysis does not follow.\n"
        '@id("odd.status")\n'
        'forbid (principal, action == Ecluse::Action::"reveal", resource)\n'
        'when { [context.status].contains(Ecluse::CaseStatus::"new") };\n'
    )
    engine = PolicyEngine(tmp_path)
    assert all(k == v for k, v in engine.bundle.status_classes.items())
    new = CaseContext(CaseType.COMPLAINT, CaseStatus.NEW, assigned_to_principal=True)
    assert not engine.case_view(agent("MA"), new)[FieldClass.PHONE].can_reveal
    assert can_reveal_phone(engine, agent("MA"))  # COMPLAINT is in progress


RULES = """
// Extra rules that name some vendors, countries, teams and statuses.
@id("extra.no_reveal_from_ma")
forbid (principal, action == Ecluse::Action::"reveal", resource)
when { ["MA", "TN"].contains(principal.site_country) };

@id("extra.acme_no_edits")
forbid (principal, action == Ecluse::Action::"edit", resource)
when { principal.vendor == "acme" };

@id("extra.night_team_no_pending")
forbid (principal, action, resource)
when { principal.team == "night" && context.status == Ecluse::CaseStatus::"pending_customer" };
"""

PEOPLE = st.builds(
    Principal,
    st.sampled_from(list(Role)),
    st.sampled_from(["operator", "", "acme", "callmaroc", "other"]),
    st.sampled_from(["", "MA", "TN", "BE", "PT"]),
    st.sampled_from(["", "night", "day", "fr-1"]),
)
CASES = st.builds(
    CaseContext,
    st.sampled_from(list(CaseType)),
    st.sampled_from(list(CaseStatus)),
    st.booleans(),
    st.booleans(),
)


@pytest.fixture(scope="module")
def ruled_engine(tmp_path_factory: pytest.TempPathFactory) -> PolicyEngine:
    directory = tmp_path_factory.mktemp("rules")
    (directory / "extra.cedar").write_text(RULES)
    return PolicyEngine(directory)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(people=st.lists(PEOPLE, min_size=2, max_size=4), case=CASES)
def test_the_cache_never_changes_an_answer(
    ruled_engine: PolicyEngine, people: list[Principal], case: CaseContext
) -> None:
    """Whatever the order people are asked in, a cached view equals Cedar's own answer."""
    for who in people:
        cached = ruled_engine.case_view(who, case)
        direct = evaluate_view(ruled_engine.bundle, who, case)
        assert {fc: access_code(a) for fc, a in cached.items()} == {
            fc: access_code(a) for fc, a in direct.items()
        }
