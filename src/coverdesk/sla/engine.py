"""Timeliness arithmetic: pure, typed, no ORM.

A calendar version compiles into one table: its working windows as sorted epoch seconds with the
business seconds elapsed before each window. "Business seconds before instant t" (B) and its
inverse are then a binary search, and every unit reduces to them or to a search over the sorted
working days. The scalar functions use `bisect` on Python lists (no NumPy call overhead per
deadline); the vectorised ones use `np.searchsorted` over the same table.

Semantics (issue 3 §2; docs/sla.md has the worked examples):
- business time starts at the next window start when the start lies outside a window, and a
  deadline exactly on a window's end is that end (the earliest instant with that much time used);
- working days: the start day is not counted; the deadline is the close of the last window of the
  N-th working day after the start day (Civil Code art. 201);
- natural days: the start day is not counted; the period ends at 24:00 of the N-th day (= the next
  day's 00:00), moved to 24:00 of the next working day when that day is not a working day
  (Civil Code arts. 201-203);
- natural minutes and hours are elapsed time and never provisional.

Instants are exact to the microsecond; measures (business or elapsed seconds) are whole seconds.
"""

from __future__ import annotations

import threading
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from itertools import pairwise
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import numpy.typing as npt

__all__ = [
    "BUSINESS_UNITS",
    "LIMIT_FIRST_DAY",
    "LIMIT_LAST_DAY",
    "CalendarRangeError",
    "CalendarSpec",
    "CompiledCalendar",
    "DayKind",
    "Deadline",
    "Unit",
    "Window",
    "business_seconds_between",
    "business_seconds_between_many",
    "calendar_compile",
    "deadline_compute",
    "deadline_met",
    "deadlines_compute",
    "deadlines_provisional",
    "instant_after",
    "measure_between",
    "spec_problems",
    "window_format",
    "window_parse",
    "windows_problems",
]


class Unit(StrEnum):
    NATURAL_MINUTES = "natural_minutes"
    NATURAL_HOURS = "natural_hours"
    BUSINESS_MINUTES = "business_minutes"
    BUSINESS_HOURS = "business_hours"
    WORKING_DAYS = "working_days"
    NATURAL_DAYS = "natural_days"


class DayKind(StrEnum):
    HOLIDAY = "holiday"
    ADJUSTED_WORKING_DAY = "adjusted_working_day"
    CUSTOM_HOURS = "custom_hours"
    CLOSURE = "closure"


# A working window in local wall-clock time. An end of 00:00 means 24:00 (the end of the day).
Window = tuple[time, time]

BUSINESS_UNITS: Mapping[Unit, int] = {Unit.BUSINESS_MINUTES: 60, Unit.BUSINESS_HOURS: 3600}
_NATURAL_UNITS: Mapping[Unit, int] = {Unit.NATURAL_MINUTES: 60, Unit.NATURAL_HOURS: 3600}
_UNIT_BY_VALUE: dict[str, Unit] = {str(unit.value): unit for unit in Unit}
_MEASURED_IN_BUSINESS_SECONDS = frozenset(
    {Unit.BUSINESS_MINUTES, Unit.BUSINESS_HOURS, Unit.WORKING_DAYS}
)

# Lazy extension never goes beyond these days: a start or deadline outside them is an input error.
LIMIT_FIRST_DAY = date(1901, 1, 1)
LIMIT_LAST_DAY = date(2199, 12, 31)

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MIDNIGHT = time(0)


class CalendarRangeError(ValueError):
    """An instant or a deadline lies outside the days a calendar can be compiled for."""


@dataclass(frozen=True)
class CalendarSpec:
    """What one calendar version says, as plain data.

    `weekly_windows[0]` is Monday. An adjusted working day with no windows of its own works the
    calendar's standard windows (those of the first weekday that has any). Holidays and closures
    have no windows; custom hours must have some. An always-open calendar counts every instant and
    takes no windows and no overrides.
    """

    timezone: str
    weekly_windows: tuple[tuple[Window, ...], ...]
    overrides: Mapping[date, tuple[DayKind, tuple[Window, ...]]]
    published_through: date
    always_open: bool = False

    def __post_init__(self) -> None:
        problems = spec_problems(self)
        if problems:
            raise ValueError("; ".join(problems))


def _seconds_of(value: time) -> int:
    return value.hour * 3600 + value.minute * 60 + value.second


