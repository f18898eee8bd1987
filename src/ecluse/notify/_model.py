"""The outbox's vocabulary: what a caller enqueues, what a channel sends, what it may answer."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol, runtime_checkable

from ecluse.errors import EcluseError

__all__ = [
    "Channel",
    "ChannelKind",
    "Notification",
    "NotificationState",
    "NotificationStatus",
    "Outgoing",
    "PermanentSendError",
    "RetryableSendError",
    "SendError",
]


class ChannelKind(StrEnum):
    EMAIL = "email"
    SMS = "sms"


class NotificationState(StrEnum):
    QUEUED = "queued"  # waiting for its first attempt
    SENDING = "sending"  # claimed by a worker (lease in ``claimed_until``)
    FAILED = "failed"  # the last attempt failed; another one is scheduled
    SENT = "sent"  # the channel accepted it
    DEAD = "dead"  # given up: permanent refusal, too many attempts, or expired
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class Notification:
    """One message to one customer, as a caller asks for it.

    ``recipient`` (an e-mail address or an E.164 phone number) and ``params`` may hold personal
    data: the outbox stores them sealed. ``reference`` (e.g. a case id) and ``idempotency_key``
    are stored in clear and must be opaque. Enqueuing twice with the same ``idempotency_key``
    yields the first notification, so a caller's rerun does not contact the customer twice.
    """

    template: str
    channel: ChannelKind
    recipient: str
    language: str
    params: Mapping[str, str | int] = field(default_factory=dict)
    reference: str | None = None
    idempotency_key: str | None = None
    not_before: datetime | None = None
    # A message that is useless after a time (a one-time code) is not sent after it.
    expires_at: datetime | None = None


@dataclass(frozen=True)
class Outgoing:
    """A rendered message handed to a channel. ``message_id`` is stable across retries."""

    message_id: str
    channel: ChannelKind
    recipient: str
    language: str
    text: str
    subject: str | None = None
    html: str | None = None


@dataclass(frozen=True)
class NotificationStatus:
    """What the case desk shows: "customer contacted at ..."."""

    id: str
    template: str
    channel: ChannelKind
    language: str
    reference: str | None
    state: NotificationState
    attempts: int
    created_at: datetime
    last_attempt_at: datetime | None
    next_attempt_at: datetime | None
    sent_at: datetime | None
    dead_at: datetime | None
    last_error: str | None
    provider_id: str | None


class SendError(EcluseError):
    """A channel could not deliver. The message names a code and reason, never the recipient."""


class RetryableSendError(SendError):
    """Try again later: timeout, connection refused, 5xx, rate limit."""


class PermanentSendError(SendError):
    """The peer refused this message for good (4xx from a gateway, 5xx from SMTP)."""


@runtime_checkable
class Channel(Protocol):
    """One outside system that carries messages to customers."""

    @property
    def kind(self) -> ChannelKind: ...

    def send(self, message: Outgoing) -> str | None:
        """Hand one message over; return the peer's message id if it gives one.

        Raise :class:`RetryableSendError` or :class:`PermanentSendError` on failure.
        """
        ...

    def close(self) -> None: ...
