"""`coverdesk sla deadline|elapsed`: the timeliness engine from the command line.

    coverdesk sla deadline --calendar cn-mainland --start 2026-02-13T15:00:00+08:00 \\
        --amount 3 --unit working_days
    2026-02-25T17:30:00+08:00

The deadline (ISO 8601 with offset) is the first line; "provisional" follows when it lies
beyond the calendar's published_through. Bad input exits with status 2 and names the argument.
Subcommands are registered in SUBCOMMANDS, so more can be added without touching the others.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from coverdesk.core.exceptions import ApplicationError, NotFound
from coverdesk.sla.engine import Unit
from coverdesk.sla.selectors.calendars import calendar_deadline, calendar_elapsed

BAD_INPUT = 2


def aware_datetime(value: str, argument: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise CommandError(
            f"{argument}: not an ISO 8601 time: {value!r}", returncode=BAD_INPUT
        ) from None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise CommandError(
            f"{argument}: the time needs its UTC offset, e.g. 2026-02-13T15:00:00+08:00",
            returncode=BAD_INPUT,
        )
    return parsed


def bad_input(error: ApplicationError, names: dict[str, str]) -> CommandError:
    """The error as a command failure naming the command-line argument."""
    field = error.fields[0].field if error.fields else ""
    argument = names.get(field, "--calendar" if isinstance(error, NotFound) else "")
    message = str(error.fields[0].message) if error.fields else error.message
    return CommandError(f"{argument}: {message}" if argument else message, returncode=BAD_INPUT)


def _deadline_arguments(parser: CommandParser) -> None:
    parser.add_argument("--calendar", required=True, help="calendar code, e.g. cn-mainland")
    parser.add_argument("--start", required=True, help="ISO 8601 with offset")
    parser.add_argument("--amount", required=True, type=int, help="a whole number, 0 or more")
    parser.add_argument("--unit", required=True, choices=[u.value for u in Unit])


def _deadline(command: BaseCommand, options: dict[str, Any]) -> None:
    start = aware_datetime(options["start"], "--start")
    if options["amount"] < 0:
        raise CommandError("--amount: must not be negative", returncode=BAD_INPUT)
    try:
        deadline = calendar_deadline(
            code=options["calendar"], start=start, amount=options["amount"], unit=options["unit"]
        )
    except ApplicationError as exc:
        raise bad_input(exc, {"start": "--start", "amount": "--amount", "unit": "--unit"}) from exc
    command.stdout.write(deadline.at.isoformat())
    if deadline.provisional:
        command.stdout.write("provisional")


def _elapsed_arguments(parser: CommandParser) -> None:
    parser.add_argument("--calendar", required=True, help="calendar code, e.g. cn-mainland")
    parser.add_argument("--from", dest="start", required=True, help="ISO 8601 with offset")
    parser.add_argument("--to", dest="end", required=True, help="ISO 8601 with offset")


def _elapsed(command: BaseCommand, options: dict[str, Any]) -> None:
    start = aware_datetime(options["start"], "--from")
    end = aware_datetime(options["end"], "--to")
    try:
        seconds = calendar_elapsed(code=options["calendar"], start=start, end=end)
    except ApplicationError as exc:
        raise bad_input(exc, {"start": "--from", "end": "--to"}) from exc
    minutes, rest = divmod(seconds, 60)
    command.stdout.write(str(minutes) if not rest else f"{seconds / 60:.2f}")


# name -> (help, add arguments, handle)
SUBCOMMANDS: dict[
    str, tuple[str, Callable[[CommandParser], None], Callable[[BaseCommand, dict[str, Any]], None]]
] = {
    "deadline": (
        "Print the deadline (first line) and 'provisional' when beyond published_through.",
        _deadline_arguments,
        _deadline,
    ),
    "elapsed": (
        "Print the business minutes between two instants.",
        _elapsed_arguments,
        _elapsed,
    ),
}


class Command(BaseCommand):
    help = "Timeliness engine: compute a deadline, or the business time between two instants."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        for name, (text, arguments, _handle) in SUBCOMMANDS.items():
            arguments(sub.add_parser(name, help=text, description=text))

    def handle(self, *args: Any, **options: Any) -> None:
        SUBCOMMANDS[options["action"]][2](self, options)
