"""Every holiday period of 2026 as the State Council's notice sets it (days off and adjusted
working days written out here by hand), checked against the holidays package's data (public
category, weekend_workdays) and against the engine, with deadlines across each period."""

from __future__ import annotations

from datetime import date, timedelta

import holidays
import pytest

from coverdesk.sla.engine import Unit, business_seconds_between, deadline_compute
from coverdesk.sla.tests.test_engine_reference import at, cn_compiled


def days(first: str, last: str) -> list[date]:
    start, end = date.fromisoformat(first), date.fromisoformat(last)
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]


# period: (days off, adjusted working days), from the 2026 notice (国办发明电〔2025〕7号).
NOTICE_2026 = {
    "New Year": (days("2026-01-01", "2026-01-03"), [date(2026, 1, 4)]),
    "Spring Festival": (
        days("2026-02-15", "2026-02-23"),
        [date(2026, 2, 14), date(2026, 2, 28)],
    ),
    "Qingming": (days("2026-04-04", "2026-04-06"), []),
    "Labour Day": (days("2026-05-01", "2026-05-05"), [date(2026, 5, 9)]),
    "Dragon Boat": (days("2026-06-19", "2026-06-21"), []),
    "Mid-Autumn": (days("2026-09-25", "2026-09-27"), []),
    "National Day": (days("2026-10-01", "2026-10-07"), [date(2026, 9, 20), date(2026, 10, 10)]),
}
ALL_OFF = {d for off, _ in NOTICE_2026.values() for d in off}
ALL_ADJUSTED = {d for _, adjusted in NOTICE_2026.values() for d in adjusted}


@pytest.fixture(scope="module")
def china_2026():
    return holidays.China(years=2026, categories=("public",))


@pytest.mark.parametrize("period", list(NOTICE_2026))
def test_the_holidays_package_has_the_notice(period, china_2026):
    off, adjusted = NOTICE_2026[period]
    for day in off:
        assert not china_2026.is_working_day(day), day
    for day in adjusted:
        assert day.weekday() >= 5, day
        assert day in china_2026.weekend_workdays, day
        assert china_2026.is_working_day(day), day


@pytest.mark.parametrize("period", list(NOTICE_2026))
def test_the_engine_keeps_the_notice(period):
    cal = cn_compiled()
    off, adjusted = NOTICE_2026[period]
    assert [d for d in off if cal.is_working_day(d)] == []
    assert [d for d in adjusted if not cal.is_working_day(d)] == []


def test_every_other_day_of_2026_follows_monday_to_friday(china_2026):
    cal = cn_compiled()
    year = days("2026-01-01", "2026-12-31")
    expected = {d for d in year if (d.weekday() < 5 and d not in ALL_OFF) or d in ALL_ADJUSTED}
    working = {d for d in year if cal.is_working_day(d)}
    assert working == expected
    assert len(working) == 248  # 261 weekdays - 19 off + 6 adjusted
    # The package agrees on every day of the year, and has no other adjusted day.
    assert {d for d in year if china_2026.is_working_day(d)} == expected
    assert {d for d in china_2026.weekend_workdays if d.year == 2026} == ALL_ADJUSTED


B_H, WD, ND = Unit.BUSINESS_HOURS, Unit.WORKING_DAYS, Unit.NATURAL_DAYS


@pytest.mark.parametrize(
    ("start", "amount", "unit", "expected"),
    [
        # New Year: 01-01..03 off, Sunday 01-04 worked.
        (at(2025, 12, 31, 10), 1, WD, at(2026, 1, 4, 17, 30)),
        (at(2025, 12, 31, 16), 4, B_H, at(2026, 1, 4, 11, 0)),
        (at(2025, 12, 22, 10), 10, ND, at(2026, 1, 5, 0, 0)),  # 01-01 off: 24:00 of Sun 01-04
        # Spring Festival: 02-15..23 off, Saturdays 02-14 and 02-28 worked.
        (at(2026, 2, 13, 15), 1, WD, at(2026, 2, 14, 17, 30)),
        (at(2026, 2, 13, 15), 3, WD, at(2026, 2, 25, 17, 30)),
        (at(2026, 2, 13, 17), 2, B_H, at(2026, 2, 14, 10, 0)),
        (at(2026, 2, 14, 17, 30), 1, B_H, at(2026, 2, 24, 9, 30)),
        (at(2026, 2, 27, 16), 4, B_H, at(2026, 2, 28, 11, 0)),
        (at(2026, 2, 27, 10), 1, WD, at(2026, 2, 28, 17, 30)),
        (at(2026, 2, 10, 10), 10, ND, at(2026, 2, 25, 0, 0)),
        # Qingming: 04-04..06 off.
        (at(2026, 4, 3, 10), 1, WD, at(2026, 4, 7, 17, 30)),
        (at(2026, 3, 26, 10), 10, ND, at(2026, 4, 8, 0, 0)),
        # Labour Day: 05-01..05 off, Saturday 05-09 worked.
        (at(2026, 4, 30, 10), 1, WD, at(2026, 5, 6, 17, 30)),
        (at(2026, 5, 8, 10), 1, WD, at(2026, 5, 9, 17, 30)),
        (at(2026, 4, 21, 10), 10, ND, at(2026, 5, 7, 0, 0)),
        # Dragon Boat: 06-19..21 off.
        (at(2026, 6, 18, 17), 1, B_H, at(2026, 6, 22, 9, 0)),
        (at(2026, 6, 18, 10), 1, WD, at(2026, 6, 22, 17, 30)),
        # Mid-Autumn: 09-25..27 off; National Day: 10-01..07 off, 09-20 and 10-10 worked.
        (at(2026, 9, 24, 12, 30), 4, B_H, at(2026, 9, 24, 17, 30)),
        (at(2026, 9, 24, 10), 1, WD, at(2026, 9, 28, 17, 30)),
        (at(2026, 9, 18, 10), 1, WD, at(2026, 9, 20, 17, 30)),
        (at(2026, 9, 19, 10), 2, B_H, at(2026, 9, 20, 10, 30)),
        (at(2026, 9, 30, 17), 4, B_H, at(2026, 10, 8, 12, 0)),
        (at(2026, 10, 9, 16), 8, B_H, at(2026, 10, 10, 16, 30)),
        (at(2026, 9, 30, 10), 1, WD, at(2026, 10, 8, 17, 30)),
        (at(2026, 9, 21, 10), 10, ND, at(2026, 10, 9, 0, 0)),
    ],
)
def test_deadlines_across_the_2026_holidays(start, amount, unit, expected):
    deadline = deadline_compute(cn_compiled(), start=start, amount=amount, unit=unit)
    assert deadline.at == expected
    assert deadline.provisional is False


def test_business_time_across_the_national_day_holiday():
    # 09-30 17:00-17:30, then nothing until 10-08 08:30; 10-08 is a full day.
    assert (
        business_seconds_between(cn_compiled(), at(2026, 9, 30, 17), at(2026, 10, 8, 17, 30))
        == 8 * 3600
    )
