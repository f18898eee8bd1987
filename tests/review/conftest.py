"""Usage-review fixtures: the case-desk world, a real SMTP server, a provisioning API."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from ecluse.usage import Alert, Evidence, LinePseudonymiser, ProposedAction, Severity

from ..cases.conftest import NOW, World, world
from ..notify.conftest import smtp_server

__all__ = ["NOW", "ProvisioningPeer", "World", "make_alert", "provisioning", "smtp_server", "world"]


@dataclass
class ProvisioningPeer:
    url: str
    requests: list[dict[str, Any]] = field(default_factory=list)
    fail_with: int | None = None


@pytest.fixture
def provisioning() -> Iterator[ProvisioningPeer]:
    """A local HTTP server standing for the operator's network provisioning API."""
    peer = ProvisioningPeer(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            status = peer.fail_with or 202
            if status == 202:
                peer.requests.append({**body, "idempotency": self.headers.get("Idempotency-Key")})
            self.send_response(status)
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    peer.url = f"http://127.0.0.1:{server.server_address[1]}/measures"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield peer
    server.shutdown()
    server.server_close()


def make_alert(
    world: World,
    msisdn: str,
    detector: str = "fair_use",
    severity: Severity = Severity.MEDIUM,
    *,
    confirmed: bool = False,
    actions: tuple[ProposedAction, ...] = (
        ProposedAction.NO_ACTION,
        ProposedAction.ADVICE_OR_PLAN_CHANGE,
    ),
    legitimate: bool = True,
) -> Alert:
    line_id = LinePseudonymiser.from_keyring(world.inst.keyring).line_id(msisdn)
    return Alert(
        line_id=line_id,
        detector=detector,
        window="day",
        window_start=NOW - timedelta(days=1),
        severity=severity,
        score=1.5,
        evidence=(
            Evidence(
                "calls_per_day", 90, "calls", threshold=60, baseline=12, baseline_kind="own history"
            ),
        ),
        explanation={
            "en": "90 calls in a day to 41 national numbers, mostly in daytime.",
            "fr": "90 appels en un jour vers 41 numéros nationaux, surtout en journée.",
            "nl": "90 oproepen op een dag naar 41 nationale nummers, vooral overdag.",
        },
        legitimate={"en": ("intensive personal or professional use",)},
        proposed_actions=actions,
        fits_legitimate_use=legitimate,
        confirmed=confirmed,
        last_event_at=NOW - timedelta(minutes=5),
    )
