"""``ecluse notify``: deliver the outbox, show a notification's status, test SMTP."""

from __future__ import annotations

import signal
import threading
from typing import Annotated, Any

import typer

from ecluse.cli._app import app, console, installation
from ecluse.notify import notification_status, send_pending, send_test_email

notify_app = typer.Typer(
    help="Customer notifications: the outbox and its e-mail and SMS channels.",
    no_args_is_help=True,
)
app.add_typer(notify_app, name="notify")


@notify_app.command("send-pending")
def send_pending_cmd(
    loop: Annotated[
        bool,
        typer.Option(
            "--loop", help="Keep delivering; Ctrl-C or SIGTERM stops after the pass in flight."
        ),
    ] = False,
    interval: Annotated[
        float, typer.Option(help="With --loop: seconds to wait when nothing was due.", min=0.1)
    ] = 10.0,
    limit: Annotated[int, typer.Option(help="Messages claimed per pass.", min=1)] = 100,
) -> None:
    """Send the messages that are due through the configured SMTP relay and SMS gateway.

    Safe to run in several processes at once. Failed messages are retried with exponential
    backoff and given up ("dead") after [notify] max_attempts.
    """
    stop = threading.Event()
    previous: dict[signal.Signals, Any] = {}
    if loop:
        # Ctrl-C / SIGTERM end the loop after the pass in flight: every message sent is also
        # recorded, so stopping a worker never causes a resend.
        for sig in (signal.SIGINT, signal.SIGTERM):
            previous[sig] = signal.signal(sig, lambda *_: stop.set())
    try:
        with installation() as inst, console.status("delivering notifications", spinner="dots"):
            while True:
                report = send_pending(inst, limit=limit)
                if report.claimed:
                    console.print(
                        f"claimed {report.claimed}: sent {report.sent}, "
                        f"retrying {report.retrying}, dead {report.dead}"
                    )
                if not loop or stop.is_set():
                    break
                if report.claimed < limit:
                    stop.wait(interval)
                if stop.is_set():
                    break
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    if loop:
        console.print("stopped")
    elif not report.claimed:
        console.print("nothing due")


@notify_app.command("status")
def status_cmd(
    notification_id: Annotated[str, typer.Argument(help="The id enqueue() returned.")],
) -> None:
    """Show where one notification stands: queued, sending, failed, sent, dead or cancelled."""
    with installation() as inst:
        st = notification_status(inst.engine, notification_id)
    console.print(f"notification {st.id}: [bold]{st.state.value}[/bold]")
    console.print(f"  template {st.template} ({st.language}) by {st.channel.value}")
    if st.reference:
        console.print(f"  reference {st.reference}")
    console.print(f"  created  {st.created_at.isoformat()}")
    console.print(f"  attempts {st.attempts}")
    for label, when in (
        ("last try", st.last_attempt_at),
        ("next try", st.next_attempt_at),
        ("sent", st.sent_at),
        ("ended", st.dead_at),
    ):
        if when is not None:
            console.print(f"  {label:<8} {when.isoformat()}")
    if st.last_error:
        console.print(f"  error    {st.last_error}")
    if st.provider_id:
        console.print(f"  peer id  {st.provider_id}")


@notify_app.command("test-email")
def test_email_cmd(
    to: Annotated[str, typer.Option("--to", help="Address to send the test message to.")],
    language: Annotated[str, typer.Option(help="fr, nl or en.")] = "en",
) -> None:
    """Send a test message through the configured SMTP relay, straight away (no outbox)."""
    with installation() as inst:
        message_id = send_test_email(inst, to, language=language)
    console.print(f"test message accepted by the SMTP relay (Message-ID {message_id})")
