"""What every console page shares: the installation's services, templates and cookie settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from ecluse.cases import Desk
from ecluse.installation import Installation
from ecluse.ledger import Ledger
from ecluse.org import AccountPolicy, Principal, RateLimiter
from ecluse.privacy import label
from ecluse.web._format import brussels, duration, show_value, sla_left
from ecluse.web._i18n import translate
from ecluse.web._security import CookieSettings

__all__ = ["ConsoleState", "Page", "console_state", "templates"]

_TEMPLATES = Path(__file__).parent / "templates"


def templates() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(_TEMPLATES)),
        autoescape=select_autoescape(["html"]),
        auto_reload=False,  # templates ship with the package: compile each once
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["show"] = show_value
    env.filters["duration"] = duration
    env.filters["brussels"] = brussels
    env.globals["sla_left"] = sla_left
    env.globals["label"] = label
    return env


@dataclass
class ConsoleState:
    inst: Installation
    desk: Desk
    ledger: Ledger
    accounts: AccountPolicy
    limiter: RateLimiter
    cookies: CookieSettings
    env: Environment = field(default_factory=templates)
    review: Any = None  # the usage-review desk, made on first use

    @property
    def session_key(self) -> bytes:
        return self.inst.keyring.session_key


async def console_state(request: Request) -> ConsoleState:
    # async: no I/O here, so FastAPI runs it on the event loop instead of a pool thread.
    state: ConsoleState = request.app.state.console
    return state


@dataclass
class Page:
    """The request's rendering context: language, CSRF token, who is signed in."""

    state: ConsoleState
    lang: str
    csrf: str
    path: str
    me: Principal | None = None
    customer: str | None = None  # portal pages: the signed-in customer's pseudonymous id
    now: datetime | None = None

    def t(self, key: str) -> str:
        return translate(key, self.lang)

    def render(self, template: str, status: int = 200, **ctx: Any) -> HTMLResponse:
        html = self.state.env.get_template(template).render(
            page=self, t=self.t, lang=self.lang, csrf=self.csrf, me=self.me, **ctx
        )
        return HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store"})
