"""Canonical leaf bytes and the guard against clear personal data."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ecluse.errors import InputError
from ecluse.ledger import ClearDataError, EntryKind, NewEntry
from ecluse.ledger._entries import canonical_details, format_time, leaf_bytes, prepare

_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=8,
)


@given(
    index=st.integers(min_value=0, max_value=2**62),
    kind=st.text(min_size=1, max_size=10),
    actor=st.text(min_size=1, max_size=20),
    subject=st.none() | st.text(max_size=20),
    case_id=st.none() | st.text(max_size=20),
    details=st.dictionaries(st.text(max_size=8), _json, max_size=4),
    micros=st.integers(min_value=0, max_value=10**15),
)
def test_leaf_is_exactly_sorted_compact_json(
    index: int,
    kind: str,
    actor: str,
    subject: str | None,
    case_id: str | None,
    details: dict[str, object],
    micros: int,
) -> None:
    """The hand-written leaf is byte-identical to json.dumps(sort_keys, compact, UTF-8)."""
    t = datetime.fromtimestamp(micros / 1e6, UTC)
    doc = {
        "index": index,
        "time": format_time(t),
        "kind": kind,
        "actor": actor,
        "subject": subject,
        "case_id": case_id,
        "details": details,
    }
    expected = json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    got = leaf_bytes(index, t, kind, actor, subject, case_id, canonical_details(details))
    assert got == expected.encode("utf-8")
    assert json.loads(got) == json.loads(expected)


def test_time_format_is_utc_microseconds_z() -> None:
    t = datetime(2026, 3, 1, 12, 0, 5, 7, tzinfo=UTC)
    assert format_time(t) == "2026-03-01T12:00:05.000007Z"
    brussels = timezone(timedelta(hours=1))
    assert format_time(t.astimezone(brussels)) == "2026-03-01T12:00:05.000007Z"
    assert format_time(t.replace(microsecond=0)) == "2026-03-01T12:00:05.000000Z"


def test_cyclic_details_are_rejected_naming_the_field() -> None:
    cyclic: dict[str, object] = {"a": 1}
    cyclic["self"] = cyclic
    with pytest.raises(InputError) as err:
        prepare(NewEntry("view", "a", details=cyclic), where="ledger entry 1")
    assert err.value.field == "details"
    listed: list[object] = []
    listed.append(listed)
    with pytest.raises(InputError):
        prepare(NewEntry("view", "a", details={"x": listed}))


@pytest.mark.parametrize(
    ("details", "field", "what"),
    [
        ({"reason": "mail jan.peeters@example.be"}, "details.reason", "e-mail"),
        ({"note": {"iban": "BE71 0961 2345 6769"}}, "details.note.iban", "IBAN"),
        ({"to": ["+32 470 12 34 56"]}, "details.to[0]", "phone"),
        ({"nn": "85.07.30-033.61"}, "details.nn", "national register"),
        ({"ean": "541448820000000000"}, "details.ean", "long number"),
    ],
)
def test_obviously_clear_values_are_rejected_without_echoing_them(
    details: dict[str, object], field: str, what: str
) -> None:
    with pytest.raises(ClearDataError) as err:
        prepare(NewEntry(EntryKind.VIEW, "agent-1", details=details))
    msg = str(err.value)
    assert field in msg and what in msg
    for value in json.dumps(details).split('"'):
        if len(value) > 6:
            assert value not in msg


def test_clear_values_in_ids_are_rejected() -> None:
    with pytest.raises(ClearDataError, match="'subject'"):
        prepare(NewEntry("view", "agent-1", subject="jan@example.com"))


def test_pseudonymous_ids_and_ordinary_details_pass() -> None:
    kind, details = prepare(
        NewEntry(
            EntryKind.REVEAL,
            "agent-7f3a",
            subject="C-000123",
            case_id="K-2026-000042",
            details={
                "vendor": "atlas-contact",
                "site": "casablanca-1",
                "country": "MA",
                "fields": ["iban", "phone"],
                "reason": "customer asked to confirm refund account",
                "due": "2026-11-30",
                "count": 12,
            },
        )
    )
    assert kind == "reveal"
    assert json.loads(details)["country"] == "MA"


@pytest.mark.parametrize(
    ("entry", "field"),
    [
        (NewEntry("View!", "a"), None),
        (NewEntry("view", ""), "actor"),
        (NewEntry("view", "a", case_id="x" * 200), "case_id"),
        (NewEntry("view", "a", details={"x": float("nan")}), "details"),
        (NewEntry("view", "a", details={"x": object()}), "details"),
        (NewEntry("view", "a", time=datetime(2026, 1, 1)), "time"),
    ],
)
def test_malformed_entries_are_rejected_naming_the_field(
    entry: NewEntry, field: str | None
) -> None:
    with pytest.raises(InputError) as err:
        prepare(entry, where="ledger entry 3")
    assert "ledger entry 3" in str(err.value)
    if field:
        assert err.value.field == field


def test_other_modules_may_use_their_own_kinds() -> None:
    assert prepare(NewEntry("usage_review.suspend", "system"))[0] == "usage_review.suspend"
