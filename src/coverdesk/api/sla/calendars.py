"""Business calendars: read, the day overrides of a year, versions, edits (each a new version)
and imports; deadline computation on a calendar."""

from datetime import date, datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Field, Router, Schema
from ninja.pagination import PageNumberPagination, paginate
from pydantic import AwareDatetime

from coverdesk.api.auth import API_AUTH, require_permission
from coverdesk.api.sla.common import TAGS, MappedPage
from coverdesk.core import clock as core_clock
from coverdesk.core.exceptions import FieldError, ValidationFailed
from coverdesk.sla.choices import DayKindChoices, UnitChoices
from coverdesk.sla.engine import Window, window_parse
from coverdesk.sla.models import Calendar, CalendarVersion
from coverdesk.sla.selectors.calendars import (
    CalendarNotFound,
    calendar_days,
    calendar_deadline,
    calendar_get,
    calendar_list,
    calendar_versions,
)
from coverdesk.sla.services.calendars import (
    CalendarImportRow,
    calendar_day_remove,
    calendar_day_set,
    calendar_import,
    calendar_import_parse,
    calendar_published_through_set,
    calendar_weekly_windows_set,
)

router = Router(tags=TAGS, auth=API_AUTH)

VIEW = "sla.view_calendar"
CHANGE = "sla.change_calendar"


class CalendarOutput(Schema):
    code: str
    name_zh: str
    name_en: str
    timezone: str
    always_open: bool
    version: int | None = Field(description="Number of the current version")
    published_through: date | None


class CalendarVersionOutput(Schema):
    number: int
    published_through: date
    weekly_windows: list[list[list[str]]] = Field(
        description='Seven days, Monday first, each a list of ["HH:MM", "HH:MM"] windows'
    )
    note: str
    created_at: datetime
    created_by: str | None


class CalendarDayOutput(Schema):
    date: date
    kind: str
    windows: list[list[str]]
    note: str


class CalendarDetailOutput(CalendarOutput):
    current_version: CalendarVersionOutput | None
    year: int
    days: list[CalendarDayOutput] = Field(description="Day overrides of the year, by date")


class DaySetInput(Schema):
    kind: DayKindChoices
    windows: list[str] = Field(
        default_factory=list, description='Working windows like "08:30-12:00"'
    )
    note: str = Field("", max_length=200)


class PublishedThroughInput(Schema):
    published_through: date


class WeeklyWindowsInput(Schema):
    weekly_windows: list[list[str]] = Field(
        description='Seven days, Monday first, each a list of windows like "08:30-12:00"'
    )


class ImportRowInput(Schema):
    date: str
    kind: str
    windows: str | list[str] | None = None
    note: str = ""


class CalendarImportInput(Schema):
    format: Literal["csv", "yaml"] | None = Field(None, description="Format of `content`")
    content: str | None = Field(
        None, max_length=1_000_000, description="The file's text (as `coverdesk calendar import`)"
    )
    rows: list[ImportRowInput] | None = Field(None, description="Or the rows as JSON")
    published_through: date | None = None
    note: str = Field("", max_length=300)


class DeadlineInput(Schema):
    calendar: str = Field(min_length=1, max_length=40)
    start: AwareDatetime
    amount: int = Field(ge=0, le=1_000_000)
    unit: UnitChoices


class DeadlineOutput(Schema):
    deadline: datetime
    provisional: bool = Field(description="Beyond the calendar's published_through")


def _calendar_out(calendar: Calendar) -> dict[str, Any]:
    version = calendar.current_version
    return {
        "code": calendar.code,
        "name_zh": calendar.name_zh,
        "name_en": calendar.name_en,
        "timezone": calendar.timezone,
        "always_open": calendar.always_open,
        "version": version.number if version else None,
        "published_through": version.published_through if version else None,
    }


def _version_out(version: CalendarVersion) -> dict[str, Any]:
    return {
        "number": version.number,
        "published_through": version.published_through,
        "weekly_windows": version.weekly_windows,
        "note": version.note,
        "created_at": version.created_at,
        "created_by": version.created_by.get_username() if version.created_by else None,
    }


def _windows(values: list[str], field: str) -> tuple[Window, ...]:
    errors: list[FieldError] = []
    windows: list[Window] = []
    for index, value in enumerate(values):
        try:
            windows.append(window_parse(value))
        except (TypeError, ValueError):
            errors.append(
                FieldError(f"{field}.{index}", "format", _("A window looks like 08:30-12:00."))
            )
    if errors:
        raise ValidationFailed(fields=errors)
    return tuple(windows)


@router.get("/sla/calendars", response=list[CalendarOutput], summary="Business calendars")
def calendars(request: HttpRequest) -> list[dict[str, Any]]:
    require_permission(request, VIEW)
    return [_calendar_out(calendar) for calendar in calendar_list()]


