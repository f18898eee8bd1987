"""``ecluse notify``: deliver the outbox, show a notification's status, test SMTP."""

from __future__ import annotations

import time
from typing import Annotated

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
        bool, typer.Option("--loop", help="Keep delivering until interrupted (Ctrl-C).")
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
    report = None
    with installation() as inst:
        try:
            with console.status("delivering notifications", spinner="dots"):
                while True:
                    report = send_pending(inst, limit=limit)
                    if report.claimed:
                        console.print(
                            f"claimed {report.claimed}: sent {report.sent}, "
                            f"retrying {report.retrying}, dead {report.dead}"
                        )
                    if not loop:
                        break
                    if report.claimed < limit:
                        time.sleep(interval)
        except KeyboardInterrupt:
            console.print("stopped")
    if not loop and report is not None and not report.claimed:
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
