"""Deadline arithmetic: Coverdesk's compiled-table engine against the Python libraries people use
for it, on one calendar (cn-mainland 2026: 08:30-12:00 and 13:30-17:30 Asia/Shanghai, the State
Council's 2026 holidays and adjusted working days from the `holidays` package).

    python benchmarks/sla_deadlines.py --n 100000

Every method gets the same seeded random starts (minute resolution, 2026-01-01 to 2026-12-10, so
no deadline leaves the published year) and the same amounts (1-40 business hours, 1-10 working
days). Before anything is timed, each method's answers are checked against a slow reference
written here without the engine (interval walking, day walking); a method with mismatches is
reported and not timed. Libraries that cannot express an adjusted working day get all seven
weekdays as their weekmask plus the list of every day off. pandas CustomBusinessHour moves a
deadline that lands on a window's end to the next window's start (12:00 -> 13:30): that is
accepted when no business time lies between the two instants.

The last line of output is one JSON object: deadlines per second per method (null when the
library is not installed, with a note), plus the targets of issue 3 §8.1.
"""

from __future__ import annotations

import argparse
import gc
import json
import platform
import statistics
import sys
import time as timer
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from coverdesk.sla.engine import (
    CalendarSpec,
    DayKind,
    Unit,
    calendar_compile,
    deadline_compute,
    deadlines_compute,
)

TZ = ZoneInfo("Asia/Shanghai")
YEAR_START = date(2026, 1, 1)
LAST_START = date(2026, 12, 10)
WINDOWS = ((time(8, 30), time(12)), (time(13, 30), time(17, 30)))
CLOSE = time(17, 30)
SEED = 20260213


# The calendar, as data every method receives ---------------------------------------------------


def china_2026() -> tuple[set[date], set[date]]:
    import holidays

    china = holidays.China(years=2026, categories=("public",))
    off = {d for d in china if d.year == 2026}
    adjusted = {d for d in china.weekend_workdays if d.year == 2026}
    return off, adjusted


def working_days_2026(off: set[date], adjusted: set[date]) -> set[date]:
    days = (YEAR_START + timedelta(days=n) for n in range(365))
    return {d for d in days if d in adjusted or (d.weekday() < 5 and d not in off)}


def days_off(working: set[date]) -> list[date]:
    """Every non-working day of 2026 and 2027 (2027 on the weekly pattern, as the engine does)."""
    result = []
    for n in range(730):
        day = YEAR_START + timedelta(days=n)
        if (day.year == 2026 and day not in working) or (day.year == 2027 and day.weekday() >= 5):
            result.append(day)
    return result


def is_working(day: date, working: set[date]) -> bool:
    return day in working if day.year == 2026 else day.weekday() < 5


# The reference: slow and obvious ---------------------------------------------------------------


def ref_business(start: datetime, seconds: int, working: set[date]) -> datetime:
    left = timedelta(seconds=seconds)
    day = start.date()
    while True:
        if is_working(day, working):
            for a, b in WINDOWS:
                opening, closing = datetime.combine(day, a, TZ), datetime.combine(day, b, TZ)
                if closing <= start:
                    continue
                begin = max(opening, start)
                if closing - begin >= left:
                    return begin + left
                left -= closing - begin
        day += timedelta(days=1)


def ref_working_days(start: datetime, amount: int, working: set[date]) -> datetime:
    day, counted = start.date(), 0
    while counted < amount:
        day += timedelta(days=1)
        counted += is_working(day, working)
    return datetime.combine(day, CLOSE, TZ)


# Measurement -----------------------------------------------------------------------------------


CLOCKS: dict[str, Callable[[], float]] = {
    # CPU seconds of this process: what one core does, whatever else the machine is running.
    "cpu": timer.process_time,
    "wall": timer.perf_counter,
}
CLOCK = CLOCKS["cpu"]


