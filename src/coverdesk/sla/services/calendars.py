"""Calendar edits. Each one makes a new immutable version (a copy of the previous one with the
change), makes it current, and writes its audit entry, in one transaction. Running clocks are
re-planned onto the new version by the sla re-plan job, not here.

Imports (`calendar_import`) are all-or-nothing: every row is checked first, and one bad row
stops the import with an error per bad field named "line N: field"."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import yaml
from django.db import transaction
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from coverdesk.accounts.models import User
from coverdesk.audit.services import audit_record
from coverdesk.core import clock
from coverdesk.core.exceptions import FieldError, ValidationFailed
from coverdesk.sla.engine import (
    LIMIT_FIRST_DAY,
    LIMIT_LAST_DAY,
    DayKind,
    Window,
    window_format,
    window_parse,
    windows_problems,
)
from coverdesk.sla.models import Calendar, CalendarDay, CalendarVersion
from coverdesk.sla.selectors.calendars import CalendarNotFound, calendar_get, windows_from_json

__all__ = [
    "CalendarImportRow",
    "calendar_day_remove",
    "calendar_day_set",
    "calendar_import",
    "calendar_import_parse",
    "calendar_published_through_set",
    "calendar_weekly_windows_set",
]

IMPORT_FORMATS = ("csv", "yaml")
NOTE_LIMIT = 200


@dataclass(frozen=True)
class CalendarImportRow:
    """One row of an import as read from the file: raw values, checked by calendar_import."""

    line: int
    date: Any
    kind: Any
    windows: Any = None
    note: Any = ""


@dataclass(frozen=True)
class _Day:
    kind: DayKind
    windows: tuple[Window, ...]
    note: str

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": str(self.kind),
            "windows": [window_format(w) for w in self.windows],
            "note": self.note,
        }


# Checks -------------------------------------------------------------------------------------


def _locked_calendar(calendar_code: str) -> Calendar:
    calendar = calendar_get(code=calendar_code)
    # The row lock serialises edits of one calendar, so version numbers never collide. No join
    # here: after waiting for the lock, PostgreSQL re-reads the locked row but not a joined one,
    # so the current version is read by its own query, after the lock.
    return Calendar.objects.select_for_update().get(pk=calendar.pk)


def _current_version(calendar: Calendar) -> CalendarVersion:
    version = calendar.current_version
    if version is None:
        raise CalendarNotFound(
            _("The business calendar {code} has no version yet."), params={"code": calendar.code}
        )
    return version


def _editable_days(calendar: Calendar, field: str) -> None:
    if calendar.always_open:
        raise ValidationFailed.for_field(
            field,
            "always_open",
            _("The calendar {code} is always open: it has no working windows or day overrides."),
            code=calendar.code,
        )


def _day_problem(
    version: CalendarVersion, day: date, kind: DayKind, windows: Sequence[Window]
) -> tuple[str, str, str] | None:
    """(field, rule, message) of what is wrong with this override, or None."""
    if not LIMIT_FIRST_DAY <= day <= LIMIT_LAST_DAY:
        return (
            "date",
            "range",
            _g("Dates from {first} to {last} only.").format(
                first=LIMIT_FIRST_DAY, last=LIMIT_LAST_DAY
            ),
        )
    problems = windows_problems(windows)
    if problems:
        return "windows", "invalid", "; ".join(problems)
    if kind in (DayKind.HOLIDAY, DayKind.CLOSURE) and windows:
        return "windows", "not_allowed", _g("A holiday or closure has no working windows.")
    if kind is DayKind.CUSTOM_HOURS and not windows:
        return "windows", "required", _g("Custom hours need at least one window.")
    if kind is DayKind.ADJUSTED_WORKING_DAY and version.weekly_windows[day.weekday()]:
        return (
            "kind",
            "already_working",
            _g(
                "{day} is a working day in the weekly pattern already; remove the override"
                " instead, or give it custom hours."
            ).format(day=day.isoformat()),
        )
    return None


def _kind(value: Any) -> DayKind:
    try:
        return DayKind(str(value).strip())
    except ValueError:
        raise ValueError(
            _g("Unknown kind {value}; one of: {kinds}.").format(
                value=value, kinds=", ".join(k.value for k in DayKind)
            )
        ) from None


def _date(value: Any) -> date:
    if isinstance(value, datetime):
        raise ValueError(_g("A date (YYYY-MM-DD), not a date and time."))
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValueError(_g("Not a date (YYYY-MM-DD): {value}.").format(value=value)) from None


def _windows(value: Any) -> tuple[Window, ...]:
    """Windows from "08:30-12:00 13:30-17:30" (spaces or ; between them) or from a list of
    "08:30-12:00" strings or ["08:30", "12:00"] pairs."""
    if value is None or value == "":
        return ()
    items: list[Any]
    if isinstance(value, str):
        items = value.replace(";", " ").split()
    elif isinstance(value, list | tuple):
        items = list(value)
    else:
        raise ValueError(_g("Windows look like 08:30-12:00 13:30-17:30."))
    try:
        return tuple(sorted(window_parse(item) for item in items))
    except (TypeError, ValueError):
        raise ValueError(_g("Windows look like 08:30-12:00 13:30-17:30.")) from None


# Versions ------------------------------------------------------------------------------------


def _current_days(version: CalendarVersion) -> dict[date, _Day]:
    return {
        row.date: _Day(DayKind(row.kind), windows_from_json(row.windows), row.note)
        for row in CalendarDay.objects.filter(version=version)
    }


def _version_create(
    calendar: Calendar,
    *,
    days: Mapping[date, _Day],
    weekly_windows: list[list[list[str]]] | None = None,
    published_through: date | None = None,
    note: str,
    acting_user: User | None,
    now: datetime,
) -> CalendarVersion:
    previous = _current_version(calendar)
    version = CalendarVersion.objects.create(
        calendar=calendar,
        number=previous.number + 1,
        timezone=previous.timezone,
        weekly_windows=weekly_windows if weekly_windows is not None else previous.weekly_windows,
        published_through=published_through or previous.published_through,
        note=note[:300],
        created_by=acting_user,
        created_at=now,
    )
    CalendarDay.objects.bulk_create(
        CalendarDay(
            version=version,
            date=day,
            kind=str(entry.kind),
            windows=[window_format(w) for w in entry.windows],
            note=entry.note,
        )
        for day, entry in sorted(days.items())
    )
    calendar.current_version = version
    calendar.save(update_fields=["current_version", "updated_at"])
    return version


def _version_summary(version: CalendarVersion) -> dict[str, Any]:
    return {
        "version": version.number,
        "published_through": version.published_through.isoformat(),
    }


# Services ------------------------------------------------------------------------------------


@transaction.atomic
def calendar_day_set(
    *,
    calendar_code: str,
    day: date,
    kind: DayKind | str,
    windows: Sequence[Window] = (),
    note: str = "",
    acting_user: User | None,
    now: datetime | None = None,
) -> CalendarVersion:
    """Make `day` a holiday, an adjusted working day, a day with custom hours or a closure.
    Returns the new current version (the current one unchanged when nothing changes)."""
    now = now or clock.now()
    calendar = _locked_calendar(calendar_code)
    _editable_days(calendar, "kind")
    try:
        kind = DayKind(kind)
    except ValueError:
        raise ValidationFailed.for_field(
            "kind", "choice", _("Unknown kind {value}."), value=kind
        ) from None
    if len(note) > NOTE_LIMIT:
        raise ValidationFailed.for_field(
            "note", "max_length", _("At most {limit} characters."), limit=NOTE_LIMIT
        )
    windows = tuple(sorted(windows))
    version = _current_version(calendar)
    problem = _day_problem(version, day, kind, windows)
    if problem:
        raise ValidationFailed.for_field(*problem)
    days = _current_days(version)
    entry = _Day(kind, windows, note.strip())
    before = days.get(day)
    if before == entry:
        return version
    days[day] = entry
    new = _version_create(
        calendar,
        days=days,
        note=f"{day.isoformat()}: {kind}",
        acting_user=acting_user,
        now=now,
    )
    audit_record(
        action="sla.calendar.day_set",
        actor=acting_user,
        subject=calendar,
        before={
            "version": version.number,
            "date": day,
            "day": before.as_json() if before else None,
        },
        after={"version": new.number, "date": day, "day": entry.as_json()},
        now=now,
    )
    return new


@transaction.atomic
def calendar_day_remove(
    *,
    calendar_code: str,
    day: date,
    acting_user: User | None,
    now: datetime | None = None,
) -> CalendarVersion:
    """Drop the override of `day`: it follows the weekly pattern again."""
    now = now or clock.now()
    calendar = _locked_calendar(calendar_code)
    _editable_days(calendar, "date")
    version = _current_version(calendar)
    days = _current_days(version)
    before = days.pop(day, None)
    if before is None:
        raise ValidationFailed.for_field(
            "date", "no_override", _("{day} has no override to remove."), day=day.isoformat()
        )
    new = _version_create(
        calendar,
        days=days,
        note=f"{day.isoformat()}: weekly pattern",
        acting_user=acting_user,
        now=now,
    )
    audit_record(
        action="sla.calendar.day_remove",
        actor=acting_user,
        subject=calendar,
        before={"version": version.number, "date": day, "day": before.as_json()},
        after={"version": new.number, "date": day, "day": None},
        now=now,
    )
    return new


@transaction.atomic
def calendar_weekly_windows_set(
    *,
    calendar_code: str,
    weekly_windows: Sequence[Sequence[Window]],
    acting_user: User | None,
    now: datetime | None = None,
) -> CalendarVersion:
    """Replace the working windows of the week (seven entries, Monday first)."""
    now = now or clock.now()
    calendar = _locked_calendar(calendar_code)
    _editable_days(calendar, "weekly_windows")
    if len(weekly_windows) != 7:
        raise ValidationFailed.for_field(
            "weekly_windows", "seven_days", _("Seven days of windows, Monday first.")
        )
    fields = []
    for weekday, windows in enumerate(weekly_windows):
        problems = windows_problems(sorted(windows))
        if problems:
            fields.append(FieldError(f"weekly_windows.{weekday}", "invalid", "; ".join(problems)))
    if not any(weekly_windows):
        fields.append(
            FieldError("weekly_windows", "empty", _g("The week needs at least one working window."))
        )
    if fields:
        raise ValidationFailed(fields=fields)
    stored = [[window_format(w) for w in sorted(windows)] for windows in weekly_windows]
    version = _current_version(calendar)
    if stored == version.weekly_windows:
        return version
    new = _version_create(
        calendar,
        days=_current_days(version),
        weekly_windows=stored,
        note="weekly windows",
        acting_user=acting_user,
        now=now,
    )
    audit_record(
        action="sla.calendar.weekly_windows_set",
        actor=acting_user,
        subject=calendar,
        before={"version": version.number, "weekly_windows": version.weekly_windows},
        after={"version": new.number, "weekly_windows": stored},
        now=now,
    )
    return new


@transaction.atomic
def calendar_published_through_set(
    *,
    calendar_code: str,
    published_through: date,
    acting_user: User | None,
    now: datetime | None = None,
) -> CalendarVersion:
    """Declare the official notice entered up to `published_through`: deadlines up to its end
    stop being provisional."""
    now = now or clock.now()
    calendar = _locked_calendar(calendar_code)
    _editable_days(calendar, "published_through")
    if not LIMIT_FIRST_DAY <= published_through <= LIMIT_LAST_DAY:
        raise ValidationFailed.for_field(
            "published_through",
            "range",
            _("Dates from {first} to {last} only."),
            first=LIMIT_FIRST_DAY,
            last=LIMIT_LAST_DAY,
        )
    version = _current_version(calendar)
    if published_through == version.published_through:
        return version
    new = _version_create(
        calendar,
        days=_current_days(version),
        published_through=published_through,
        note=f"published through {published_through.isoformat()}",
        acting_user=acting_user,
        now=now,
    )
    audit_record(
        action="sla.calendar.published_through_set",
        actor=acting_user,
        subject=calendar,
        before=_version_summary(version),
        after=_version_summary(new),
        now=now,
    )
    return new


def _row(raw: CalendarImportRow | Mapping[str, Any], index: int) -> CalendarImportRow:
    if isinstance(raw, CalendarImportRow):
        return raw
    return CalendarImportRow(
        line=int(raw.get("line", index + 1)),
        date=raw.get("date"),
        kind=raw.get("kind"),
        windows=raw.get("windows"),
        note=raw.get("note") or "",
    )


@transaction.atomic
def calendar_import(
    *,
    calendar_code: str,
    rows: Sequence[CalendarImportRow | Mapping[str, Any]],
    acting_user: User | None,
    published_through: date | None = None,
    note: str = "",
    now: datetime | None = None,
) -> CalendarVersion:
    """Set many day overrides at once (e.g. next year's State Council notice), and optionally
    published_through, as one new version. Nothing is imported unless every row is valid; the
    error names each bad field as "line N: field"."""
    now = now or clock.now()
    calendar = _locked_calendar(calendar_code)
    _editable_days(calendar, "calendar")
    version = _current_version(calendar)
    fields: list[FieldError] = []
    parsed: dict[date, _Day] = {}
    seen: dict[date, int] = {}
    if not rows:
        fields.append(FieldError("rows", "required", _g("The file has no rows.")))
    for index, raw in enumerate(rows):
        row = _row(raw, index)
        prefix = f"line {row.line}"
        try:
            day = _date(row.date)
        except ValueError as exc:
            fields.append(FieldError(f"{prefix}: date", "invalid", str(exc)))
            day = None
        try:
            kind = _kind(row.kind)
        except ValueError as exc:
            fields.append(FieldError(f"{prefix}: kind", "invalid", str(exc)))
            kind = None
        try:
            windows = _windows(row.windows)
        except ValueError as exc:
            fields.append(FieldError(f"{prefix}: windows", "invalid", str(exc)))
            windows = None
        row_note = str(row.note or "").strip()
        if len(row_note) > NOTE_LIMIT:
            fields.append(
                FieldError(
                    f"{prefix}: note",
                    "max_length",
                    _g("At most {limit} characters.").format(limit=NOTE_LIMIT),
                )
            )
        if day is None or kind is None or windows is None:
            continue
        if day in seen:
            fields.append(
                FieldError(
                    f"{prefix}: date",
                    "duplicate",
                    _g("{day} is already on line {line}.").format(
                        day=day.isoformat(), line=seen[day]
                    ),
                )
            )
            continue
        seen[day] = row.line
        problem = _day_problem(version, day, kind, windows)
        if problem:
            field, rule, message = problem
            fields.append(FieldError(f"{prefix}: {field}", rule, message))
            continue
        parsed[day] = _Day(kind, windows, row_note)
    if published_through is not None and not LIMIT_FIRST_DAY <= published_through <= LIMIT_LAST_DAY:
        fields.append(
            FieldError(
                "published_through",
                "range",
                _g("Dates from {first} to {last} only.").format(
                    first=LIMIT_FIRST_DAY, last=LIMIT_LAST_DAY
                ),
            )
        )
    if fields:
        raise ValidationFailed(
            _("{count} problems in the import; nothing was imported."),
            params={"count": len(fields)},
            fields=fields,
        )
    days = _current_days(version)
    changed = {day: entry for day, entry in parsed.items() if days.get(day) != entry}
    new_published = published_through or version.published_through
    if not changed and new_published == version.published_through:
        return version
    days.update(changed)
    new = _version_create(
        calendar,
        days=days,
        published_through=new_published,
        note=note or f"import of {len(parsed)} days",
        acting_user=acting_user,
        now=now,
    )
    audit_record(
        action="sla.calendar.import",
        actor=acting_user,
        subject=calendar,
        before=_version_summary(version),
        after={
            **_version_summary(new),
            "rows": len(parsed),
            "changed": len(changed),
            "first_date": min(parsed).isoformat() if parsed else None,
            "last_date": max(parsed).isoformat() if parsed else None,
        },
        now=now,
    )
    return new


# Files ---------------------------------------------------------------------------------------


def calendar_import_parse(*, content: str, file_format: str) -> list[CalendarImportRow]:
    """Rows of a CSV (`date,kind[,windows[,note]]`, optional header, # comments) or YAML (a list
    of mappings with date, kind and optional windows and note) file, with their line numbers.
    Values are checked by calendar_import; here only the file's shape."""
    if file_format == "csv":
        return _csv_rows(content)
    if file_format == "yaml":
        return _yaml_rows(content)
    raise ValidationFailed.for_field(
        "format", "choice", _("The format is csv or yaml, not {value}."), value=file_format
    )


def _csv_rows(content: str) -> list[CalendarImportRow]:
    rows: list[CalendarImportRow] = []
    fields: list[FieldError] = []
    reader = csv.reader(io.StringIO(content))
    first = True
    try:
        for cells in reader:
            line = reader.line_num
            values = [cell.strip() for cell in cells]
            if not any(values) or values[0].startswith("#"):
                continue
            if first and values[0].lower() == "date":
                first = False
                continue
            first = False
            if len(values) < 2 or len(values) > 4:
                fields.append(
                    FieldError(
                        f"line {line}", "columns", _g("Expected date,kind[,windows[,note]].")
                    )
                )
                continue
            values += [""] * (4 - len(values))
            rows.append(CalendarImportRow(line, values[0], values[1], values[2], values[3]))
    except csv.Error as exc:
        fields.append(FieldError(f"line {reader.line_num}", "syntax", str(exc)))
    if fields:
        raise ValidationFailed(
            _("{count} problems in the import; nothing was imported."),
            params={"count": len(fields)},
            fields=fields,
        )
    return rows


def _yaml_rows(content: str) -> list[CalendarImportRow]:
    def failed(line: int, message: str) -> ValidationFailed:
        return ValidationFailed(
            _("{count} problems in the import; nothing was imported."),
            params={"count": 1},
            fields=[FieldError(f"line {line}", "syntax", message)],
        )

    try:
        # compose keeps each node's line; construct gives the values (dates as dates).
        root = yaml.compose(content, Loader=yaml.SafeLoader)
        data = yaml.safe_load(content)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise failed(mark.line + 1 if mark else 1, str(exc.problem or exc)) from None
    except yaml.YAMLError as exc:
        raise failed(1, str(exc)) from None
    if root is None:
        return []
    if not isinstance(root, yaml.SequenceNode) or not isinstance(data, list):
        raise failed(1, _g("The file is a list of days (- date: …, kind: …)."))
    rows: list[CalendarImportRow] = []
    fields: list[FieldError] = []
    for node, item in zip(root.value, data, strict=True):
        line = node.start_mark.line + 1
        if not isinstance(item, dict) or set(item) - {"date", "kind", "windows", "note"}:
            fields.append(
                FieldError(
                    f"line {line}",
                    "shape",
                    _g("Each day is a mapping of date, kind and optional windows and note."),
                )
            )
            continue
        rows.append(
            CalendarImportRow(
                line,
                item.get("date"),
                item.get("kind"),
                item.get("windows"),
                item.get("note") or "",
            )
        )
    if fields:
        raise ValidationFailed(
            _("{count} problems in the import; nothing was imported."),
            params={"count": len(fields)},
            fields=fields,
        )
    return rows
