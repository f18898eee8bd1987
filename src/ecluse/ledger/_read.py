"""Rows to objects for the ledger's read side, and the checkpoint queries."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ecluse.ledger._checkpoint import SignedCheckpoint
from ecluse.ledger._entries import Entry
from ecluse.ledger._tables import checkpoints

__all__ = ["Progress", "all_checkpoints", "checkpoint_at", "latest_checkpoint", "to_entry"]

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


def to_entry(r: Any) -> Entry:
    return Entry(
        int(r.idx),
        r.time,
        r.kind,
        r.actor,
        r.subject,
        r.case_id,
        json.loads(r.details),
        bytes(r.leaf_hash),
    )
