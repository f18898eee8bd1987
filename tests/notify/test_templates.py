"""Templates in French, Dutch and English; SMS length; links carry only opaque tokens."""

from __future__ import annotations

import re
import secrets
import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ecluse.errors import InputError
from ecluse.notify import (
    LANGUAGES,
    SMS_SEPTETS,
    TEMPLATES,
    ChannelKind,
    check_link,
    gsm7_septets,
    render,
    to_gsm7,
)

# A realistic portal link: 37 characters of route plus a 22-character token.
LINK = "https://portal.example-op.be/contest/" + "Zq3xY7bLw0PqR9sT1uVw2x"
LONG_TEXT = "Plus de 300 appels vers 61 numéros belges en journée, 10 fois plus que d'habitude."

# The longest value each parameter may take, so the SMS length check is a worst case.
WORST: dict[str, str | int] = {
    "line_end": "1234",
    "observed": LONG_TEXT,
    "reason": LONG_TEXT,
    "pattern": LONG_TEXT,
    "link": LINK,
    "decision": "international_block",
    "field": "supply_points",
    "company": "Contact Centre Casablanca SARL",
    "country": "Maroc",
    "when": "22/11/2026 10:04",
    "code": "1234567890",
    "minutes": 1440,
    "review_hours": 168,
}

# Words that show each message is in its language (and says what the brief asks).
MARKERS = {
    ("usage_review_contact", "fr"): ["Rien n'a été coupé", "Une personne, et non une machine"],
    ("usage_review_contact", "nl"): ["niets afgesloten", "Een mens, geen machine"],
    ("usage_review_contact", "en"): ["Nothing has been cut", "A person, not a machine"],
    ("usage_decision", "fr"): ["contester", "réexaminera"],
    ("usage_decision", "nl"): ["betwisten", "opnieuw"],
    ("usage_decision", "en"): ["contest", "review it"],
    ("temporary_block_notice", "fr"): ["168 heures", "se lève de lui-même"],
    ("temporary_block_notice", "nl"): ["168 uur", "vanzelf opgeheven"],
    ("temporary_block_notice", "en"): ["168 hours", "lifts itself"],
    ("portal_login_code", "fr"): ["1234567890", "une fois"],
    ("portal_login_code", "nl"): ["1234567890", "één keer"],
    ("portal_login_code", "en"): ["1234567890", "only once"],
}


def params_for(template: str) -> dict[str, str | int]:
    required, optional = TEMPLATES[template]
    return {name: WORST[name] for name in required | optional}


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("template", sorted(TEMPLATES))
def test_every_template_renders_in_every_language(template: str, language: str) -> None:
    mail = render(template, language, ChannelKind.EMAIL, params_for(template))
    assert mail.subject and "\n" not in mail.subject
    assert mail.text.strip() and mail.html and f'lang="{language}"' in mail.html
    for marker in MARKERS.get((template, language), []):
        assert marker in mail.text
    if "link" in params_for(template):
        assert re.findall(r"https?://\S+", mail.text) == [LINK]
    assert "{{" not in mail.text and "{%" not in mail.text


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("template", sorted(TEMPLATES))
def test_sms_fits_one_gsm7_part(template: str, language: str) -> None:
    """GIVEN the longest parameters and a 59-character link THEN one 160-septet SMS."""
    text = render(template, language, ChannelKind.SMS, params_for(template)).text
    septets = gsm7_septets(text)
    assert septets is not None, f"not GSM-7: {text!r}"
    assert septets <= SMS_SEPTETS, f"{septets} septets: {text!r}"
    if "link" in params_for(template):
        assert text.endswith(LINK)


def test_decision_mail_explains_how_to_get_restored() -> None:
    text = render("usage_decision", "en", ChannelKind.EMAIL, params_for("usage_decision")).text
    assert "a block on outgoing international calls" in text
    assert "To have the block lifted" in text
    none = render(
        "usage_decision",
        "en",
        ChannelKind.EMAIL,
        {**params_for("usage_decision"), "decision": "no_action"},
    ).text
    assert "no action" in none and "lifted" not in none


