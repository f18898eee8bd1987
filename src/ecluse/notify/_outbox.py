"""The durable outbox: enqueue in the caller's transaction, deliver later, at least once.

Delivery in three steps, so no database lock is held while talking to the outside:

1. *claim* due messages in one short transaction (``FOR UPDATE SKIP LOCKED`` on PostgreSQL;
   ``BEGIN IMMEDIATE`` serialises writers on SQLite), setting a lease (``claimed_until``);
2. *send* each one, outside any transaction;
3. *finish*: record the attempt and the new state, only if this worker still holds the lease.

If a worker dies between 2 and 3 the lease runs out and another worker sends the message
again: delivery is **at least once**. The message id is sent as the SMTP ``Message-ID`` and the
SMS gateway's ``Idempotency-Key``, so a peer that deduplicates drops the second copy.
"""

from __future__ import annotations

import logging
import os
import re
import secrets
import socket
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine, Row

from ecluse.db import utcnow
from ecluse.errors import ConfigError, InputError, NotFound
from ecluse.keys import Keyring, UndecryptableError, WrappedKey
from ecluse.notify._model import (
    Channel,
    ChannelKind,
    Notification,
    NotificationState,
    NotificationStatus,
    Outgoing,
    PermanentSendError,
    RetryableSendError,
)
from ecluse.notify._seal import Sealed, open_message, seal_message
from ecluse.notify._tables import attempts, outbox
from ecluse.notify._templates import render

__all__ = [
    "DeliveryReport",
    "RetryPolicy",
    "cancel",
    "cancel_reference",
    "check_recipient",
    "deliver_pending",
    "enqueue",
    "notification_status",
    "notifications_for",
    "rewrap_keys",
]

log = logging.getLogger("ecluse.notify")

