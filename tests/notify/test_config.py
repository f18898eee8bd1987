"""Channel settings from ``[notify.*]`` tables and ``ECLUSE_SMTP_*`` / ``ECLUSE_SMS_*``."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from ecluse.config import Settings, load_settings
from ecluse.errors import ConfigError
from ecluse.notify import (
    HttpSmsGateway,
    SmtpChannel,
    channels_from_settings,
    retry_policy,
    sms_config,
    smtp_config,
)

_VARS = [
    f"ECLUSE_{group}_{key}"
    for group, keys in {
        "SMTP": [
            "HOST",
            "PORT",
            "SECURITY",
            "USERNAME",
            "PASSWORD",
            "FROM",
            "FROM_NAME",
            "REPLY_TO",
            "TIMEOUT",
            "CA_FILE",
        ],
        "SMS": ["URL", "TOKEN", "SENDER", "TIMEOUT", "CA_FILE", "ID_FIELD"],
        "NOTIFY": ["MAX_ATTEMPTS", "RETRY_BASE_SECONDS", "RETRY_MAX_SECONDS", "LEASE_SECONDS"],
    }.items()
    for key in keys
]


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in _VARS:
        monkeypatch.delenv(var, raising=False)


def _settings(tmp_path: Path, toml: str) -> Settings:
    (tmp_path / "ecluse.toml").write_text(toml, encoding="utf-8")
    return load_settings(tmp_path)


FULL = """
[notify]
max_attempts = 5
retry_base_seconds = 10

[notify.smtp]
host = "smtp.operator.example"
security = "ssl"
username = "relay"
from = "care@operator.example"
from_name = "Customer care"
timeout = 12.5

[notify.sms]
url = "https://sms.gateway.example/v1/messages"
token = "file-token"
sender = "Operator"
id_field = "data.message_id"
"""


def test_file_settings(tmp_path: Path) -> None:
    settings = _settings(tmp_path, FULL)
    smtp = smtp_config(settings)
    assert smtp is not None
    assert (smtp.host, smtp.port, smtp.security, smtp.timeout) == (
        "smtp.operator.example",
        465,
        "ssl",
        12.5,
    )
    sms = sms_config(settings)
    assert sms is not None and sms.id_field == "data.message_id" and sms.token == "file-token"
    assert "file-token" not in repr(sms)
    policy = retry_policy(settings)
    assert policy.max_attempts == 5 and policy.base_delay == timedelta(seconds=10)
    channels = channels_from_settings(settings)
    assert [type(c) for c in channels] == [SmtpChannel, HttpSmsGateway]
    for channel in channels:
        channel.close()


def test_environment_overrides_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ECLUSE_SMTP_PORT", "2525")
    monkeypatch.setenv("ECLUSE_SMTP_PASSWORD", "env-secret")
    monkeypatch.setenv("ECLUSE_SMS_TOKEN", "env-token")
    settings = _settings(tmp_path, FULL)
    smtp = smtp_config(settings)
    sms = sms_config(settings)
    assert smtp is not None and smtp.port == 2525 and smtp.password == "env-secret"
    assert "env-secret" not in repr(smtp)
    assert sms is not None and sms.token == "env-token"


def test_nothing_configured_means_no_channel(tmp_path: Path) -> None:
    settings = _settings(tmp_path, "[database]\n")
    assert smtp_config(settings) is None
    assert sms_config(settings) is None
    assert channels_from_settings(settings) == []


@pytest.mark.parametrize(
    ("toml", "place"),
    [
        ('[notify.smtp]\nhost = "h"\n', "[notify.smtp] from"),
        ('[notify.smtp]\nhost = "h"\nfrom = "a@b.c"\nport = "x"\n', "[notify.smtp] port"),
        ('[notify.smtp]\nhost = "h"\nfrom = "a@b.c"\nsecurity = "tls"\n', "[notify.smtp] security"),
        ('[notify.sms]\nurl = "ftp://x"\ntoken = "t"\n', "[notify.sms] url"),
        ('[notify.sms]\nurl = "https://x"\n', "[notify.sms] token"),
        ('[notify.sms]\nurl = "http://sms.example/v1"\ntoken = "t"\n', "[notify.sms] url"),
        (
            '[notify.smtp]\nhost = "smtp.example"\nfrom = "a@b.c"\nsecurity = "none"\n'
            'username = "u"\n',
            "[notify.smtp] security",
        ),
        ("[notify]\nmax_attempts = 0\n", "[notify] max_attempts"),
        ('[notify]\nsmtp = "x"\n', "[notify.smtp]"),
    ],
)
def test_bad_settings_name_the_place(tmp_path: Path, toml: str, place: str) -> None:
    settings = _settings(tmp_path, toml)
    with pytest.raises(ConfigError) as err:
        for read in (smtp_config, sms_config, retry_policy):
            read(settings)
    assert place in str(err.value)
    assert str(tmp_path / "ecluse.toml") in str(err.value)


def test_bad_environment_names_the_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ECLUSE_SMTP_TIMEOUT", "soon")
    with pytest.raises(ConfigError, match="ECLUSE_SMTP_TIMEOUT: must be a number"):
        smtp_config(_settings(tmp_path, FULL))
