"""The durable outbox on SQLite and PostgreSQL, delivering to a real local SMS gateway."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from ecluse.db import create_engine, utcnow
from ecluse.errors import InputError, NotFound
from ecluse.keys import Keyring
from ecluse.notify import (
    ChannelKind,
    HttpSmsGateway,
    Notification,
    NotificationState,
    Outgoing,
    RetryPolicy,
    SmsConfig,
    cancel,
    cancel_reference,
    deliver_pending,
    enqueue,
    notification_status,
    notifications_for,
)
from ecluse.notify._tables import attempts, outbox
from tests.notify.conftest import SmsPeer

PHONE = "+32470998877"
LINK = "https://portal.example-op.be/contest/Zq3xY7bLw0PqR9sT1uVw2x"
T0 = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


def gateway(peer: SmsPeer, timeout: float = 5.0) -> HttpSmsGateway:
    return HttpSmsGateway(SmsConfig(url=peer.url, token=peer.token, timeout=timeout))


def sms(n: int = 0, **extra: object) -> Notification:
    fields: dict[str, object] = {
        "template": "usage_review_contact",
        "channel": ChannelKind.SMS,
        "recipient": PHONE if n == 0 else f"+3247{n:07d}",
        "language": "fr",
        "params": {"line_end": "77", "observed": "Beaucoup d'appels.", "link": LINK},
        "reference": f"case-{n}",
    }
    fields.update(extra)
    return Notification(**fields)  # type: ignore[arg-type]


def state_of(engine: Engine, nid: str) -> NotificationState:
    return notification_status(engine, nid).state


def test_enqueue_then_deliver_records_sent_time_and_gateway_id(
    engine: Engine, keyring: Keyring, sms_gateway: SmsPeer
) -> None:
    nid = enqueue(engine, sms(), keyring=keyring, now=T0)
    status = notification_status(engine, nid)
    assert status.state is NotificationState.QUEUED and status.sent_at is None
    report = deliver_pending(engine, [gateway(sms_gateway)], keyring=keyring, now=T0)
    assert (report.claimed, report.sent) == (1, 1)
    [request] = sms_gateway.requests
    assert request.body["to"] == PHONE
    assert request.body["text"].startswith("Usage inhabituel vu sur votre ligne finissant par 77")
    assert request.headers["Idempotency-Key"] == nid
    status = notification_status(engine, nid)
    assert status.state is NotificationState.SENT
    assert status.sent_at == T0 and status.attempts == 1
    assert status.provider_id == "gw-1"
    assert [s.id for s in notifications_for(engine, "case-0")] == [nid]


def test_message_is_written_in_the_callers_transaction(engine: Engine, keyring: Keyring) -> None:
    """GIVEN a caller's business change WHEN it rolls back THEN no message is left behind."""
    with pytest.raises(RuntimeError), engine.begin() as conn:
        enqueue(conn, sms(1), keyring=keyring)
        raise RuntimeError("business change failed")
    assert notifications_for(engine, "case-1") == []
    with engine.begin() as conn:
        nid = enqueue(conn, sms(1), keyring=keyring)
    assert state_of(engine, nid) is NotificationState.QUEUED


def test_idempotency_key_enqueues_once(engine: Engine, keyring: Keyring) -> None:
    first = enqueue(
        engine, sms(idempotency_key="case-9:contact", language="fr-BE"), keyring=keyring
    )
    assert notification_status(engine, first).language == "fr"
    again = enqueue(engine, sms(idempotency_key="case-9:contact"), keyring=keyring)
    assert first == again
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(outbox)).scalar() == 1


