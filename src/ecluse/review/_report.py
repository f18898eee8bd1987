"""The usage-review report: are people deciding, quickly, and how often wrongly?"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from ecluse.db import reading
from ecluse.review._tables import contests, line_measures, usage_reviews

__all__ = ["ReviewReport", "review_report"]


def _stats(deltas: list[timedelta]) -> tuple[float | None, float | None]:
    """Median and 90th percentile, in hours."""
    hours = sorted(d.total_seconds() / 3600 for d in deltas)
    if not hours:
        return None, None
    p90 = hours[min(len(hours) - 1, int(0.9 * len(hours)))]
    return statistics.median(hours), p90


@dataclass(frozen=True)
class ReviewReport:
    reviews: int
    contacted: int
    contested: int
    decided: int
    first_look_h: tuple[float | None, float | None]
    decision_h: tuple[float | None, float | None]
    suspensions: int
    suspensions_pending_second: int
    automatic_blocks: int
    automatic_blocks_expired: int
    wrongful_measures: int
    restore_h: tuple[float | None, float | None]

    def lines(self) -> list[str]:
        def fmt(pair: tuple[float | None, float | None]) -> str:
            med, p90 = pair
            return "—" if med is None else f"median {med:.1f} h, p90 {p90:.1f} h"

        return [
            f"usage-review cases opened:        {self.reviews}",
            f"customers contacted first:        {self.contacted}",
            f"contested by the customer:        {self.contested}",
            f"decided by a person:              {self.decided}",
            f"time to first human look:         {fmt(self.first_look_h)}",
            f"time to decision:                 {fmt(self.decision_h)}",
            f"suspensions (two analysts):       {self.suspensions}"
            f" (+{self.suspensions_pending_second} awaiting a second analyst)",
            f"automatic IRSF blocks:            {self.automatic_blocks}"
            f" ({self.automatic_blocks_expired} lifted unreviewed)",
            f"wrongful measures (reversed):     {self.wrongful_measures}",
            f"time to restore:                  {fmt(self.restore_h)}",
        ]


def review_report(engine: Engine, since: datetime | None = None) -> ReviewReport:
    r, m = usage_reviews.c, line_measures.c
    with reading(engine) as conn:
        where = [r.opened_at >= since] if since else []
        rows = conn.execute(sa.select(usage_reviews).where(*where)).all()
        measure_where = [m.created_at >= since] if since else []
        measures = conn.execute(sa.select(line_measures).where(*measure_where)).all()
        contested = conn.execute(
            sa.select(sa.func.count(sa.distinct(contests.c.case_id)))
        ).scalar_one()
    return ReviewReport(
        reviews=len(rows),
        contacted=sum(1 for x in rows if x.contacted_at),
        contested=int(contested),
        decided=sum(1 for x in rows if x.decided_at),
        first_look_h=_stats([x.first_human_at - x.opened_at for x in rows if x.first_human_at]),
        decision_h=_stats([x.decided_at - x.opened_at for x in rows if x.decided_at]),
        suspensions=sum(
            1 for x in measures if x.measure == "suspension" and x.state in ("active", "lifted")
        ),
        suspensions_pending_second=sum(1 for x in measures if x.state == "pending_second"),
        automatic_blocks=sum(1 for x in measures if x.automatic),
        automatic_blocks_expired=sum(
            1 for x in measures if x.automatic and x.state == "lifted" and x.lifted_by == "system"
        ),
        wrongful_measures=sum(1 for x in measures if x.wrongful),
        restore_h=_stats(
            [
                x.lifted_at - x.applied_at
                for x in measures
                if x.lifted_at and x.applied_at and x.wrongful
            ]
        ),
    )