@router.get(
    "/sla/calendars/{code}",
    response=CalendarDetailOutput,
    summary="A calendar: current version and the day overrides of a year",
)
def calendar_detail(request: HttpRequest, code: str, year: int | None = None) -> dict[str, Any]:
    require_permission(request, VIEW)
    calendar = calendar_get(code=code)
    shown_year = year or core_clock.now().astimezone(ZoneInfo(calendar.timezone)).year
    version = calendar.current_version
    days = calendar_days(version_id=version.pk, year=shown_year) if version else []
    return {
        **_calendar_out(calendar),
        "current_version": _version_out(version) if version else None,
        "year": shown_year,
        "days": [
            {"date": d.date, "kind": d.kind, "windows": d.windows, "note": d.note} for d in days
        ],
    }


@router.get(
    "/sla/calendars/{code}/versions",
    response=list[CalendarVersionOutput],
    summary="Versions of a calendar, newest first",
)
@paginate(PageNumberPagination)
def calendar_version_list(request: HttpRequest, code: str) -> MappedPage:
    require_permission(request, VIEW)
    return MappedPage(calendar_versions(code=code), lambda rows: [_version_out(v) for v in rows])


@router.put(
    "/sla/calendars/{code}/days/{day}",
    response=CalendarVersionOutput,
    summary="Set a day override (holiday, adjusted working day, custom hours, closure)",
)
def calendar_day_put(
    request: HttpRequest, code: str, day: date, data: DaySetInput
) -> dict[str, Any]:
    user = require_permission(request, CHANGE)
    version = calendar_day_set(
        calendar_code=code,
        day=day,
        kind=data.kind.value,
        windows=_windows(data.windows, "windows"),
        note=data.note,
        acting_user=user,
    )
    return _version_out(version)


@router.delete(
    "/sla/calendars/{code}/days/{day}",
    response=CalendarVersionOutput,
    summary="Remove a day override",
)
def calendar_day_delete(request: HttpRequest, code: str, day: date) -> dict[str, Any]:
    user = require_permission(request, CHANGE)
    return _version_out(calendar_day_remove(calendar_code=code, day=day, acting_user=user))


@router.put(
    "/sla/calendars/{code}/published-through",
    response=CalendarVersionOutput,
    summary="Change published_through",
)
def calendar_published_through_put(
    request: HttpRequest, code: str, data: PublishedThroughInput
) -> dict[str, Any]:
    user = require_permission(request, CHANGE)
    version = calendar_published_through_set(
        calendar_code=code, published_through=data.published_through, acting_user=user
    )
    return _version_out(version)


@router.put(
    "/sla/calendars/{code}/weekly-windows",
    response=CalendarVersionOutput,
    summary="Change the weekly working windows",
)
def calendar_weekly_windows_put(
    request: HttpRequest, code: str, data: WeeklyWindowsInput
) -> dict[str, Any]:
    user = require_permission(request, CHANGE)
    weekly = [
        _windows(day, f"weekly_windows.{index}") for index, day in enumerate(data.weekly_windows)
    ]
    version = calendar_weekly_windows_set(
        calendar_code=code, weekly_windows=weekly, acting_user=user
    )
    return _version_out(version)


@router.post(
    "/sla/calendars/{code}/import",
    response=CalendarVersionOutput,
    summary="Import day overrides (all or nothing; errors name the line)",
)
def calendar_import_post(
    request: HttpRequest, code: str, data: CalendarImportInput
) -> dict[str, Any]:
    user = require_permission(request, CHANGE)
    if (data.content is None) == (data.rows is None):
        raise ValidationFailed.for_field(
            "content", "one_of", _("Send either the file's content (with its format) or rows.")
        )
    if data.content is not None:
        if data.format is None:
            raise ValidationFailed.for_field(
                "format", "required", _("Say whether the content is csv or yaml.")
            )
        rows = calendar_import_parse(content=data.content, file_format=data.format)
    else:
        rows = [
            CalendarImportRow(index, row.date, row.kind, row.windows, row.note)
            for index, row in enumerate(data.rows or [], start=1)
        ]
    version = calendar_import(
        calendar_code=code,
        rows=rows,
        published_through=data.published_through,
        note=data.note,
        acting_user=user,
    )
    return _version_out(version)


@router.post("/sla/deadline", response=DeadlineOutput, summary="Compute a deadline")
def deadline(request: HttpRequest, data: DeadlineInput) -> dict[str, Any]:
    require_permission(request, VIEW)
    try:
        calendar_get(code=data.calendar)
    except CalendarNotFound:
        raise ValidationFailed.for_field(
            "calendar",
            "unknown",
            _("No business calendar has the code {code}."),
            code=data.calendar,
        ) from None
    result = calendar_deadline(
        code=data.calendar, start=data.start, amount=data.amount, unit=data.unit.value
    )
    return {"deadline": result.at, "provisional": result.provisional}