def windows_problems(windows: Sequence[Window]) -> list[str]:
    """Why these windows cannot be one day's working hours (empty list: they can)."""
    problems: list[str] = []
    previous_end = -1
    for opening, closing in windows:
        if opening.tzinfo is not None or closing.tzinfo is not None:
            problems.append("window times are local wall-clock times without a time zone")
            continue
        if opening.microsecond or closing.microsecond:
            problems.append("window times are whole seconds")
            continue
        begin = _seconds_of(opening)
        end = _seconds_of(closing) or 86400
        if begin >= end:
            problems.append(f"window {opening:%H:%M}-{closing:%H:%M} does not end after it starts")
        elif begin < previous_end:
            problems.append(f"window {opening:%H:%M}-{closing:%H:%M} overlaps or is out of order")
        previous_end = max(previous_end, end)
    return problems


def _clock_parse(text: str) -> time:
    hours, _sep, minutes = text.strip().partition(":")
    if not (hours.isdigit() and minutes.isdigit() and len(minutes) == 2 and len(hours) <= 2):
        raise ValueError(f"{text!r} is not a time of day (HH:MM)")
    h, m = int(hours), int(minutes)
    if (h, m) == (24, 0):
        return _MIDNIGHT
    if h > 23 or m > 59:
        raise ValueError(f"{text!r} is not a time of day (HH:MM)")
    return time(h, m)


def window_parse(value: str | Sequence[str]) -> Window:
    """A window from "08:30-12:00" or ["08:30", "12:00"]; "24:00" ends at midnight."""
    if isinstance(value, str):
        opening, sep, closing = value.partition("-")
        if not sep:
            raise ValueError(f"{value!r} is not a window (HH:MM-HH:MM)")
        parts: Sequence[str] = (opening, closing)
    else:
        parts = value
    if len(parts) != 2 or not all(isinstance(p, str) for p in parts):
        raise ValueError(f"{value!r} is not a window (HH:MM-HH:MM)")
    return _clock_parse(parts[0]), _clock_parse(parts[1])


def window_format(window: Window) -> list[str]:
    """["08:30", "12:00"], the stored form; a window ending at midnight ends "24:00"."""
    opening, closing = window
    return [f"{opening:%H:%M}", "24:00" if closing == _MIDNIGHT else f"{closing:%H:%M}"]


