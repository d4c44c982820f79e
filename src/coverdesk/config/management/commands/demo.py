from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from coverdesk.config.demo import demo_load


class Command(BaseCommand):
    help = "Demo data. `demo load` creates what is missing and leaves the rest alone."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("load", help="Load the demo data (idempotent).")

    def handle(self, *args: Any, **options: Any) -> None:
        report = demo_load()
        if report.created:
            self.stdout.write("demo data loaded: " + ", ".join(report.created))
        else:
            self.stdout.write("demo data already present: nothing changed")
