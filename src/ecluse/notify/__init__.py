"""Notifications to customers: a durable, encrypted outbox and the channels that carry it.

Callers (usage review, portal, case desk) :func:`enqueue` a :class:`Notification` in their own
transaction; a worker (``ecluse notify send-pending``) calls :func:`deliver_pending`, which
sends through an :class:`SmtpChannel` or an :class:`HttpSmsGateway` with retries and
exponential backoff; :func:`notification_status` tells the case desk when the customer was
contacted. Recipients and bodies are stored sealed under a per-message key; templates exist
in French, Dutch and English. See ``docs/notifications.md``.
"""

from __future__ import annotations

from ecluse.notify._config import channels_from_settings, retry_policy, sms_config, smtp_config
from ecluse.notify._gsm import SMS_SEPTETS, gsm7_septets, to_gsm7
from ecluse.notify._links import check_link
from ecluse.notify._model import (
    Channel,
    ChannelKind,
    Notification,
    NotificationState,
    NotificationStatus,
    Outgoing,
    PermanentSendError,
    RetryableSendError,
    SendError,
)
from ecluse.notify._outbox import (
    DeliveryReport,
    RetryPolicy,
    cancel,
    cancel_reference,
    deliver_pending,
    enqueue,
    notification_status,
    notifications_for,
    rewrap_keys,
)
from ecluse.notify._service import send_pending, send_test_email
from ecluse.notify._sms import HttpSmsGateway, SmsConfig
from ecluse.notify._smtp import SmtpChannel, SmtpConfig
from ecluse.notify._templates import LANGUAGES, TEMPLATES, Rendered, render

__all__ = [
    "LANGUAGES",
    "SMS_SEPTETS",
    "TEMPLATES",
    "Channel",
    "ChannelKind",
    "DeliveryReport",
    "HttpSmsGateway",
    "Notification",
    "NotificationState",
    "NotificationStatus",
    "Outgoing",
    "PermanentSendError",
    "Rendered",
    "RetryPolicy",
    "RetryableSendError",
    "SendError",
    "SmsConfig",
    "SmtpChannel",
    "SmtpConfig",
    "cancel",
    "cancel_reference",
    "channels_from_settings",
    "check_link",
    "deliver_pending",
    "enqueue",
    "gsm7_septets",
    "notification_status",
    "notifications_for",
    "render",
    "retry_policy",
    "rewrap_keys",
    "send_pending",
    "send_test_email",
    "sms_config",
    "smtp_config",
    "to_gsm7",
]
