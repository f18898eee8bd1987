"""Presentation helpers: values, durations and SLA countdowns as short text."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from ecluse.db import utcnow

__all__ = ["brussels", "duration", "show_value", "sla_left"]

_SKIP = {"country"}


def show_value(value: Any) -> str:
    """One field value on one line (addresses and records as ``key: value`` pairs)."""
    if value is None:
        return ""
    if isinstance(value, dict):
        parts = []
        for k, v in value.items():
            if v in (None, "") or k in _SKIP:
                continue
            parts.append(
                show_value(v)
                if k in ("street", "house_number", "box", "postcode", "city")
                else f"{k}: {show_value(v)}"
            )
        return " ".join(parts) if all(k in _ADDRESS for k in value) else ", ".join(parts)
    return str(value)


_ADDRESS = {"street", "house_number", "box", "postcode", "city", "country"}


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