def test_bad_input_names_the_field_never_the_value(engine: Engine, keyring: Keyring) -> None:
    with pytest.raises(InputError) as err:
        enqueue(engine, sms(recipient="0470 99 88 77"), keyring=keyring)
    assert err.value.field == "recipient" and "0470" not in str(err.value)
    with pytest.raises(InputError) as err:
        enqueue(
            engine,
            sms(channel=ChannelKind.EMAIL, recipient="not-an-address.planted"),
            keyring=keyring,
        )
    assert err.value.field == "recipient" and "planted" not in str(err.value)
    with pytest.raises(InputError) as err:
        enqueue(engine, sms(reference="jan.peeters@example.org"), keyring=keyring)
    assert err.value.field == "reference" and "peeters" not in str(err.value)
    with pytest.raises(InputError) as err:
        enqueue(engine, sms(not_before=datetime(2026, 1, 1)), keyring=keyring)
    assert err.value.field == "not_before"


def test_5xx_is_retried_with_exponential_backoff(
    engine: Engine, keyring: Keyring, sms_gateway: SmsPeer
) -> None:
    """GIVEN a gateway failing twice (500, then 429 rate limit) WHEN passes run over time
    THEN backoff 30 s, 60 s, then sent."""
    sms_gateway.script = [500, 429]
    channels = [gateway(sms_gateway)]
    nid = enqueue(engine, sms(), keyring=keyring, now=T0)
    assert deliver_pending(engine, channels, keyring=keyring, now=T0).retrying == 1
    status = notification_status(engine, nid)
    assert status.state is NotificationState.FAILED
    assert status.next_attempt_at == T0 + timedelta(seconds=30)
    assert status.last_error == "SMS gateway error: HTTP 500"
    # Not due yet: nothing claimed.
    assert (
        deliver_pending(engine, channels, keyring=keyring, now=T0 + timedelta(seconds=29)).claimed
        == 0
    )
    t1 = T0 + timedelta(seconds=30)
    assert deliver_pending(engine, channels, keyring=keyring, now=t1).retrying == 1
    assert notification_status(engine, nid).next_attempt_at == t1 + timedelta(seconds=60)
    t2 = t1 + timedelta(seconds=60)
    assert deliver_pending(engine, channels, keyring=keyring, now=t2).sent == 1
    status = notification_status(engine, nid)
    assert status.state is NotificationState.SENT and status.attempts == 3
    assert status.last_error is None
    with engine.connect() as conn:
        outcomes = conn.execute(
            sa.select(attempts.c.number, attempts.c.outcome)
            .where(attempts.c.notification_id == nid)
            .order_by(attempts.c.number)
        ).all()
    assert [tuple(r) for r in outcomes] == [(1, "retry"), (2, "retry"), (3, "sent")]
    assert len(sms_gateway.requests) == 3
    assert {r.headers["Idempotency-Key"] for r in sms_gateway.requests} == {nid}


def test_4xx_is_dead_at_once_and_content_is_dropped(
    engine: Engine, keyring: Keyring, sms_gateway: SmsPeer
) -> None:
    sms_gateway.script = [400]
    nid = enqueue(engine, sms(), keyring=keyring, now=T0)
    report = deliver_pending(engine, [gateway(sms_gateway)], keyring=keyring, now=T0)
    assert report.dead == 1
    status = notification_status(engine, nid)
    assert status.state is NotificationState.DEAD and status.dead_at == T0
    assert status.last_error == "SMS gateway refused the message: HTTP 400"
    with engine.connect() as conn:
        row = conn.execute(sa.select(outbox).where(outbox.c.id == nid)).one()
    assert row.sealed is None and row.wrapped_key is None


def test_dead_after_max_attempts(engine: Engine, keyring: Keyring, sms_gateway: SmsPeer) -> None:
    sms_gateway.script = [500] * 3
    policy = RetryPolicy(max_attempts=3, base_delay=timedelta(seconds=1))
    nid = enqueue(engine, sms(), keyring=keyring, now=T0)
    now = T0
    for _ in range(3):
        deliver_pending(engine, [gateway(sms_gateway)], keyring=keyring, now=now, policy=policy)
        now += timedelta(minutes=1)
    status = notification_status(engine, nid)
    assert status.state is NotificationState.DEAD and status.attempts == 3
    assert deliver_pending(engine, [gateway(sms_gateway)], keyring=keyring, now=now).claimed == 0


