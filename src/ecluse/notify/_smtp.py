"""E-mail through an SMTP relay (stdlib ``smtplib``): STARTTLS, implicit TLS or plain."""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, formatdate
from typing import Literal

from ecluse.notify._model import ChannelKind, Outgoing, PermanentSendError, RetryableSendError

__all__ = ["SmtpChannel", "SmtpConfig"]

Security = Literal["starttls", "ssl", "none"]


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    sender: str  # the From address
    port: int = 587
    security: Security = "starttls"
    username: str | None = None
    password: str | None = None
    sender_name: str | None = None
    reply_to: str | None = None
    timeout: float = 30.0
    ca_file: str | None = None  # a private CA for the relay's certificate

    def __repr__(self) -> str:  # keep the password out of logs and tracebacks
        return f"SmtpConfig(host={self.host!r}, port={self.port}, security={self.security!r})"


class SmtpChannel:
    """Sends over one SMTP session, opened on first use and kept for the following messages
    (a delivery pass pays the TLS handshake and AUTH once); :meth:`close` ends it.

    A kept session is probed with NOOP before reuse and reopened if the relay dropped it, so a
    message is never re-sent on a fresh connection after an ambiguous failure mid-transaction.
    """

    def __init__(self, config: SmtpConfig) -> None:
        self.config = config
        self._smtp: smtplib.SMTP | None = None
        self.sessions_opened = 0

    def __enter__(self) -> SmtpChannel:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def kind(self) -> ChannelKind:
        return ChannelKind.EMAIL

    def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            smtp.close()

    def _drop(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            smtp.close()

    def _session(self) -> smtplib.SMTP:
        if self._smtp is not None:
            try:
                if self._smtp.noop()[0] == 250:
                    return self._smtp
            except (OSError, smtplib.SMTPException):
                pass
            self._drop()
        cfg = self.config
        context = ssl.create_default_context(cafile=cfg.ca_file)
        smtp: smtplib.SMTP
        if cfg.security == "ssl":
            smtp = smtplib.SMTP_SSL(cfg.host, cfg.port, timeout=cfg.timeout, context=context)
        else:
            smtp = smtplib.SMTP(cfg.host, cfg.port, timeout=cfg.timeout)
        try:
            if cfg.security == "starttls":
                smtp.starttls(context=context)
            if cfg.username:
                smtp.login(cfg.username, cfg.password or "")
        except BaseException:
            smtp.close()
            raise
        self._smtp = smtp
        self.sessions_opened += 1
        return smtp

    def build(self, message: Outgoing) -> EmailMessage:
        """The MIME message: plain text, plus an HTML alternative when there is one."""
        cfg = self.config
        msg = EmailMessage()
        msg["From"] = formataddr((cfg.sender_name, cfg.sender)) if cfg.sender_name else cfg.sender
        msg["To"] = message.recipient
        msg["Subject"] = message.subject or ""
        msg["Date"] = formatdate(usegmt=True)
        domain = cfg.sender.rpartition("@")[2] or "ecluse.invalid"
        # Stable across retries: a receiving system that deduplicates drops a resend.
        msg["Message-ID"] = f"<{message.message_id}@{domain}>"
        msg["Auto-Submitted"] = "auto-generated"
        if cfg.reply_to:
            msg["Reply-To"] = cfg.reply_to
        msg.set_content(message.text)
        if message.html:
            msg.add_alternative(message.html, subtype="html")
        # After the body: make_alternative() moves Content-* headers into the first part.
        msg["Content-Language"] = message.language
        return msg

    def send(self, message: Outgoing) -> str | None:
        mime = self.build(message)
        # Errors carry SMTP codes only: server replies often quote the recipient's address.
        try:
            try:
                self._session().send_message(mime)
            except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError):
                raise  # smtplib reset the transaction: the session stays usable
            except BaseException:
                self._drop()
                raise
        except smtplib.SMTPRecipientsRefused as exc:
            code = next(iter(exc.recipients.values()))[0]
            raise _by_code(code, "recipient refused") from None
        except smtplib.SMTPDataError as exc:
            raise _by_code(exc.smtp_code, "message refused") from None
        except smtplib.SMTPAuthenticationError as exc:
            # The relay's credentials are wrong, not the message: retry once fixed.
            raise RetryableSendError(f"SMTP {exc.smtp_code}: authentication failed") from None
        except smtplib.SMTPResponseException as exc:
            raise RetryableSendError(f"SMTP {exc.smtp_code}: relay refused") from None
        except smtplib.SMTPNotSupportedError:
            raise RetryableSendError("SMTP relay does not offer STARTTLS or AUTH") from None
        except (TimeoutError, ssl.SSLError) as exc:
            raise RetryableSendError(f"SMTP {type(exc).__name__}") from None
        except (OSError, smtplib.SMTPException) as exc:
            raise RetryableSendError(f"SMTP relay unreachable ({type(exc).__name__})") from None
        return str(mime["Message-ID"])


def _by_code(code: int, what: str) -> PermanentSendError | RetryableSendError:
    if 500 <= code < 600:
        return PermanentSendError(f"SMTP {code}: {what}")
    return RetryableSendError(f"SMTP {code}: {what}")
