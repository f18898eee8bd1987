"""The HTTP API: FastAPI under ``/api/v1`` over the case desk, ledger and accounts.

Routes are thin: they parse input, call one service function and map its errors to JSON
(422 bad input, 401 unauthenticated, 403 forbidden, 404 not found — the same 404 for what
does not exist and what the caller may not reach). :func:`create_app` builds the app for an
installation; :func:`serve` runs it with uvicorn.
"""

from __future__ import annotations

from ecluse.api._app import PREFIX, ApiSettings, create_app
from ecluse.api._auth import CSRF_COOKIE, CSRF_HEADER, SESSION_COOKIE, csrf_token
from ecluse.api._serve import serve

__all__ = [
    "CSRF_COOKIE",
    "CSRF_HEADER",
    "PREFIX",
    "SESSION_COOKIE",
    "ApiSettings",
    "create_app",
    "csrf_token",
    "serve",
]
