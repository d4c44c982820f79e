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
