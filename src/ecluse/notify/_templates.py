"""Customer messages in French, Dutch and English, rendered from ``templates/<lang>.toml``.

Each template declares its parameters here; a missing, unknown or malformed parameter is an
:class:`InputError` naming the template and the parameter (never its value), raised when the
caller enqueues, not hours later in the delivery worker.
"""

from __future__ import annotations

import html
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import jinja2

from ecluse.errors import InputError
from ecluse.notify._gsm import to_gsm7
from ecluse.notify._links import check_link
from ecluse.notify._model import ChannelKind

__all__ = ["LANGUAGES", "TEMPLATES", "Rendered", "render"]

LANGUAGES = ("fr", "nl", "en")
_FREE_TEXT_MAX = 1000
_DECISIONS = (
    "no_action",
    "advice",
    "plan_change",
    "spending_cap",
    "international_block",
    "suspension",
)
_FIELDS = (
    "name",
    "birth_date",
    "national_number",
    "address",
    "phone",
    "email",
    "iban",
    "contracts",
    "invoices",
    "lines",
    "supply_points",
)


def _pattern(regex: str, what: str) -> Callable[[str, Any], Any]:
    compiled = re.compile(regex)

    def check(name: str, value: Any) -> Any:
        if not isinstance(value, str) or not compiled.fullmatch(value):
            raise InputError(f"must be {what}", field=name)
        return value

    return check


def _choice(options: tuple[str, ...]) -> Callable[[str, Any], Any]:
    def check(name: str, value: Any) -> Any:
        if value not in options:
            raise InputError(f"must be one of {', '.join(options)}", field=name)
        return value

    return check


def _free_text(name: str, value: Any) -> Any:
    if not isinstance(value, str) or not value.strip() or len(value) > _FREE_TEXT_MAX:
        raise InputError(f"must be text of 1 to {_FREE_TEXT_MAX} characters", field=name)
    return value.strip()


def _short_text(name: str, value: Any) -> Any:
    if not isinstance(value, str) or not value.strip() or len(value) > 80 or "\n" in value:
        raise InputError("must be one line of 1 to 80 characters", field=name)
    return value.strip()


def _whole_number(maximum: int) -> Callable[[str, Any], Any]:
    def check(name: str, value: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= maximum:
            raise InputError(f"must be a whole number from 1 to {maximum}", field=name)
        return value

    return check


def _link(name: str, value: Any) -> Any:
    return check_link(value, field=name)


_CHECKS: dict[str, Callable[[str, Any], Any]] = {
    "line_end": _pattern(r"[0-9]{2,4}", "the last 2 to 4 digits of the line"),
    "code": _pattern(r"[0-9]{4,10}", "4 to 10 digits"),
    "link": _link,
    "observed": _free_text,
    "reason": _free_text,
    "pattern": _free_text,
    "decision": _choice(_DECISIONS),
    "field": _choice(_FIELDS),
    "company": _short_text,
    "country": _short_text,
    "when": _short_text,
    "minutes": _whole_number(24 * 60),
    "review_hours": _whole_number(7 * 24),
}

# template -> (required parameters, optional parameters)
TEMPLATES: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "usage_review_contact": (frozenset({"line_end", "observed", "link"}), frozenset()),
    "usage_decision": (frozenset({"line_end", "decision", "reason", "link"}), frozenset()),
    "line_restored": (frozenset({"line_end"}), frozenset({"link"})),
    "temporary_block_notice": (
        frozenset({"line_end", "pattern", "review_hours", "link"}),
        frozenset(),
    ),
    "portal_login_code": (frozenset({"code", "minutes"}), frozenset()),
    "reveal_notice": (frozenset({"field", "company", "country", "when", "link"}), frozenset()),
    "test_message": (frozenset(), frozenset()),
}


@dataclass(frozen=True)
class Rendered:
    """A message ready for a channel: ``subject`` and ``html`` are ``None`` for SMS."""

    text: str
    subject: str | None = None
    html: str | None = None


_env = jinja2.Environment(
    undefined=jinja2.StrictUndefined,
    autoescape=False,  # plain text; the HTML part is escaped separately
    keep_trailing_newline=False,
    trim_blocks=True,
)


@cache
def _catalogue(language: str) -> dict[str, Any]:
    text = (
        resources.files("ecluse.notify")
        .joinpath("templates")
        .joinpath(f"{language}.toml")
        .read_text(encoding="utf-8")
    )
    return tomllib.loads(text)


@cache
def _compiled(language: str, template: str, part: str) -> jinja2.Template:
    return _env.from_string(_catalogue(language)[template][part])


def check_params(template: str, params: Mapping[str, Any]) -> dict[str, Any]:
    """The parameters of ``template``, validated and normalised."""
    if template not in TEMPLATES:
        raise InputError(f"unknown template (known: {', '.join(TEMPLATES)})", field="template")
    required, optional = TEMPLATES[template]
    missing = sorted(required - params.keys())
    if missing:
        raise InputError(f"template {template}: missing parameter", field=missing[0])
    unknown = sorted(params.keys() - required - optional)
    if unknown:
        raise InputError(f"template {template}: unknown parameter", field=unknown[0])
    return {name: _CHECKS[name](name, value) for name, value in params.items()}


def render(
    template: str, language: str, channel: ChannelKind, params: Mapping[str, Any]
) -> Rendered:
    """Render ``template`` in ``language`` for ``channel`` after checking ``params``."""
    if language not in LANGUAGES:
        raise InputError(f"must be one of {', '.join(LANGUAGES)}", field="language")
    values = check_params(template, params)
    for name in TEMPLATES[template][1]:
        values.setdefault(name, None)
    values["labels"] = _catalogue(language)["labels"]
    if channel is ChannelKind.SMS:
        sms = _compiled(language, template, "sms").render(values)
        return Rendered(text=to_gsm7(" ".join(sms.split())))
    subject = " ".join(_compiled(language, template, "subject").render(values).split())
    text = _compiled(language, template, "text").render(values).strip() + "\n"
    text = re.sub(r"\n{3,}", "\n\n", text)
    return Rendered(text=text, subject=subject, html=_to_html(text, language))


def _to_html(text: str, language: str) -> str:
    """A minimal HTML part: paragraphs, line breaks and clickable links, everything escaped."""
    paragraphs = []
    for block in text.strip().split("\n\n"):
        lines = []
        for line in block.split("\n"):
            escaped = html.escape(line)
            if re.fullmatch(r"https?://\S+", line):
                escaped = f'<a href="{escaped}">{escaped}</a>'
            lines.append(escaped)
        paragraphs.append("<p>" + "<br>\n".join(lines) + "</p>")
    body = "\n".join(paragraphs)
    return (
        f'<!DOCTYPE html>\n<html lang="{language}"><head><meta charset="utf-8"></head>'
        f"<body>\n{body}\n</body></html>\n"
    )
