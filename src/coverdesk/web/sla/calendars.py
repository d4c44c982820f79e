"""Calendar administration: the calendars, a month of any version (working days, holidays,
adjusted working days, custom hours), day overrides, published_through, file import, and the
version history. Every change goes through the calendar services and makes a new version."""

from __future__ import annotations

import calendar as pycalendar
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django import forms
from django.contrib import messages
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from coverdesk.core.exceptions import ApplicationError
from coverdesk.sla.models import Calendar, CalendarVersion
from coverdesk.sla.selectors.calendars import (
    CalendarNotFound,
    calendar_compiled_for,
    calendar_days,
    calendar_get,
    calendar_list,
    calendar_versions,
)
from coverdesk.sla.services.calendars import (
    calendar_day_remove,
    calendar_day_set,
    calendar_import,
    calendar_import_parse,
    calendar_published_through_set,
)
from coverdesk.web.errors import form_apply_error
from coverdesk.web.http import WebRequest
from coverdesk.web.permissions import can_manage_calendars, can_view_calendars, page_access
from coverdesk.web.sla.forms import (
    CalendarImportForm,
    DayRemoveForm,
    DaySetForm,
    PublishedThroughForm,
    month_value,
)


@dataclass(frozen=True)
class DayCell:
    day: date
    in_month: bool
    working: bool
    kind: str  # override kind, or "" when the day follows the weekly pattern
    windows: str
    note: str
    today: bool


@require_GET
@page_access(can_view_calendars)
def calendar_index(request: WebRequest) -> HttpResponse:
    calendars = calendar_list().annotate(version_count=Count("versions"))
    return render(request, "web/sla/calendars.html", {"calendars": calendars})


def _calendar_or_404(code: str) -> Calendar:
    try:
        return calendar_get(code=code)
    except CalendarNotFound as error:
        raise Http404(error.message) from error


def _month_grid(version: CalendarVersion, month: date) -> list[list[DayCell]]:
    cal = calendar_compiled_for(version=version)
    overrides = {
        row.date: row
        for row in calendar_days(version_id=version.pk).filter(
            date__gte=month - timedelta(days=7), date__lte=month + timedelta(days=42)
        )
    }
    today = timezone.localdate()
    weeks = []
    for week in pycalendar.Calendar(firstweekday=0).monthdatescalendar(month.year, month.month):
        cells = []
        for day in week:
            override = overrides.get(day)
            windows = cal.working_windows(day) if cal.is_working_day(day) else []
            cells.append(
                DayCell(
                    day=day,
                    in_month=day.month == month.month,
                    working=bool(windows),
                    kind=override.kind if override else "",
                    windows=" ".join(
                        f"{start:%H:%M}-{end:%H:%M}".replace("-00:00", "-24:00")
                        for start, end in windows
                    ),
                    note=override.note if override else "",
                    today=day == today,
                )
            )
        weeks.append(cells)
    return weeks


