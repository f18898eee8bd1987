"""Notification outbox: enqueue and delivery against a plain baseline, same run.

    .venv/bin/python bench/notify.py [--messages 2000] [--db-url URL] [--no-write]

Enqueue: ``ecluse.notify.enqueue`` (validate, render the template, seal recipient and body
under a fresh wrapped data key, insert) one message per transaction, against inserting the
same clear recipient and text into a plain table, one per transaction, in the same database.
Delivery: ``deliver_pending`` (claim with a lease, unseal, POST, record the attempt) to a local
HTTP SMS gateway, against POSTing the same messages straight to it with the same client.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine, write_section
from ecluse.db import create_engine, migrate
from ecluse.keys import Keyring
from ecluse.notify import (
    ChannelKind,
    HttpSmsGateway,
    Notification,
    SmsConfig,
    deliver_pending,
    enqueue,
    render,
)

LINK = "https://portal.operator.example/contest/Zq3xY7bLw0PqR9sT1uVw2x"
TOKEN = "bench-token"


class _Gateway(BaseHTTPRequestHandler):
    received = 0
    lock = threading.Lock()

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with _Gateway.lock:
            _Gateway.received += 1
            number = _Gateway.received
        body = json.dumps({"id": f"gw-{number}"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        return None


def notification(n: int) -> Notification:
    return Notification(
        template="usage_review_contact",
        channel=ChannelKind.SMS,
        recipient=f"+3247{n:07d}",
        language=("fr", "nl", "en")[n % 3],
        params={"line_end": f"{n % 100:02d}", "observed": "Many short calls abroad.", "link": LINK},
        reference=f"case-{n}",
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--db-url", default=None, help="default: a temporary SQLite file")
    parser.add_argument("--no-write", action="store_true", help="do not update the docs")
    args = parser.parse_args()
    n = args.messages
    tmp = tempfile.TemporaryDirectory()
    url = args.db_url or f"sqlite:///{Path(tmp.name) / 'bench.db'}"
    engine = create_engine(url)
    migrate(engine)
    keyring = Keyring(
        {"k": os.urandom(32)}, "k", os.urandom(32), Ed25519PrivateKey.generate(), os.urandom(32)
    )
    plain = sa.Table(
        "bench_plain_outbox",
        sa.MetaData(),
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("recipient", sa.Text),
        sa.Column("body", sa.Text),
    )
    plain.drop(engine, checkfirst=True)
    plain.create(engine)
    messages = [notification(i) for i in range(n)]
    texts = [render(m.template, m.language, ChannelKind.SMS, m.params).text for m in messages]

    start = time.perf_counter()
    for m, text in zip(messages, texts, strict=True):
        with engine.begin() as conn:
            conn.execute(plain.insert().values(recipient=m.recipient, body=text))
    base_enqueue = time.perf_counter() - start
    start = time.perf_counter()
    for m in messages:
        enqueue(engine, m, keyring=keyring)
    ecluse_enqueue = time.perf_counter() - start

    server = ThreadingHTTPServer(("127.0.0.1", 0), _Gateway)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    gw_url = f"http://127.0.0.1:{server.server_address[1]}/v1/messages"
    client = httpx.Client(timeout=10)
    start = time.perf_counter()
    for m, text in zip(messages, texts, strict=True):
        client.post(
            gw_url,
            json={"to": m.recipient, "text": text},
            headers={"Authorization": f"Bearer {TOKEN}"},
        ).raise_for_status()
    base_deliver = time.perf_counter() - start
    client.close()
    channel = HttpSmsGateway(SmsConfig(url=gw_url, token=TOKEN))
    start = time.perf_counter()
    sent = 0
    while True:
        report = deliver_pending(engine, [channel], keyring=keyring, limit=200)
        if not report.claimed:
            break
        sent += report.sent
    ecluse_deliver = time.perf_counter() - start
    channel.close()
    server.shutdown()
    engine.dispose()
    assert sent == n, f"sent {sent} of {n}"

    rows = [
        ("enqueue, one per transaction", base_enqueue, ecluse_enqueue),
        ("deliver to a local HTTP gateway", base_deliver, ecluse_deliver),
    ]
    backend = "PostgreSQL" if url.startswith("postgresql") else "SQLite (WAL, synchronous=FULL)"
    lines = [
        f"Command: `.venv/bin/python bench/notify.py --messages {n}` on {backend}.",
        "",
        f"Machine: {machine()} (a load above ~1 means other work shared the 2 cores).",
        "",
        "| step | baseline msg/s | ecluse msg/s | ecluse cost / baseline |",
        "|---|---:|---:|---:|",
    ]
    for label, base, ours in rows:
        lines.append(f"| {label} | {n / base:,.0f} | {n / ours:,.0f} | {ours / base:.2f}x |")
    lines += [
        "",
        "Baseline enqueue: the same recipient and rendered text inserted in clear into a plain",
        "table. Baseline delivery: the same messages POSTed straight to the gateway. Ecluse adds",
        "template rendering, sealing under a per-message wrapped key, the claim/lease and the",
        "attempt record (two more transactions per pass and one per message).",
    ]
    report_text = "\n".join(lines)
    print(report_text)
    if not args.no_write:
        write_section("Notification outbox", report_text)
    tmp.cleanup()


if __name__ == "__main__":
    main()
