"""Usage review with a human in the loop: alerts become cases, people decide, lines come back.

See :class:`Review`. Nothing here cuts a line by machine alone: besides the bounded automatic
IRSF block, every measure is a person's decision (two people for a suspension), taken after
the customer was contacted, ledgered, notified, contestable and undone in one action.
"""

from __future__ import annotations

from ecluse.review._control import (
    HttpProvisioning,
    LineControl,
    ManualProvisioning,
    ProvisioningError,
)
from ecluse.review._report import ReviewReport, review_report
from ecluse.review._service import DECIDING_ROLES, MEASURES, Review, ReviewOpened, review_for

__all__ = [
    "DECIDING_ROLES",
    "MEASURES",
    "HttpProvisioning",
    "LineControl",
    "ManualProvisioning",
    "ProvisioningError",
    "Review",
    "ReviewOpened",
    "ReviewReport",
    "review_for",
    "review_report",
]
