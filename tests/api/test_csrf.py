"""The CSRF token: bound to the session and to the installation's key (property tests)."""

from __future__ import annotations

import hmac

from hypothesis import given
from hypothesis import strategies as st

from ecluse.api import csrf_token

_keys = st.binary(min_size=32, max_size=32)
_tokens = st.text(min_size=1, max_size=128)


@given(key=_keys, token=_tokens, other=_tokens)
def test_token_is_bound_to_its_session(key: bytes, token: str, other: str) -> None:
    mine = csrf_token(key, token)
    assert mine == csrf_token(key, token)  # deterministic: no server-side store needed
    if other != token:
        assert not hmac.compare_digest(mine, csrf_token(key, other))


@given(key=_keys, other_key=_keys, token=_tokens)
def test_token_is_bound_to_the_installation_key(key: bytes, other_key: bytes, token: str) -> None:
    if key != other_key:
        assert csrf_token(key, token) != csrf_token(other_key, token)


@given(key=_keys, token=_tokens)
def test_token_is_header_safe_and_does_not_contain_the_session(key: bytes, token: str) -> None:
    value = csrf_token(key, token)
    assert value.isascii() and len(value) == 43
    assert all(c.isalnum() or c in "-_" for c in value)
    if len(token) >= 8:
        assert token not in value