def test_gateway_timeout_is_retryable(
    engine: Engine, keyring: Keyring, sms_gateway: SmsPeer
) -> None:
    sms_gateway.delay = 1.0
    nid = enqueue(engine, sms(), keyring=keyring, now=T0)
    deliver_pending(engine, [gateway(sms_gateway, timeout=0.2)], keyring=keyring, now=T0)
    status = notification_status(engine, nid)
    assert status.state is NotificationState.FAILED
    assert status.last_error == "SMS gateway timed out"


def test_expired_one_time_code_is_not_sent(
    engine: Engine, keyring: Keyring, sms_gateway: SmsPeer
) -> None:
    code = Notification(
        template="portal_login_code",
        channel=ChannelKind.SMS,
        recipient=PHONE,
        language="nl",
        params={"code": "482913", "minutes": 10},
        expires_at=T0 + timedelta(minutes=10),
    )
    nid = enqueue(engine, code, keyring=keyring, now=T0)
    deliver_pending(engine, [gateway(sms_gateway)], keyring=keyring, now=T0 + timedelta(minutes=11))
    status = notification_status(engine, nid)
    assert status.state is NotificationState.DEAD
    assert status.last_error == "expired before it could be sent"
    assert sms_gateway.requests == []


def test_messages_wait_until_due_and_for_their_channel(
    engine: Engine, keyring: Keyring, sms_gateway: SmsPeer
) -> None:
    later = enqueue(engine, sms(not_before=T0 + timedelta(hours=1)), keyring=keyring, now=T0)
    mail = sms(channel=ChannelKind.EMAIL, recipient="someone@example.org")
    waiting = enqueue(engine, mail, keyring=keyring, now=T0)
    assert deliver_pending(engine, [gateway(sms_gateway)], keyring=keyring, now=T0).claimed == 0
    assert deliver_pending(engine, [], keyring=keyring, now=T0).claimed == 0
    deliver_pending(engine, [gateway(sms_gateway)], keyring=keyring, now=T0 + timedelta(hours=1))
    assert state_of(engine, later) is NotificationState.SENT
    assert state_of(engine, waiting) is NotificationState.QUEUED


def test_cancel_before_sending(engine: Engine, keyring: Keyring, sms_gateway: SmsPeer) -> None:
    nid = enqueue(engine, sms(), keyring=keyring, now=T0)
    assert cancel(engine, nid, now=T0) is True
    assert cancel(engine, nid, now=T0) is False
    assert deliver_pending(engine, [gateway(sms_gateway)], keyring=keyring, now=T0).claimed == 0
    assert state_of(engine, nid) is NotificationState.CANCELLED
    with pytest.raises(NotFound):
        cancel(engine, "0" * 32)
    enqueue(engine, sms(5), keyring=keyring, now=T0)
    enqueue(engine, sms(5, idempotency_key="second"), keyring=keyring, now=T0)
    assert cancel_reference(engine, "case-5", now=T0) == 2
    assert {s.state for s in notifications_for(engine, "case-5")} == {NotificationState.CANCELLED}
    with pytest.raises(NotFound):
        notification_status(engine, "0" * 32)


def test_undecryptable_message_goes_dead_without_sending(
    engine: Engine, keyring: Keyring, sms_gateway: SmsPeer
) -> None:
    """GIVEN a KEK that was removed WHEN delivering THEN dead, and nothing garbled is sent."""
    other = Keyring({"k2": bytes(32)}, "k2", bytes(32), keyring.signing_key, bytes(32))
    nid = enqueue(engine, sms(), keyring=keyring, now=T0)
    deliver_pending(engine, [gateway(sms_gateway)], keyring=other, now=T0)
    status = notification_status(engine, nid)
    assert status.state is NotificationState.DEAD
    assert status.last_error is not None and status.last_error.startswith("undecryptable")
    assert sms_gateway.requests == []


