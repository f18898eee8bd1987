"""Business-hours arithmetic for SLA clocks: weekends, DST, Morocco's Ramadan offset."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ecluse.errors import InputError
from ecluse.org import BusinessHours, add_business_time, business_time_between

BRUSSELS = ZoneInfo("Europe/Brussels")
H = timedelta(hours=1)
WEEKDAYS = BusinessHours.parse("mon-fri 08:00-18:00", "Europe/Brussels")


def local(tz: ZoneInfo, *args: int) -> datetime:
    return datetime(*args, tzinfo=tz)  # type: ignore[misc]


def test_parse_and_format_round_trip() -> None:
    hours = BusinessHours.parse("MON-fri 08:00-12:00,13:00-17:00; sat 09:00-13:00", "UTC")
    assert hours.format() == "mon-fri 08:00-12:00,13:00-17:00; sat 09:00-13:00"
    assert BusinessHours.parse(hours.format(), "UTC") == hours
    assert hours.weekly() == timedelta(hours=44)
    every_day = BusinessHours.parse("mon-sun 00:00-24:00", "UTC")
    assert every_day.format() == "mon-sun 00:00-24:00"


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("", "no opening hours"),
        ("mon-fri", "hours clause 1"),
        ("fri-mon 08:00-18:00", "hours clause 1"),
        ("mon 08:00-18:00; xyz 08:00-09:00", "hours clause 2"),
        ("mon 18:00-08:00", "hours clause 1"),
        ("mon 08:00-25:00", "hours clause 1"),
        ("mon 8:00-18:00", "hours clause 1"),
        ("mon 08:00-12:00,11:00-13:00", "overlapping"),
    ],
)
def test_bad_hours_name_the_clause(text: str, where: str) -> None:
    with pytest.raises(InputError, match=where):
        BusinessHours.parse(text, "UTC")


def test_unknown_time_zone_is_an_input_error() -> None:
    with pytest.raises(InputError, match="timezone"):
        BusinessHours.parse("mon 08:00-09:00", "Europe/Atlantis")


def test_friday_afternoon_plus_two_hours_is_monday_morning() -> None:
    """GIVEN a Mon-Fri 08-18 site WHEN a 2 h SLA starts Friday 17:00 THEN it is due Monday 09:00."""
    start = local(BRUSSELS, 2026, 11, 20, 17)  # a Friday
    due = add_business_time(WEEKDAYS, start, 2 * H)
    assert due == local(BRUSSELS, 2026, 11, 23, 9)
    assert business_time_between(WEEKDAYS, start, due) == 2 * H


def test_start_outside_hours_waits_for_opening() -> None:
    saturday = local(BRUSSELS, 2026, 11, 21, 11)
    assert add_business_time(WEEKDAYS, saturday, 30 * timedelta(minutes=1)) == local(
        BRUSSELS, 2026, 11, 23, 8, 30
    )
    assert business_time_between(WEEKDAYS, saturday, local(BRUSSELS, 2026, 11, 22, 23)) == (
        timedelta()
    )


def test_a_working_week_is_fifty_hours() -> None:
    monday = local(BRUSSELS, 2026, 11, 23)
    assert business_time_between(WEEKDAYS, monday, monday + timedelta(days=7)) == 50 * H


def test_dst_changes_do_not_change_local_working_days() -> None:
    """GIVEN Brussels moving to summer time on Sunday 29 March 2026 WHEN counting Friday 17:00 to
    Monday 09:00 THEN two business hours, although the wall clock skipped one."""
    friday = local(BRUSSELS, 2026, 3, 27, 17)
    monday = local(BRUSSELS, 2026, 3, 30, 9)
    assert business_time_between(WEEKDAYS, friday, monday) == 2 * H
    assert add_business_time(WEEKDAYS, friday, 2 * H) == monday
    # Exactly at closing time the clock stops on Friday; a minute more opens Monday, and in
    # UTC Monday's opening moved from 07:00 to 06:00.
    assert add_business_time(WEEKDAYS, friday, H) == local(BRUSSELS, 2026, 3, 27, 18)
    minute = timedelta(minutes=1)
    assert add_business_time(WEEKDAYS, friday, H + minute) == datetime(
        2026, 3, 30, 6, 1, tzinfo=UTC
    )


@pytest.mark.parametrize(
    ("day", "hours"), [((2026, 3, 28), 23), ((2026, 10, 24), 25), ((2026, 6, 6), 24)]
)
def test_round_the_clock_site_counts_real_hours_on_dst_days(
    day: tuple[int, int, int], hours: int
) -> None:
    always = BusinessHours.parse("mon-sun 00:00-24:00", "Europe/Brussels")
    start = local(BRUSSELS, *day, 12)
    end = start.replace(day=start.day + 1)  # same wall-clock time the next day
    assert business_time_between(always, start, end) == hours * H


def test_casablanca_ramadan_offset_change() -> None:
    """GIVEN a Casablanca site WHEN Morocco leaves UTC+1 for Ramadan (15 Feb 2026) THEN a working
    day is still 08:00-18:00 local, ten hours, and opens an hour later in UTC."""
    casa = ZoneInfo("Africa/Casablanca")
    hours = BusinessHours.parse("mon-fri 08:00-18:00", "Africa/Casablanca")
    before = local(casa, 2026, 2, 13)  # Friday before the change
    after = local(casa, 2026, 2, 16)  # Monday after
    assert before.utcoffset() != after.utcoffset()
    assert business_time_between(hours, before, before + timedelta(days=1)) == 10 * H
    assert business_time_between(hours, after, after + timedelta(days=1)) == 10 * H
    opens_before = add_business_time(hours, before, timedelta(microseconds=1))
    opens_after = add_business_time(hours, after, timedelta(microseconds=1))
    assert opens_before.astimezone(casa).hour == opens_after.astimezone(casa).hour == 8


def test_negative_duration_and_naive_times_are_refused() -> None:
    with pytest.raises(InputError, match="duration"):
        add_business_time(WEEKDAYS, local(BRUSSELS, 2026, 1, 5, 9), -H)
    with pytest.raises(InputError, match="start"):
        business_time_between(WEEKDAYS, datetime(2026, 1, 5), local(BRUSSELS, 2026, 1, 6))


def test_end_before_start_counts_nothing() -> None:
    start = local(BRUSSELS, 2026, 1, 6, 12)
    assert business_time_between(WEEKDAYS, start, start - H) == timedelta()


_HOURS = st.sampled_from(
    [
        ("mon-fri 08:00-18:00", "Europe/Brussels"),
        ("mon-fri 08:00-18:00; sat 09:00-13:00", "Africa/Casablanca"),
        ("mon-fri 08:00-12:00,13:00-17:00", "America/New_York"),
        ("mon-sun 00:00-24:00", "Europe/Brussels"),
        ("sat,sun 01:30-03:30", "Europe/Brussels"),  # endpoints inside DST gaps and overlaps
        ("wed 02:00-02:30", "America/New_York"),
    ]
).map(lambda p: BusinessHours.parse(*p))
_INSTANTS = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
)
_DURATIONS = st.timedeltas(min_value=timedelta(), max_value=timedelta(hours=300))


@settings(max_examples=300, deadline=None)
@given(hours=_HOURS, start=_INSTANTS, duration=_DURATIONS)
def test_add_then_measure_round_trips(
    hours: BusinessHours, start: datetime, duration: timedelta
) -> None:
    due = add_business_time(hours, start, duration)
    assert due >= start
    assert business_time_between(hours, start, due) == duration


@settings(max_examples=300, deadline=None)
@given(hours=_HOURS, start=_INSTANTS, span=st.timedeltas(timedelta(), timedelta(days=20)))
def test_measure_then_add_reaches_the_last_business_instant(
    hours: BusinessHours, start: datetime, span: timedelta
) -> None:
    end = start + span
    elapsed = business_time_between(hours, start, end)
    reached = add_business_time(hours, start, elapsed)
    assert reached <= end
    assert business_time_between(hours, reached, end) == timedelta()


@st.composite
def _weeks(draw: st.DrawFn) -> tuple[tuple[tuple[int, int], ...], ...]:
    week = []
    for _ in range(7):
        cuts = sorted(draw(st.sets(st.integers(0, 1440), max_size=6)))
        ranges = tuple((a, b) for a, b in zip(cuts[::2], cuts[1::2], strict=False) if a < b)
        week.append(ranges)
    return tuple(week)


@settings(max_examples=300, deadline=None)
@given(week=_weeks())
def test_format_then_parse_round_trips(week: tuple[tuple[tuple[int, int], ...], ...]) -> None:
    # Touching ranges (12:00-13:00,13:00-14:00) are allowed and kept apart.
    if not any(week):
        return
    hours = BusinessHours("Europe/Brussels", week)
    assert BusinessHours.parse(hours.format(), "Europe/Brussels") == hours


@settings(max_examples=500, deadline=None)
@given(text=st.text(alphabet="monteudwhfrisa-,:; 0123456789", max_size=40) | st.text(max_size=40))
def test_any_text_parses_or_is_refused_cleanly(text: str) -> None:
    try:
        hours = BusinessHours.parse(text, "UTC")
    except InputError:
        return
    assert hours.weekly() > timedelta()
