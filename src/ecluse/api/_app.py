"""The application factory: routes under ``/api/v1``, OpenAPI, JSON errors, body limit."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from fastapi import FastAPI
from sqlalchemy.engine import Engine

from ecluse import __version__
from ecluse.api import _auth, _cases, _ledger, _messages
from ecluse.api._direct import DirectApi, DirectRoute
from ecluse.api._errors import install_error_handlers
from ecluse.api._limits import BodyLimit
from ecluse.api._state import ApiState
from ecluse.cases import desk_for
from ecluse.errors import ConfigError
from ecluse.installation import Installation
from ecluse.ledger import ledger_for
from ecluse.org import AccountPolicy, RateLimiter
from ecluse.web import create_console_app

__all__ = ["PREFIX", "ApiSettings", "create_app"]

PREFIX = "/api/v1"
_THREADS = 40  # anyio's default thread limit, which served every route before


class ApiSettings:
    """``[api]`` in ``ecluse.toml``::

        [api]
        secure_cookie = true          # false only for a local http demo
        login_attempts_per_minute = 10
        max_body_bytes = 65536
        inline_reads = "auto"         # "always", "never" (see ``inline``)

    ``ECLUSE_API_SECURE_COOKIE=0`` turns the ``Secure`` flag off too.
    """

    def __init__(self, table: dict[str, Any], where: str) -> None:
        known = {"secure_cookie", "login_attempts_per_minute", "max_body_bytes", "inline_reads"}
        for key in table:
            if key not in known:
                raise ConfigError(f"{where}: [api] {key}: unknown setting")
        self.secure_cookie = _flag(table.get("secure_cookie", True), where, "secure_cookie")
        env = os.environ.get("ECLUSE_API_SECURE_COOKIE")
        if env is not None:
            self.secure_cookie = env.strip().lower() not in ("0", "false", "no", "off")
        self.login_attempts = _count(table.get("login_attempts_per_minute", 10), where, "login")
        self.max_body = _count(table.get("max_body_bytes", 65_536), where, "max_body_bytes")
        self.inline_reads = table.get("inline_reads", "auto")
        if self.inline_reads not in ("auto", "always", "never"):
            raise ConfigError(f'{where}: [api] inline_reads: expected "auto", "always" or "never"')

    def inline(self, engine: Engine) -> bool:
        """Whether the direct routes (the case view) run on the event loop's thread.

        Their reads then block the loop for as long as the database takes: tens of
        microseconds for SQLite or a PostgreSQL server on this machine, a network round trip
        each for a remote one. "auto" runs them inline for those two local cases: on the same
        two cores, PostgreSQL served up to ~750 case views/s inline against ~500 from a pool
        of threads contending for the GIL.
        """
        if self.inline_reads != "auto":
            return bool(self.inline_reads == "always")
        if engine.dialect.name == "sqlite":
            return True
        host = engine.url.host or engine.url.query.get("host") or ""
        host = host if isinstance(host, str) else host[0]
        return host in ("", "localhost", "127.0.0.1", "::1") or host.startswith("/")


def _flag(value: object, where: str, key: str) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"{where}: [api] {key}: expected true or false")
    return value


def _count(value: object, where: str, key: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(f"{where}: [api] {key}: expected a whole number >= 1")
    return value


def create_app(
    inst: Installation,
    *,
    secure_cookie: bool | None = None,
    accounts: AccountPolicy | None = None,
    console: bool = True,
    bench: bool = False,
) -> FastAPI:
    """The Ecluse JSON API for one installation, with the web console mounted at ``/``.

    ``secure_cookie`` overrides ``[api] secure_cookie``; ``accounts`` the installation's
    ``[accounts]`` policy; ``console=False`` leaves the console out; ``bench`` mounts the
    benchmark's unprotected baseline route (never in production).
    """
    settings = ApiSettings(inst.settings.section("api"), str(inst.settings.config_path))
    state = ApiState(
        inst=inst,
        desk=desk_for(inst),
        ledger=ledger_for(inst),
        accounts=accounts or AccountPolicy.from_settings(inst.settings),
        limiter=RateLimiter(settings.login_attempts),
        secure_cookie=settings.secure_cookie if secure_cookie is None else secure_cookie,
        threads=ThreadPoolExecutor(_THREADS, thread_name_prefix="ecluse-api"),
        inline=settings.inline(inst.engine),
    )
    app = DirectApi(
        title="Ecluse API",
        version=__version__,
        description="Case desk, ledger and accounts of an Ecluse installation.",
        openapi_url=f"{PREFIX}/openapi.json",
        # The interactive pages load their scripts from a CDN: not offered.
        docs_url=None,
        redoc_url=None,
    )
    app.state.ecluse = state
    install_error_handlers(app)

    @app.get(f"{PREFIX}/health", tags=["health"], summary="Liveness (no authentication)")
    def health() -> dict[str, Any]:
        return {"status": "ok", "version": __version__}

    # Each included directly under the prefix: FastAPI matches nested routers level by level
    # on every request, which cost more than the baseline's own query. Routes are tried in
    # order: the case routes, the busiest, first (paths do not overlap, so order is free).
    routers = [_cases.router, _messages.router, _auth.router, _ledger.router]
    # The case view, the hottest route, is answered directly (see _direct), first.
    direct = [DirectRoute(f"{PREFIX}/cases/", "", _cases.view, _cases.view_on_loop)]
    if bench:
        from ecluse.api import _bench

        # Ahead of the case routes: the baseline must not pay for scanning them, and is
        # served the way the case view is, so the two differ only by the protection.
        routers.insert(0, _bench.router)
        direct.insert(0, DirectRoute(f"{PREFIX}/_bench/cases/", "/row", _bench.raw_row))
    for router in routers:
        app.include_router(router, prefix=PREFIX)
    app.router.routes[:0] = direct
    app.direct = direct
    app.mount(
        "/",
        create_console_app(
            inst, secure_cookie=state.secure_cookie, accounts=state.accounts, limiter=state.limiter
        ),
    )
    app.add_middleware(BodyLimit, max_bytes=settings.max_body)
    return app