def test_outbox_survives_a_restart(db_url: str, keyring: Keyring, sms_gateway: SmsPeer) -> None:
    """GIVEN a message enqueued WHEN the process restarts (engine disposed) THEN it is sent."""
    from ecluse.db import migrate

    first = create_engine(db_url)
    migrate(first)
    nid = enqueue(first, sms(), keyring=keyring)
    first.dispose()
    second = create_engine(db_url)
    try:
        assert deliver_pending(second, [gateway(sms_gateway)], keyring=keyring).sent == 1
        assert state_of(second, nid) is NotificationState.SENT
    finally:
        second.dispose()
    assert len(sms_gateway.requests) == 1


class _CrashAfterSend(HttpSmsGateway):
    """The real gateway adapter, in a process that dies right after the gateway said yes."""

    def send(self, message: Outgoing) -> str | None:
        super().send(message)
        raise KeyboardInterrupt


def test_crash_between_send_and_mark_resends_with_the_same_idempotency_key(
    engine: Engine, keyring: Keyring, sms_gateway: SmsPeer
) -> None:
    """GIVEN a worker killed after the gateway accepted WHEN its lease runs out THEN another
    worker sends again (at least once) under the same Idempotency-Key."""
    nid = enqueue(engine, sms(), keyring=keyring, now=T0)
    crashing = _CrashAfterSend(SmsConfig(url=sms_gateway.url, token=sms_gateway.token))
    with pytest.raises(KeyboardInterrupt):
        deliver_pending(engine, [crashing], keyring=keyring, now=T0)
    assert state_of(engine, nid) is NotificationState.SENDING
    policy = RetryPolicy()
    during_lease = T0 + policy.lease - timedelta(seconds=1)
    assert (
        deliver_pending(engine, [gateway(sms_gateway)], keyring=keyring, now=during_lease).claimed
        == 0
    )
    after = T0 + policy.lease + timedelta(seconds=1)
    assert deliver_pending(engine, [gateway(sms_gateway)], keyring=keyring, now=after).sent == 1
    keys = [r.headers["Idempotency-Key"] for r in sms_gateway.requests]
    assert keys == [nid, nid]
    assert notification_status(engine, nid).attempts == 2


def test_two_concurrent_workers_never_send_a_message_twice(
    db_url: str, keyring: Keyring, sms_gateway: SmsPeer
) -> None:
    """GIVEN 40 queued messages WHEN two workers (own engines) deliver at once THEN each
    message reaches the gateway exactly once."""
    from ecluse.db import migrate

    setup = create_engine(db_url)
    migrate(setup)
    ids = [enqueue(setup, sms(n + 1), keyring=keyring) for n in range(40)]
    setup.dispose()
    sms_gateway.delay = 0.005  # keep both workers busy at the same time
    claimed: dict[str, int] = {}
    errors: list[BaseException] = []

    start = threading.Barrier(2, timeout=30)

    def worker(name: str) -> None:
        eng = create_engine(db_url)
        channel = gateway(sms_gateway)
        try:
            with eng.connect():
                pass  # connected before the race starts, so neither gets a head start
            start.wait()
            total = 0
            while True:
                report = deliver_pending(eng, [channel], keyring=keyring, limit=5, worker=name)
                if report.claimed == 0:
                    break
                total += report.claimed
            claimed[name] = total
        except BaseException as exc:
            errors.append(exc)
        finally:
            channel.close()
            eng.dispose()

    threads = [threading.Thread(target=worker, args=(f"w{i}",)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors
    references = [r.headers["Idempotency-Key"] for r in sms_gateway.requests]
    assert sorted(references) == sorted(ids)
    assert sum(claimed.values()) == 40
    assert all(claimed.values()), f"one worker did all the work: {claimed}"


PLANTED_EMAIL = "zoe.plantedvalue@example.org"
PLANTED_PHONE = "+32470555123"
PLANTED_TEXT = "Plantedvalue Zébulon"


def _plant(engine: Engine, keyring: Keyring) -> list[str]:
    mail = Notification(
        template="usage_review_contact",
        channel=ChannelKind.EMAIL,
        recipient=PLANTED_EMAIL,
        language="en",
        params={"line_end": "23", "observed": f"Calls to {PLANTED_TEXT}.", "link": LINK},
    )
    text = Notification(
        template="usage_decision",
        channel=ChannelKind.SMS,
        recipient=PLANTED_PHONE,
        language="nl",
        params={"line_end": "23", "decision": "advice", "reason": PLANTED_TEXT, "link": LINK},
    )
    return [enqueue(engine, mail, keyring=keyring), enqueue(engine, text, keyring=keyring)]


def _raw_storage(engine: Engine) -> bytes:
    """Everything the database holds for the outbox, as bytes."""
    if engine.dialect.name == "sqlite":
        path = Path(str(engine.url.database))
        return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT o::text FROM notify_outbox o "
                "UNION ALL SELECT a::text FROM notify_attempts a"
            )
        ).scalars()
        return "\n".join(rows).encode()


