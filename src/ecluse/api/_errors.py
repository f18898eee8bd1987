"""JSON errors everywhere: one shape, no echo of the input, never a traceback.

``{"error": code, "message": reason, "field": where}``. Messages come from the domain's
exceptions, which by design name the place and reason and never the value; FastAPI's own
validation errors are rebuilt without their ``input`` (it could be a password or an IBAN).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from ecluse.errors import EcluseError, InputError, NotFound, PermissionDenied
from ecluse.ledger import WriterUnavailable
from ecluse.org import AuthError, AuthFailure

__all__ = ["ApiError", "error_response", "install_error_handlers"]

log = logging.getLogger("ecluse.api")


class ApiError(Exception):
    """An answer decided by the adapter itself (CSRF, role gate, body too large)."""

    def __init__(self, status: int, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.field = status, code, message, field


def error_response(
    status: int,
    code: str,
    message: str,
    field: str | None = None,
    *,
    headers: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {"error": code, "message": message, "field": field}
    if extra:
        body.update(extra)
    return JSONResponse(body, status_code=status, headers=headers)


def _where(loc: Sequence[Any]) -> str:
    return ".".join(str(part) for part in loc)


async def _validation(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems = [
        {"field": _where(e.get("loc", ())), "reason": str(e.get("msg", "invalid"))}
        for e in exc.errors()
    ]
    reason, field = (problems[0]["reason"], problems[0]["field"]) if problems else ("", None)
    return error_response(
        422, "invalid_input", reason or "invalid input", field, extra={"problems": problems[:20]}
    )


async def _input(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, InputError)
    return error_response(422, "invalid_input", exc.reason, exc.field)


async def _not_found(_: Request, exc: Exception) -> JSONResponse:
    return error_response(404, "not_found", str(exc) or "not found")


async def _denied(_: Request, exc: Exception) -> JSONResponse:
    return error_response(403, "forbidden", str(exc) or "forbidden")


async def _auth(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AuthError)
    if exc.reason is AuthFailure.RATE_LIMITED:
        headers = {"Retry-After": "60"}
        return error_response(429, exc.reason.value, str(exc), headers=headers)
    return error_response(
        401, exc.reason.value, str(exc), headers={"WWW-Authenticate": 'Bearer realm="ecluse"'}
    )


async def _api(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return error_response(exc.status, exc.code, exc.message, exc.field)


async def _http(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
    message = exc.detail if isinstance(exc.detail, str) else "error"
    return error_response(
        exc.status_code, code, message, headers=dict(exc.headers) if exc.headers else None
    )


async def _unavailable(_: Request, exc: Exception) -> JSONResponse:
    # The ledger writer went away before confirming the access: it may not be recorded, so
    # nothing is shown. A retry finds no writer and is recorded by the worker itself.
    log.error("service unavailable: %s", type(exc).__name__)
    return error_response(503, "unavailable", str(exc), headers={"Retry-After": "1"})


async def _service(_: Request, exc: Exception) -> JSONResponse:
    # Domain errors other than the above (configuration, damaged ledger): a server-side
    # problem, not the caller's. Their messages carry no personal data.
    log.error("service error: %s", type(exc).__name__)
    return error_response(500, "service_error", str(exc))


async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
    # Only the exception's type is logged: its text could quote a value.
    log.error("unexpected %s", type(exc).__name__)
    return error_response(500, "internal", "internal error")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(InputError, _input)
    app.add_exception_handler(NotFound, _not_found)
    app.add_exception_handler(PermissionDenied, _denied)
    app.add_exception_handler(AuthError, _auth)
    app.add_exception_handler(ApiError, _api)
    app.add_exception_handler(HTTPException, _http)
    app.add_exception_handler(WriterUnavailable, _unavailable)
    app.add_exception_handler(EcluseError, _service)
    app.add_exception_handler(Exception, _unexpected)
