"""Ledger: drop the actor and case_id indexes, which cost every append more than they gave.

Each index on a value spread over the log (actor, case) adds a random B-tree insert per entry
and a dirty page per entry to every commit: together they took as long as the rest of an
append on SQLite. Only ``ecluse ledger show --actor/--case`` and ``entries_for_case`` query
them, and those now scan the log newest first. The subject index stays for the "who saw my
data" report, the kind and time indexes (appended at their right edge, so cheap) for the
DPO's pages.

Revision ID: 0030_ledger_fewer_indexes
Revises: 0003_ledger
"""

from __future__ import annotations

from alembic import op

revision = "0030_ledger_fewer_indexes"
down_revision = "0003_ledger"
branch_labels = None
depends_on = None

_DROPPED = ("actor", "case_id")


def upgrade() -> None:
    for col in _DROPPED:
        op.drop_index(f"ix_ledger_entries_{col}", "ledger_entries")


def downgrade() -> None:
    for col in _DROPPED:
        op.create_index(f"ix_ledger_entries_{col}", "ledger_entries", [col])
