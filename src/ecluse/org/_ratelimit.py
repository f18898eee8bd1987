"""A per-source sliding-window rate limit, for the API's login endpoint.

In memory, one per process: it slows guessing from one address; the per-account lockout
(stored in the database) is what holds across processes.
"""

from __future__ import annotations

import threading
from collections import deque
from datetime import datetime, timedelta

from ecluse.org._errors import AuthError, AuthFailure

__all__ = ["RateLimiter"]


class RateLimiter:
    """At most ``limit`` attempts per ``per`` for each source key."""

    def __init__(self, limit: int = 10, per: timedelta = timedelta(minutes=1)) -> None:
        if limit < 1:
            raise ValueError("limit must be at least 1")
        self.limit = limit
        self.per = per
        self._hits: dict[str, deque[datetime]] = {}
        self._lock = threading.Lock()

    def hit(self, source: str, now: datetime) -> None:
        """Count an attempt from ``source``; raise ``AuthError(rate_limited)`` over the limit."""
        with self._lock:
            hits = self._hits.setdefault(source, deque())
            while hits and hits[0] <= now - self.per:
                hits.popleft()
            if len(hits) >= self.limit:
                raise AuthError(AuthFailure.RATE_LIMITED, retry_after=hits[0] + self.per)
            hits.append(now)
            if len(self._hits) > 10_000:
                self._prune(now)

    def remaining(self, source: str, now: datetime) -> int:
        with self._lock:
            hits = self._hits.get(source, deque())
            return self.limit - sum(1 for h in hits if h > now - self.per)

    def _prune(self, now: datetime) -> None:
        # Forget sources whose window has passed, so memory stays bounded.
        stale = [k for k, h in self._hits.items() if not h or h[-1] <= now - self.per]
        for key in stale:
            del self._hits[key]
