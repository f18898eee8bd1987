"""Envelope encryption of one outbox message: recipient and rendered body under its own key.

Each message gets a fresh data key wrapped by the installation's KEK. The key is bound to the
message id through the associated data, so a sealed body cannot be moved to another row.
Dropping the wrapped key once the message is sent leaves nothing readable behind.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from ecluse.keys import Keyring, WrappedKey
from ecluse.notify._templates import Rendered

__all__ = ["Sealed", "open_message", "seal_message"]


@dataclass(frozen=True)
class Sealed:
    kek_id: str
    wrapped_key: bytes
    blob: bytes


def _aad(notification_id: str) -> bytes:
    return b"ecluse.notify.outbox:" + notification_id.encode()


def seal_message(
    keyring: Keyring, notification_id: str, recipient: str, rendered: Rendered
) -> Sealed:
    key, wrapped = keyring.new_data_key()
    payload = {"to": recipient, "subject": rendered.subject, "text": rendered.text}
    if rendered.html is not None:
        payload["html"] = rendered.html
    blob = key.seal(json.dumps(payload).encode(), _aad(notification_id))
    return Sealed(wrapped.kek_id, wrapped.blob, blob)


def open_message(keyring: Keyring, notification_id: str, sealed: Sealed) -> tuple[str, Rendered]:
    """The recipient and rendered message; raises ``UndecryptableError`` or ``ConfigError``."""
    key = keyring.unwrap(WrappedKey(sealed.kek_id, sealed.wrapped_key))
    payload = json.loads(key.open(sealed.blob, _aad(notification_id)))
    rendered = Rendered(text=payload["text"], subject=payload["subject"], html=payload.get("html"))
    return payload["to"], rendered