def spec_problems(spec: CalendarSpec) -> list[str]:
    problems: list[str] = []
    try:
        ZoneInfo(spec.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(f"unknown time zone {spec.timezone!r}")
    if len(spec.weekly_windows) != 7:
        problems.append("weekly windows need seven days, Monday first")
        return problems
    if spec.always_open:
        if spec.overrides:
            problems.append("an always-open calendar has no day overrides")
        return problems
    for weekday, windows in enumerate(spec.weekly_windows):
        problems.extend(f"weekday {weekday}: {p}" for p in windows_problems(windows))
    if not any(spec.weekly_windows):
        problems.append("the weekly pattern needs at least one working window")
    for day, (kind, windows) in spec.overrides.items():
        kind = DayKind(kind)
        if kind in (DayKind.HOLIDAY, DayKind.CLOSURE) and windows:
            problems.append(f"{day}: a {kind} has no working windows")
        elif kind is DayKind.CUSTOM_HOURS and not windows:
            problems.append(f"{day}: custom hours need at least one window")
        problems.extend(f"{day}: {p}" for p in windows_problems(windows))
    return problems


class Deadline(NamedTuple):
    """A computed deadline. Immutable; a named tuple because services make millions of them."""

    at: datetime  # aware, in the calendar's time zone
    provisional: bool  # lies beyond 24:00 of published_through


# Builds a Deadline without the Python-level frame of NamedTuple.__new__ (the scalar hot path).
_deadline_new: Callable[[type[Deadline], tuple[datetime, bool]], Deadline] = tuple.__new__


def _local_epoch(day: date, at: time, tz: ZoneInfo) -> int:
    if at == _MIDNIGHT:
        return int(datetime(day.year, day.month, day.day, tzinfo=tz).timestamp())
    return int(
        datetime(day.year, day.month, day.day, at.hour, at.minute, at.second, tzinfo=tz).timestamp()
    )


class _Table:
    """The compiled form of a calendar over the local days [first_day, last_day]. Seconds since
    the epoch; `cum_start[i]` is the business time before window i, `cum_end[i]` after it."""

    __slots__ = (
        "arrays",
        "base",
        "cum_end",
        "cum_start",
        "day_starts",
        "first_day",
        "hi",
        "last_day",
        "last_end",
        "lo",
        "total",
        "wd_close",
        "wd_day",
        "win_end",
        "win_start",
    )

    def __init__(self, spec: CalendarSpec, tz: ZoneInfo, first_day: date, last_day: date) -> None:
        standard = next((w for w in spec.weekly_windows if w), ())
        weekly = spec.weekly_windows
        overrides = spec.overrides
        day_starts: list[int] = []
        win_start: list[int] = []
        win_end: list[int] = []
        cum_start: list[int] = []
        cum_end: list[int] = []
        wd_day: list[int] = []
        wd_close: list[int] = []
        acc = 0
        ndays = (last_day - first_day).days + 1
        for index in range(ndays):
            day = first_day + timedelta(days=index)
            day_starts.append(_local_epoch(day, _MIDNIGHT, tz))
            override = overrides.get(day)
            windows: Sequence[Window]
            if override is None:
                windows = weekly[day.weekday()]
            else:
                kind, own = override
                if kind == DayKind.HOLIDAY or kind == DayKind.CLOSURE:
                    windows = ()
                elif kind == DayKind.ADJUSTED_WORKING_DAY:
                    windows = own or standard
                else:
                    windows = own
            close = None
            for opening, closing in windows:
                begin = _local_epoch(day, opening, tz)
                if closing == _MIDNIGHT:
                    end = _local_epoch(day + timedelta(days=1), _MIDNIGHT, tz)
                else:
                    end = _local_epoch(day, closing, tz)
                if win_end and begin < win_end[-1]:
                    begin = win_end[-1]  # only a DST fold can do this
                if end <= begin:
                    continue
                if win_end and win_end[-1] == begin:
                    # Touching windows (e.g. 24-hour days) are one window: no empty gap between.
                    win_end[-1] = end
                    cum_end[-1] += end - begin
                else:
                    win_start.append(begin)
                    win_end.append(end)
                    cum_start.append(acc)
                    cum_end.append(acc + end - begin)
                acc += end - begin
                close = end
            if close is not None:
                wd_day.append(index)
                wd_close.append(close)
        day_starts.append(_local_epoch(last_day + timedelta(days=1), _MIDNIGHT, tz))
        self.first_day = first_day
        self.last_day = last_day
        self.day_starts = day_starts
        self.win_start = win_start
        self.win_end = win_end
        self.cum_start = cum_start
        self.cum_end = cum_end
        self.wd_day = wd_day
        self.wd_close = wd_close
        self.total = acc
        self.lo = day_starts[0]
        self.hi = day_starts[-1]
        self.last_end = win_end[-1] if win_end else self.lo
        # With one UTC offset over the whole table, an instant in the calendar's own zone
        # converts by plain subtraction from the first local midnight (no zone look-up).
        uniform = all(b - a == 86400 for a, b in pairwise(day_starts))
        self.base = datetime.fromtimestamp(self.lo, tz) if uniform else None
        self.arrays: dict[str, npt.NDArray[np.int64]] | None = None

    def numpy(self) -> dict[str, npt.NDArray[np.int64]]:
        arrays = self.arrays
        if arrays is None:
            arrays = {
                name: np.asarray(getattr(self, name), dtype=np.int64)
                for name in (
                    "day_starts",
                    "win_start",
                    "win_end",
                    "cum_start",
                    "cum_end",
                    "wd_day",
                    "wd_close",
                )
            }
            self.arrays = arrays
        return arrays


class CompiledCalendar:
    """A calendar version ready for arithmetic. Built once per version (a version never changes);
    it starts with the days it was compiled for and extends itself, a few years at a time, when an
    instant or a deadline falls outside them, up to LIMIT_FIRST_DAY..LIMIT_LAST_DAY."""

    def __init__(self, spec: CalendarSpec, *, first_day: date, last_day: date) -> None:
        if first_day > last_day:
            raise ValueError("first_day is after last_day")
        self.spec = spec
        self.tz = ZoneInfo(spec.timezone)
        self.always_open = spec.always_open
        # Deadlines after this instant (24:00 of published_through) are provisional.
        self.published_end = _local_epoch(
            min(spec.published_through, LIMIT_LAST_DAY) + timedelta(days=1), _MIDNIGHT, self.tz
        )
        self._lock = threading.Lock()
        self._instants: dict[int, datetime] = {}
        if spec.always_open:
            # Every instant counts: the arithmetic needs no table; keep a one-day stub.
            full_day = ((_MIDNIGHT, _MIDNIGHT),)
            stub = CalendarSpec(spec.timezone, (full_day,) * 7, {}, spec.published_through)
            self._table = _Table(stub, self.tz, *self._clamped(first_day, first_day))
        else:
            self._table = _Table(spec, self.tz, *self._clamped(first_day, last_day))

    def _day_instant(self, epoch: int) -> datetime:
        value = datetime.fromtimestamp(epoch, self.tz)
        if len(self._instants) < 200_000:
            self._instants[epoch] = value
        return value

    # Range management ---------------------------------------------------------------------

    @staticmethod
    def _clamped(first_day: date, last_day: date) -> tuple[date, date]:
        if first_day < LIMIT_FIRST_DAY or last_day > LIMIT_LAST_DAY:
            raise CalendarRangeError(f"calendars cover {LIMIT_FIRST_DAY} to {LIMIT_LAST_DAY} only")
        return first_day, last_day

    @property
    def covered_days(self) -> tuple[date, date]:
        """The local days compiled so far (the table grows on demand)."""
        table = self._table
        return table.first_day, table.last_day

    def _extend(self, *, first_day: date | None = None, last_day: date | None = None) -> None:
        with self._lock:
            table = self._table
            new_first = min(first_day or table.first_day, table.first_day)
            new_last = max(last_day or table.last_day, table.last_day)
            if (new_first, new_last) == (table.first_day, table.last_day):
                return
            if new_first < LIMIT_FIRST_DAY or new_last > LIMIT_LAST_DAY:
                raise CalendarRangeError(
                    f"calendars cover {LIMIT_FIRST_DAY} to {LIMIT_LAST_DAY} only"
                )
            self._table = _Table(self.spec, self.tz, new_first, new_last)

    def _cover_instant(self, epoch: int) -> None:
        """Make the table cover the local day of `epoch`, with a year of margin."""
        table = self._table
        try:
            day = datetime.fromtimestamp(epoch, self.tz).date()
        except (OverflowError, OSError, ValueError):
            raise CalendarRangeError(
                f"epoch second {epoch} is outside the supported days"
                f" {LIMIT_FIRST_DAY} to {LIMIT_LAST_DAY}"
            ) from None
        span = table.last_day - table.first_day
        margin = max(timedelta(days=366), span)
        if epoch < table.lo:
            self._extend(first_day=max(LIMIT_FIRST_DAY, _minus(day, margin)))
        else:
            self._extend(last_day=min(LIMIT_LAST_DAY, _plus(day, margin)))
        if not (self._table.lo <= epoch < self._table.hi):
            raise CalendarRangeError(
                f"{datetime.fromtimestamp(epoch, self.tz).isoformat()} is outside the supported"
                f" days {LIMIT_FIRST_DAY} to {LIMIT_LAST_DAY}"
            )

    def _grow_forward(self) -> None:
        table = self._table
        if table.last_day >= LIMIT_LAST_DAY:
            raise CalendarRangeError(f"the deadline would fall after {LIMIT_LAST_DAY}")
        span = max(table.last_day - table.first_day, timedelta(days=366))
        self._extend(last_day=min(LIMIT_LAST_DAY, _plus(table.last_day, span)))

    def _table_for(self, epoch: int) -> _Table:
        table = self._table
        if table.lo <= epoch < table.hi:
            return table
        self._cover_instant(epoch)
        return self._table

    # Days ---------------------------------------------------------------------------------

    def is_working_day(self, day: date) -> bool:
        """A day with at least one working window (every day of an always-open calendar)."""
        if self.always_open:
            return True
        table = self._table_for(_local_epoch(day, time(12), self.tz))
        index = (day - table.first_day).days
        position = bisect_left(table.wd_day, index)
        return position < len(table.wd_day) and table.wd_day[position] == index

    def working_windows(self, day: date) -> list[tuple[datetime, datetime]]:
        """The day's working windows as aware instants, for display and tests."""
        if self.always_open:
            begin = datetime(day.year, day.month, day.day, tzinfo=self.tz)
            end_day = day + timedelta(days=1)
            return [(begin, datetime(end_day.year, end_day.month, end_day.day, tzinfo=self.tz))]
        table = self._table_for(_local_epoch(day, time(12), self.tz))
        index = (day - table.first_day).days
        lo, hi = table.day_starts[index], table.day_starts[index + 1]
        result = []
        i = bisect_right(table.win_end, lo)
        while i < len(table.win_start) and table.win_start[i] < hi:
            opening, closing = max(table.win_start[i], lo), min(table.win_end[i], hi)
            result.append(
                (datetime.fromtimestamp(opening, self.tz), datetime.fromtimestamp(closing, self.tz))
            )
            i += 1
        return result


def _plus(day: date, span: timedelta) -> date:
    return day + span if day + span <= LIMIT_LAST_DAY else LIMIT_LAST_DAY


def _minus(day: date, span: timedelta) -> date:
    return day - span if day - span >= LIMIT_FIRST_DAY else LIMIT_FIRST_DAY


def calendar_compile(spec: CalendarSpec, *, first_day: date, last_day: date) -> CompiledCalendar:
    """Compile a calendar version for the local days first_day..last_day. Instants outside that
    range still work: the table extends itself (LIMIT_FIRST_DAY..LIMIT_LAST_DAY at most)."""
    return CompiledCalendar(spec, first_day=first_day, last_day=last_day)


# Conversions ------------------------------------------------------------------------------
#
# The scalar path carries an instant as (q, r): whole epoch seconds and a microsecond remainder,
# so the table arithmetic stays on small integers and the remainder only rides along.

_US = 1_000_000


def _instant(cal: CompiledCalendar, value: datetime, name: str) -> tuple[int, int]:
    """(epoch seconds, microseconds) of an aware datetime. UTC and the calendar's own zone (in a
    table with one UTC offset) need no zone look-up: subtracting two datetimes that share a
    tzinfo is plain arithmetic."""
    tz = value.tzinfo
    if tz is UTC:
        delta = value - _EPOCH
        return delta.days * 86400 + delta.seconds, delta.microseconds
    if tz is cal.tz:
        table = cal._table
        base = table.base
        if base is not None:
            delta = value - base
            q = delta.days * 86400 + delta.seconds + table.lo
            # A day of margin: just outside the table another UTC offset may apply.
            if table.lo + 86400 <= q < table.hi - 86400:
                return q, delta.microseconds
    if tz is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")
    delta = value - _EPOCH
    return delta.days * 86400 + delta.seconds, delta.microseconds


def _datetime(cal: CompiledCalendar, q: int, r: int) -> datetime:
    result = datetime.fromtimestamp(q, cal.tz)
    return result.replace(microsecond=r) if r else result


def _check_amount(amount: Any, name: str = "amount") -> int:
    if isinstance(amount, bool) or not isinstance(amount, int | np.integer):
        raise TypeError(f"{name} must be an integer")
    if amount < 0:
        raise ValueError(f"{name} must not be negative")
    return int(amount)


# Table look-ups -----------------------------------------------------------------------------


def _business_table(cal: CompiledCalendar, q: int) -> _Table:
    """A table covering second q with a working window still to come after it."""
    while True:
        table = cal._table
        if table.lo <= q < table.last_end:
            return table
        if table.lo <= q < table.hi:
            cal._grow_forward()
        else:
            cal._cover_instant(q)


def _day_table(cal: CompiledCalendar, q: int) -> _Table:
    table = cal._table
    if table.lo <= q < table.hi:
        return table
    cal._cover_instant(q)
    return cal._table


def _business_before(table: _Table, q: int, r: int) -> tuple[int, int]:
    """Business time before the instant (q, r), as (seconds, microseconds) counted from the
    table's first day: only differences taken within one table mean anything."""
    i = bisect_right(table.win_end, q)  # first window ending after the instant
    begin = table.win_start[i]
    if q > begin or (q == begin and r):
        return table.cum_start[i] + q - begin, r
    return table.cum_start[i], 0


def _business_add(cal: CompiledCalendar, q: int, r: int, add: int) -> tuple[int, int]:
    """The earliest instant with `add` more business seconds used after (q, r). A start outside
    a window counts from the next window's start; with add == 0 that start is the answer."""
    while True:
        table = cal._table
        if not (table.lo <= q < table.last_end):
            table = _business_table(cal, q)
        i = bisect_right(table.win_end, q)
        begin = table.win_start[i]
        if q > begin or (q == begin and r):
            if add == 0:
                return q, r
            target = table.cum_start[i] + q - begin + add
        else:
            if add == 0:
                return begin, 0
            target, r = table.cum_start[i] + add, 0
        # With a remainder the window must hold target + r: its cum_end must exceed target.
        if target + (1 if r else 0) > table.total:
            cal._grow_forward()
            continue
        # Without a remainder a deadline on a window's end is that end (bisect_left).
        j = bisect_right(table.cum_end, target) if r else bisect_left(table.cum_end, target)
        return table.win_start[j] + target - table.cum_start[j], r


def _working_day_close(cal: CompiledCalendar, q: int, amount: int) -> int:
    """Close of the last window of the amount-th working day after the day of q."""
    while True:
        table = cal._table
        if not (table.lo <= q < table.hi):
            table = _day_table(cal, q)
        day_index = bisect_right(table.day_starts, q) - 1
        k = bisect_right(table.wd_day, day_index) + amount - 1
        if k < len(table.wd_day):
            return table.wd_close[k]
        cal._grow_forward()


def _day_end_extended(cal: CompiledCalendar, q: int, days_after: int) -> tuple[int, bool]:
    """24:00 of the day `days_after` days after the day of q, or of the next working day when
    that day is not one; and whether it moved."""
    while True:
        table = _day_table(cal, q)
        last = bisect_right(table.day_starts, q) - 1 + days_after
        k = bisect_left(table.wd_day, last)
        if k < len(table.wd_day):
            return table.day_starts[table.wd_day[k] + 1], table.wd_day[k] != last
        cal._grow_forward()


def _always_open_day_end(cal: CompiledCalendar, q: int, days_after: int) -> int:
    day = datetime.fromtimestamp(q, cal.tz).date() + timedelta(days=days_after + 1)
    return _local_epoch(day, _MIDNIGHT, cal.tz)


# Scalar API -------------------------------------------------------------------------------


def deadline_compute(
    cal: CompiledCalendar, *, start: datetime, amount: int, unit: Unit | str
) -> Deadline:
    """The deadline `amount` units after `start` (see the module docstring for the rules).

    An amount of 0 gives the start itself, moved to the next window start for business units."""
    # Identity tests, not dict look-ups: an Enum member hashes through a Python-level method.
    if unit.__class__ is not Unit:
        unit = _UNIT_BY_VALUE.get(unit) or Unit(unit)
    if amount.__class__ is not int or amount < 0:
        amount = _check_amount(amount)
    # The common cases inline (this runs for every deadline a service computes): a start in the
    # calendar's own zone inside the table, and business time that stays inside it.
    table = cal._table
    base = table.base
    if start.tzinfo is cal.tz and base is not None:
        delta = start - base
        q = delta.days * 86400 + delta.seconds + table.lo
        r = delta.microseconds
        if not (table.lo + 86400 <= q < table.hi - 86400):
            q, r = _instant(cal, start, "start")
    else:
        q, r = _instant(cal, start, "start")
    if unit is Unit.BUSINESS_HOURS or unit is Unit.BUSINESS_MINUTES:
        add = amount * 3600 if unit is Unit.BUSINESS_HOURS else amount * 60
        if cal.always_open:
            return Deadline(_datetime(cal, q + add, r), False)
        table = cal._table
        if add and table.lo <= q < table.last_end:
            i = bisect_right(table.win_end, q)
            begin = table.win_start[i]
            if q > begin or (q == begin and r):
                target = table.cum_start[i] + q - begin + add
            else:
                target, r = table.cum_start[i] + add, 0
            if target + (1 if r else 0) <= table.total:
                # Without a remainder a deadline on a window's end is that end (bisect_left).
                j = bisect_right(table.cum_end, target) if r else bisect_left(table.cum_end, target)
                q = table.win_start[j] + target - table.cum_start[j]
            else:
                q, r = _business_add(cal, q, r, add)
        else:
            q, r = _business_add(cal, q, r, add)
    elif unit is Unit.NATURAL_HOURS or unit is Unit.NATURAL_MINUTES:
        add = amount * 3600 if unit is Unit.NATURAL_HOURS else amount * 60
        return Deadline(_datetime(cal, q + add, r), False)
    elif unit is Unit.WORKING_DAYS and amount == 0:
        pass  # no time allowed: due at the start
    elif cal.always_open:
        return Deadline(_datetime(cal, _always_open_day_end(cal, q, amount), 0), False)
    else:
        # Day-aligned results come from a small set of instants: reuse their datetimes.
        if unit is Unit.WORKING_DAYS:
            q = _working_day_close(cal, q, amount)
        else:
            q = _day_end_extended(cal, q, amount)[0]
        at = cal._instants.get(q)
        if at is None:
            at = cal._day_instant(q)
        return _deadline_new(Deadline, (at, q > cal.published_end))
    at = datetime.fromtimestamp(q, cal.tz)
    if r:
        at = at.replace(microsecond=r)
    provisional = not cal.always_open and (
        q > cal.published_end or (q == cal.published_end and r > 0)
    )
    return _deadline_new(Deadline, (at, provisional))


def business_seconds_between(cal: CompiledCalendar, start: datetime, end: datetime) -> int:
    """Whole business seconds from start to end, truncated (negative when end is before
    start): the exact inverse of adding business time."""
    qa, ra = _instant(cal, start, "start")
    qb, rb = _instant(cal, end, "end")
    if cal.always_open:
        return _trunc_seconds((qb - qa) * _US + rb - ra)
    while True:
        table = _business_table(cal, qa)
        if _business_table(cal, qb) is table:
            sa, ua = _business_before(table, qa, ra)
            sb, ub = _business_before(table, qb, rb)
            return _trunc_seconds((sb - sa) * _US + ub - ua)
        # The table grew for the second instant: look both up again in the grown one.


def _trunc_seconds(value_us: int) -> int:
    return value_us // _US if value_us >= 0 else -(-value_us // _US)


def measure_between(
    cal: CompiledCalendar, *, unit: Unit | str, start: datetime, end: datetime
) -> int:
    """The unit's measure between two instants, in whole seconds (truncated): business seconds
    for business units and working days, elapsed seconds for natural units and natural days."""
    unit = Unit(unit)
    if unit in _MEASURED_IN_BUSINESS_SECONDS:
        return business_seconds_between(cal, start, end)
    qa, ra = _instant(cal, start, "start")
    qb, rb = _instant(cal, end, "end")
    return _trunc_seconds((qb - qa) * _US + rb - ra)


def instant_after(
    cal: CompiledCalendar, *, unit: Unit | str, start: datetime, measure: int
) -> datetime:
    """The instant when `measure` more seconds of the unit's measure have passed after start.

    Business units and working days count business seconds (a start outside a window counts
    from the next window start). For natural days the Civil Code extension applies again: when
    the day on which the period then ends (the day before, for an end at 00:00) is not a
    working day, the period ends at 24:00 of the next working day."""
    unit = Unit(unit)
    measure = _check_amount(measure, "measure")
    q, r = _instant(cal, start, "start")
    if unit in _MEASURED_IN_BUSINESS_SECONDS:
        if cal.always_open:
            return _datetime(cal, q + measure, r)
        return _datetime(cal, *_business_add(cal, q, r, measure))
    q += measure
    if unit is not Unit.NATURAL_DAYS or cal.always_open:
        return _datetime(cal, q, r)
    # The day that holds the period's last microsecond.
    last_second = q if r else q - 1
    end, moved = _day_end_extended(cal, last_second, 0)
    return _datetime(cal, end, 0) if moved else _datetime(cal, q, r)


def deadline_met(*, due_at: datetime, stopped_at: datetime) -> bool:
    """Met when stopped at or before the deadline instant; breached the moment after it."""
    return stopped_at <= due_at


# Vectorised API ---------------------------------------------------------------------------


def _as_seconds(values: Any, name: str) -> npt.NDArray[np.int64]:
    array = np.asarray(values)
    if array.dtype.kind not in "iu":
        raise TypeError(f"{name} must be integer epoch seconds")
    return array.astype(np.int64, copy=False)


def _vector_table(cal: CompiledCalendar, instants: npt.NDArray[np.int64]) -> _Table:
    """A table covering every instant, with a working window after the latest one."""
    if instants.size:
        _business_table(cal, int(instants.min()))
        _business_table(cal, int(instants.max()))
    return cal._table


def deadlines_compute(
    cal: CompiledCalendar,
    *,
    starts: npt.ArrayLike,
    amounts: npt.ArrayLike | int,
    unit: Unit | str,
) -> npt.NDArray[np.int64]:
    """Deadlines for many starts at once: int64 epoch seconds in, int64 epoch seconds out,
    element for element equal to `deadline_compute` on the same whole-second starts."""
    s = _as_seconds(starts, "starts")
    unit = Unit(unit)
    n: npt.NDArray[np.int64] | np.int64
    if isinstance(amounts, int | np.integer):
        has_zero = _check_amount(int(amounts), "amounts") == 0
        n = np.int64(amounts)
    else:
        n = _as_seconds(amounts, "amounts")
        smallest = int(n.min()) if n.size else 1
        if smallest < 0:
            raise ValueError("amounts must not be negative")
        has_zero = smallest == 0
    if unit in _NATURAL_UNITS:
        return s + n * _NATURAL_UNITS[unit]
    if cal.always_open and unit in BUSINESS_UNITS:
        return s + n * BUSINESS_UNITS[unit]
    if cal.always_open:
        # Day units on an always-open calendar are rare; the scalar path is exact for them.
        pairs = np.broadcast_arrays(s, n)
        return np.array(
            [
                int(
                    deadline_compute(
                        cal, start=_datetime(cal, int(a), 0), amount=int(b), unit=unit
                    ).at.timestamp()
                )
                for a, b in zip(pairs[0].ravel(), pairs[1].ravel(), strict=True)
            ],
            dtype=np.int64,
        ).reshape(pairs[0].shape)
    if unit in BUSINESS_UNITS:
        return _vector_business_add(cal, s, n * BUSINESS_UNITS[unit], has_zero=has_zero)
    while True:
        table = _vector_table(cal, s)
        a = table.numpy()
        day_index = np.searchsorted(a["day_starts"], s, side="right") - 1
        if unit is Unit.WORKING_DAYS:
            k = np.searchsorted(a["wd_day"], day_index, side="right") + n - 1
        else:
            k = np.searchsorted(a["wd_day"], day_index + n, side="left")
        if k.size and int(k.max()) >= len(table.wd_day):
            cal._grow_forward()
            continue
        result: npt.NDArray[np.int64]
        if unit is Unit.NATURAL_DAYS:
            result = a["day_starts"][a["wd_day"][k] + 1]
            return result
        if has_zero:
            result = np.where(n == 0, s, a["wd_close"][np.maximum(k, 0)])
        else:
            result = a["wd_close"][k]
        return result


def _vector_business_add(
    cal: CompiledCalendar,
    s: npt.NDArray[np.int64],
    add: npt.NDArray[np.int64] | np.int64,
    *,
    has_zero: bool,
) -> npt.NDArray[np.int64]:
    while True:
        table = _vector_table(cal, s)
        a = table.numpy()
        i = np.searchsorted(a["win_end"], s, side="right")
        begin = a["win_start"][i]
        target = a["cum_start"][i] + np.maximum(s - begin, 0) + add
        if target.size and int(target.max()) > table.total:
            cal._grow_forward()
            continue
        # Earliest instant with `target` used, as in the scalar path.
        j = np.searchsorted(a["cum_end"], target, side="left")
        result: npt.NDArray[np.int64] = a["win_start"][j] + target - a["cum_start"][j]
        if has_zero:
            result = np.where(add == 0, np.maximum(s, begin), result)
        return result


def business_seconds_between_many(
    cal: CompiledCalendar, starts: npt.ArrayLike, ends: npt.ArrayLike
) -> npt.NDArray[np.int64]:
    """Business seconds between pairs of epoch-second instants, element for element."""
    a = _as_seconds(starts, "starts")
    b = _as_seconds(ends, "ends")
    if cal.always_open:
        return b - a
    table = _vector_table(cal, np.concatenate([a.ravel(), b.ravel()]))
    arrays = table.numpy()

    def before(t: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        i = np.searchsorted(arrays["win_end"], t, side="right")
        value: npt.NDArray[np.int64] = arrays["cum_start"][i] + np.maximum(
            t - arrays["win_start"][i], 0
        )
        return value

    return before(b) - before(a)


def deadlines_provisional(
    cal: CompiledCalendar, deadlines: npt.ArrayLike, unit: Unit | str
) -> npt.NDArray[np.bool_]:
    """Which vectorised deadlines lie beyond published_through (never for natural time)."""
    values = _as_seconds(deadlines, "deadlines")
    if Unit(unit) in _NATURAL_UNITS or cal.always_open:
        return np.zeros(values.shape, dtype=bool)
    return values > cal.published_end
