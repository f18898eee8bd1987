"""Channel settings from ``[notify]``, ``[notify.smtp]`` and ``[notify.sms]`` in ``ecluse.toml``,
each overridden by an ``ECLUSE_SMTP_*`` / ``ECLUSE_SMS_*`` variable.

A channel without a host (SMTP) or URL (SMS) is simply not configured; its messages wait.
Secrets (SMTP password, gateway token) are best given by environment variable.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from ecluse.config import Settings
from ecluse.errors import ConfigError
from ecluse.notify._model import Channel
from ecluse.notify._outbox import RetryPolicy
from ecluse.notify._sms import HttpSmsGateway, SmsConfig
from ecluse.notify._smtp import SmtpChannel, SmtpConfig

__all__ = ["channels_from_settings", "retry_policy", "sms_config", "smtp_config"]

_SECURITY = ("starttls", "ssl", "none")
_LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
_DEFAULT_PORT = {"starttls": 587, "ssl": 465, "none": 25}


class _Reader:
    """Reads one ``[notify.<name>]`` table with environment overrides, naming the place."""

    def __init__(self, settings: Settings, name: str | None, env_prefix: str) -> None:
        notify = settings.section("notify")
        table: Any = notify.get(name, {}) if name else notify
        self.where = f"{settings.config_path} [notify{'.' + name if name else ''}]"
        if not isinstance(table, Mapping):
            raise ConfigError(f"{self.where}: must be a table")
        self.table = table
        self.env_prefix = env_prefix

    def _raw(self, key: str) -> tuple[Any, str]:
        var = f"{self.env_prefix}{key.upper()}"
        if os.environ.get(var):
            return os.environ[var], var
        return self.table.get(key), f"{self.where} {key}"

    def text(self, key: str) -> str | None:
        value, where = self._raw(key)
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            raise ConfigError(f"{where}: must be a non-empty string")
        return value.strip()

    def number(self, key: str, default: float, *, whole: bool = False) -> float:
        value, where = self._raw(key)
        if value is None:
            return default
        try:
            number = int(value) if whole else float(value)
        except (TypeError, ValueError):
            kind = "a whole number" if whole else "a number"
            raise ConfigError(f"{where}: must be {kind}") from None
        if isinstance(value, bool) or number <= 0:
            raise ConfigError(f"{where}: must be positive")
        return number


def smtp_config(settings: Settings) -> SmtpConfig | None:
    """SMTP settings, or ``None`` when no host is configured."""
    r = _Reader(settings, "smtp", "ECLUSE_SMTP_")
    host = r.text("host")
    if host is None:
        return None
    sender = r.text("from")
    if sender is None:
        raise ConfigError(f"{r.where} from: required when host is set (ECLUSE_SMTP_FROM)")
    security = (r.text("security") or "starttls").lower()
    if security not in _SECURITY:
        raise ConfigError(f"{r.where} security: must be one of {', '.join(_SECURITY)}")
    username = r.text("username")
    if security == "none" and username and host not in _LOCAL_HOSTS:
        # AUTH over a clear connection would hand the relay password to the network.
        raise ConfigError(f"{r.where} security: 'none' with a username only on localhost")
    port = int(r.number("port", _DEFAULT_PORT[security], whole=True))
    if port > 65535:
        raise ConfigError(f"{r.where} port: must be at most 65535")
    return SmtpConfig(
        host=host,
        sender=sender,
        port=port,
        security=security,  # type: ignore[arg-type]  # checked against _SECURITY above
        username=username,
        password=r.text("password"),
        sender_name=r.text("from_name"),
        reply_to=r.text("reply_to"),
        timeout=r.number("timeout", 30.0),
        ca_file=r.text("ca_file"),
    )


def sms_config(settings: Settings) -> SmsConfig | None:
    """SMS gateway settings, or ``None`` when no URL is configured."""
    r = _Reader(settings, "sms", "ECLUSE_SMS_")
    url = r.text("url")
    if url is None:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ConfigError(f"{r.where} url: must be an http(s) URL")
    if parts.scheme == "http" and parts.hostname not in _LOCAL_HOSTS:
        # The bearer token and the recipients would travel in clear.
        raise ConfigError(f"{r.where} url: must use https (plain http only for localhost)")
    token = r.text("token")
    if token is None:
        raise ConfigError(f"{r.where} token: required when url is set (ECLUSE_SMS_TOKEN)")
    return SmsConfig(
        url=url,
        token=token,
        sender=r.text("sender"),
        timeout=r.number("timeout", 10.0),
        ca_file=r.text("ca_file"),
        id_field=r.text("id_field") or "id",
    )


def retry_policy(settings: Settings) -> RetryPolicy:
    """``[notify] max_attempts, retry_base_seconds, retry_max_seconds, lease_seconds``."""
    r = _Reader(settings, None, "ECLUSE_NOTIFY_")
    default = RetryPolicy()
    return RetryPolicy(
        max_attempts=int(r.number("max_attempts", default.max_attempts, whole=True)),
        base_delay=timedelta(
            seconds=r.number("retry_base_seconds", default.base_delay.total_seconds())
        ),
        max_delay=timedelta(
            seconds=r.number("retry_max_seconds", default.max_delay.total_seconds())
        ),
        lease=timedelta(seconds=r.number("lease_seconds", default.lease.total_seconds())),
    )


def channels_from_settings(settings: Settings) -> list[Channel]:
    """The configured channels (possibly none). Close them when done."""
    channels: list[Channel] = []
    smtp = smtp_config(settings)
    if smtp is not None:
        channels.append(SmtpChannel(smtp))
    sms = sms_config(settings)
    if sms is not None:
        channels.append(HttpSmsGateway(sms))
    return channels
