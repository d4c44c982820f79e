"""`coverdesk inquiries fetch`: inbound email becomes inquiries.

    coverdesk inquiries fetch --maildir /var/mail/service
    coverdesk inquiries fetch --imap imap.example.cn --user service@example.cn \\
        --password-env COVERDESK_IMAP_PASSWORD [--mailbox INBOX] [--port 993] [--starttls]

--maildir reads every *.eml file of the directory (and, for a Maildir, the messages in new/
and cur/); files are left where they are. --imap reads the mailbox's unseen messages and marks
each one seen once it is stored. Either way a message read before (same Message-ID) changes
nothing, so running the command again is safe. A reply to an inquiry (In-Reply-To /
References) is added to that inquiry. Attachments that are too large or of a type not
accepted are refused with the reason (printed, and kept on the message); the question is kept.

Exit status: 0 when every message was read, 1 when some could not be (each is listed on
standard error), 2 for bad arguments.
"""

from __future__ import annotations

import imaplib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from coverdesk.core.exceptions import ApplicationError
from coverdesk.servicedesk.mail import MailUnreadable
from coverdesk.servicedesk.services.inquiries import EmailIntake, inquiry_receive_email

BAD_INPUT = 2
SOME_FAILED = 1
PASSWORD_ENV_DEFAULT = "COVERDESK_IMAP_PASSWORD"


class Command(BaseCommand):
    help = "Inbound email: turn .eml files or an IMAP mailbox's unseen mail into inquiries."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        fetch = sub.add_parser("fetch", help="Read new mail into inquiries.")
        source = fetch.add_mutually_exclusive_group(required=True)
        source.add_argument("--maildir", help="a directory of .eml files, or a Maildir")
        source.add_argument("--imap", metavar="HOST", help="an IMAP server")
        fetch.add_argument(
            "--port", type=int, help="IMAP port (default 993, or 143 with --starttls)"
        )
        fetch.add_argument(
            "--starttls", action="store_true", help="plain IMAP upgraded by STARTTLS"
        )
        fetch.add_argument("--user", help="IMAP user name")
        fetch.add_argument(
            "--password-env",
            default=PASSWORD_ENV_DEFAULT,
            help=f"environment variable holding the IMAP password (default {PASSWORD_ENV_DEFAULT})",
        )
        fetch.add_argument("--mailbox", default="INBOX", help="IMAP mailbox (default INBOX)")
        fetch.add_argument("--limit", type=int, default=500, help="at most this many messages")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["limit"] < 1:
            raise CommandError("--limit: must be at least 1", returncode=BAD_INPUT)
        failures = self._maildir(options) if options["maildir"] is not None else self._imap(options)
        if failures:
            raise CommandError(f"{failures} message(s) could not be read", returncode=SOME_FAILED)

    # One message --------------------------------------------------------------------------

    def _read(self, label: str, raw: bytes) -> bool:
        """Store one message and say what became of it; whether it was read."""
        try:
            intake = inquiry_receive_email(raw=raw)
        except MailUnreadable as exc:
            self.stderr.write(f"{label}: unreadable: {exc}")
            return False
        except ApplicationError as exc:
            self.stderr.write(f"{label}: refused: {exc.message}")
            return False
        self.stdout.write(f"{label}: {self._outcome(intake)}")
        for rejected in intake.rejected:
            name = rejected["name"] or "(no name)"
            self.stdout.write(f"{label}: attachment {name} refused: {rejected['reason']}")
        return True

    @staticmethod
    def _outcome(intake: EmailIntake) -> str:
        if intake.duplicate:
            return f"already read ({intake.message_id})"
        assert intake.inquiry is not None
        if intake.created:
            return f"new inquiry #{intake.inquiry.pk}"
        return f"added to inquiry #{intake.inquiry.pk}"

    # Sources ------------------------------------------------------------------------------

    def _files(self, directory: Path) -> Iterator[Path]:
        if (directory / "new").is_dir() or (directory / "cur").is_dir():
            for sub in ("new", "cur"):
                folder = directory / sub
                if folder.is_dir():
                    yield from sorted(p for p in folder.iterdir() if p.is_file())
        yield from sorted(p for p in directory.glob("*.eml") if p.is_file())

    def _maildir(self, options: dict[str, Any]) -> int:
        directory = Path(options["maildir"])
        if not directory.is_dir():
            raise CommandError(f"--maildir: {directory} is not a directory", returncode=BAD_INPUT)
        failures = 0
        for count, path in enumerate(self._files(directory)):
            if count >= options["limit"]:
                break
            if not self._read(path.name, path.read_bytes()):
                failures += 1
        return failures

    def _imap(self, options: dict[str, Any]) -> int:
        user = options["user"]
        password = os.environ.get(options["password_env"], "")
        if not user:
            raise CommandError("--user: the IMAP user name is required", returncode=BAD_INPUT)
        if not password:
            raise CommandError(
                f"--password-env: {options['password_env']} is not set", returncode=BAD_INPUT
            )
        host = options["imap"]
        try:
            if options["starttls"]:
                client: imaplib.IMAP4 = imaplib.IMAP4(host, options["port"] or 143)
                client.starttls()
            else:
                client = imaplib.IMAP4_SSL(host, options["port"] or 993)
            client.login(user, password)
        except (OSError, imaplib.IMAP4.error) as exc:
            raise CommandError(
                f"--imap: cannot log in to {host}: {exc}", returncode=BAD_INPUT
            ) from exc
        failures = 0
        try:
            status, _data = client.select(options["mailbox"])
            if status != "OK":
                raise CommandError(
                    f"--mailbox: {options['mailbox']} cannot be opened", returncode=BAD_INPUT
                )
            _status, found = client.uid("SEARCH", "UNSEEN")
            uids = (found[0] or b"").split()[: options["limit"]]
            for uid_bytes in uids:
                uid = uid_bytes.decode()
                _status, parts = client.uid("FETCH", uid, "(BODY.PEEK[])")
                raw = next(
                    (part[1] for part in parts if isinstance(part, tuple) and len(part) > 1), b""
                )
                if self._read(f"uid {uid}", raw):
                    client.uid("STORE", uid, "+FLAGS", "(\\Seen)")
                else:
                    failures += 1
        finally:
            try:
                client.logout()
            except (OSError, imaplib.IMAP4.error) as exc:
                self.stderr.write(f"IMAP logout failed: {exc}")
        return failures
