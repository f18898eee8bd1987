"""Data-subject rights: who saw my data (Art. 15) and the reports that answer it."""

from __future__ import annotations

from ecluse.privacy._access_report import (
    Access,
    AccessReport,
    access_report,
    render_access_report_html,
)
from ecluse.privacy._labels import LABELS, label

__all__ = [
    "LABELS",
    "Access",
    "AccessReport",
    "access_report",
    "label",
    "render_access_report_html",
]
