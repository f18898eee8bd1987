"""End to end: enqueue in the outbox, deliver through SMTP and SMS to real local peers."""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy.engine import Engine

from ecluse.keys import Keyring
from ecluse.notify import (
    ChannelKind,
    HttpSmsGateway,
    Notification,
    NotificationState,
    SmsConfig,
    SmtpChannel,
    SmtpConfig,
    deliver_pending,
    enqueue,
    notification_status,
    notifications_for,
    rewrap_keys,
)
from tests.notify.conftest import SmsPeer, SmtpPeer

T0 = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
TOKEN = "k9Vd2mQx8LrT4wZp6nYb3c"
LINK = f"https://portal.operator.example/contest/{TOKEN}"


def test_usage_review_contact_by_email_and_sms(
    engine: Engine, keyring: Keyring, smtp_server: SmtpPeer, sms_gateway: SmsPeer
) -> None:
    """GIVEN a usage-review case WHEN the customer is contacted by e-mail and SMS in Dutch
    THEN both arrive, and the case desk sees "contacted at" for each."""
    params = {
        "line_end": "17",
        "observed": "Meer dan 300 oproepen naar 61 Belgische nummers overdag.",
        "link": LINK,
    }
    for channel, recipient in (
        (ChannelKind.EMAIL, "an.planted@example.org"),
        (ChannelKind.SMS, "+32470112233"),
    ):
        enqueue(
            engine,
            Notification(
                template="usage_review_contact",
                channel=channel,
                recipient=recipient,
                language="nl",
                params=params,
                reference="case-ur-1",
                idempotency_key=f"case-ur-1:contact:{channel.value}",
            ),
            keyring=keyring,
            now=T0,
        )
    channels = [
        SmtpChannel(
            SmtpConfig(
                host=smtp_server.host,
                port=smtp_server.port,
                security="none",
                sender="klantendienst@operator.example",
            )
        ),
        HttpSmsGateway(SmsConfig(url=sms_gateway.url, token=sms_gateway.token)),
    ]
    report = deliver_pending(engine, channels, keyring=keyring, now=T0)
    for channel in channels:
        channel.close()
    assert (report.claimed, report.sent) == (2, 2)

    [mail] = smtp_server.messages
    assert mail["Subject"] == "We merkten ongewoon gebruik op van uw lijn eindigend op 17"
    assert mail["Content-Language"] == "nl"
    text = mail.get_body(("plain",)).get_content()
    assert "Er is niets afgesloten of geblokkeerd" in text
    assert "Meer dan 300 oproepen naar 61 Belgische nummers overdag." in text
    links = re.findall(r"https?://\S+", text)
    assert links == [LINK] and links[0].rsplit("/", 1)[1] == TOKEN
    assert "planted" not in links[0]

    [sms] = sms_gateway.requests
    assert sms.body["to"] == "+32470112233" and sms.body["text"].endswith(LINK)

    statuses = notifications_for(engine, "case-ur-1")
    assert {s.channel for s in statuses} == {ChannelKind.EMAIL, ChannelKind.SMS}
    assert all(s.state is NotificationState.SENT and s.sent_at == T0 for s in statuses)
    by_channel = {s.channel: s for s in statuses}
    assert by_channel[ChannelKind.EMAIL].provider_id == mail["Message-ID"]
    assert by_channel[ChannelKind.SMS].provider_id == "gw-1"


def test_pending_messages_survive_kek_rotation(engine: Engine, sms_gateway: SmsPeer) -> None:
    """GIVEN a queued message WHEN the KEK is rotated and the old one retired THEN the message
    is still sent, because rotation re-wrapped its key."""
    old_kek, new_kek = os.urandom(32), os.urandom(32)
    signing = Ed25519PrivateKey.generate()

    def ring(keks: dict[str, bytes], active: str) -> Keyring:
        return Keyring(keks, active, bytes(32), signing, bytes(32))

    nid = enqueue(
        engine,
        Notification(
            template="portal_login_code",
            channel=ChannelKind.SMS,
            recipient="+32470112233",
            language="fr",
            params={"code": "739201", "minutes": 10},
        ),
        keyring=ring({"old": old_kek}, "old"),
    )
    rotating = ring({"old": old_kek, "new": new_kek}, "new")
    assert rewrap_keys(engine, rotating) == 1
    assert rewrap_keys(engine, rotating) == 0  # rerun: nothing left to do
    retired = ring({"new": new_kek}, "new")
    channel = HttpSmsGateway(SmsConfig(url=sms_gateway.url, token=sms_gateway.token))
    assert deliver_pending(engine, [channel], keyring=retired).sent == 1
    assert notification_status(engine, nid).state is NotificationState.SENT
    assert "739201" in sms_gateway.requests[0].body["text"]
