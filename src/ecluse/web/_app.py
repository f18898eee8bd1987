"""The console application: server-rendered pages over the case desk, ledger and accounts."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from ecluse.cases import desk_for
from ecluse.errors import EcluseError, InputError, NotFound, PermissionDenied
from ecluse.installation import Installation
from ecluse.ledger import ledger_for
from ecluse.org import AccountPolicy, AuthError, RateLimiter
from ecluse.web import _agent, _analyst, _dpo, _lead, _portal, _signin
from ecluse.web._i18n import pick_language
from ecluse.web._security import LANG_COOKIE, CookieSettings, SecurityHeaders
from ecluse.web._session import BadCsrf, SignInFirst
from ecluse.web._state import ConsoleState, Page

__all__ = ["create_console_app", "create_console_router", "secure_cookie_setting"]

log = logging.getLogger("ecluse.web")
_STATIC = Path(__file__).parent / "static"


def secure_cookie_setting(inst: Installation) -> bool:
    """``[api] secure_cookie`` (default true), overridden by ``ECLUSE_API_SECURE_COOKIE``."""
    import os

    value = inst.settings.section("api").get("secure_cookie", True)
    env = os.environ.get("ECLUSE_API_SECURE_COOKIE")
    if env is not None:
        return env.strip().lower() not in ("0", "false", "no", "off")
    return bool(value)


def _login_limit(inst: Installation) -> int:
    value = inst.settings.section("api").get("login_attempts_per_minute", 10)
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 10


def create_console_router() -> APIRouter:
    """Every console route; the state comes from ``app.state.console``."""
    router = APIRouter()
    for module in (_signin, _agent, _lead, _dpo, _analyst, _portal):
        router.include_router(module.router)
    return router


def create_console_app(
    inst: Installation,
    *,
    secure_cookie: bool | None = None,
    accounts: AccountPolicy | None = None,
    limiter: RateLimiter | None = None,
) -> FastAPI:
    """The console as an ASGI app, to serve alone or mount at ``/`` beside the JSON API.

    ``secure_cookie`` overrides ``[api] secure_cookie``; ``accounts`` the ``[accounts]``
    policy and ``limiter`` the per-source sign-in limit (``[api] login_attempts_per_minute``);
    the API passes its own, so both adapters apply the same ones.
    """
    state = ConsoleState(
        inst=inst,
        desk=desk_for(inst),
        ledger=ledger_for(inst),
        accounts=accounts or AccountPolicy.from_settings(inst.settings),
        limiter=limiter or RateLimiter(_login_limit(inst)),
        cookies=CookieSettings(
            secure_cookie if secure_cookie is not None else secure_cookie_setting(inst)
        ),
    )
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    app.state.console = state
    app.include_router(create_console_router())
    app.mount("/static", _Static(directory=str(_STATIC)), name="static")
    _install_handlers(app)
    app.add_middleware(SecurityHeaders)
    return app


class _Static(StaticFiles):
    """The console's own CSS and JS (a few kilobytes): cached for an hour, then revalidated
    by ETag, so a slow link fetches them once."""

    def file_response(self, *args: Any, **kwargs: Any) -> Response:
        response = super().file_response(*args, **kwargs)
        response.headers["Cache-Control"] = "public, max-age=3600"
        return response


def _error_page(request: Request, status: int, message: str) -> HTMLResponse:
    st: ConsoleState = request.app.state.console
    lang = pick_language(request.cookies.get(LANG_COOKIE), request.headers.get("accept-language"))
    page = Page(st, lang, "", request.url.path)
    return page.render("error.html", status=status, message=message)


def _install_handlers(app: FastAPI) -> None:
    async def sign_in(request: Request, exc: Exception) -> Response:
        portal = isinstance(exc, SignInFirst) and exc.portal
        return RedirectResponse("/portal/login" if portal else "/login", status_code=303)

    async def csrf(request: Request, _: Exception) -> Response:
        return _error_page(request, 403, "csrf")

    async def bad_input(request: Request, exc: Exception) -> Response:
        reason = exc.reason if isinstance(exc, InputError) else "invalid input"
        field = exc.field if isinstance(exc, InputError) else None
        return _error_page(request, 422, f"{field}: {reason}" if field else reason)

    async def validation(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()))
        return _error_page(request, 422, f"{where}: {first.get('msg', 'invalid')}")

    async def not_found(request: Request, exc: Exception) -> Response:
        return _error_page(request, 404, str(exc) or "not found")

    async def denied(request: Request, exc: Exception) -> Response:
        return _error_page(request, 403, str(exc) or "forbidden")

    async def http(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        if request.url.path.startswith("/api/"):
            # Mounted beside the JSON API: its unknown paths still answer in its JSON shape.
            body = {"error": "not_found", "message": "not found", "field": None}
            if exc.status_code == 405:
                body.update(error="method_not_allowed", message="method not allowed")
            return JSONResponse(body, status_code=exc.status_code)
        return _error_page(request, exc.status_code, str(exc.detail))

    async def service(request: Request, exc: Exception) -> Response:
        log.error("service error: %s", type(exc).__name__)
        return _error_page(request, 500, str(exc))

    app.add_exception_handler(SignInFirst, sign_in)
    app.add_exception_handler(AuthError, sign_in)
    app.add_exception_handler(BadCsrf, csrf)
    app.add_exception_handler(InputError, bad_input)
    app.add_exception_handler(RequestValidationError, validation)
    app.add_exception_handler(NotFound, not_found)
    app.add_exception_handler(PermissionDenied, denied)
    app.add_exception_handler(EcluseError, service)
    app.add_exception_handler(StarletteHTTPException, http)
