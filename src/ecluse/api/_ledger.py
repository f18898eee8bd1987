"""Ledger routes for the operator's DPO and administrators (entries: DPO only)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from ecluse.api._auth import Caller
from ecluse.api._errors import ApiError
from ecluse.api._state import State
from ecluse.errors import NotFound
from ecluse.org import Principal
from ecluse.vocabulary import Role

__all__ = ["router"]

router = APIRouter(prefix="/ledger", tags=["ledger"])

_AUDITORS = frozenset({Role.DPO, Role.ADMIN})


def _require(principal: Principal, roles: frozenset[Role]) -> None:
    if principal.role not in roles:
        raise ApiError(403, "forbidden", "the ledger is for the operator's DPO and admins")


@router.get("/checkpoint", summary="The latest signed checkpoint (tree size, root, time)")
def checkpoint(principal: Caller, st: State) -> dict[str, Any]:
    _require(principal, _AUDITORS)
    cp = st.ledger.latest_checkpoint()
    if cp is None:
        raise NotFound("no checkpoint yet")
    return cp.to_json()


@router.get("/verify", summary="Recompute every entry, the tree and every checkpoint")
def verify(principal: Caller, st: State) -> dict[str, Any]:
    _require(principal, _AUDITORS)
    return st.ledger.verify().to_json()


@router.get("/entries", summary="The newest entries, optionally of one kind (DPO only)")
def entries(
    principal: Caller,
    st: State,
    kind: Annotated[str | None, Query(pattern=r"^[a-z][a-z0-9_.]{0,63}$")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:
    _require(principal, frozenset({Role.DPO}))
    found = st.ledger.entries(kind=kind, limit=limit, newest_first=True)
    return {"entries": [e.to_json() for e in found]}
