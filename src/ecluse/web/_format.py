"""Presentation helpers: values, durations and SLA countdowns as short text."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from ecluse.db import utcnow

__all__ = ["brussels", "duration", "show_value", "sla_left"]

# An address reads as one line ("Rue du Commerce 180 7 1300 Wavre"); the country is implied.
_ADDRESS = ("street", "house_number", "box", "postcode", "city")


def show_value(value: Any) -> str:
    """One field value on one line: an address as written on an envelope, other records
    (contracts, invoices, supply points) as ``key: value`` pairs."""
    if value is None:
        return ""
    if not isinstance(value, dict):
        return str(value)
    if set(value) <= {*_ADDRESS, "country"}:
        return " ".join(str(value[k]) for k in _ADDRESS if value.get(k) not in (None, ""))
    return ", ".join(
        f"{k}: {show_value(v)}" for k, v in value.items() if v not in (None, "") and k != "country"
    )


def duration(delta: timedelta) -> str:
    minutes = int(abs(delta.total_seconds()) // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {mins:02d} min"
    return f"{mins} min"


def sla_left(due: datetime | None, now: datetime | None = None) -> tuple[str, str]:
    """``(css class, text)`` of an SLA countdown: ok, soon (< 2 h), overdue."""
    if due is None:
        return ("ok", "—")
    left = due - (now or utcnow())
    if left.total_seconds() < 0:
        return ("overdue", "-" + duration(left))
    return ("soon" if left < timedelta(hours=2) else "ok", duration(left))


_BRUSSELS = ZoneInfo("Europe/Brussels")


def brussels(when: datetime, with_time: bool = True) -> str:
    """A time as the operator's customers read it (Belgian local time)."""
    local = when.astimezone(_BRUSSELS)
    return local.strftime("%d/%m/%Y %H:%M" if with_time else "%d/%m/%Y")
