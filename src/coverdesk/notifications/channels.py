"""Delivery channels: email through Django's mail backends, SMS through a pluggable adapter.

In-app messages need no channel: the inbox reads them from the outbox table.
"""

from __future__ import annotations

import logging
from email.utils import parseaddr
from typing import Protocol, runtime_checkable

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.backends.base import BaseEmailBackend
from django.utils.html import escape, linebreaks
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


class DeliveryError(Exception):
    """A channel could not deliver a message this time; the worker retries it later."""


class SmsDeliveryError(DeliveryError):
    """The SMS provider refused the message or could not be reached."""


@runtime_checkable
class SmsAdapter(Protocol):
    """What an SMS provider adapter implements. Configure it with COVERDESK_SMS_ADAPTER (a dotted
    path to a class taking no arguments)."""

    def send(self, *, to: str, body: str, reference: str) -> None:
        """Send `body` to the phone number `to`, or raise SmsDeliveryError.

        `reference` is the outbox message id: pass it to the provider as an idempotency key
        where the provider has one, since a crash after sending repeats the attempt.
        """
        ...


def mask_phone(number: str) -> str:
    """Logs show the last four digits only: a phone number is personal data."""
    digits = number.strip()
    if len(digits) <= 4:
        return "*" * len(digits)
    return "*" * (len(digits) - 4) + digits[-4:]


class LoggingSmsAdapter:
    """The default adapter: logs that a message would be sent, and sends nothing."""

    def send(self, *, to: str, body: str, reference: str) -> None:
        logger.info(
            "sms %s to %s (%d characters) logged, not sent: logging adapter",
            reference,
            mask_phone(to),
            len(body),
        )


def sms_adapter_load(path: str | None = None) -> SmsAdapter:
    dotted = path or settings.COVERDESK_SMS_ADAPTER
    adapter = import_string(dotted)()
    if not isinstance(adapter, SmsAdapter):
        raise TypeError(f"COVERDESK_SMS_ADAPTER {dotted!r} has no send(*, to, body, reference)")
    return adapter


def _mail_domain() -> str:
    _name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    return address.rpartition("@")[2] or "coverdesk.invalid"


def outbox_message_id(outbox_id: int) -> str:
    """The email Message-ID of an outbox row: stable, so a repeated attempt can be recognised."""
    return f"<coverdesk.outbox.{outbox_id}@{_mail_domain()}>"


def email_build(
    *,
    outbox_id: int,
    to: str,
    subject: str,
    body: str,
    connection: BaseEmailBackend | None = None,
) -> EmailMultiAlternatives:
    email = EmailMultiAlternatives(
        subject=subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        headers={"Message-ID": outbox_message_id(outbox_id)},
        connection=connection,
    )
    email.attach_alternative(linebreaks(escape(body)), "text/html")
    return email
