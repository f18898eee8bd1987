"""Business hours of a site and SLA arithmetic counted in them.

Hours are written per weekday in the site's local time, e.g.
``mon-fri 08:00-18:00; sat 09:00-13:00`` (several ranges per day separated by commas; ``24:00``
ends a day). Arithmetic converts each day's
ranges to UTC instants through the site's time zone, so DST changes and Morocco's Ramadan offset
are honoured: a working day of 08:00-18:00 is ten hours whatever the UTC offset of that day.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ecluse.errors import InputError
from ecluse.org._validate import check_aware

__all__ = ["DAYS", "BusinessHours", "add_business_time", "business_time_between"]

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY_MINUTES = 24 * 60
_RANGE = re.compile(r"^(\d{2}):(\d{2})-(\d{2}):(\d{2})$")

Range = tuple[int, int]  # minutes from local midnight, start < end <= 1440


@dataclass(frozen=True, slots=True)
class BusinessHours:
    """Opening ranges per weekday (Monday first) in the time zone ``timezone``."""

    timezone: str
    week: tuple[tuple[Range, ...], ...]

    def __post_init__(self) -> None:
        if len(self.week) != 7:
            raise InputError("business hours need seven weekdays", field="hours")
        _zone(self.timezone)

    @property
    def zone(self) -> ZoneInfo:
        return _zone(self.timezone)

    @classmethod
    def parse(cls, text: str, timezone: str) -> BusinessHours:
        """Read ``mon-fri 08:00-18:00; sat 09:00-13:00``; errors name the clause."""
        week: list[list[Range]] = [[] for _ in DAYS]
        clauses = [c.strip() for c in text.split(";") if c.strip()]
        if not clauses:
            raise InputError("no opening hours given", field="hours")
        for n, clause in enumerate(clauses, 1):
            where = f"hours clause {n}"
            days_text, _, ranges_text = clause.partition(" ")
            days = _parse_days(days_text.lower(), where)
            ranges = [_parse_range(r.strip(), where) for r in ranges_text.split(",") if r.strip()]
            if not ranges:
                raise InputError("expected DAYS HH:MM-HH:MM", where=where)
            for day in days:
                week[day].extend(ranges)
        for day, ranges in enumerate(week):
            ranges.sort()
            for (_, end), (start, _) in itertools.pairwise(ranges):
                if start < end:
                    raise InputError(f"overlapping ranges on {DAYS[day]}", field="hours")
        if not any(week):
            raise InputError("no opening hours given", field="hours")
        return cls(timezone, tuple(tuple(r) for r in week))

    def format(self) -> str:
        """The canonical text form (consecutive days with equal ranges grouped)."""
        clauses: list[str] = []
        day = 0
        while day < 7:
            last = day
            while last + 1 < 7 and self.week[last + 1] == self.week[day]:
                last += 1
            if self.week[day]:
                days = DAYS[day] if last == day else f"{DAYS[day]}-{DAYS[last]}"
                ranges = ",".join(f"{_hhmm(s)}-{_hhmm(e)}" for s, e in self.week[day])
                clauses.append(f"{days} {ranges}")
            day = last + 1
        return "; ".join(clauses)

    def weekly(self) -> timedelta:
        """Nominal opening time per week (ignoring DST)."""
        return timedelta(minutes=sum(e - s for ranges in self.week for s, e in ranges))

    def intervals(self, since: datetime) -> Iterator[tuple[datetime, datetime]]:
        """UTC opening intervals, in order and non-overlapping, from the local day before
        ``since`` onwards (endless)."""
        zone = self.zone
        day = since.astimezone(zone).date() - timedelta(days=1)
        floor = datetime.min.replace(tzinfo=UTC)
        while True:
            for start, end in self.week[day.weekday()]:
                # A range ending in a DST gap can map before its start: clamp to stay monotone.
                a = max(_instant(day, start, zone), floor)
                b = max(_instant(day, end, zone), a)
                floor = b
                if b > a:
                    yield a, b
            day += timedelta(days=1)


def business_time_between(site: object, start: datetime, end: datetime) -> timedelta:
    """Opening time of ``site`` (a Site or BusinessHours) between two aware instants."""
    hours = _hours_of(site)
    check_aware(start, "start")
    check_aware(end, "end")
    total = timedelta()
    if end <= start:
        return total
    for a, b in hours.intervals(start):
        if a >= end:
            break
        lo, hi = max(a, start), min(b, end)
        if hi > lo:
            total += hi - lo
    return total


def add_business_time(site: object, start: datetime, duration: timedelta) -> datetime:
    """The instant when ``duration`` of opening time of ``site`` has passed since ``start``.

    ``business_time_between(site, start, add_business_time(site, start, d)) == d``. The
    result is in UTC; a duration that ends exactly at closing time ends at closing time.
    """
    hours = _hours_of(site)
    check_aware(start, "start")
    if duration < timedelta():
        raise InputError("a duration cannot be negative", field="duration")
    if duration == timedelta():
        return start.astimezone(UTC)
    remaining = duration
    for a, b in hours.intervals(start):
        lo = max(a, start)
        if b <= lo:
            continue
        if remaining <= b - lo:
            return (lo + remaining).astimezone(UTC)
        remaining -= b - lo
    raise AssertionError("unreachable: intervals() is endless")  # pragma: no cover


def _hours_of(site: object) -> BusinessHours:
    hours = site if isinstance(site, BusinessHours) else getattr(site, "hours", None)
    if not isinstance(hours, BusinessHours):
        raise TypeError("expected a Site or BusinessHours")
    return hours


def _instant(day: date, minutes: int, zone: ZoneInfo) -> datetime:
    if minutes == _DAY_MINUTES:
        day, minutes = day + timedelta(days=1), 0
    local = datetime.combine(day, time(minutes // 60, minutes % 60), tzinfo=zone)
    return local.astimezone(UTC)


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InputError("unknown time zone", field="timezone") from None


def _parse_days(text: str, where: str) -> list[int]:
    days: list[int] = []
    for part in text.split(","):
        first, _, last = part.partition("-")
        if first not in DAYS or (last and last not in DAYS):
            raise InputError("days are mon..sun, e.g. mon-fri or sat,sun", where=where)
        a, b = DAYS.index(first), DAYS.index(last or first)
        if b < a:
            raise InputError("a day range runs forward, e.g. mon-fri", where=where)
        days.extend(range(a, b + 1))
    return days


def _parse_range(text: str, where: str) -> Range:
    m = _RANGE.match(text)
    if not m:
        raise InputError("a range is HH:MM-HH:MM", where=where)
    h1, m1, h2, m2 = (int(g) for g in m.groups())
    if h1 > 23 or m1 > 59 or m2 > 59 or h2 > 24 or (h2 == 24 and m2):
        raise InputError("not a time of day", where=where)
    start, end = h1 * 60 + m1, h2 * 60 + m2
    if end <= start:
        raise InputError("a range ends after it starts (no overnight ranges)", where=where)
    return start, end


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"
