"""Service functions the adapters (CLI, jobs, console) call with an open installation."""

from __future__ import annotations

import uuid
from datetime import datetime

from ecluse.errors import ConfigError
from ecluse.installation import Installation
from ecluse.notify._config import channels_from_settings, retry_policy, smtp_config
from ecluse.notify._model import ChannelKind, Outgoing
from ecluse.notify._outbox import DeliveryReport, check_recipient, deliver_pending
from ecluse.notify._smtp import SmtpChannel
from ecluse.notify._templates import render

__all__ = ["send_pending", "send_test_email"]


def send_pending(
    inst: Installation, *, limit: int = 100, now: datetime | None = None
) -> DeliveryReport:
    """One delivery pass over the installation's outbox with its configured channels."""
    channels = channels_from_settings(inst.settings)
    if not channels:
        raise ConfigError(
            f"{inst.settings.config_path}: no notification channel configured "
            "(set [notify.smtp] host or [notify.sms] url; see docs/notifications.md)"
        )
    try:
        return deliver_pending(
            inst.engine,
            channels,
            keyring=inst.keyring,
            now=now,
            limit=limit,
            policy=retry_policy(inst.settings),
        )
    finally:
        for channel in channels:
            channel.close()


def send_test_email(inst: Installation, to: str, *, language: str = "en") -> str | None:
    """Send the ``test_message`` template straight through SMTP (not via the outbox).

    Returns the Message-ID; raises a ``SendError`` naming the SMTP code on failure.
    """
    config = smtp_config(inst.settings)
    if config is None:
        raise ConfigError(
            f"{inst.settings.config_path}: SMTP not configured "
            "(set [notify.smtp] host and from, or ECLUSE_SMTP_HOST and ECLUSE_SMTP_FROM)"
        )
    check_recipient(ChannelKind.EMAIL, to)
    rendered = render("test_message", language, ChannelKind.EMAIL, {})
    message = Outgoing(
        message_id=uuid.uuid4().hex,
        channel=ChannelKind.EMAIL,
        recipient=to,
        language=language,
        text=rendered.text,
        subject=rendered.subject,
        html=rendered.html,
    )
    with SmtpChannel(config) as channel:
        return channel.send(message)
