"""Console security: CSRF tokens, cookie settings and response headers.

Every form carries a CSRF token: an HMAC, under the installation's session key, of the
session token (signed-in pages) or of a random pre-session cookie (sign-in forms). The
session cookies are HttpOnly and SameSite=Strict, Secure unless turned off for a local
http demo. Every response gets a Content-Security-Policy with no inline scripts.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = [
    "CSP",
    "LANG_COOKIE",
    "PORTAL_COOKIE",
    "PRE_COOKIE",
    "SESSION_COOKIE",
    "CookieSettings",
    "SecurityHeaders",
    "csrf_for",
    "csrf_ok",
    "new_pre_token",
    "safe_next",
]

SESSION_COOKIE = "ecluse_console"
PORTAL_COOKIE = "ecluse_portal"
PRE_COOKIE = "ecluse_pre"
LANG_COOKIE = "ecluse_lang"

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
]


@dataclass(frozen=True)
class CookieSettings:
    secure: bool

    def session(self, max_age: int) -> dict[str, object]:
        return {
            "max_age": max_age,
            "path": "/",
            "secure": self.secure,
            "httponly": True,
            "samesite": "strict",
        }


def csrf_for(session_key: bytes, purpose: str, token: str) -> str:
    mac = hmac.new(session_key, f"console|{purpose}|{token}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def csrf_ok(session_key: bytes, purpose: str, token: str | None, sent: object) -> bool:
    if not token or not isinstance(sent, str) or not sent:
        return False
    expected = csrf_for(session_key, purpose, token)
    return hmac.compare_digest(expected.encode(), sent.encode("utf-8", "replace"))


def new_pre_token() -> str:
    return secrets.token_urlsafe(24)


def safe_next(value: str | None, default: str = "/") -> str:
    """A local path to go back to (never another site: ``//host`` and ``\\`` refused)."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return default
    return value[:200]


class SecurityHeaders:
    """Adds the CSP and related headers to every console response (pure ASGI: no buffering)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [h for h in message.get("headers", []) if h[0] not in dict(_HEADERS)]
                message["headers"] = headers + _HEADERS
            await send(message)

        await self.app(scope, receive, with_headers)
