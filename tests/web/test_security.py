"""CSRF tokens, safe redirects, charts and language choice: properties that must always hold."""

from __future__ import annotations

import os

from hypothesis import given
from hypothesis import strategies as st

from ecluse.web._charts import bar_chart, column_chart
from ecluse.web._i18n import pick_language, translate
from ecluse.web._security import csrf_for, csrf_ok, safe_next

KEY = os.urandom(32)


@given(st.text(min_size=1, max_size=80), st.text(max_size=60))
def test_csrf_token_matches_only_its_session(token: str, other: str) -> None:
    good = csrf_for(KEY, "staff", token)
    assert csrf_ok(KEY, "staff", token, good)
    assert not csrf_ok(KEY, "portal", token, good)  # bound to its purpose
    assert not csrf_ok(KEY, "staff", token + "x", good)
    if other != good:
        assert not csrf_ok(KEY, "staff", token, other)
    assert not csrf_ok(KEY, "staff", None, good)


@given(st.text(max_size=80))
def test_safe_next_stays_on_this_site(value: str) -> None:
    target = safe_next(value)
    assert target.startswith("/")
    assert not target.startswith("//") and "\\" not in target


def test_safe_next_refuses_other_sites() -> None:
    for bad in ("https://evil.example/", "//evil.example", "/\\evil.example", "evil"):
        assert safe_next(bad) == "/"
    assert safe_next("/queue") == "/queue"


def test_language_choice() -> None:
    assert pick_language("nl", "fr-BE,fr;q=0.9") == "nl"
    assert pick_language(None, "fr-BE,fr;q=0.9", ["nl"]) == "nl"
    assert pick_language("xx", "de-DE, fr;q=0.5") == "fr"
    assert pick_language(None, None) == "en"
    assert translate("sign_in", "fr") == "Se connecter"
    assert translate("sign_in", "nl") == "Aanmelden"


@given(st.lists(st.tuples(st.text(max_size=30), st.integers(0, 10_000)), max_size=20))
def test_charts_are_escaped_svg(rows: list[tuple[str, int]]) -> None:
    for svg in (bar_chart("t<i>tle", rows), column_chart("t<i>tle", rows)):
        if not rows:
            assert svg == ""
            continue
        assert svg.startswith("<svg") and svg.endswith("</svg>")
        assert "<i>" not in svg and "style=" not in svg and "<script" not in svg


def test_values_read_on_one_line() -> None:
    from ecluse.web._format import show_value

    address = {"street": "Rue du Commerce", "house_number": "180", "box": "", "postcode": "1300"}
    assert (
        show_value({**address, "city": "Wavre", "country": "BE"})
        == "Rue du Commerce 180 1300 Wavre"
    )
    point = {"ean": "•••• 5663", "energy": "electricity", "address": {"city": "Wavre"}}
    assert show_value(point) == "ean: •••• 5663, energy: electricity, address: Wavre"
    assert show_value(None) == "" and show_value(12.5) == "12.5"