def test_free_text_is_escaped_in_the_html_part() -> None:
    params = {**params_for("usage_review_contact"), "observed": "<script>alert(1)</script>"}
    mail = render("usage_review_contact", "en", ChannelKind.EMAIL, params)
    assert mail.html is not None and "<script>" not in mail.html
    assert "&lt;script&gt;" in mail.html


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"line_end": "+32470123456"}, "line_end"),
        ({"decision": "terminate"}, "decision"),
        ({"reason": ""}, "reason"),
        ({"link": "https://portal.example-op.be/contest?email=jan@example.org"}, "link"),
        ({"extra": "x"}, "extra"),
    ],
)
def test_bad_params_name_the_field(change: dict[str, str], field: str) -> None:
    params = {**params_for("usage_decision"), **change}
    with pytest.raises(InputError) as err:
        render("usage_decision", "fr", ChannelKind.EMAIL, params)
    assert err.value.field == field
    assert "jan@example.org" not in str(err.value) and "+32470123456" not in str(err.value)


def test_missing_param_unknown_template_and_language() -> None:
    with pytest.raises(InputError) as err:
        render("usage_decision", "fr", ChannelKind.EMAIL, {"line_end": "12"})
    assert err.value.field in {"decision", "link", "reason"}
    with pytest.raises(InputError) as err:
        render("cut_the_line", "fr", ChannelKind.EMAIL, {})
    assert err.value.field == "template"
    with pytest.raises(InputError) as err:
        render("test_message", "de", ChannelKind.EMAIL, {})
    assert err.value.field == "language"


# -- GSM-7 ------------------------------------------------------------------------------------


@given(st.text(max_size=300))
def test_to_gsm7_always_yields_gsm7(text: str) -> None:
    out = to_gsm7(text)
    assert gsm7_septets(out) is not None


@given(st.text(alphabet=string.ascii_letters + string.digits + " .,:;!?'()-/", max_size=200))
def test_to_gsm7_keeps_plain_ascii(text: str) -> None:
    assert to_gsm7(text) == text
    assert gsm7_septets(text) == len(text)


def test_gsm7_counts_escapes_and_rejects_ucs2() -> None:
    assert gsm7_septets("€[]") == 6
    assert gsm7_septets("é à ù") == 5
    assert gsm7_septets("ê") is None
    assert to_gsm7("Fenêtre « ça » – œuvre…") == 'Fenetre " ca " - oeuvre...'


# -- links ------------------------------------------------------------------------------------

_tokens = st.integers(min_value=12, max_value=48).map(secrets.token_urlsafe)
_routes = st.lists(st.from_regex(r"[a-z][a-z-]{0,10}", fullmatch=True), max_size=3)


@given(_routes, _tokens)
def test_links_with_a_random_token_are_accepted(route: list[str], token: str) -> None:
    if token.isdigit():
        return
    url = "https://portal.operator.example/" + "/".join([*route, token])
    assert check_link(url) == url


_personal = st.one_of(
    st.emails(),
    st.from_regex(r"\+324[0-9]{8}", fullmatch=True),
    st.from_regex(r"C-[0-9]{6}", fullmatch=True),
    st.just("BE71096123456769"),
    st.from_regex(r"[0-9]{16,20}", fullmatch=True),
)


@given(_personal, _tokens)
def test_links_carrying_personal_data_are_refused(value: str, token: str) -> None:
    """Whatever place a personal value takes (route, token, query), the link is refused, and
    the error does not repeat it."""
    for url in (
        f"https://portal.operator.example/c/{value}",
        f"https://portal.operator.example/{value}/{token}",
        f"https://portal.operator.example/c/{token}?who={value}",
        f"https://portal.operator.example/c/{token}#{value}",
    ):
        with pytest.raises(InputError) as err:
            check_link(url)
        assert value not in str(err.value)


@pytest.mark.parametrize(
    "url",
    [
        "http://portal.operator.example/c/Zq3xY7bLw0PqR9sT1uVw2x",  # http off localhost
        "https://user:pw@portal.operator.example/c/Zq3xY7bLw0PqR9sT1uVw2x",
        "https://portal.operator.example/c/short",
        "ftp://portal.operator.example/c/Zq3xY7bLw0PqR9sT1uVw2x",
        "https://portal.operator.example/",
        "not a url",
    ],
)
def test_other_bad_links(url: str) -> None:
    with pytest.raises(InputError):
        check_link(url)
