"""Real local peers for the notification channels: an SMTP server and an HTTP SMS gateway.

* ``smtp_server``: aiosmtpd on a free localhost port; ``.messages`` collects what it receives.
* ``sms_gateway``: a stdlib ``http.server`` in a thread that records each request and answers
  as told (``.script`` of status codes, ``.delay`` to provoke timeouts).
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import ipaddress
import json
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

SMTP_USER = "relay-user"
SMTP_PASSWORD = "relay-secret"
REFUSED_DOMAIN = "refused.example"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# -- SMTP ------------------------------------------------------------------------------------


class _Handler:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[Envelope] = []
        self.peers: list[Any] = []  # client address of the session each message came on

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: Any
    ) -> str:
        if address.endswith("@" + REFUSED_DOMAIN):
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or envelope.content
        assert isinstance(raw, bytes)
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(msg, EmailMessage)
        self.messages.append(msg)
        self.envelopes.append(envelope)
        self.peers.append(session.peer)
        return "250 OK"


@dataclass
class SmtpPeer:
    host: str
    port: int
    handler: _Handler
    ca_file: str | None = None

    @property
    def messages(self) -> list[EmailMessage]:
        return self.handler.messages


def _authenticator(
    server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
) -> AuthResult:
    ok = (
        isinstance(auth_data, LoginPassword)
        and auth_data.login == SMTP_USER.encode()
        and auth_data.password == SMTP_PASSWORD.encode()
    )
    return AuthResult(success=ok, handled=False)


@dataclass
class Tls:
    cert: Path
    key: Path

    def server_context(self) -> ssl.SSLContext:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(self.cert, self.key)
        return ctx


@pytest.fixture(scope="session")
def tls(tmp_path_factory: pytest.TempPathFactory) -> Tls:
    """A self-signed certificate for localhost/127.0.0.1 (the client trusts it via ca_file)."""
    folder = tmp_path_factory.mktemp("tls")
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return Tls(cert_path, key_path)


def serve_smtp(tls: Tls | None = None, **kwargs: Any) -> Iterator[SmtpPeer]:
    handler = _Handler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, **kwargs)
    controller.start()
    yield SmtpPeer("127.0.0.1", port, handler, ca_file=str(tls.cert) if tls else None)
    controller.stop()


@pytest.fixture
def smtp_server() -> Iterator[SmtpPeer]:
    """Plain SMTP, no auth: the simplest relay."""
    yield from serve_smtp()


@pytest.fixture
def smtp_starttls_server(tls: Tls) -> Iterator[SmtpPeer]:
    """STARTTLS required, AUTH LOGIN/PLAIN required (only after TLS)."""
    yield from serve_smtp(
        tls,
        tls_context=tls.server_context(),
        require_starttls=True,
        auth_required=True,
        auth_require_tls=True,
        authenticator=_authenticator,
    )


@pytest.fixture
def smtp_ssl_server(tls: Tls) -> Iterator[SmtpPeer]:
    """Implicit TLS (port-465 style)."""
    yield from serve_smtp(tls, ssl_context=tls.server_context())


# -- SMS gateway -----------------------------------------------------------------------------


@dataclass
class SmsRequest:
    headers: dict[str, str]
    body: dict[str, Any]


@dataclass
class SmsPeer:
    """Records each POST; answers from ``script`` (status codes, consumed in order) then 200."""

    url: str
    token: str = "gateway-token-123"
    requests: list[SmsRequest] = field(default_factory=list)
    script: list[int] = field(default_factory=list)
    delay: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def texts_to(self, number: str) -> list[str]:
        return [r.body["text"] for r in self.requests if r.body.get("to") == number]


@pytest.fixture
def sms_gateway() -> Iterator[SmsPeer]:
    port = free_port()
    peer = SmsPeer(url=f"http://127.0.0.1:{port}/v1/messages")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            raw = self.rfile.read(length)
            if peer.delay:
                time.sleep(peer.delay)
            if self.headers.get("Authorization") != f"Bearer {peer.token}":
                self._answer(401, {"error": "unauthorised"})
                return
            with peer.lock:
                peer.requests.append(SmsRequest(dict(self.headers.items()), json.loads(raw)))
                status = peer.script.pop(0) if peer.script else 200
                number = len(peer.requests)
            if status == 200:
                self._answer(200, {"id": f"gw-{number}", "status": "accepted"})
            else:
                self._answer(status, {"error": "scripted"})

        def _answer(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield peer
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)
