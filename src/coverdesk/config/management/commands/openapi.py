from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from coverdesk.api.urls import api

SCHEMA_PATH = Path(settings.PACKAGE_DIR).parent.parent / "docs" / "api" / "openapi.json"


def current_schema() -> str:
    # English, so the committed schema does not depend on who generated it.
    with translation.override("en"):
        schema = api.get_openapi_schema(path_prefix="/api/v1/")
    return json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


class Command(BaseCommand):
    help = "Write (--write) or check (--check) the committed OpenAPI schema docs/api/openapi.json."

    def add_arguments(self, parser: CommandParser) -> None:
        group = parser.add_mutually_exclusive_group(required=True)
        group.add_argument("--write", action="store_true")
        group.add_argument("--check", action="store_true")
        group.add_argument("--stdout", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        schema = current_schema()
        if options["stdout"]:
            self.stdout.write(schema, ending="")
        elif options["write"]:
            SCHEMA_PATH.parent.mkdir(parents=True, exist_ok=True)
            SCHEMA_PATH.write_text(schema, encoding="utf-8")
            self.stdout.write(f"wrote {SCHEMA_PATH}")
        else:
            committed = SCHEMA_PATH.read_text(encoding="utf-8") if SCHEMA_PATH.exists() else ""
            if committed != schema:
                raise CommandError(
                    f"{SCHEMA_PATH} is out of date with the API: run `make openapi` and commit it."
                )
            self.stdout.write("OpenAPI schema is up to date")
