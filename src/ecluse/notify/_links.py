"""Links in customer messages carry an opaque token and fixed route words, nothing else.

A link travels through mail servers, SMS gateways, proxies and browser histories, so it must
not name the customer: no e-mail, phone, account or customer number, no query string.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from stdnum import iban

from ecluse.errors import InputError

__all__ = ["check_link"]

_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,128}")
_ROUTE_WORD = re.compile(r"[a-z][a-z-]{0,31}")
_HOST = re.compile(r"[a-z0-9.-]{1,253}")
_LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1"})


def check_link(url: str, *, field: str = "link") -> str:
    """``url`` if it is ``http(s)://host[:port]/route/words/<token>``; else :class:`InputError`.

    Route words are lower-case letters and dashes (no digits, so no ids); the token is 16-128
    URL-safe characters (e.g. ``secrets.token_urlsafe(24)``), not all digits, not an IBAN.
    The error never repeats the link: it may hold the very data it must not.
    """
    if not isinstance(url, str) or len(url) > 512:
        raise InputError("link missing or longer than 512 characters", field=field)
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise InputError("not a URL", field=field) from None
    host = parts.hostname or ""
    if parts.scheme not in ("https", "http") or not _HOST.fullmatch(host):
        raise InputError("link must be an http(s) URL with a host name", field=field)
    if parts.scheme == "http" and host not in _LOCAL_HOSTS:
        raise InputError("link must use https", field=field)
    if parts.username is not None or parts.password is not None:
        raise InputError("link must not carry credentials", field=field)
    if parts.query or parts.fragment or "?" in url or "#" in url:
        raise InputError("link must not carry a query string or fragment", field=field)
    if port is not None and not 0 < port < 65536:
        raise InputError("link port out of range", field=field)
    segments = parts.path.split("/")[1:]
    if not segments or not segments[-1]:
        raise InputError("link must end with an opaque token", field=field)
    *words, token = segments
    if any(not _ROUTE_WORD.fullmatch(w) for w in words):
        raise InputError("link route must be lower-case words (no ids or names)", field=field)
    if not _TOKEN.fullmatch(token) or token.isdigit() or iban.is_valid(token):
        raise InputError("link must end with an opaque random token", field=field)
    return url
