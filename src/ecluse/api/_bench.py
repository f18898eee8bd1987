"""Benchmark-only baseline: the case's customer row read with no policy, decryption or ledger.

Mounted only by ``create_app(..., bench=True)`` (``bench/case_view.py``), never in production:
it hands out the (encrypted) row to any authenticated caller.
"""

from __future__ import annotations

import base64

import sqlalchemy as sa
from fastapi import APIRouter

from ecluse.api._auth import Caller
from ecluse.api._cases import CaseId
from ecluse.api._json import Json
from ecluse.api._state import State
from ecluse.cases._tables import cases
from ecluse.db import Prebuilt
from ecluse.errors import NotFound
from ecluse.vault._tables import customers

__all__ = ["router"]

router = APIRouter(prefix="/_bench", include_in_schema=False)

# Read the way the case view reads (on the driver), so the two differ only by the protection.
_ROW = Prebuilt(
    sa.select(customers.c.id, customers.c.language, customers.c.record)
    .select_from(customers.join(cases, cases.c.customer_id == customers.c.id))
    .where(cases.c.id == sa.bindparam("case_id"))
)


@router.get("/cases/{case_id}/row")
def raw_row(case_id: CaseId, principal: Caller, st: State) -> Json:
    row = _ROW.first(st.engine, {"case_id": case_id})
    if row is None:
        raise NotFound("no such case")
    record = base64.b64encode(row.record or b"").decode()
    # Answered the way the case view is, so the two differ only by the protection.
    return Json({"customer": row.id, "language": row.language, "record": record})
