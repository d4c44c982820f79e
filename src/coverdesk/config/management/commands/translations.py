"""Keep the translation catalogues current and complete.

--update runs makemessages for zh_Hans and en over the package. --check does the same into a
scratch copy and fails if the committed catalogues differ (a string was added, changed or
removed without `make messages`) or if any zh_Hans message is untranslated or fuzzy.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.management.commands.makemessages import Command as MakeMessagesCommand

LOCALES = ["zh_Hans", "en"]
COMPLETE_LOCALE = "zh_Hans"
IGNORE = ["tests/*", "*/tests/*", "migrations/*", "*/migrations/*", "conftest.py"]


@contextmanager
def _in_directory(path: Path) -> Iterator[None]:
    previous = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(previous)


def _catalogue(locale: str) -> Path:
    return Path(settings.PACKAGE_DIR) / "locale" / locale / "LC_MESSAGES" / "django.po"


def _stable(text: str) -> dict[tuple[str, str, str], tuple[str, ...]]:
    """The catalogue as entries, (msgctxt, msgid, msgid_plural) → translations: how lines are
    wrapped and what the comments say do not make a catalogue out of date."""
    entries: dict[tuple[str, str, str], tuple[str, ...]] = {}
    for block in text.split("\n\n"):
        lines = [line for line in block.strip().splitlines() if not line.startswith("#")]
        if not any(line.startswith("msgid ") for line in lines):
            continue
        key = (_joined(lines, "msgctxt"), _joined(lines, "msgid"), _joined(lines, "msgid_plural"))
        if key == ("", "", ""):
            continue  # the header, with its creation date
        forms = ["msgstr"] + [f"msgstr[{n}]" for n in range(6)]
        entries[key] = tuple(_joined(lines, form) for form in forms)
    return entries


class _MakeMessages(MakeMessagesCommand):
    # A guessed ("fuzzy") translation of a similar string is worse than none: it reads as
    # done. New strings arrive empty and the check names them.
    msgmerge_options = [*MakeMessagesCommand.msgmerge_options, "--no-fuzzy-matching"]


def _make_messages() -> None:
    with _in_directory(Path(settings.PACKAGE_DIR)):
        call_command(
            _MakeMessages(),
            locale=LOCALES,
            domain="django",
            ignore_patterns=IGNORE,
            no_location=True,
            no_obsolete=True,
            verbosity=0,
        )


def untranslated(path: Path) -> list[str]:
    """msgids of a catalogue whose translation is empty or fuzzy."""
    problems: list[str] = []
    text = path.read_text(encoding="utf-8")
    for block in text.split("\n\n"):
        lines = block.strip().splitlines()
        if not any(line.startswith("msgid ") for line in lines):
            continue
        msgid = _joined(lines, "msgid")
        if not msgid:
            continue  # the header
        fuzzy = any(line.startswith("#,") and "fuzzy" in line for line in lines)
        if "msgid_plural" in block:
            # Every plural form the catalogue carries (zh_Hans has one) must be filled.
            forms = [line.split(" ", 1)[0] for line in lines if line.startswith("msgstr[")]
            translated = bool(forms) and all(_joined(lines, form) for form in forms)
        else:
            translated = bool(_joined(lines, "msgstr"))
        if fuzzy or not translated:
            problems.append(msgid)
    return problems


def _joined(lines: list[str], key: str) -> str:
    collected: list[str] = []
    taking = False
    for line in lines:
        if line.startswith(f"{key} "):
            taking = True
            collected.append(line[len(key) + 1 :].strip().strip('"'))
        elif taking and line.startswith('"'):
            collected.append(line.strip().strip('"'))
        else:
            taking = False if collected else taking
    return "".join(collected)


class Command(BaseCommand):
    help = "Update (--update) or check (--check) the zh_Hans and en translation catalogues."

    def add_arguments(self, parser: CommandParser) -> None:
        group = parser.add_mutually_exclusive_group(required=True)
        group.add_argument("--update", action="store_true")
        group.add_argument("--check", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        if shutil.which("xgettext") is None:
            raise CommandError(
                "GNU gettext is missing: run `make setup` (apt-get install gettext)."
            )
        if options["update"]:
            _make_messages()
            call_command("compilemessages", ignore_patterns=[".venv"], verbosity=0)
            missing = untranslated(_catalogue(COMPLETE_LOCALE))
            self.stdout.write(
                f"catalogues updated; {len(missing)} zh_Hans messages still need a translation"
            )
            return
        self._check()

    def _check(self) -> None:
        locale_dir = Path(settings.PACKAGE_DIR) / "locale"
        with tempfile.TemporaryDirectory() as scratch:
            saved = Path(scratch) / "locale"
            shutil.copytree(locale_dir, saved)
            committed = {
                loc: _stable(_catalogue(loc).read_text(encoding="utf-8"))
                for loc in LOCALES
                if _catalogue(loc).exists()
            }
            try:
                _make_messages()
                fresh = {
                    loc: _stable(_catalogue(loc).read_text(encoding="utf-8")) for loc in LOCALES
                }
            finally:
                shutil.rmtree(locale_dir)
                shutil.copytree(saved, locale_dir)
        stale = [loc for loc in LOCALES if committed.get(loc) != fresh[loc]]
        if stale:
            raise CommandError(
                f"translation catalogues out of date ({', '.join(stale)}): run `make messages`,"
                " translate, and commit."
            )
        missing = untranslated(_catalogue(COMPLETE_LOCALE))
        if missing:
            shown = "; ".join(missing[:10])
            raise CommandError(f"{len(missing)} zh_Hans messages lack a translation: {shown}")
        msgfmt = shutil.which("msgfmt") or "msgfmt"
        result = subprocess.run(  # noqa: S603 (fixed arguments, our own catalogue)
            [msgfmt, "--check", "-o", os.devnull, str(_catalogue(COMPLETE_LOCALE))],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise CommandError(f"msgfmt rejects the zh_Hans catalogue: {result.stderr.strip()}")
        self.stdout.write("translation catalogues are current and complete")
