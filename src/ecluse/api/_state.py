"""What every request handler shares: the installation, its desk and ledger, account policy."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.engine import Engine

from ecluse.cases import Desk
from ecluse.installation import Installation
from ecluse.ledger import Ledger
from ecluse.org import AccountPolicy, RateLimiter

__all__ = ["ApiState", "State", "api_state"]


@dataclass(frozen=True)
class ApiState:
    inst: Installation
    desk: Desk
    ledger: Ledger
    accounts: AccountPolicy
    limiter: RateLimiter
    secure_cookie: bool

    @property
    def engine(self) -> Engine:
        return self.inst.engine


def api_state(request: Request) -> ApiState:
    state: ApiState = request.app.state.ecluse
    return state


State = Annotated[ApiState, Depends(api_state)]
