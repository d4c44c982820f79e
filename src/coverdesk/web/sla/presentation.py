"""How a clock is shown: its mark, and the time left (or overdue) in the terms of its unit,
e.g. "1 working day 3 h left" or "overdue 2 h". Display only: the measures come from the
sla worklists' `clock_time` (the calendar taken from the row already loaded: no query per
row); only the time past a deadline is measured here, for the words."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from coverdesk.sla.engine import Unit, measure_between
from coverdesk.sla.models import CalendarVersion, SlaClock
from coverdesk.sla.selectors.calendars import calendar_compiled_for
from coverdesk.sla.selectors.worklists import MARK_NAMES, clock_time
from coverdesk.sla.transitions import ClockState

DAY = 86_400
HOUR = 3_600
MINUTE = 60


def working_day_seconds(version: CalendarVersion) -> int:
    """The length of a usual working day of a calendar version (7.5 h on cn-mainland): the
    commonest non-empty day of its week. A day of an always-open calendar is 24 h."""
    if version.calendar.always_open:
        return DAY
    lengths = []
    for windows in version.weekly_windows:
        total = 0
        for start, end in windows:
            total += _clock_seconds(end) - _clock_seconds(start)
        if total > 0:
            lengths.append(total)
    if not lengths:
        return DAY
    return Counter(lengths).most_common(1)[0][0]


def _clock_seconds(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * HOUR + int(minutes) * MINUTE


def duration_text(seconds: int, unit: str, *, day_seconds: int) -> str:
    """A measure in the words of its unit, at most two parts: "2 working days 3 h",
    "1 day 4 h", "3 h 20 min", "45 min"."""
    seconds = max(0, seconds)
    unit = Unit(unit)
    if unit is Unit.WORKING_DAYS and seconds >= day_seconds:
        days, rest = divmod(seconds, day_seconds)
        text = ngettext("%(count)d working day", "%(count)d working days", days) % {"count": days}
        hours = rest // HOUR
        return f"{text} {_hours(hours)}" if hours else text
    if unit is Unit.NATURAL_DAYS and seconds >= DAY:
        days, rest = divmod(seconds, DAY)
        text = ngettext("%(count)d day", "%(count)d days", days) % {"count": days}
        hours = rest // HOUR
        return f"{text} {_hours(hours)}" if hours else text
    hours, rest = divmod(seconds, HOUR)
    minutes = rest // MINUTE
    if hours and minutes:
        return f"{_hours(hours)} {_minutes(minutes)}"
    if hours:
        return _hours(hours)
    if minutes:
        return _minutes(minutes)
    return _("under a minute")


def _hours(count: int) -> str:
    return _("%(count)d h") % {"count": count}


def _minutes(count: int) -> str:
    return _("%(count)d min") % {"count": count}


@dataclass(frozen=True)
class ClockView:
    clock: SlaClock
    mark: str  # green | yellow | red
    overdue: bool
    time_text: str  # "1 working day 3 h left", "overdue 2 h"
    share_percent: int  # share of the allowed time used, in whole per cent
    pause_reason: str


def clock_view(clock: SlaClock, *, now: datetime) -> ClockView:
    """A clock as a row: the clock comes from the worklist queries (mark annotated, standard
    and calendar version loaded, so the compiled calendar needs no query)."""
    time = clock_time(clock, now=now)
    unit = clock.standard_version.unit
    day_seconds = working_day_seconds(clock.calendar_version)
    if time.late:
        if clock.state == ClockState.RUNNING:
            cal = calendar_compiled_for(version=clock.calendar_version)
            past = measure_between(cal, unit=unit, start=clock.due_at, end=now)
        else:
            past = time.used - clock.allowed
        if past < MINUTE:
            # Past the deadline with no counted time since (a night, a weekend, a pause).
            text = _("overdue")
        else:
            text = _("overdue %(time)s") % {
                "time": duration_text(past, unit, day_seconds=day_seconds)
            }
    else:
        text = _("%(time)s left") % {
            "time": duration_text(time.remaining, unit, day_seconds=day_seconds)
        }
    rank = getattr(clock, "mark_rank", None)
    return ClockView(
        clock=clock,
        mark=MARK_NAMES.get(rank, "green") if rank is not None else "green",
        overdue=time.late,
        time_text=text,
        share_percent=int(time.share * 100),
        pause_reason=getattr(clock, "pause_reason", None) or "",
    )


def target_text(amount: int, unit: str) -> str:
    """What a standard demands, e.g. "3 working days", "30 natural minutes"."""
    forms = {
        Unit.NATURAL_MINUTES: lambda n: ngettext(
            "%(count)d natural minute", "%(count)d natural minutes", n
        ),
        Unit.NATURAL_HOURS: lambda n: ngettext(
            "%(count)d natural hour", "%(count)d natural hours", n
        ),
        Unit.BUSINESS_MINUTES: lambda n: ngettext(
            "%(count)d business minute", "%(count)d business minutes", n
        ),
        Unit.BUSINESS_HOURS: lambda n: ngettext(
            "%(count)d business hour", "%(count)d business hours", n
        ),
        Unit.WORKING_DAYS: lambda n: ngettext("%(count)d working day", "%(count)d working days", n),
        Unit.NATURAL_DAYS: lambda n: ngettext("%(count)d natural day", "%(count)d natural days", n),
    }
    return str(forms[Unit(unit)](amount) % {"count": amount})
