"""Queries behind the ledger's read side: entries by filter, checkpoints."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ecluse.ledger._checkpoint import SignedCheckpoint
from ecluse.ledger._entries import Entry
from ecluse.ledger._tables import checkpoints, entries

__all__ = ["Progress", "all_checkpoints", "checkpoint_at", "latest_checkpoint", "query"]

Progress = Callable[[int, int], None]
"""Called as ``progress(done, total)`` during long passes."""

_CP_COLS = (
    checkpoints.c.tree_size,
    checkpoints.c.root_hash,
    checkpoints.c.time,
    checkpoints.c.key_id,
    checkpoints.c.signature,
)


def _cp(row: Any) -> SignedCheckpoint:
    return SignedCheckpoint(
        int(row.tree_size), bytes(row.root_hash), row.time, row.key_id, bytes(row.signature)
    )


def checkpoint_at(conn: Connection, size: int) -> SignedCheckpoint | None:
    row = conn.execute(sa.select(*_CP_COLS).where(checkpoints.c.tree_size == size)).first()
    return None if row is None else _cp(row)


def latest_checkpoint(conn: Connection) -> SignedCheckpoint | None:
    stmt = sa.select(*_CP_COLS).order_by(checkpoints.c.tree_size.desc()).limit(1)
    row = conn.execute(stmt).first()
    return None if row is None else _cp(row)


def all_checkpoints(conn: Connection) -> list[SignedCheckpoint]:
    rows = conn.execute(sa.select(*_CP_COLS).order_by(checkpoints.c.tree_size))
    return [_cp(r) for r in rows]


def query(
    conn: Connection,
    *,
    kind: str | Sequence[str] | None = None,
    actor: str | None = None,
    subject: str | None = None,
    case_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    start: int | None = None,
    stop: int | None = None,
    limit: int | None = None,
    newest_first: bool = False,
) -> list[Entry]:
    t = entries.c
    stmt = sa.select(t.idx, t.time, t.kind, t.actor, t.subject, t.case_id, t.details, t.leaf_hash)
    if isinstance(kind, str):
        stmt = stmt.where(t.kind == kind)
    elif kind is not None:
        stmt = stmt.where(t.kind.in_([str(k) for k in kind]))
    for col, value in ((t.actor, actor), (t.subject, subject), (t.case_id, case_id)):
        if value is not None:
            stmt = stmt.where(col == value)
    if since is not None:
        stmt = stmt.where(t.time >= since)
    if until is not None:
        stmt = stmt.where(t.time < until)
    if start is not None:
        stmt = stmt.where(t.idx >= start)
    if stop is not None:
        stmt = stmt.where(t.idx < stop)
    stmt = stmt.order_by(t.idx.desc() if newest_first else t.idx)
    if limit is not None:
        stmt = stmt.limit(limit)
    return [
        Entry(
            int(r.idx),
            r.time,
            r.kind,
            r.actor,
            r.subject,
            r.case_id,
            json.loads(r.details),
            bytes(r.leaf_hash),
        )
        for r in conn.execute(stmt)
    ]
