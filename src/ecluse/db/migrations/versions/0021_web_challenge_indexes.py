"""Console: index the portal's sign-in challenges by customer and by expiry.

Sign-in counts a customer's codes of the last hour (at most five an hour), and expired
challenges are purged as new ones come: both would otherwise scan every challenge ever made.

Revision ID: 0021_web_challenge_indexes
Revises: 0020_web
"""

from __future__ import annotations

from alembic import op

revision = "0021_web_challenge_indexes"
down_revision = "0020_web"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_portal_challenges_customer_created",
        "portal_challenges",
        ["customer_id", "created_at"],
    )
    op.create_index("ix_portal_challenges_expires_at", "portal_challenges", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_portal_challenges_expires_at", "portal_challenges")
    op.drop_index("ix_portal_challenges_customer_created", "portal_challenges")