NEEDLES = (PLANTED_EMAIL, PLANTED_PHONE, "Zébulon", "zoe.planted", "470555123")


def test_outbox_holds_no_clear_personal_data(
    engine: Engine, keyring: Keyring, sms_gateway: SmsPeer
) -> None:
    """GIVEN planted e-mail, phone and name WHEN stored, retried and sent THEN the raw database
    never contains them (SQLite file + WAL, PostgreSQL rows)."""
    ids = _plant(engine, keyring)
    raw = _raw_storage(engine)
    assert len(raw) > 0
    for needle in NEEDLES:
        for encoding in ("utf-8", "utf-16-le"):
            assert needle.encode(encoding) not in raw, needle
    sms_gateway.script = [500]
    deliver_pending(engine, [gateway(sms_gateway)], keyring=keyring, now=utcnow())
    raw = _raw_storage(engine)
    for needle in NEEDLES:
        assert needle.encode() not in raw, needle
    assert notification_status(engine, ids[1]).state is NotificationState.FAILED


def test_logs_and_errors_hold_no_personal_data(
    engine: Engine, keyring: Keyring, sms_gateway: SmsPeer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("DEBUG")
    ids = _plant(engine, keyring)
    sms_gateway.script = [400]
    deliver_pending(engine, [gateway(sms_gateway)], keyring=keyring)
    status = notification_status(engine, ids[1])
    assert status.state is NotificationState.DEAD
    shown = caplog.text + repr(status)
    for needle in (PLANTED_EMAIL, PLANTED_PHONE, PLANTED_TEXT):
        assert needle not in shown


def test_a_locked_message_is_skipped_not_waited_for(
    engine: Engine, keyring: Keyring, sms_gateway: SmsPeer
) -> None:
    """GIVEN another worker holding one message mid-claim (row locked on PostgreSQL)
    WHEN a second worker claims THEN it takes the others at once instead of waiting."""
    if engine.dialect.name != "postgresql":
        return  # SQLite serialises writers with BEGIN IMMEDIATE: there is nothing to skip
    first, second = (enqueue(engine, sms(n), keyring=keyring, now=T0) for n in (1, 2))
    with engine.connect() as holder, holder.begin():
        holder.execute(sa.select(outbox.c.id).where(outbox.c.id == first).with_for_update())
        done: list[int] = []
        runner = threading.Thread(
            target=lambda: done.append(
                deliver_pending(engine, [gateway(sms_gateway)], keyring=keyring, now=T0).sent
            )
        )
        runner.start()
        runner.join(timeout=20)
        assert done == [1], "the second worker waited for the locked row"
    assert state_of(engine, second) is NotificationState.SENT
    assert state_of(engine, first) is NotificationState.QUEUED
