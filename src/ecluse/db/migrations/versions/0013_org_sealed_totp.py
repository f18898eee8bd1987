"""Organisation: TOTP seeds are stored sealed under the KEK, no longer in clear.

A migration has no keys, so it cannot seal the seeds already there: it drops them, and people
with a second factor enrol again (``ecluse users enrol-totp``). Their other credentials stay.

Revision ID: 0013_org_sealed_totp
Revises: 0004_org
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0013_org_sealed_totp"
down_revision = "0004_org"
branch_labels = None
depends_on = None

_COLUMNS = ("totp_secret", "totp_pending")


def _replace(kind: sa.types.TypeEngine[Any]) -> None:
    op.execute("UPDATE org_people SET totp_last_step = NULL")
    for name in _COLUMNS:
        op.drop_column("org_people", name)
        op.add_column("org_people", sa.Column(name, kind, nullable=True))


def upgrade() -> None:
    _replace(sa.LargeBinary())


def downgrade() -> None:
    _replace(sa.String(64))
