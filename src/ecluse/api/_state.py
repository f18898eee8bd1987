"""What every request handler shares: the installation, its desk and ledger, account policy."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
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
    # The direct routes' threads (see _direct): asyncio's executor hop is lighter than
    # anyio's. Unused when ``inline``.
    threads: ThreadPoolExecutor
    # Direct routes answered on the event loop's own thread: ``[api] inline_reads``, by default
    # for a local database, whose reads take tens of microseconds (see _direct, ApiSettings).
    inline: bool = False

    @property
    def engine(self) -> Engine:
        return self.inst.engine


def api_state(request: Request) -> ApiState:
    state: ApiState = request.app.state.ecluse
    return state


async def _state(request: Request) -> ApiState:
    # async although it does no I/O: FastAPI runs a plain function dependency in the thread
    # pool, one extra thread hop per request.
    return api_state(request)


State = Annotated[ApiState, Depends(_state)]
