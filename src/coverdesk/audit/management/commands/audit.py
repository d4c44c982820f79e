from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from coverdesk.audit.selectors import audit_chain_verify


class Command(BaseCommand):
    help = "Audit trail tools. `audit verify` walks the hash chain."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("verify", help="Verify the hash chain; exit 1 at the first broken entry.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "verify":
            report = audit_chain_verify()
            if not report.ok:
                raise CommandError(
                    f"audit chain broken at entry #{report.broken_sequence} ({report.problem});"
                    f" {report.verified} entries verified before it",
                    returncode=1,
                )
            self.stdout.write(f"audit chain intact: {report.verified} entries verified")