_E164 = re.compile(r"\+[1-9][0-9]{6,14}")
_OPAQUE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")
_DETAIL_MAX = 200
_TERMINAL_PURGE = {"kek_id": None, "wrapped_key": None, "sealed": None}


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff: ``base_delay * 2**(attempt-1)``, capped; dead after ``max_attempts``.

    The defaults retry for about six hours (30 s, 1 min, 2 min, ... then hourly).
    ``lease`` must exceed the longest send (channel timeouts) by a margin.
    """

    max_attempts: int = 12
    base_delay: timedelta = timedelta(seconds=30)
    max_delay: timedelta = timedelta(hours=1)
    lease: timedelta = timedelta(minutes=5)

    def delay(self, attempt: int) -> timedelta:
        factor = 1 << min(max(attempt - 1, 0), 32)
        return min(self.base_delay * factor, self.max_delay)


@dataclass
class DeliveryReport:
    """What one delivery pass did."""

    claimed: int = 0
    sent: int = 0
    retrying: int = 0
    dead: int = 0


# -- enqueue ---------------------------------------------------------------------------------


def enqueue(
    target: Engine | Connection,
    notification: Notification,
    *,
    keyring: Keyring,
    now: datetime | None = None,
) -> str:
    """Store ``notification`` for delivery and return its id.

    Given a :class:`Connection`, the row is written in the caller's open transaction, so the
    message exists if and only if the caller's business change commits. Given an engine, it
    commits on its own. With an ``idempotency_key`` already used, returns the existing id.
    """
    try:
        channel = ChannelKind(notification.channel)
    except ValueError:
        raise InputError("must be 'email' or 'sms'", field="channel") from None
    check_recipient(channel, notification.recipient)
    for name in ("reference", "idempotency_key"):
        value = getattr(notification, name)
        if value is not None and not (isinstance(value, str) and _OPAQUE.fullmatch(value)):
            raise InputError("must be an opaque id ([A-Za-z0-9._:-], <= 128)", field=name)
    for name in ("not_before", "expires_at"):
        value = getattr(notification, name)
        if value is not None and value.tzinfo is None:
            raise InputError("must be a timezone-aware time", field=name)
    # "FR", "fr-BE" and "nl_BE" all name a language we write in.
    language = str(notification.language).strip().lower().replace("_", "-").split("-")[0]
    rendered = render(notification.template, language, channel, notification.params)
    now = now or utcnow()
    nid = uuid.uuid4().hex
    sealed = seal_message(keyring, nid, notification.recipient, rendered)
    row = {
        "id": nid,
        "idempotency_key": notification.idempotency_key,
        "template": notification.template,
        "channel": channel.value,
        "language": language,
        "reference": notification.reference,
        "state": NotificationState.QUEUED.value,
        "attempts": 0,
        "created_at": now,
        "next_attempt_at": max(now, notification.not_before or now),
        "expires_at": notification.expires_at,
        "kek_id": sealed.kek_id,
        "wrapped_key": sealed.wrapped_key,
        "sealed": sealed.blob,
    }
    if isinstance(target, Connection):
        return _insert(target, row)
    with target.begin() as conn:
        return _insert(conn, row)


def check_recipient(channel: ChannelKind, recipient: Any) -> None:
    """An e-mail address (syntax only) or an E.164 phone number, else :class:`InputError`.

    The error names the field and never echoes the value: it is personal data.
    """
    if not isinstance(recipient, str):
        raise InputError("missing", field="recipient")
    if channel is ChannelKind.SMS:
        if not _E164.fullmatch(recipient):
            raise InputError("must be a phone number in E.164 form (+32...)", field="recipient")
        return
    try:
        validate_email(recipient, check_deliverability=False)
    except EmailNotValidError:
        raise InputError("not a valid e-mail address", field="recipient") from None


def _insert(conn: Connection, row: dict[str, Any]) -> str:
    key = row["idempotency_key"]
    if key is None:
        conn.execute(outbox.insert().values(row))
        return str(row["id"])
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    conn.execute(
        insert(outbox).values(row).on_conflict_do_nothing(index_elements=["idempotency_key"])
    )
    existing = conn.execute(sa.select(outbox.c.id).where(outbox.c.idempotency_key == key))
    return str(existing.scalar_one())


# -- delivery --------------------------------------------------------------------------------


def _worker_id() -> str:
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(4)}"


def deliver_pending(
    engine: Engine,
    channels: Iterable[Channel],
    *,
    keyring: Keyring,
    now: datetime | None = None,
    limit: int = 100,
    policy: RetryPolicy | None = None,
    worker: str | None = None,
) -> DeliveryReport:
    """One delivery pass: claim up to ``limit`` due messages for ``channels`` and send them.

    Safe to run in several processes at once. ``now`` fixes the clock (tests, replays).
    Messages for a channel that is not given stay queued.
    """
    policy = policy or RetryPolicy()
    worker = worker or _worker_id()
    by_kind = {ChannelKind(ch.kind): ch for ch in channels}
    clock: Callable[[], datetime] = (lambda: now) if now is not None else utcnow
    report = DeliveryReport()
    if not by_kind:
        return report
    rows = _claim(engine, list(by_kind), clock(), policy, worker, limit)
    report.claimed = len(rows)
    for row in rows:
        state = _deliver_one(
            engine, row, by_kind[ChannelKind(row.channel)], keyring, clock, policy, worker
        )
        if state is NotificationState.SENT:
            report.sent += 1
        elif state is NotificationState.FAILED:
            report.retrying += 1
        else:
            report.dead += 1
    return report


def _claim(
    engine: Engine,
    kinds: list[ChannelKind],
    now: datetime,
    policy: RetryPolicy,
    worker: str,
    limit: int,
) -> list[Row[Any]]:
    c = outbox.c
    due = sa.or_(
        sa.and_(
            c.state.in_([NotificationState.QUEUED.value, NotificationState.FAILED.value]),
            c.next_attempt_at <= now,
        ),
        # A worker that died mid-send left its lease behind: take the message over.
        sa.and_(c.state == NotificationState.SENDING.value, c.claimed_until < now),
    )
    query = (
        sa.select(
            c.id,
            c.channel,
            c.language,
            c.attempts,
            c.expires_at,
            c.kek_id,
            c.wrapped_key,
            c.sealed,
        )
        .where(due, c.channel.in_([k.value for k in kinds]))
        .order_by(c.next_attempt_at, c.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    with engine.begin() as conn:
        rows = list(conn.execute(query).all())
        if rows:
            conn.execute(
                sa.update(outbox)
                .where(c.id.in_([r.id for r in rows]))
                .values(
                    state=NotificationState.SENDING.value,
                    claimed_by=worker,
                    claimed_until=now + policy.lease,
                    attempts=c.attempts + 1,
                    last_attempt_at=now,
                )
            )
    return rows


def _deliver_one(
    engine: Engine,
    row: Row[Any],
    channel: Channel,
    keyring: Keyring,
    clock: Callable[[], datetime],
    policy: RetryPolicy,
    worker: str,
) -> NotificationState:
    number = row.attempts + 1
    started = clock()
    provider_id: str | None = None
    outcome, detail = "sent", None
    if row.expires_at is not None and row.expires_at <= started:
        outcome, detail = "expired", "expired before it could be sent"
    elif number > policy.max_attempts:
        outcome, detail = "permanent", "gave up: too many attempts"
    elif row.sealed is None:
        outcome, detail = "permanent", "message content no longer stored"
    else:
        try:
            recipient, rendered = open_message(
                keyring, row.id, Sealed(row.kek_id, row.wrapped_key, row.sealed)
            )
        except (UndecryptableError, ConfigError):
            outcome, detail = "permanent", "undecryptable: its key is missing or it was damaged"
        else:
            message = Outgoing(
                message_id=row.id,
                channel=ChannelKind(row.channel),
                recipient=recipient,
                language=row.language,
                text=rendered.text,
                subject=rendered.subject,
                html=rendered.html,
            )
            try:
                provider_id = channel.send(message)
            except PermanentSendError as exc:
                outcome, detail = "permanent", str(exc)
            except RetryableSendError as exc:
                outcome, detail = "retry", str(exc)
            except Exception as exc:  # a channel bug must not stop the pass
                # Only the type: an unexpected exception's text may quote the recipient.
                outcome, detail = "retry", f"unexpected {type(exc).__name__}"
    return _finish(
        engine, row.id, number, worker, started, clock(), outcome, detail, provider_id, policy
    )


def _finish(
    engine: Engine,
    nid: str,
    number: int,
    worker: str,
    started: datetime,
    finished: datetime,
    outcome: str,
    detail: str | None,
    provider_id: str | None,
    policy: RetryPolicy,
) -> NotificationState:
    detail = detail[:_DETAIL_MAX] if detail else None
    values: dict[str, Any] = {"claimed_by": None, "claimed_until": None, "last_error": detail}
    if outcome == "sent":
        state = NotificationState.SENT
        values |= {"sent_at": finished, "next_attempt_at": None, "provider_id": provider_id}
    elif outcome == "retry" and number < policy.max_attempts:
        state = NotificationState.FAILED
        values["next_attempt_at"] = finished + policy.delay(number)
    else:
        state = NotificationState.DEAD
        values |= {"dead_at": finished, "next_attempt_at": None}
    if state is not NotificationState.FAILED:
        values |= _TERMINAL_PURGE  # crypto-shred: nothing left to decrypt once final
    values["state"] = state.value
    with engine.begin() as conn:
        done = conn.execute(
            sa.update(outbox)
            .where(
                outbox.c.id == nid,
                outbox.c.claimed_by == worker,
                outbox.c.state == NotificationState.SENDING.value,
            )
            .values(values)
        )
        conn.execute(
            attempts.insert().values(
                notification_id=nid,
                number=number,
                worker=worker,
                started_at=started,
                finished_at=finished,
                outcome=outcome,
                detail=detail,
            )
        )
    if done.rowcount == 0:
        # Our lease ran out and another worker took the message over; its result stands.
        log.warning("notification %s: lease lost before recording attempt %d", nid, number)
    log.info("notification %s attempt %d: %s %s", nid, number, outcome, detail or "")
    return state


# -- queries for the case desk -----------------------------------------------------------------


def _status(row: Row[Any]) -> NotificationStatus:
    return NotificationStatus(
        id=row.id,
        template=row.template,
        channel=ChannelKind(row.channel),
        language=row.language,
        reference=row.reference,
        state=NotificationState(row.state),
        attempts=row.attempts,
        created_at=row.created_at,
        last_attempt_at=row.last_attempt_at,
        next_attempt_at=row.next_attempt_at,
        sent_at=row.sent_at,
        dead_at=row.dead_at,
        last_error=row.last_error,
        provider_id=row.provider_id,
    )


_STATUS_COLUMNS = [
    outbox.c[name]
    for name in (
        "id",
        "template",
        "channel",
        "language",
        "reference",
        "state",
        "attempts",
        "created_at",
        "last_attempt_at",
        "next_attempt_at",
        "sent_at",
        "dead_at",
        "last_error",
        "provider_id",
    )
]


def notification_status(engine: Engine | Connection, notification_id: str) -> NotificationStatus:
    """Where one notification stands; :class:`NotFound` if there is no such id."""
    query = sa.select(*_STATUS_COLUMNS).where(outbox.c.id == notification_id)
    row = _one_or_none(engine, query)
    if row is None:
        raise NotFound(f"notification {notification_id!r}: no such notification")
    return _status(row)


def notifications_for(engine: Engine | Connection, reference: str) -> list[NotificationStatus]:
    """Every notification enqueued with ``reference`` (e.g. a case id), oldest first."""
    query = (
        sa.select(*_STATUS_COLUMNS)
        .where(outbox.c.reference == reference)
        .order_by(outbox.c.created_at, outbox.c.id)
    )
    if isinstance(engine, Connection):
        return [_status(r) for r in engine.execute(query)]
    with engine.connect() as conn:
        return [_status(r) for r in conn.execute(query)]


def _one_or_none(target: Engine | Connection, query: sa.Select[Any]) -> Row[Any] | None:
    if isinstance(target, Connection):
        return target.execute(query).one_or_none()
    with target.connect() as conn:
        return conn.execute(query).one_or_none()


_CANCELLABLE = (NotificationState.QUEUED.value, NotificationState.FAILED.value)


def _cancelled(now: datetime | None) -> dict[str, Any]:
    return {
        "state": NotificationState.CANCELLED.value,
        "next_attempt_at": None,
        "dead_at": now or utcnow(),
        **_TERMINAL_PURGE,
    }


def cancel(engine: Engine, notification_id: str, *, now: datetime | None = None) -> bool:
    """Cancel a message not yet sent and drop its content; ``False`` if it is already final.

    A message being sent right now (``sending``) cannot be recalled and is not cancelled.
    """
    with engine.begin() as conn:
        done = conn.execute(
            sa.update(outbox)
            .where(
                outbox.c.id == notification_id,
                outbox.c.state.in_(_CANCELLABLE),
            )
            .values(_cancelled(now))
        )
        if done.rowcount == 0:
            exists = conn.execute(
                sa.select(outbox.c.id).where(outbox.c.id == notification_id)
            ).first()
            if exists is None:
                raise NotFound(f"notification {notification_id!r}: no such notification")
            return False
    return True


def rewrap_keys(engine: Engine, keyring: Keyring) -> int:
    """Re-wrap the keys of messages still stored under the active KEK; returns how many.

    KEK rotation must call this before it retires an old KEK, or messages still waiting
    would become undecryptable (and go dead instead of being sent).
    """
    c = outbox.c
    with engine.begin() as conn:
        rows = conn.execute(
            sa.select(c.id, c.kek_id, c.wrapped_key).where(
                c.kek_id.is_not(None), c.kek_id != keyring.active_kek
            )
        ).all()
        for row in rows:
            new = keyring.rewrap(WrappedKey(row.kek_id, row.wrapped_key))
            conn.execute(
                sa.update(outbox)
                .where(c.id == row.id, c.kek_id == row.kek_id)
                .values(kek_id=new.kek_id, wrapped_key=new.blob)
            )
    return len(rows)


def cancel_reference(engine: Engine, reference: str, *, now: datetime | None = None) -> int:
    """Cancel every not-yet-sent message enqueued with ``reference``; returns how many.

    For a closed case, or a customer being erased: their pending content is dropped at once.
    """
    with engine.begin() as conn:
        done = conn.execute(
            sa.update(outbox)
            .where(
                outbox.c.reference == reference,
                outbox.c.state.in_(_CANCELLABLE),
            )
            .values(_cancelled(now))
        )
    return int(done.rowcount)
