"""Tables of the usage review: the registry of ingested files and the alerts."""

from __future__ import annotations

import sqlalchemy as sa

from ecluse.db import UTCDateTime, metadata

__all__ = ["usage_alerts", "usage_ingested_files"]

#: One row per ingested file content (SHA-256): a rerun of the same file is a no-op.
usage_ingested_files = sa.Table(
    "usage_ingested_files",
    metadata,
    sa.Column("content_hash", sa.String(64), primary_key=True),
    sa.Column("file_name", sa.String(255), nullable=False),
    sa.Column("ingested_at", UTCDateTime(), nullable=False),
    sa.Column("rows_read", sa.BigInteger, nullable=False),
    sa.Column("rows_stored", sa.BigInteger, nullable=False),
    sa.Column("rows_duplicate", sa.BigInteger, nullable=False),
    sa.Column("rows_quarantined", sa.BigInteger, nullable=False),
)

#: Alerts with their evidence (JSON, no clear personal data); ``alert_id`` is stable.
usage_alerts = sa.Table(
    "usage_alerts",
    metadata,
    sa.Column("alert_id", sa.String(32), primary_key=True),
    sa.Column("line_id", sa.String(32), nullable=False, index=True),
    sa.Column("detector", sa.String(32), nullable=False),
    sa.Column("window", sa.String(8), nullable=False),
    sa.Column("window_start", UTCDateTime(), nullable=False),
    sa.Column("severity", sa.String(8), nullable=False),
    sa.Column("score", sa.Float, nullable=False),
    sa.Column("confirmed", sa.Boolean, nullable=False),
    sa.Column("proposes_suspension", sa.Boolean, nullable=False),
    sa.Column("last_event_at", UTCDateTime(), nullable=False),
    sa.Column("created_at", UTCDateTime(), nullable=False, index=True),
    sa.Column("body", sa.Text, nullable=False),
)
