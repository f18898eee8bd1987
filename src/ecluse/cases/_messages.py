"""Case messages: free text crosses the lock only pseudonymised, replies come back re-identified.

A customer's e-mail, chat or transcript posted to a case is stored sealed in full and
pseudonymised with the case's token map (``[PERSON_1]``, ``[PHONE_2]``…) for the vendor's
agent. The agent's reply is re-identified on the operator's side; a reply carrying clear
personal data that is not the case customer's is held for review instead of being sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ecluse.cases._tables import case_messages, case_token_maps
from ecluse.db import reading, utcnow
from ecluse.errors import InputError
from ecluse.keys import DataKey
from ecluse.ledger import NewEntry
from ecluse.org import Principal
from ecluse.redact import KnownValues, Pseudonymiser, TokenMap, reidentify
from ecluse.vault import Customer
from ecluse.vocabulary import VENDOR_ROLES

if TYPE_CHECKING:
    from ecluse.cases._desk import Desk

__all__ = ["Message", "Messages", "known_values"]

_MAX_MESSAGE = 50_000


@dataclass(frozen=True, slots=True)
class Message:
    id: int
    at: datetime
    direction: str
    author: str
    text: str  # redacted for vendor roles
    status: str
    held_reasons: str

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "at": self.at.isoformat(),
            "direction": self.direction,
            "author": self.author,
            "text": self.text,
            "status": self.status,
            "held_reasons": self.held_reasons,
        }


def known_values(c: Customer) -> KnownValues:
    """What the vault knows about the customer, for case-aware redaction."""
    return KnownValues(
        names=tuple(n for n in (c.full_name, c.last_name) if n),
        birth_date=c.birth_date,
        national_number=c.national_number,
        phones=c.phones,
        emails=c.emails,
        ibans=(c.iban,) if c.iban else (),
        addresses=tuple(a.one_line() for a in c.addresses),
        eans=tuple(s.ean for s in c.supply_points),
        msisdns=tuple(m.msisdn for m in c.lines),
        contract_numbers=tuple(k.id for k in c.contracts),
        customer_numbers=(c.external_id,) if c.external_id else (),
    )


def _aad(case_id: str, what: str) -> bytes:
    return f"{case_id}|{what}".encode()


class Messages:
    """The message operations of a :class:`~ecluse.cases.Desk` (``desk.messages``)."""

    def __init__(self, desk: Desk) -> None:
        self.desk = desk

    def _token_map(self, conn: Connection, key: DataKey, case_id: str) -> TokenMap:
        sealed = conn.execute(
            sa.select(case_token_maps.c.sealed_map).where(case_token_maps.c.case_id == case_id)
        ).scalar()
        return (
            TokenMap.from_bytes(key.open(sealed, _aad(case_id, "tokens"))) if sealed else TokenMap()
        )

    def _save_token_map(
        self, conn: Connection, key: DataKey, case_id: str, tokens: TokenMap, now: datetime
    ) -> None:
        sealed = key.seal(tokens.to_bytes(), _aad(case_id, "tokens"))
        updated = conn.execute(
            case_token_maps.update()
            .where(case_token_maps.c.case_id == case_id)
            .values(sealed_map=sealed, updated_at=now)
        ).rowcount
        if not updated:
            conn.execute(
                case_token_maps.insert().values(case_id=case_id, sealed_map=sealed, updated_at=now)
            )

    def post_message(
        self, case_id: str, text: str, *, author: str = "customer", now: datetime | None = None
    ) -> Message:
        """An inbound message from the customer (operator-side channel integration)."""
        now = now or utcnow()
        if not text.strip() or len(text) > _MAX_MESSAGE:
            raise InputError(f"a message has 1 to {_MAX_MESSAGE} characters", field="text")
        case = self.desk.get(case_id)
        customer = self.desk.vault.get(case.customer_id)
        with self.desk.engine.begin() as conn:
            key = self.desk.vault.data_key(conn, case.customer_id)
            tokens = self._token_map(conn, key, case_id)
            redacted = Pseudonymiser(tokens, known=known_values(customer)).pseudonymise(text)
            self._save_token_map(conn, key, case_id, tokens, now)
            message_id = conn.execute(
                case_messages.insert().values(
                    case_id=case_id,
                    at=now,
                    direction="inbound",
                    author=author,
                    sealed_full=key.seal(text.encode(), _aad(case_id, "full")),
                    sealed_redacted=key.seal(redacted.text.encode(), _aad(case_id, "redacted")),
                    status="received",
                )
            ).inserted_primary_key[0]  # type: ignore[index]
        return Message(int(message_id), now, "inbound", author, redacted.text, "received", "")

    def reply(
        self, principal: Principal, case_id: str, text: str, now: datetime | None = None
    ) -> Message:
        """An agent's reply, written with tokens; re-identified here, held if suspicious."""
        now = now or utcnow()
        if not text.strip() or len(text) > _MAX_MESSAGE:
            raise InputError(f"a reply has 1 to {_MAX_MESSAGE} characters", field="text")
        case = self.desk.case_for(principal, case_id, now)
        customer = self.desk.vault.get(case.customer_id)
        with self.desk.engine.begin() as conn:
            key = self.desk.vault.data_key(conn, case.customer_id)
            tokens = self._token_map(conn, key, case_id)
            result = reidentify(text, tokens, known=known_values(customer))
            status = "held" if result.held_for_review else "ready"
            reasons = "; ".join(result.reasons)[:500]
            message_id = conn.execute(
                case_messages.insert().values(
                    case_id=case_id,
                    at=now,
                    direction="outbound",
                    author=principal.handle,
                    sealed_full=key.seal(result.text.encode(), _aad(case_id, "full")),
                    sealed_redacted=key.seal(text.encode(), _aad(case_id, "redacted")),
                    status=status,
                    held_reasons=reasons,
                )
            ).inserted_primary_key[0]  # type: ignore[index]
        self.desk.ledger.append(
            NewEntry(
                "reply",
                principal.handle,
                case.customer_id,
                case_id,
                {"status": status, "held": result.held_for_review},
                now,
            )
        )
        return Message(int(message_id), now, "outbound", principal.handle, text, status, reasons)

    def thread(self, principal: Principal, case_id: str) -> list[Message]:
        """The case's messages as this person may read them: pseudonymised for vendor roles."""
        case = self.desk.case_for(principal, case_id)
        clear = principal.role not in VENDOR_ROLES
        with reading(self.desk.engine) as conn:
            rows = conn.execute(
                sa.select(case_messages)
                .where(case_messages.c.case_id == case_id)
                .order_by(case_messages.c.id)
            ).all()
            key = self.desk.vault.data_key(conn, case.customer_id) if rows else None
        out = []
        for r in rows:
            assert key is not None
            blob, what = (r.sealed_full, "full") if clear else (r.sealed_redacted, "redacted")
            text = key.open(blob, _aad(case_id, what)).decode()
            out.append(Message(r.id, r.at, r.direction, r.author, text, r.status, r.held_reasons))
        return out

    def outgoing_text(self, message_id: int) -> str:
        """The re-identified text of a ready reply, for the operator's sending channel only."""
        with reading(self.desk.engine) as conn:
            r = conn.execute(
                sa.select(case_messages).where(case_messages.c.id == message_id)
            ).first()
            if r is None or r.direction != "outbound":
                raise InputError("no such reply", field="message_id")
            if r.status not in ("ready", "released"):
                raise InputError("this reply is held for review", field="message_id")
            case = self.desk.get(r.case_id)
            key = self.desk.vault.data_key(conn, case.customer_id)
        return key.open(r.sealed_full, _aad(r.case_id, "full")).decode()
