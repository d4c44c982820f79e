"""`coverdesk calendar import|show|list`: business calendars from the command line.

    coverdesk calendar import notice-2027.csv --calendar cn-mainland --published-through 2027-12-31
    coverdesk calendar show --calendar cn-mainland --year 2026

Import files are CSV (`date,kind[,windows[,note]]`) or YAML (a list of {date, kind, windows,
note}); every line is checked first and nothing is imported unless all are valid. Bad input
exits with status 2, each problem on its own line naming the file's line.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from coverdesk.accounts.models import User
from coverdesk.core.exceptions import ApplicationError
from coverdesk.sla.selectors.calendars import (
    CalendarNotFound,
    calendar_days,
    calendar_get,
    calendar_list,
    calendar_versions,
)
from coverdesk.sla.services.calendars import calendar_import, calendar_import_parse

BAD_INPUT = 2
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _windows_text(windows: list[list[str]]) -> str:
    return " ".join(f"{a}-{b}" for a, b in windows) or "closed"


class Command(BaseCommand):
    help = "Business calendars: import day overrides from a file, show a year, list calendars."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        importing = sub.add_parser("import", help="Import day overrides (CSV or YAML).")
        importing.add_argument("file", help="path of a .csv, .yaml or .yml file")
        importing.add_argument("--calendar", required=True, help="calendar code")
        importing.add_argument("--format", choices=["csv", "yaml"], help="default: by extension")
        importing.add_argument(
            "--published-through", help="YYYY-MM-DD: the notice is complete up to this day"
        )
        importing.add_argument("--note", default="", help="note for the new version")
        importing.add_argument("--user", help="username recorded as the author (default: none)")
        show = sub.add_parser("show", help="Show a calendar version and its day overrides.")
        show.add_argument("--calendar", required=True, help="calendar code")
        show.add_argument("--year", type=int, help="only this year's overrides")
        show.add_argument("--version", type=int, help="version number (default: current)")
        sub.add_parser("list", help="List the calendars.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            {"import": self._import, "show": self._show, "list": self._list}[options["action"]](
                options
            )
        except CalendarNotFound as exc:
            raise CommandError(f"--calendar: {exc.message}", returncode=BAD_INPUT) from exc
        except ApplicationError as exc:
            for problem in exc.fields:
                self.stderr.write(f"{problem.field}: {problem.message}")
            raise CommandError(exc.message, returncode=BAD_INPUT) from exc

    def _import(self, options: dict[str, Any]) -> None:
        path = Path(options["file"])
        file_format = options["format"] or {".csv": "csv", ".yaml": "yaml", ".yml": "yaml"}.get(
            path.suffix.lower()
        )
        if file_format is None:
            raise CommandError(
                "--format: say csv or yaml (the file name does not tell)", returncode=BAD_INPUT
            )
        try:
            content = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"file: cannot read {path}: {exc}", returncode=BAD_INPUT) from exc
        published_through = None
        if options["published_through"]:
            try:
                published_through = date.fromisoformat(options["published_through"])
            except ValueError:
                raise CommandError(
                    "--published-through: not a date (YYYY-MM-DD)", returncode=BAD_INPUT
                ) from None
        user = None
        if options["user"]:
            user = User.objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"--user: no user {options['user']!r}", returncode=BAD_INPUT)
        rows = calendar_import_parse(content=content, file_format=file_format)
        before = calendar_get(code=options["calendar"]).current_version
        version = calendar_import(
            calendar_code=options["calendar"],
            rows=rows,
            acting_user=user,
            published_through=published_through,
            note=options["note"],
        )
        if before is not None and version.pk == before.pk:
            self.stdout.write(f"{options['calendar']}: nothing changed (version {version.number})")
        else:
            self.stdout.write(
                f"{options['calendar']}: imported {len(rows)} days as version {version.number},"
                f" published through {version.published_through.isoformat()}"
            )

    def _show(self, options: dict[str, Any]) -> None:
        calendar = calendar_get(code=options["calendar"])
        if options["version"] is None:
            version = calendar.current_version
        else:
            version = (
                calendar_versions(code=calendar.code).filter(number=options["version"]).first()
            )
        if version is None:
            raise CommandError(
                f"--version: {calendar.code} has no such version", returncode=BAD_INPUT
            )
        self.stdout.write(
            f"{calendar.code} version {version.number} ({version.timezone}),"
            f" published through {version.published_through.isoformat()}"
            + (", always open" if calendar.always_open else "")
        )
        for name, windows in zip(WEEKDAYS, version.weekly_windows, strict=True):
            self.stdout.write(f"  {name} {_windows_text(windows)}")
        for day in calendar_days(version_id=version.pk, year=options["year"]):
            windows = f" {_windows_text(day.windows)}" if day.windows else ""
            note = f"  {day.note}" if day.note else ""
            self.stdout.write(
                f"{day.date.isoformat()} {WEEKDAYS[day.date.weekday()]} {day.kind}{windows}{note}"
            )

    def _list(self, options: dict[str, Any]) -> None:
        for calendar in calendar_list():
            version = calendar.current_version
            state = (
                f"version {version.number}, published through {version.published_through}"
                if version
                else "no version"
            )
            self.stdout.write(f"{calendar.code}  {calendar.name_en}  {calendar.timezone}  {state}")
