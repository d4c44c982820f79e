"""A slow, obviously correct reference for the cn-mainland calendar, written without the engine:
working days from the holidays package's public holidays and adjusted working days up to
2026-12-31 (Monday to Friday after that), minute stepping for business time, day walking for
working and natural days, interval walking for instants with seconds and microseconds.

Other test modules import the reference and `cn_spec()` from here; the tests below pin the
reference itself to hand-worked answers, so it cannot drift with the engine."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import holidays

from coverdesk.sla.engine import CalendarSpec, DayKind, calendar_compile

TZ = ZoneInfo("Asia/Shanghai")
FIRST_DAY = date(2001, 1, 1)
PUBLISHED_THROUGH = date(2026, 12, 31)
PUBLISHED_END = datetime(2027, 1, 1, tzinfo=TZ)  # 24:00 of published_through
WINDOWS_MINUTES = ((8 * 60 + 30, 12 * 60), (13 * 60 + 30, 17 * 60 + 30))
CLOSE = time(17, 30)

# The reference's own minute grid (local wall clock; Asia/Shanghai has kept +08:00 since 1991).
GRID_START = date(2024, 1, 1)
GRID_DAYS = (date(2029, 1, 1) - GRID_START).days


@cache
def china_days() -> tuple[frozenset[date], frozenset[date]]:
    """(off days, adjusted working days) as the holidays package publishes them, 2001-2026."""
    china = holidays.China(years=range(FIRST_DAY.year, PUBLISHED_THROUGH.year + 1))
    off = frozenset(d for d in china if FIRST_DAY <= d <= PUBLISHED_THROUGH)
    on = frozenset(d for d in china.weekend_workdays if FIRST_DAY <= d <= PUBLISHED_THROUGH)
    return off, on


def cn_spec(published_through: date = PUBLISHED_THROUGH) -> CalendarSpec:
    off, on = china_days()
    windows = ((time(8, 30), time(12)), (time(13, 30), time(17, 30)))
    overrides = dict.fromkeys(off, (DayKind.HOLIDAY, ()))
    overrides |= dict.fromkeys(on, (DayKind.ADJUSTED_WORKING_DAY, ()))
    return CalendarSpec("Asia/Shanghai", (windows,) * 5 + ((), ()), overrides, published_through)


@cache
def cn_compiled():
    return calendar_compile(cn_spec(), first_day=date(2025, 1, 1), last_day=date(2027, 12, 31))


def ref_is_working_day(day: date) -> bool:
    off, on = china_days()
    if day in on:
        return True
    if day in off:
        return False
    return day.weekday() < 5


@cache
def minute_grid() -> bytes:
    """1 for every working minute from GRID_START on."""
    grid = bytearray(GRID_DAYS * 1440)
    for index in range(GRID_DAYS):
        if ref_is_working_day(GRID_START + timedelta(days=index)):
            for begin, end in WINDOWS_MINUTES:
                grid[index * 1440 + begin : index * 1440 + end] = b"\x01" * (end - begin)
    return bytes(grid)


def _minute_index(instant: datetime) -> int:
    local = instant.astimezone(TZ)
    assert local.second == 0 and local.microsecond == 0, "the minute reference needs whole minutes"
    days = (local.date() - GRID_START).days
    return days * 1440 + local.hour * 60 + local.minute


def _from_minute_index(index: int) -> datetime:
    day = GRID_START + timedelta(days=index // 1440)
    minute = index % 1440
    return datetime(day.year, day.month, day.day, minute // 60, minute % 60, tzinfo=TZ)


def ref_add_business_minutes(start: datetime, minutes: int) -> datetime:
    """Minute stepping: skip to the first working minute, then use `minutes` working minutes;
    the deadline is the end of the last one."""
    grid = minute_grid()
    t = _minute_index(start)
    if minutes == 0:
        while not grid[t]:
            t += 1
        return _from_minute_index(t)
    left = minutes
    while left:
        if grid[t]:
            left -= 1
        t += 1
    return _from_minute_index(t)


def ref_business_minutes_between(start: datetime, end: datetime) -> int:
    a, b = _minute_index(start), _minute_index(end)
    return sum(minute_grid()[a:b]) if b >= a else -sum(minute_grid()[b:a])


def _windows_of(day: date) -> list[tuple[datetime, datetime]]:
    if not ref_is_working_day(day):
        return []
    return [
        (
            datetime.combine(day, time(a // 60, a % 60), TZ),
            datetime.combine(day, time(b // 60, b % 60), TZ),
        )
        for a, b in WINDOWS_MINUTES
    ]


def ref_add_business_exact(start: datetime, seconds: int) -> datetime:
    """Interval walking, exact to the microsecond."""
    t = start.astimezone(TZ)
    left = timedelta(seconds=seconds)
    day = t.date()
    while True:
        for opening, closing in _windows_of(day):
            if closing <= t:
                continue
            begin = max(opening, t)
            if left == timedelta(0):
                return begin
            if closing - begin >= left:
                return begin + left
            left -= closing - begin
        day += timedelta(days=1)


def ref_business_between_exact(start: datetime, end: datetime) -> timedelta:
    total = timedelta(0)
    day = start.astimezone(TZ).date()
    while day <= end.astimezone(TZ).date():
        for opening, closing in _windows_of(day):
            begin, finish = max(opening, start), min(closing, end)
            if finish > begin:
                total += finish - begin
        day += timedelta(days=1)
    return total


def ref_working_days(start: datetime, amount: int) -> datetime:
    """Day walking: the start day is not counted; close of the amount-th working day after it."""
    if amount == 0:
        return start
    day = start.astimezone(TZ).date()
    counted = 0
    while counted < amount:
        day += timedelta(days=1)
        if ref_is_working_day(day):
            counted += 1
    return datetime.combine(day, CLOSE, TZ)


def ref_natural_days(start: datetime, amount: int) -> datetime:
    """The start day is not counted; 24:00 of the amount-th day, or of the next working day."""
    last = start.astimezone(TZ).date() + timedelta(days=amount)
    while not ref_is_working_day(last):
        last += timedelta(days=1)
    following = last + timedelta(days=1)
    return datetime(following.year, following.month, following.day, tzinfo=TZ)


def ref_provisional(deadline: datetime) -> bool:
    return deadline > PUBLISHED_END


def at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=TZ)


# The reference itself, against answers worked by hand --------------------------------------


def test_reference_reads_the_2026_notice_from_the_holidays_package():
    off, on = china_days()
    assert sorted(d for d in on if d.year == 2026) == [
        date(2026, 1, 4),
        date(2026, 2, 14),
        date(2026, 2, 28),
        date(2026, 5, 9),
        date(2026, 9, 20),
        date(2026, 10, 10),
    ]
    assert date(2026, 2, 23) in off
    assert not any(d.year == 2027 for d in off | on)


def test_reference_business_minutes_match_hand_worked_answers():
    assert ref_add_business_minutes(at(2026, 3, 2, 8, 30), 210) == at(2026, 3, 2, 12, 0)
    assert ref_add_business_minutes(at(2026, 3, 2, 12, 30), 0) == at(2026, 3, 2, 13, 30)
    assert ref_add_business_minutes(at(2026, 2, 13, 17, 0), 120) == at(2026, 2, 14, 10, 0)
    assert ref_add_business_minutes(at(2026, 2, 14, 17, 30), 60) == at(2026, 2, 24, 9, 30)
    assert ref_business_minutes_between(at(2026, 2, 13, 15), at(2026, 2, 25, 17, 30)) == 25 * 60


def test_reference_exact_walk_agrees_with_minute_stepping_on_whole_minutes():
    assert ref_add_business_exact(at(2026, 9, 30, 17), 4 * 3600) == at(2026, 10, 8, 12, 0)
    assert ref_add_business_exact(at(2026, 10, 9, 16), 8 * 3600) == at(2026, 10, 10, 16, 30)
    assert ref_business_between_exact(at(2026, 2, 13, 15), at(2026, 2, 25, 17, 30)) == timedelta(
        hours=25
    )


def test_reference_days_match_the_issue_examples():
    assert ref_working_days(at(2026, 2, 13, 15), 1) == at(2026, 2, 14, 17, 30)
    assert ref_working_days(at(2026, 2, 13, 15), 3) == at(2026, 2, 25, 17, 30)
    assert ref_natural_days(at(2026, 2, 10, 10), 10) == at(2026, 2, 25, 0, 0)
