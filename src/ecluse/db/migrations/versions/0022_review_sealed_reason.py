"""Review: an analyst's reason for a measure is sealed under the customer's data key.

The reason is typed text about a customer's line and may tell about the customer: like the
contests and reveal explanations, it is now stored sealed (``sealed_reason``), so that erasing
the customer makes it unreadable. A migration has no keys: reasons written before stay in
``reason``, in clear, and are read from there; new measures leave it empty.

Revision ID: 0022_review_sealed_reason
Revises: 0009_review
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022_review_sealed_reason"
down_revision = "0009_review"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("line_measures") as batch:
        batch.add_column(sa.Column("sealed_reason", sa.LargeBinary(), nullable=True))
        batch.alter_column("reason", existing_type=sa.String(500), nullable=True)


def downgrade() -> None:
    op.execute("UPDATE line_measures SET reason = '' WHERE reason IS NULL")
    with op.batch_alter_table("line_measures") as batch:
        batch.alter_column("reason", existing_type=sa.String(500), nullable=False)
        batch.drop_column("sealed_reason")
