"""Reads of business calendars, and the compiled (arithmetic-ready) form of a version.

A version never changes, so its compiled table is cached per process, keyed by the version's
uid (ids can come back after a rolled-back transaction on SQLite; uids cannot)."""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict
from datetime import date, datetime

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from coverdesk.core.exceptions import NotFound, ValidationFailed
from coverdesk.sla.engine import (
    LIMIT_FIRST_DAY,
    LIMIT_LAST_DAY,
    CalendarRangeError,
    CalendarSpec,
    CompiledCalendar,
    DayKind,
    Deadline,
    Unit,
    Window,
    business_seconds_between,
    calendar_compile,
    deadline_compute,
    window_parse,
)
from coverdesk.sla.models import Calendar, CalendarDay, CalendarVersion

__all__ = [
    "CalendarNotFound",
    "calendar_compiled",
    "calendar_compiled_for",
    "calendar_days",
    "calendar_deadline",
    "calendar_elapsed",
    "calendar_get",
    "calendar_list",
    "calendar_spec",
    "calendar_version_current",
    "calendar_version_get",
    "calendar_versions",
    "windows_from_json",
]

# Years compiled up front around published_through; the table grows on demand beyond them.
COMPILE_YEARS_BEFORE = 2
COMPILE_YEARS_AFTER = 2
CACHE_SIZE = 64


class CalendarNotFound(NotFound):
    default_code = "calendar_not_found"
    default_message = _("No such business calendar.")


def calendar_get(*, code: str) -> Calendar:
    try:
        return Calendar.objects.select_related("current_version").get(code=code)
    except Calendar.DoesNotExist:
        raise CalendarNotFound(
            _("No business calendar has the code {code}."), params={"code": code}
        ) from None


def calendar_list() -> QuerySet[Calendar]:
    return Calendar.objects.select_related("current_version").order_by("code")


def calendar_version_current(*, code: str) -> CalendarVersion:
    calendar = calendar_get(code=code)
    version = calendar.current_version
    if version is None:
        raise CalendarNotFound(
            _("The business calendar {code} has no version yet."), params={"code": code}
        )
    version.calendar = calendar
    return version


def calendar_version_get(*, version_id: int) -> CalendarVersion:
    try:
        return CalendarVersion.objects.select_related("calendar").get(pk=version_id)
    except CalendarVersion.DoesNotExist:
        raise CalendarNotFound(
            _("No calendar version has the id {id}."), params={"id": version_id}
        ) from None


def calendar_versions(*, code: str) -> QuerySet[CalendarVersion]:
    """Every version of a calendar, newest first."""
    calendar = calendar_get(code=code)
    return calendar.versions.select_related("created_by").order_by("-number")


def calendar_days(*, version_id: int, year: int | None = None) -> QuerySet[CalendarDay]:
    """The day overrides of a version, by date; of one year when given."""
    days = CalendarDay.objects.filter(version_id=version_id).order_by("date")
    if year is not None:
        days = days.filter(date__year=year)
    return days


def windows_from_json(value: object) -> tuple[Window, ...]:
    """Stored windows ([["08:30", "12:00"], ...]) as engine windows."""
    if not isinstance(value, list):
        raise ValueError("windows are stored as a list of [start, end] pairs")
    return tuple(window_parse(item) for item in value)


def calendar_spec(*, version: CalendarVersion) -> CalendarSpec:
    """What a version says, as the engine's plain data."""
    overrides = {
        day.date: (DayKind(day.kind), windows_from_json(day.windows))
        for day in CalendarDay.objects.filter(version=version).only("date", "kind", "windows")
    }
    return CalendarSpec(
        timezone=version.timezone,
        weekly_windows=tuple(windows_from_json(day) for day in version.weekly_windows),
        overrides=overrides,
        published_through=version.published_through,
        always_open=version.calendar.always_open,
    )


_cache: OrderedDict[uuid.UUID, CompiledCalendar] = OrderedDict()
_cache_lock = threading.Lock()


def calendar_compiled_for(*, version: CalendarVersion) -> CompiledCalendar:
    """The compiled form of a version (compiled once per process, then cached)."""
    with _cache_lock:
        compiled = _cache.get(version.uid)
        if compiled is not None:
            _cache.move_to_end(version.uid)
            return compiled
    year = version.published_through.year
    first_day = max(LIMIT_FIRST_DAY, date(max(year - COMPILE_YEARS_BEFORE, 1901), 1, 1))
    last_day = min(LIMIT_LAST_DAY, date(min(year + COMPILE_YEARS_AFTER, 2199), 12, 31))
    compiled = calendar_compile(
        calendar_spec(version=version), first_day=first_day, last_day=last_day
    )
    with _cache_lock:
        _cache[version.uid] = compiled
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return compiled


def calendar_compiled(*, version_id: int) -> CompiledCalendar:
    """The compiled form of a version, by id. One small query checks which content the id
    names; the table itself comes from the cache."""
    uid = CalendarVersion.objects.filter(pk=version_id).values_list("uid", flat=True).first()
    if uid is None:
        raise CalendarNotFound(_("No calendar version has the id {id}."), params={"id": version_id})
    with _cache_lock:
        compiled = _cache.get(uid)
        if compiled is not None:
            _cache.move_to_end(uid)
            return compiled
    return calendar_compiled_for(version=calendar_version_get(version_id=version_id))


def _aware(value: datetime, field: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValidationFailed.for_field(
            field,
            "offset_required",
            _("A time with its UTC offset, e.g. 2026-02-13T15:00:00+08:00."),
        )


def calendar_deadline(*, code: str, start: datetime, amount: int, unit: Unit | str) -> Deadline:
    """The deadline on a calendar's current version (for the command line and the API)."""
    _aware(start, "start")
    try:
        unit = Unit(unit)
    except ValueError:
        raise ValidationFailed.for_field(
            "unit",
            "choice",
            _("Unknown unit {value}; one of: {units}."),
            value=unit,
            units=", ".join(u.value for u in Unit),
        ) from None
    if amount < 0:
        raise ValidationFailed.for_field("amount", "min", _("The amount must not be negative."))
    compiled = calendar_compiled_for(version=calendar_version_current(code=code))
    try:
        return deadline_compute(compiled, start=start, amount=amount, unit=unit)
    except CalendarRangeError as exc:
        raise ValidationFailed.for_field("start", "range", str(exc)) from None


def calendar_elapsed(*, code: str, start: datetime, end: datetime) -> int:
    """Business seconds from start to end on a calendar's current version."""
    _aware(start, "start")
    _aware(end, "end")
    if end < start:
        raise ValidationFailed.for_field("end", "order", _("The end is before the start."))
    compiled = calendar_compiled_for(version=calendar_version_current(code=code))
    try:
        return business_seconds_between(compiled, start, end)
    except CalendarRangeError as exc:
        raise ValidationFailed.for_field("start", "range", str(exc)) from None
