from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from coverdesk.core import crypto
from coverdesk.core.fields import encrypted_values_rotate, encrypted_values_status


class Command(BaseCommand):
    help = (
        "Data encryption keys. `keys status` counts stored values per key id; `keys rotate`"
        " re-encrypts every value under the active (first) key; `keys generate` prints a new key."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("status", help="Rows per key id for every encrypted column.")
        rotate = sub.add_parser("rotate", help="Re-encrypt every value under the active key.")
        rotate.add_argument("--batch-size", type=int, default=500)
        generate = sub.add_parser(
            "generate", help="Print a new data key entry for COVERDESK_DATA_KEYS."
        )
        generate.add_argument("--id", dest="kid", required=True, help="key id, e.g. k2")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "status":
            self._status()
        elif action == "rotate":
            self._rotate(options["batch_size"])
        elif action == "generate":
            self._generate(options["kid"])

    def _status(self) -> None:
        ring = crypto.key_ring()
        self.stdout.write(f"active key: {ring.active}; known keys: {', '.join(sorted(ring.keys))}")
        totals: dict[str, int] = {}
        for label, counts in encrypted_values_status().items():
            parts = ", ".join(f"{kid}={n}" for kid, n in sorted(counts.items())) or "empty"
            self.stdout.write(f"{label}: {parts}")
            for kid, n in counts.items():
                totals[kid] = totals.get(kid, 0) + n
        summary = ", ".join(f"{kid}={n}" for kid, n in sorted(totals.items())) or "no values"
        self.stdout.write(f"total: {summary}")

    def _rotate(self, batch_size: int) -> None:
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        ring = crypto.key_ring()
        try:
            rewritten = encrypted_values_rotate(batch_size=batch_size)
        except crypto.DecryptionError as exc:
            raise CommandError(f"rotation stopped: {exc}") from exc
        for label, count in rewritten.items():
            self.stdout.write(f"{label}: {count} re-encrypted")
        self.stdout.write(f"rotated {sum(rewritten.values())} values to key {ring.active}")

    def _generate(self, kid: str) -> None:
        if not crypto.KEY_ID_PATTERN.fullmatch(kid):
            raise CommandError("--id must be 1-32 letters, digits, - or _")
        self.stdout.write(f"{kid}:{crypto.encode_key(crypto.generate_key())}")
