"""SMS through an HTTP gateway: POST JSON with a bearer token, read back the message id.

Request: ``{"to": "+32...", "text": "...", "reference": "<message id>", "from": "<sender>"}``
with ``Authorization: Bearer <token>`` and ``Idempotency-Key: <message id>``.
2xx = accepted; 408/425/429 and 5xx, timeouts, refused connections = try again;
other 4xx = refused for good.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from ecluse.notify._model import ChannelKind, Outgoing, PermanentSendError, RetryableSendError

__all__ = ["HttpSmsGateway", "SmsConfig"]

_RETRYABLE_4XX = frozenset({408, 425, 429})


@dataclass(frozen=True)
class SmsConfig:
    url: str
    token: str
    sender: str | None = None
    timeout: float = 10.0
    ca_file: str | None = None
    id_field: str = "id"  # where the gateway's JSON answer puts its message id

    def __repr__(self) -> str:  # keep the token out of logs and tracebacks
        return f"SmsConfig(url={self.url!r}, sender={self.sender!r})"


class HttpSmsGateway:
    """One pooled HTTP client per gateway; call :meth:`close` when done."""

    def __init__(self, config: SmsConfig) -> None:
        self.config = config
        verify: Any = config.ca_file or True
        self._client = httpx.Client(timeout=config.timeout, verify=verify)

    def __enter__(self) -> HttpSmsGateway:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def kind(self) -> ChannelKind:
        return ChannelKind.SMS

    def close(self) -> None:
        self._client.close()

    def send(self, message: Outgoing) -> str | None:
        cfg = self.config
        body: dict[str, str] = {
            "to": message.recipient,
            "text": message.text,
            "reference": message.message_id,
        }
        if cfg.sender:
            body["from"] = cfg.sender
        headers = {
            "Authorization": f"Bearer {cfg.token}",
            "Idempotency-Key": message.message_id,
        }
        try:
            response = self._client.post(cfg.url, json=body, headers=headers)
        except httpx.TimeoutException:
            raise RetryableSendError("SMS gateway timed out") from None
        except httpx.HTTPError as exc:
            raise RetryableSendError(f"SMS gateway unreachable ({type(exc).__name__})") from None
        status = response.status_code
        if 200 <= status < 300:
            return _message_id(response, cfg.id_field)
        if 400 <= status < 500 and status not in _RETRYABLE_4XX:
            raise PermanentSendError(f"SMS gateway refused the message: HTTP {status}")
        raise RetryableSendError(f"SMS gateway error: HTTP {status}")


def _message_id(response: httpx.Response, field: str) -> str | None:
    """The gateway's id for the message (``a.b`` for a nested field), if it sent one."""
    try:
        value: Any = response.json()
    except ValueError:
        return None
    for part in field.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return None if value is None else str(value)[:128]
