"""The counting rules of issue 3 §2, one worked example per rule, on cn-mainland (08:30-12:00,
13:30-17:30, Asia/Shanghai, the 2026 notice), plus custom calendars, input checks and the
self-extending range."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from coverdesk.sla.engine import (
    CalendarRangeError,
    CalendarSpec,
    DayKind,
    Deadline,
    Unit,
    business_seconds_between,
    calendar_compile,
    deadline_compute,
    deadline_met,
    deadlines_compute,
    instant_after,
    measure_between,
    spec_problems,
    window_format,
    window_parse,
)
from coverdesk.sla.tests.test_engine_reference import TZ, at, cn_compiled, cn_spec

B_MIN, B_H = Unit.BUSINESS_MINUTES, Unit.BUSINESS_HOURS
WD, ND = Unit.WORKING_DAYS, Unit.NATURAL_DAYS
N_MIN, N_H = Unit.NATURAL_MINUTES, Unit.NATURAL_HOURS


def due(start, amount, unit, cal=None):
    return deadline_compute(cal or cn_compiled(), start=start, amount=amount, unit=unit)


@pytest.mark.parametrize(
    ("start", "amount", "unit", "expected"),
    [
        # Business time: a deadline on a window's end is that end, not the next window's start.
        (at(2026, 3, 2, 8, 30), 210, B_MIN, at(2026, 3, 2, 12, 0)),
        (at(2026, 3, 2, 13, 30), 4, B_H, at(2026, 3, 2, 17, 30)),
        (at(2026, 3, 2, 8, 30), 211, B_MIN, at(2026, 3, 2, 13, 31)),
        # A start outside a window begins at the next window's start.
        (at(2026, 3, 2, 7, 0), 30, B_MIN, at(2026, 3, 2, 9, 0)),
        (at(2026, 3, 2, 12, 30), 30, B_MIN, at(2026, 3, 2, 14, 0)),
        (at(2026, 3, 2, 12, 0), 30, B_MIN, at(2026, 3, 2, 14, 0)),
        (at(2026, 3, 2, 18, 0), 30, B_MIN, at(2026, 3, 3, 9, 0)),
        (at(2026, 3, 7, 10, 0), 30, B_MIN, at(2026, 3, 9, 9, 0)),  # Saturday
        # Across the Spring Festival, through the adjusted Saturday 2026-02-14.
        (at(2026, 2, 13, 17, 0), 2, B_H, at(2026, 2, 14, 10, 0)),
        (at(2026, 2, 14, 17, 30), 1, B_H, at(2026, 2, 24, 9, 30)),
        # Working days (Civil Code art. 201): the start day is not counted.
        (at(2026, 2, 13, 15, 0), 1, WD, at(2026, 2, 14, 17, 30)),
        (at(2026, 2, 13, 15, 0), 3, WD, at(2026, 2, 25, 17, 30)),
        (at(2026, 3, 9, 0, 0), 1, WD, at(2026, 3, 10, 17, 30)),
        (at(2026, 3, 6, 23, 0), 1, WD, at(2026, 3, 9, 17, 30)),
        (at(2026, 3, 7, 10, 0), 1, WD, at(2026, 3, 9, 17, 30)),  # from a Saturday
        # Natural days (arts. 201-203): 24:00 of the N-th day, or of the next working day.
        (at(2026, 2, 10, 10, 0), 10, ND, at(2026, 2, 25, 0, 0)),
        (at(2026, 3, 2, 10, 0), 1, ND, at(2026, 3, 4, 0, 0)),
        (at(2026, 3, 6, 10, 0), 1, ND, at(2026, 3, 10, 0, 0)),  # last day a Saturday
        (at(2026, 2, 13, 10, 0), 1, ND, at(2026, 2, 15, 0, 0)),  # adjusted Saturday works
        (at(2026, 3, 2, 0, 0), 30, ND, at(2026, 4, 2, 0, 0)),
        # Natural minutes and hours are elapsed time, holidays or not.
        (at(2026, 2, 16, 23, 50), 20, N_MIN, at(2026, 2, 17, 0, 10)),
        (at(2026, 2, 16, 23, 50), 3, N_H, at(2026, 2, 17, 2, 50)),
    ],
)
def test_counting_rules(start, amount, unit, expected):
    assert due(start, amount, unit) == Deadline(expected, False)


@pytest.mark.parametrize(
    ("start", "unit", "expected"),
    [
        (at(2026, 3, 2, 10, 0), B_H, at(2026, 3, 2, 10, 0)),  # inside a window: the start
        (at(2026, 3, 2, 12, 30), B_H, at(2026, 3, 2, 13, 30)),  # else the next window's start
        (at(2026, 3, 2, 12, 0), B_MIN, at(2026, 3, 2, 13, 30)),
        (at(2026, 3, 7, 10, 0), WD, at(2026, 3, 7, 10, 0)),  # no time allowed: due at once
        (at(2026, 3, 2, 10, 0), ND, at(2026, 3, 3, 0, 0)),  # by the end of the start day
        (at(2026, 3, 7, 10, 0), ND, at(2026, 3, 10, 0, 0)),  # ... extended from a Saturday
        (at(2026, 3, 7, 10, 0), N_MIN, at(2026, 3, 7, 10, 0)),
    ],
)
def test_an_amount_of_zero(start, unit, expected):
    assert due(start, 0, unit).at == expected


def test_met_at_or_before_the_deadline_breached_the_moment_after():
    deadline = due(at(2026, 3, 2, 8, 30), 210, B_MIN).at
    assert deadline == at(2026, 3, 2, 12, 0)
    assert deadline_met(due_at=deadline, stopped_at=at(2026, 3, 2, 12, 0)) is True
    assert deadline_met(due_at=deadline, stopped_at=at(2026, 3, 2, 12, 0, 0, 1)) is False
    # Done at 12:30 in the lunch break is late, though no business time passed after 12:00.
    assert deadline_met(due_at=deadline, stopped_at=at(2026, 3, 2, 12, 30)) is False
    assert business_seconds_between(cn_compiled(), deadline, at(2026, 3, 2, 12, 30)) == 0


@pytest.mark.parametrize(
    ("start", "amount", "unit", "expected", "provisional"),
    [
        (at(2026, 12, 31, 15, 0), 150, B_MIN, at(2026, 12, 31, 17, 30), False),
        # Beyond published_through the weekly pattern applies: 2027-01-01 is a Friday.
        (at(2026, 12, 31, 15, 0), 3, B_H, at(2027, 1, 1, 9, 0), True),
        (at(2026, 12, 30, 10, 0), 1, WD, at(2026, 12, 31, 17, 30), False),
        (at(2026, 12, 30, 10, 0), 2, WD, at(2027, 1, 1, 17, 30), True),
        # 24:00 of 2026-12-31 is not beyond it; a last day in 2027 is.
        (at(2026, 12, 21, 10, 0), 10, ND, at(2027, 1, 1, 0, 0), False),
        (at(2026, 12, 22, 10, 0), 10, ND, at(2027, 1, 2, 0, 0), True),
        (at(2027, 6, 1, 10, 0), 1, WD, at(2027, 6, 2, 17, 30), True),
        # Natural time does not depend on the calendar, so it is never provisional.
        (at(2027, 6, 1, 10, 0), 1, N_H, at(2027, 6, 1, 11, 0), False),
    ],
)
def test_provisional_beyond_published_through(start, amount, unit, expected, provisional):
    assert due(start, amount, unit) == Deadline(expected, provisional)


def test_business_time_between_two_instants():
    cal = cn_compiled()
    assert business_seconds_between(cal, at(2026, 2, 13, 15), at(2026, 2, 25, 17, 30)) == 25 * 3600
    assert business_seconds_between(cal, at(2026, 3, 2, 12), at(2026, 3, 2, 13, 30)) == 0
    assert business_seconds_between(cal, at(2026, 3, 2, 11), at(2026, 3, 2, 14)) == 5400
    assert business_seconds_between(cal, at(2026, 3, 2, 14), at(2026, 3, 2, 11)) == -5400
    # Whole seconds, truncated.
    assert business_seconds_between(cal, at(2026, 3, 2, 9), at(2026, 3, 2, 9, 0, 1, 999_999)) == 1


def test_measures_are_business_seconds_or_elapsed_seconds():
    cal = cn_compiled()
    start, end = at(2026, 2, 13, 15), at(2026, 2, 25, 17, 30)
    for unit in (B_MIN, B_H, WD):
        assert measure_between(cal, unit=unit, start=start, end=end) == 25 * 3600
    for unit in (N_MIN, N_H, ND):
        assert measure_between(cal, unit=unit, start=start, end=end) == int(
            (end - start).total_seconds()
        )


def test_instant_after_in_business_time_counts_from_the_next_window():
    cal = cn_compiled()
    assert instant_after(cal, unit=WD, start=at(2026, 2, 13, 17), measure=3600) == at(
        2026, 2, 14, 9, 0
    )
    assert instant_after(cal, unit=B_MIN, start=at(2026, 3, 2, 12, 10), measure=0) == at(
        2026, 3, 2, 13, 30
    )


def test_instant_after_in_natural_days_extends_a_last_day_that_is_not_a_working_day():
    cal = cn_compiled()
    # Resumed with 8 days left, landing on 2026-02-20 (Spring Festival): 24:00 of 02-24.
    resumed = at(2026, 2, 12, 10)
    assert instant_after(cal, unit=ND, start=resumed, measure=8 * 86400) == at(2026, 2, 25)
    # Landing on a working day, it stays where it lands.
    assert instant_after(cal, unit=ND, start=at(2026, 3, 2, 10), measure=86400) == at(
        2026, 3, 3, 10
    )
    # An end at 00:00 belongs to the day before: 24:00 of Friday 03-06 is not extended.
    assert instant_after(cal, unit=ND, start=at(2026, 3, 6), measure=86400) == at(2026, 3, 7)
    # ... but 24:00 of Saturday 03-07 is.
    assert instant_after(cal, unit=ND, start=at(2026, 3, 7), measure=86400) == at(2026, 3, 10)
    # Natural minutes never are.
    assert instant_after(cal, unit=N_MIN, start=at(2026, 2, 12, 10), measure=8 * 86400) == at(
        2026, 2, 20, 10
    )


def test_microseconds_ride_along_inside_windows_and_drop_at_a_window_start():
    cal = cn_compiled()
    start = at(2026, 3, 2, 10, 0, 0, 500_000)
    assert due(start, 1, B_H).at == at(2026, 3, 2, 11, 0, 0, 500_000)
    assert due(at(2026, 3, 2, 12, 15, 0, 300), 1, B_H).at == at(2026, 3, 2, 14, 30)
    # An hour from 11:00:00.5 leaves half a second for after the lunch break.
    assert due(at(2026, 3, 2, 11, 0, 0, 500_000), 1, B_H).at == at(2026, 3, 2, 13, 30, 0, 500_000)
    assert business_seconds_between(cal, start, at(2026, 3, 2, 11, 0, 0, 500_000)) == 3600


def test_inputs_in_other_time_zones_give_the_same_instant_in_the_calendar_zone():
    utc_start = datetime(2026, 2, 13, 7, 0, tzinfo=UTC)  # 15:00 in Shanghai
    deadline = due(utc_start, 3, WD)
    assert deadline.at == at(2026, 2, 25, 17, 30)
    assert deadline.at.tzinfo is TZ
    assert deadline.at.isoformat() == "2026-02-25T17:30:00+08:00"
    berlin = utc_start.astimezone(ZoneInfo("Europe/Berlin"))
    assert due(berlin, 3, WD) == deadline


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"start": datetime(2026, 3, 2, 10), "amount": 1, "unit": "working_days"}, ValueError),
        ({"start": at(2026, 3, 2, 10), "amount": -1, "unit": "working_days"}, ValueError),
        ({"start": at(2026, 3, 2, 10), "amount": 1.5, "unit": "working_days"}, TypeError),
        ({"start": at(2026, 3, 2, 10), "amount": True, "unit": "working_days"}, TypeError),
        ({"start": at(2026, 3, 2, 10), "amount": 1, "unit": "fortnights"}, ValueError),
    ],
)
def test_bad_input_is_refused(kwargs, error):
    with pytest.raises(error):
        deadline_compute(cn_compiled(), **kwargs)


def test_units_may_be_given_as_their_string_values():
    assert due(at(2026, 2, 13, 15), 3, "working_days") == due(at(2026, 2, 13, 15), 3, WD)


def test_the_table_extends_itself_beyond_the_compiled_days_and_stops_at_the_limits():
    narrow = calendar_compile(cn_spec(), first_day=date(2026, 1, 1), last_day=date(2026, 1, 31))
    wide = calendar_compile(cn_spec(), first_day=date(2000, 1, 1), last_day=date(2040, 12, 31))
    for start, amount, unit in [
        (at(2026, 1, 30, 17), 3, B_H),
        (at(2035, 2, 13, 15), 3, WD),
        (at(2010, 2, 11, 15), 3, WD),  # 2010 Spring Festival, from the 2001-2026 data
        (at(2026, 1, 15, 10), 2000, WD),
        (at(2026, 1, 15, 10), 400, ND),
    ]:
        assert due(start, amount, unit, narrow) == due(start, amount, unit, wide)
    assert narrow.covered_days[0] <= date(2010, 1, 1)
    assert narrow.covered_days[1] >= date(2035, 12, 31)
    with pytest.raises(CalendarRangeError):
        due(at(1850, 1, 1), 1, WD, narrow)
    with pytest.raises(CalendarRangeError):
        due(at(2199, 12, 1), 100, WD, narrow)


def test_working_day_queries_for_display():
    cal = cn_compiled()
    assert cal.is_working_day(date(2026, 2, 14)) is True
    assert cal.is_working_day(date(2026, 2, 16)) is False
    assert cal.is_working_day(date(2026, 3, 7)) is False
    assert cal.working_windows(date(2026, 2, 14)) == [
        (at(2026, 2, 14, 8, 30), at(2026, 2, 14, 12)),
        (at(2026, 2, 14, 13, 30), at(2026, 2, 14, 17, 30)),
    ]
    assert cal.working_windows(date(2026, 2, 16)) == []


# Other calendars --------------------------------------------------------------------------

STANDARD = ((time(8, 30), time(12)), (time(13, 30), time(17, 30)))
WEEK = (STANDARD,) * 5 + ((), ())


def custom(overrides, **kwargs):
    spec = CalendarSpec(
        "Asia/Shanghai", kwargs.pop("week", WEEK), overrides, date(2026, 12, 31), **kwargs
    )
    return calendar_compile(spec, first_day=date(2026, 1, 1), last_day=date(2026, 12, 31))


def test_custom_hours_closures_and_adjusted_days_with_their_own_windows():
    cal = custom(
        {
            date(2026, 3, 2): (DayKind.CUSTOM_HOURS, ((time(9), time(11)),)),
            date(2026, 3, 3): (DayKind.CLOSURE, ()),
            date(2026, 3, 7): (DayKind.ADJUSTED_WORKING_DAY, ((time(10), time(12)),)),
            date(2026, 3, 8): (DayKind.ADJUSTED_WORKING_DAY, ()),
        }
    )
    assert due(at(2026, 3, 2, 8), 2, B_H, cal).at == at(2026, 3, 2, 11)
    assert due(at(2026, 3, 2, 10), 2, B_H, cal).at == at(2026, 3, 4, 9, 30)  # 03-03 closed
    assert due(at(2026, 3, 2, 10), 1, WD, cal).at == at(2026, 3, 4, 17, 30)
    assert due(at(2026, 3, 6, 17), 1, B_H, cal).at == at(2026, 3, 7, 10, 30)
    assert due(at(2026, 3, 6, 17), 1, WD, cal).at == at(2026, 3, 7, 12)  # close of its window
    assert due(at(2026, 3, 7, 11), 2, B_H, cal).at == at(2026, 3, 8, 9, 30)  # standard hours
    assert due(at(2026, 3, 2, 10), 1, ND, cal).at == at(2026, 3, 5)  # 03-03 closed: next day


def test_a_window_ending_at_24_00_and_round_the_clock_days():
    full = ((time(0), time(0)),)
    cal = custom({}, week=(full,) * 5 + ((), ()))
    # Friday 20:00 + 4 h is Friday 24:00 (the window's end), + 6 h is Monday 02:00.
    assert due(at(2026, 3, 6, 20), 4, B_H, cal).at == at(2026, 3, 7, 0)
    assert due(at(2026, 3, 6, 20), 6, B_H, cal).at == at(2026, 3, 9, 2)
    assert due(at(2026, 3, 5, 20), 1, WD, cal).at == at(2026, 3, 7, 0)
    # Consecutive whole days are one stretch of business time.
    assert due(at(2026, 3, 3, 20), 48, B_H, cal).at == at(2026, 3, 5, 20)
    assert business_seconds_between(cal, at(2026, 3, 6, 20), at(2026, 3, 9, 2)) == 6 * 3600


def test_an_always_open_calendar_counts_every_minute():
    spec = CalendarSpec("Asia/Shanghai", ((),) * 7, {}, date(2199, 12, 31), always_open=True)
    cal = calendar_compile(spec, first_day=date(2026, 1, 1), last_day=date(2026, 12, 31))
    start = at(2026, 2, 16, 23, 50)  # Chinese New Year's Eve, late
    assert due(start, 15, B_MIN, cal) == Deadline(at(2026, 2, 17, 0, 5), False)
    assert due(start, 1, WD, cal).at == at(2026, 2, 18)
    assert due(start, 1, ND, cal).at == at(2026, 2, 18)
    assert business_seconds_between(cal, start, at(2026, 2, 17, 0, 5)) == 900
    assert instant_after(cal, unit=ND, start=start, measure=60) == at(2026, 2, 16, 23, 51)
    starts = np.array([int(start.timestamp())] * 2)
    assert deadlines_compute(cal, starts=starts, amounts=np.array([0, 1]), unit=WD).tolist() == [
        int(start.timestamp()),
        int(at(2026, 2, 18).timestamp()),
    ]


def test_business_hours_across_a_daylight_saving_change():
    berlin = ZoneInfo("Europe/Berlin")
    week = (((time(9), time(17)),),) * 5 + ((), ())
    spec = CalendarSpec("Europe/Berlin", week, {}, date(2026, 12, 31))
    cal = calendar_compile(spec, first_day=date(2026, 1, 1), last_day=date(2026, 12, 31))
    friday = datetime(2026, 3, 27, 16, tzinfo=berlin)  # clocks go forward on Sunday 03-29
    monday = datetime(2026, 3, 30, 10, tzinfo=berlin)
    assert deadline_compute(cal, start=friday, amount=2, unit=B_H).at == monday
    assert monday.utcoffset() == timedelta(hours=2)
    assert business_seconds_between(cal, friday, monday) == 7200
    assert deadline_compute(cal, start=friday, amount=1, unit=ND).at == datetime(
        2026, 3, 31, tzinfo=berlin
    )


@pytest.mark.parametrize(
    ("week", "overrides", "problem"),
    [
        (WEEK[:6], {}, "seven days"),
        (((),) * 7, {}, "at least one working window"),
        (((((time(13), time(12)),), *WEEK[1:])), {}, "does not end after it starts"),
        (
            (((time(8), time(12)), (time(11), time(14))), *WEEK[1:]),
            {},
            "overlaps",
        ),
        (WEEK, {date(2026, 3, 2): (DayKind.HOLIDAY, ((time(9), time(10)),))}, "no working windows"),
        (WEEK, {date(2026, 3, 2): (DayKind.CUSTOM_HOURS, ())}, "at least one window"),
    ],
)
def test_specs_that_cannot_be_a_calendar_are_refused(week, overrides, problem):
    with pytest.raises(ValueError, match=problem):
        CalendarSpec("Asia/Shanghai", week, overrides, date(2026, 12, 31))


def test_unknown_time_zone_is_refused():
    with pytest.raises(ValueError, match="unknown time zone"):
        CalendarSpec("Mars/Olympus", WEEK, {}, date(2026, 12, 31))


def test_an_always_open_calendar_takes_no_overrides():
    spec = CalendarSpec("Asia/Shanghai", ((),) * 7, {}, date(2199, 12, 31), always_open=True)
    with pytest.raises(ValueError, match="no day overrides"):
        CalendarSpec(
            "Asia/Shanghai",
            ((),) * 7,
            {date(2026, 3, 2): (DayKind.CLOSURE, ())},
            date(2199, 12, 31),
            always_open=True,
        )
    assert spec_problems(spec) == []


@pytest.mark.parametrize(
    ("text", "window"),
    [
        ("08:30-12:00", (time(8, 30), time(12))),
        (["13:30", "17:30"], (time(13, 30), time(17, 30))),
        ("00:00-24:00", (time(0), time(0))),
    ],
)
def test_window_text_round_trips(text, window):
    assert window_parse(text) == window
    assert window_parse(window_format(window)) == window


@pytest.mark.parametrize("text", ["8.30-12", "08:30", "25:00-26:00", "08:30-12:60", ["08:30"]])
def test_window_text_that_is_not_a_window(text):
    with pytest.raises(ValueError):
        window_parse(text)
