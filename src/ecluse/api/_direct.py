"""Direct routes: the busiest reads served without FastAPI's per-request machinery.

For a plain ``def`` route FastAPI solves the dependencies, runs the credential check in the
thread pool, then the handler in a second hop; on the case view that cost more CPU than the
view itself. A direct route answers ``GET`` on the same path ahead of the declared route with
the same credential check (:func:`current_principal`) and the same desk function. Errors
raised there get the app's error handlers as from any route.

Where the handler runs: next to a local database (``ApiState.inline``: SQLite, or PostgreSQL
on this machine) on the event loop's thread itself, with no hop at all; otherwise (a remote
PostgreSQL, whose round trips would block the loop) in one hop to the thread pool. Threads
of one process contend for the GIL, and every database call releases and retakes it: the case
view cost 356 µs of CPU in one thread, 500 µs with two threads at work and 713 µs with eight
(in-process, SQLite, no ledger). A route whose answer waits for a ledger commit gives an
``on_loop`` handler that awaits it (the case view: ``Desk.view_async``), so the loop serves
other requests meanwhile; on a pool thread the plain handler (``Desk.view``) joins the group
commit itself, which cost two thread hops fewer than handing the entry on.

:class:`DirectApi` hands a bodiless request for a direct route to it before the middleware
stack (error, body-limit and exception middlewares, router: seven layers per request); a
request with a body goes through the stack, where the same route is first in the router.
The declared FastAPI route stays: it publishes the OpenAPI and answers whatever the direct
route does not match (another method, an id the path pattern refuses: FastAPI's 422).
"""

from __future__ import annotations

import asyncio
import inspect
import re
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI
from starlette.datastructures import URLPath
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Match, NoMatchFound
from starlette.types import Receive, Scope, Send

from ecluse.api._auth import current_principal
from ecluse.api._schemas import ID_PATTERN
from ecluse.api._state import ApiState, api_state
from ecluse.org import Principal

__all__ = ["DirectApi", "DirectRoute"]

Handler = Callable[[str, Principal, ApiState], Response]
"""``(id, caller, state) -> answer``, run on a pool thread or, without ``on_loop``, inline."""
LoopHandler = Callable[[str, Principal, ApiState], Awaitable[Response]]
"""The same answer for the event loop's thread: what it waits for (a ledger commit) it awaits."""

_ID = ID_PATTERN.removeprefix("^").removesuffix("$")


class DirectRoute(BaseRoute):
    """``GET {before}{id}{after}`` answered by ``handler(id, principal, state)`` on a pool
    thread, or inline on the loop by ``on_loop`` (``handler`` if that is not given)."""

    def __init__(
        self, before: str, after: str, handler: Handler, on_loop: LoopHandler | None = None
    ) -> None:
        self.path = f"{before}{{id}}{after}"
        self._regex = re.compile(f"{re.escape(before)}(?P<id>{_ID}){re.escape(after)}")
        self._handler = handler
        self._on_loop = on_loop

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] == "http" and scope["method"] == "GET":
            found = self._regex.fullmatch(scope["path"])
            if found is not None:
                return Match.FULL, {"path_params": {"id": found["id"]}}
        return Match.NONE, {}

    def url_path_for(self, name: str, /, **path_params: Any) -> URLPath:
        raise NoMatchFound(name, path_params)  # reversed through the declared route

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = await self._response(Request(scope, receive, send))
        await response(scope, receive, send)

    async def serve(self, app: FastAPI, scope: Scope, receive: Receive, send: Send) -> None:
        """:meth:`handle` outside the middleware stack: errors answered by ``app``'s handlers."""
        request = Request(scope, receive, send)
        try:
            response = await self._response(request)
        except Exception as exc:
            handler = next(
                app.exception_handlers[c] for c in type(exc).__mro__ if c in app.exception_handlers
            )  # there is one for Exception (see _errors)
            answer = handler(request, exc)
            response = await answer if inspect.isawaitable(answer) else answer
        await response(scope, receive, send)

    async def _response(self, request: Request) -> Response:
        st = api_state(request)
        ident: str = request.scope["path_params"]["id"]
        if not st.inline:
            return await asyncio.get_running_loop().run_in_executor(
                st.threads, self._answer, request, st, ident
            )
        if self._on_loop is None:
            return self._answer(request, st, ident)
        return await self._on_loop(ident, current_principal(request), st)

    def _answer(self, request: Request, st: ApiState, ident: str) -> Response:
        return self._handler(ident, current_principal(request), st)


_BODY_HEADERS = frozenset({b"content-length", b"transfer-encoding"})


class DirectApi(FastAPI):
    """FastAPI answering its :attr:`direct` routes' bodiless requests before its middleware."""

    direct: list[DirectRoute]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not any(k in _BODY_HEADERS for k, _ in scope["headers"]):
            for route in self.direct:
                match, child = route.matches(scope)
                if match is Match.FULL:
                    scope["app"] = self
                    scope.update(child)
                    await route.serve(self, scope, receive, send)
                    return
        await super().__call__(scope, receive, send)