def _detail(
    request: WebRequest, code: str, *, bound: dict[str, forms.Form] | None = None, **extra: Any
) -> HttpResponse:
    calendar = _calendar_or_404(code)
    versions = list(calendar_versions(code=code).annotate(day_count=Count("days")))
    current = calendar.current_version
    wanted = request.GET.get("version")
    version = next((v for v in versions if str(v.number) == wanted), None) or next(
        (v for v in versions if current is not None and v.pk == current.pk), None
    )
    if version is None:
        raise Http404
    version.calendar = calendar
    month = month_value(request.GET.get("month"), today=timezone.localdate())
    picked = request.GET.get("day", "")
    forms_ = {
        "day_form": DaySetForm(initial={"date": picked} if picked else None),
        "remove_form": DayRemoveForm(initial={"date": picked} if picked else None),
        "published_form": PublishedThroughForm(
            initial={"published_through": version.published_through}
        ),
        "import_form": CalendarImportForm(),
    }
    forms_.update(bound or {})
    previous = (month - timedelta(days=1)).replace(day=1)
    following = (month + timedelta(days=32)).replace(day=1)
    context = {
        "calendar": calendar,
        "version": version,
        "is_current": current is not None and version.pk == current.pk,
        "versions": versions,
        "month": month,
        "previous_month": previous.strftime("%Y-%m"),
        "next_month": following.strftime("%Y-%m"),
        "weeks": _month_grid(version, month),
        "weekdays": [_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun")],
        "editable": not calendar.always_open and current is not None and version.pk == current.pk,
        "may_edit": can_manage_calendars(request.user),
        **forms_,
        **extra,
    }
    return render(request, "web/sla/calendar_detail.html", context)


@require_GET
@page_access(can_view_calendars)
def calendar_detail(request: WebRequest, code: str) -> HttpResponse:
    return _detail(request, code)


def _back(code: str, day: date | None = None) -> HttpResponse:
    url = reverse("web:sla_calendar_detail", args=[code])
    if day is not None:
        url += f"?month={day:%Y-%m}"
    return redirect(url)


def _changed(request: WebRequest, before: int | None, after: CalendarVersion) -> None:
    if before is not None and after.pk == before:
        messages.info(request, _("Nothing changed."))
    else:
        messages.success(request, _("Saved as version %(number)d.") % {"number": after.number})


def _current_version_id(code: str) -> int | None:
    calendar = _calendar_or_404(code)
    return calendar.current_version_id


@require_POST
@page_access(can_manage_calendars)
def calendar_day_set_view(request: WebRequest, code: str) -> HttpResponse:
    before = _current_version_id(code)
    form = DaySetForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            version = calendar_day_set(
                calendar_code=code,
                day=data["date"],
                kind=data["kind"],
                windows=data["windows"],
                note=data["note"],
                acting_user=request.user,
            )
        except ApplicationError as error:
            form_apply_error(form, error)
        else:
            _changed(request, before, version)
            return _back(code, data["date"])
    return _detail(request, code, bound={"day_form": form})


@require_POST
@page_access(can_manage_calendars)
def calendar_day_remove_view(request: WebRequest, code: str) -> HttpResponse:
    before = _current_version_id(code)
    form = DayRemoveForm(request.POST)
    if form.is_valid():
        try:
            version = calendar_day_remove(
                calendar_code=code, day=form.cleaned_data["date"], acting_user=request.user
            )
        except ApplicationError as error:
            form_apply_error(form, error)
        else:
            _changed(request, before, version)
            return _back(code, form.cleaned_data["date"])
    return _detail(request, code, bound={"remove_form": form})


@require_POST
@page_access(can_manage_calendars)
def calendar_published_through_view(request: WebRequest, code: str) -> HttpResponse:
    before = _current_version_id(code)
    form = PublishedThroughForm(request.POST)
    if form.is_valid():
        try:
            version = calendar_published_through_set(
                calendar_code=code,
                published_through=form.cleaned_data["published_through"],
                acting_user=request.user,
            )
        except ApplicationError as error:
            form_apply_error(form, error)
        else:
            _changed(request, before, version)
            return _back(code)
    return _detail(request, code, bound={"published_form": form})


@require_POST
@page_access(can_manage_calendars)
def calendar_import_view(request: WebRequest, code: str) -> HttpResponse:
    before = _current_version_id(code)
    form = CalendarImportForm(request.POST, request.FILES)
    problems: list[str] = []
    if form.is_valid():
        try:
            rows = calendar_import_parse(content=form.file_text(), file_format=form.file_format())
            version = calendar_import(
                calendar_code=code,
                rows=rows,
                published_through=form.cleaned_data["published_through"],
                note=form.cleaned_data["note"],
                acting_user=request.user,
            )
        except forms.ValidationError as error:
            form.add_error("file", error)
        except ApplicationError as error:
            form.add_error(None, error.message)
            problems = [f"{item.field}: {item.message}" for item in error.fields]
        else:
            _changed(request, before, version)
            return _back(code)
    return _detail(request, code, bound={"import_form": form}, import_problems=problems)