def timed(function: Callable[[], Any], repeat: int) -> float:
    """Median seconds of `repeat` runs after one warm-up run, with the cyclic garbage collector
    off while timing (as timeit does): the runs keep every answer in a list, which would
    otherwise bill the collector's passes over the benchmark's own data to the method."""
    function()
    runs = []
    for _ in range(repeat):
        gc.collect()
        gc.disable()
        try:
            began = CLOCK()
            function()
            runs.append(CLOCK() - began)
        finally:
            gc.enable()
    return statistics.median(runs)


class Bench:
    def __init__(self, n: int, repeat: int, slow_n: int, check_n: int) -> None:
        self.n, self.repeat, self.slow_n, self.check_n = n, repeat, slow_n, check_n
        self.rates: dict[str, float | None] = {}
        self.notes: dict[str, str] = {}
        self.rows: list[tuple[str, str, str, str, str]] = []

    def record(
        self,
        name: str,
        kind: str,
        count: int,
        function: Callable[[], Any],
        mismatches: int,
        checked: int,
        repeat: int | None = None,
    ) -> None:
        if mismatches:
            self.rates[name] = None
            self.notes[name] = f"{mismatches} of {checked} answers differ from the reference"
            self.rows.append((name, kind, "-", "-", f"{mismatches}/{checked} WRONG, not timed"))
            return
        median = timed(function, repeat or self.repeat)
        self.rates[name] = count / median
        sample = "" if count == self.n else f" (sample of {count})"
        self.rows.append(
            (
                name,
                kind,
                f"{count / median:,.0f}",
                f"{median / count * 1e6:.3f}",
                f"0/{checked}{sample}",
            )
        )
        if count != self.n:
            self.notes[name] = f"timed on {count} of the {self.n} starts (slow)"

    def missing(self, name: str, kind: str, package: str) -> None:
        self.rates[name] = None
        self.notes[name] = f"{package} is not installed"
        self.rows.append((name, kind, "-", "-", f"not installed ({package})"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=100_000, help="deadlines per method")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per fast method")
    parser.add_argument("--slow-n", type=int, default=3_000, help="starts for slow libraries")
    parser.add_argument("--check-n", type=int, default=5_000, help="starts checked per method")
    parser.add_argument(
        "--clock",
        choices=sorted(CLOCKS),
        default="cpu",
        help="cpu: this process's CPU time (default; steady on a busy machine); wall: elapsed",
    )
    args = parser.parse_args()
    global CLOCK
    CLOCK = CLOCKS[args.clock]
    n = args.n
    bench = Bench(n, args.repeat, min(args.slow_n, n), min(args.check_n, n))

    off, adjusted = china_2026()
    working = working_days_2026(off, adjusted)
    off_list = days_off(working)

    began = timer.perf_counter()
    overrides = dict.fromkeys(off, (DayKind.HOLIDAY, ()))
    overrides |= dict.fromkeys(adjusted, (DayKind.ADJUSTED_WORKING_DAY, ()))
    spec = CalendarSpec("Asia/Shanghai", (WINDOWS,) * 5 + ((), ()), overrides, date(2026, 12, 31))
    cal = calendar_compile(spec, first_day=date(2026, 1, 1), last_day=date(2027, 12, 31))
    arrays = cal._table.numpy()  # the same compiled table, for the bare kernel
    compile_ms = (timer.perf_counter() - began) * 1000

    rng = np.random.default_rng(SEED)
    lo = int(datetime(2026, 1, 1, tzinfo=TZ).timestamp()) // 60
    hi = int(datetime.combine(LAST_START, time(0), TZ).timestamp()) // 60
    starts = rng.integers(lo, hi, n, dtype=np.int64) * 60
    hours = rng.integers(1, 41, n, dtype=np.int64)
    wdays = rng.integers(1, 11, n, dtype=np.int64)
    start_dt = [datetime.fromtimestamp(int(s), TZ) for s in starts]
    hours_list, wdays_list = hours.tolist(), wdays.tolist()
    check = range(bench.check_n)
    ref_hours = [
        int(ref_business(start_dt[i], hours_list[i] * 3600, working).timestamp()) for i in check
    ]
    ref_wdays = [
        int(ref_working_days(start_dt[i], wdays_list[i], working).timestamp()) for i in check
    ]

    def count_mismatches(
        got: Any, expected: list[int], accept: Callable[[int, int], bool] | None = None
    ) -> int:
        bad = 0
        for g, e in zip(got, expected, strict=False):
            g = int(g)
            if g != e and not (accept and accept(g, e)):
                bad += 1
        return bad

    # 1. start + N business hours ---------------------------------------------------------------
    kind = "business hours"

    def cd_vector() -> Any:
        return deadlines_compute(cal, starts=starts, amounts=hours, unit=Unit.BUSINESS_HOURS)

    got = cd_vector()[: bench.check_n]
    bench.record(
        "coverdesk_vectorised_business_hours",
        kind,
        n,
        cd_vector,
        count_mismatches(got, ref_hours),
        bench.check_n,
    )

    def cd_scalar() -> list[Any]:
        unit = Unit.BUSINESS_HOURS
        return [
            deadline_compute(cal, start=s, amount=a, unit=unit)
            for s, a in zip(start_dt, hours_list, strict=True)
        ]

    got = [int(d.at.timestamp()) for d in cd_scalar()[: bench.check_n]]
    bench.record(
        "coverdesk_scalar_business_hours",
        kind,
        n,
        cd_scalar,
        count_mismatches(got, ref_hours),
        bench.check_n,
    )

    win_start, win_end = arrays["win_start"], arrays["win_end"]
    cum_start, cum_end = arrays["cum_start"], arrays["cum_end"]

    def bare_kernel() -> Any:
        i = np.searchsorted(win_end, starts, side="right")
        target = cum_start[i] + np.maximum(starts - win_start[i], 0) + hours * 3600
        j = np.searchsorted(cum_end, target, side="left")
        return win_start[j] + target - cum_start[j]

    got = bare_kernel()[: bench.check_n]
    bench.record(
        "numpy_bare_kernel_business_hours",
        kind,
        n,
        bare_kernel,
        count_mismatches(got, ref_hours),
        bench.check_n,
    )

    def business_between(a: int, b: int) -> int:
        """Business seconds from a to b, for the end-of-window convention check."""
        i = np.searchsorted(win_end, [a, b], side="right")
        value = cum_start[i] + np.maximum(np.array([a, b]) - win_start[i], 0)
        return int(value[1] - value[0])

    def next_window_start(got: int, expected: int) -> bool:
        return got > expected and business_between(expected, got) == 0

    slow = range(bench.slow_n)
    try:
        import pandas as pd
    except ImportError:
        bench.missing("pandas_custom_business_hour", kind, "pandas")
        pd = None
    if pd is not None:
        cbh = {
            h: pd.offsets.CustomBusinessHour(
                h,
                start=["08:30", "13:30"],
                end=["12:00", "17:30"],
                weekmask="1111111",
                holidays=off_list,
            )
            for h in range(1, 41)
        }
        ts = [pd.Timestamp(start_dt[i]) for i in slow]

        def pandas_cbh() -> list[Any]:
            return [t + cbh[hours_list[i]] for i, t in zip(slow, ts, strict=True)]

        got = [int(t.timestamp()) for t in pandas_cbh()[: bench.check_n]]
        m = count_mismatches(got, ref_hours, next_window_start)
        bench.record(
            "pandas_custom_business_hour",
            kind,
            bench.slow_n,
            pandas_cbh,
            m,
            min(bench.slow_n, bench.check_n),
            repeat=1,
        )

    try:
        import businesstimedelta as btd
        import pytz
    except ImportError:
        bench.missing("businesstimedelta", kind, "businesstimedelta")
        btd = None
    if btd is not None:
        ptz = pytz.timezone("Asia/Shanghai")
        rules = btd.Rules(
            [
                btd.WorkDayRule(
                    start_time=time(8, 30),
                    end_time=time(17, 30),
                    working_days=list(range(7)),
                    tz=ptz,
                ),
                btd.LunchTimeRule(
                    start_time=time(12), end_time=time(13, 30), working_days=list(range(7)), tz=ptz
                ),
                btd.HolidayRule(off_list, tz=ptz),
            ]
        )
        local = [ptz.localize(start_dt[i].replace(tzinfo=None)) for i in slow]
        deltas = {h: btd.BusinessTimeDelta(rules, hours=h) for h in range(1, 41)}

        def business_time_delta() -> list[Any]:
            return [t + deltas[hours_list[i]] for i, t in zip(slow, local, strict=True)]

        got = [int(t.timestamp()) for t in business_time_delta()[: bench.check_n]]
        m = count_mismatches(got, ref_hours)
        bench.record(
            "businesstimedelta",
            kind,
            bench.slow_n,
            business_time_delta,
            m,
            min(bench.slow_n, bench.check_n),
            repeat=1,
        )

    # 2. start + N working days -----------------------------------------------------------------
    kind = "working days"

    def cd_vector_days() -> Any:
        return deadlines_compute(cal, starts=starts, amounts=wdays, unit=Unit.WORKING_DAYS)

    got = cd_vector_days()[: bench.check_n]
    bench.record(
        "coverdesk_vectorised_working_days",
        kind,
        n,
        cd_vector_days,
        count_mismatches(got, ref_wdays),
        bench.check_n,
    )

    def cd_scalar_days() -> list[Any]:
        unit = Unit.WORKING_DAYS
        return [
            deadline_compute(cal, start=s, amount=a, unit=unit)
            for s, a in zip(start_dt, wdays_list, strict=True)
        ]

    got = [int(d.at.timestamp()) for d in cd_scalar_days()[: bench.check_n]]
    bench.record(
        "coverdesk_scalar_working_days",
        kind,
        n,
        cd_scalar_days,
        count_mismatches(got, ref_wdays),
        bench.check_n,
    )

    day_starts, wd_day, wd_close = arrays["day_starts"], arrays["wd_day"], arrays["wd_close"]

    def bare_kernel_days() -> Any:
        day = np.searchsorted(day_starts, starts, side="right") - 1
        return wd_close[np.searchsorted(wd_day, day, side="right") + wdays - 1]

    got = bare_kernel_days()[: bench.check_n]
    bench.record(
        "numpy_bare_kernel_working_days",
        kind,
        n,
        bare_kernel_days,
        count_mismatches(got, ref_wdays),
        bench.check_n,
    )

    start_days = np.array([d.date() for d in start_dt], dtype="datetime64[D]")
    busdaycal = np.busdaycalendar(
        weekmask="1111111", holidays=np.array(off_list, dtype="datetime64[D]")
    )
    close_offset = (17 * 60 + 30) * 60 - 8 * 3600  # 17:30 local as seconds after 00:00 UTC

    def numpy_busday() -> Any:
        days = np.busday_offset(start_days, wdays, roll="backward", busdaycal=busdaycal)
        return days.astype("datetime64[s]").astype(np.int64) + close_offset

    got = numpy_busday()[: bench.check_n]
    bench.record(
        "numpy_busday_offset",
        kind,
        n,
        numpy_busday,
        count_mismatches(got, ref_wdays),
        bench.check_n,
    )

    import holidays

    china = holidays.China(years=2026, categories=("public",))
    start_dates = [d.date() for d in start_dt]

    def holidays_stepping() -> list[date]:
        result = []
        for i in slow:
            day, counted, amount = start_dates[i], 0, wdays_list[i]
            while counted < amount:
                day += timedelta(days=1)
                counted += china.is_working_day(day)
            result.append(day)
        return result

    got = [
        int(datetime.combine(d, CLOSE, TZ).timestamp())
        for d in holidays_stepping()[: bench.check_n]
    ]
    bench.record(
        "holidays_is_working_day",
        kind,
        bench.slow_n,
        holidays_stepping,
        count_mismatches(got, ref_wdays),
        min(bench.slow_n, bench.check_n),
        repeat=3,
    )

    if pd is None:
        bench.missing("pandas_custom_business_day", kind, "pandas")
    else:
        cbd = {
            d: pd.offsets.CustomBusinessDay(d, weekmask="1111111", holidays=off_list)
            for d in range(1, 11)
        }
        pts = [pd.Timestamp(start_dates[i]) for i in slow]

        def pandas_cbd() -> list[Any]:
            return [t + cbd[wdays_list[i]] for i, t in zip(slow, pts, strict=True)]

        got = [
            int(datetime.combine(t.date(), CLOSE, TZ).timestamp())
            for t in pandas_cbd()[: bench.check_n]
        ]
        bench.record(
            "pandas_custom_business_day",
            kind,
            bench.slow_n,
            pandas_cbd,
            count_mismatches(got, ref_wdays),
            min(bench.slow_n, bench.check_n),
            repeat=3,
        )

    # Report -----------------------------------------------------------------------------------
    rates = bench.rates

    def ratio(a: str, b: str) -> float | None:
        x, y = rates.get(a), rates.get(b)
        return round(x / y, 2) if x and y else None

    targets = {
        "vectorised_vs_bare_kernel_slowdown": ratio(
            "numpy_bare_kernel_business_hours", "coverdesk_vectorised_business_hours"
        ),
        "vectorised_vs_bare_kernel_max": 1.5,
        "vectorised_vs_pandas_cbh_speedup": ratio(
            "coverdesk_vectorised_business_hours", "pandas_custom_business_hour"
        ),
        "vectorised_vs_pandas_cbh_min": 100,
        "vectorised_vs_holidays_working_days_speedup": ratio(
            "coverdesk_vectorised_working_days", "holidays_is_working_day"
        ),
        "vectorised_vs_holidays_working_days_min": 50,
        "scalar_business_hours_per_second": round(rates["coverdesk_scalar_business_hours"] or 0),
        "scalar_min_per_second": 300_000,
    }
    print(
        f"Deadline arithmetic, n={n}, Python {platform.python_version()}, numpy {np.__version__},"
        f" {platform.machine()}, {args.clock} time, median of {args.repeat} runs;"
        f" calendar compiled in {compile_ms:.1f} ms"
    )
    header = ("method", "unit", "deadlines/s", "us each", "mismatches")
    widths = [max(len(str(row[k])) for row in [header, *bench.rows]) for k in range(5)]
    for row in [header, tuple("-" * w for w in widths), *bench.rows]:
        print(
            "  ".join(
                str(cell).ljust(w) if k < 2 else str(cell).rjust(w)
                for k, (cell, w) in enumerate(zip(row, widths, strict=True))
            )
        )
    for name, note in bench.notes.items():
        print(f"note: {name}: {note}")
    print(
        "targets: vectorised within 1.5x of the bare kernel (slowdown"
        f" {targets['vectorised_vs_bare_kernel_slowdown']}x); >=100x pandas CustomBusinessHour"
        f" ({targets['vectorised_vs_pandas_cbh_speedup']}); >=50x holidays on working days"
        f" ({targets['vectorised_vs_holidays_working_days_speedup']}x); scalar >= 300,000/s"
        f" ({targets['scalar_business_hours_per_second']:,}/s)"
    )
    wrong = [name for name, note in bench.notes.items() if "differ" in note]
    print(
        json.dumps(
            {
                "n": n,
                "clock": args.clock,
                "deadlines_per_second": {k: (round(v) if v else None) for k, v in rates.items()},
                "notes": bench.notes,
                "targets": targets,
                "compile_ms": round(compile_ms, 1),
            },
            ensure_ascii=False,
        )
    )
    if any(name.startswith(("coverdesk", "numpy_bare")) for name in wrong):
        sys.exit(1)


if __name__ == "__main__":
    main()
