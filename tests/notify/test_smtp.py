"""SmtpChannel against a real local SMTP server: plain, STARTTLS + AUTH, implicit TLS."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator

import pytest

from ecluse.notify import (
    ChannelKind,
    Outgoing,
    PermanentSendError,
    RetryableSendError,
    SmtpChannel,
    SmtpConfig,
    render,
)
from tests.notify.conftest import (
    REFUSED_DOMAIN,
    SMTP_PASSWORD,
    SMTP_USER,
    SmtpPeer,
    free_port,
    serve_smtp,
)

LINK = "https://portal.example-op.be/contest/Zq3xY7bLw0PqR9sT1uVw2x"

Make = Callable[[SmtpConfig], SmtpChannel]


@pytest.fixture
def make() -> Iterator[Make]:
    """Builds SmtpChannels and closes their sessions after the test."""
    made: list[SmtpChannel] = []

    def build(config: SmtpConfig) -> SmtpChannel:
        made.append(SmtpChannel(config))
        return made[-1]

    yield build
    for channel in made:
        channel.close()


def _message(to: str = "jeanne.planted@example.org", language: str = "fr") -> Outgoing:
    rendered = render(
        "usage_review_contact",
        language,
        ChannelKind.EMAIL,
        {"line_end": "17", "observed": "Beaucoup d'appels vers 60 numéros belges.", "link": LINK},
    )
    return Outgoing(
        message_id="0123456789abcdef0123456789abcdef",
        channel=ChannelKind.EMAIL,
        recipient=to,
        language=language,
        text=rendered.text,
        subject=rendered.subject,
        html=rendered.html,
    )


def test_plain_smtp_delivers_subject_language_body_and_link(
    smtp_server: SmtpPeer, make: Make
) -> None:
    """GIVEN a plain relay WHEN a French usage-review message is sent THEN it arrives intact."""
    channel = make(
        SmtpConfig(
            host=smtp_server.host,
            port=smtp_server.port,
            security="none",
            sender="care@operator.example",
            sender_name="Service clientèle",
            reply_to="reply@operator.example",
        )
    )
    provider_id = channel.send(_message())
    [msg] = smtp_server.messages
    assert msg["Subject"].startswith("Nous avons remarqué une utilisation inhabituelle")
    assert msg["Content-Language"] == "fr"
    assert msg["To"] == "jeanne.planted@example.org"
    assert msg["Reply-To"] == "reply@operator.example"
    assert msg["Auto-Submitted"] == "auto-generated"
    assert msg["Message-ID"] == "<0123456789abcdef0123456789abcdef@operator.example>"
    assert provider_id == msg["Message-ID"]
    text = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    assert "Rien n'a été coupé ni bloqué" in text
    assert "Une personne, et non une machine" in text
    assert f'<a href="{LINK}">' in html
    # The only link is the opaque one.
    assert re.findall(r"https?://\S+", text) == [LINK]


def test_starttls_with_auth(smtp_starttls_server: SmtpPeer, make: Make) -> None:
    channel = make(
        SmtpConfig(
            host="localhost",
            port=smtp_starttls_server.port,
            security="starttls",
            username=SMTP_USER,
            password=SMTP_PASSWORD,
            sender="care@operator.example",
            ca_file=smtp_starttls_server.ca_file,
        )
    )
    channel.send(_message(language="nl"))
    [msg] = smtp_starttls_server.messages
    assert msg["Content-Language"] == "nl"


def test_starttls_wrong_password_is_retryable_and_names_no_secret(
    smtp_starttls_server: SmtpPeer, make: Make
) -> None:
    channel = make(
        SmtpConfig(
            host="localhost",
            port=smtp_starttls_server.port,
            username=SMTP_USER,
            password="wrong-password",
            sender="care@operator.example",
            ca_file=smtp_starttls_server.ca_file,
        )
    )
    with pytest.raises(RetryableSendError) as err:
        channel.send(_message())
    assert "authentication" in str(err.value)
    assert "wrong-password" not in str(err.value)
    assert "wrong-password" not in repr(channel.config)
    assert not smtp_starttls_server.messages


def test_untrusted_certificate_is_refused(smtp_starttls_server: SmtpPeer, make: Make) -> None:
    """Without the relay's CA the TLS handshake fails: no silent downgrade."""
    channel = make(
        SmtpConfig(
            host="localhost",
            port=smtp_starttls_server.port,
            username=SMTP_USER,
            password=SMTP_PASSWORD,
            sender="care@operator.example",
        )
    )
    with pytest.raises(RetryableSendError):
        channel.send(_message())
    assert not smtp_starttls_server.messages


def test_implicit_tls(smtp_ssl_server: SmtpPeer, make: Make) -> None:
    channel = make(
        SmtpConfig(
            host="localhost",
            port=smtp_ssl_server.port,
            security="ssl",
            sender="care@operator.example",
            ca_file=smtp_ssl_server.ca_file,
        )
    )
    channel.send(_message(language="en"))
    [msg] = smtp_ssl_server.messages
    assert msg["Subject"] == "We noticed unusual usage on your line ending in 17"


def test_refused_recipient_is_permanent_and_not_quoted(smtp_server: SmtpPeer, make: Make) -> None:
    channel = make(
        SmtpConfig(
            host=smtp_server.host, port=smtp_server.port, security="none", sender="a@op.example"
        )
    )
    with pytest.raises(PermanentSendError) as err:
        channel.send(_message(to=f"nobody.planted@{REFUSED_DOMAIN}"))
    assert "550" in str(err.value)
    assert "planted" not in str(err.value)


def test_relay_down_is_retryable(make: Make) -> None:
    channel = make(
        SmtpConfig(
            host="127.0.0.1", port=free_port(), security="none", sender="a@op.example", timeout=2
        )
    )
    with pytest.raises(RetryableSendError, match="unreachable"):
        channel.send(_message())


def test_one_session_serves_a_whole_pass(smtp_starttls_server: SmtpPeer, make: Make) -> None:
    """GIVEN several messages WHEN sent through one channel THEN one TLS + AUTH session."""
    channel = make(
        SmtpConfig(
            host="localhost",
            port=smtp_starttls_server.port,
            username=SMTP_USER,
            password=SMTP_PASSWORD,
            sender="care@operator.example",
            ca_file=smtp_starttls_server.ca_file,
        )
    )
    for n in range(3):
        channel.send(_message(to=f"client{n}@example.org"))
    assert [m["To"] for m in smtp_starttls_server.messages] == [
        f"client{n}@example.org" for n in range(3)
    ]
    assert len(set(smtp_starttls_server.handler.peers)) == 1
    assert channel.sessions_opened == 1


def test_a_session_the_relay_dropped_is_reopened(make: Make) -> None:
    """GIVEN a relay that closes idle sessions WHEN the next message comes THEN a new session
    carries it (the dead one is detected with NOOP, before anything is sent)."""
    serving = serve_smtp(timeout=0.3)
    peer = next(serving)
    try:
        channel = make(
            SmtpConfig(host=peer.host, port=peer.port, security="none", sender="a@op.example")
        )
        channel.send(_message(to="first@example.org"))
        time.sleep(1.0)  # longer than the relay's idle timeout
        channel.send(_message(to="second@example.org"))
        assert [m["To"] for m in peer.messages] == ["first@example.org", "second@example.org"]
        assert channel.sessions_opened == 2
    finally:
        next(serving, None)
