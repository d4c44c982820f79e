"""Channel stand-ins for tests, loaded by dotted path like the real ones."""

from __future__ import annotations

import smtplib

from django.core.mail.backends.base import BaseEmailBackend

from coverdesk.notifications.channels import SmsDeliveryError

sent_sms: list[dict[str, str]] = []


class RecordingSmsAdapter:
    def send(self, *, to: str, body: str, reference: str) -> None:
        sent_sms.append({"to": to, "body": body, "reference": reference})


class RefusingSmsAdapter:
    def send(self, *, to: str, body: str, reference: str) -> None:
        raise SmsDeliveryError("provider said no")


class BrokenSmsAdapter:
    """A bug in an adapter, not a delivery failure."""

    def send(self, *, to: str, body: str, reference: str) -> None:
        raise KeyError("provider_config")


class NotAnAdapter:
    pass


class UnreachableEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise ConnectionRefusedError(111, "Connection refused")


class RejectingEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise smtplib.SMTPRecipientsRefused({"x@example.test": (550, b"no such user")})


class FlakyEmailBackend(BaseEmailBackend):
    """The first connection breaks on its first message; later connections work."""

    connections = 0
    delivered: list[str] = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        FlakyEmailBackend.connections += 1
        self.number = FlakyEmailBackend.connections

    def send_messages(self, email_messages):
        if self.number == 1:
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        FlakyEmailBackend.delivered.extend(m.to[0] for m in email_messages)
        return len(email_messages)
