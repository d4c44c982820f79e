"""Delivery of replies to email inquiries: the worker job `servicedesk.reply_mail`.

A reply is written in `inquiry_reply`'s transaction with `delivery_status` pending, so it is
sent exactly when the reply committed. The job takes due pending replies with
`SELECT … FOR UPDATE SKIP LOCKED` (several workers never take the same row), sends each with
its own Message-ID and the In-Reply-To / References of the customer's message (so the
customer's mail program threads it), marks it sent, or schedules a retry with the outbox's
backoff until COVERDESK_OUTBOX_MAX_ATTEMPTS.

(The notification outbox addresses users only and sets no threading headers; when it can,
these replies move there and this job goes.)
"""

from __future__ import annotations

import logging
import random
from datetime import datetime
from smtplib import SMTPException

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction

from coverdesk.notifications.calculations import retry_delay
from coverdesk.servicedesk.choices import DeliveryStatus, MessageKind
from coverdesk.servicedesk.models import InquiryMessage
from coverdesk.servicedesk.services.attachments import attachment_absolute_path
from coverdesk.servicedesk.services.common import moment_of

logger = logging.getLogger(__name__)

BATCH_DEFAULT = 50
QUOTE_LIMIT = 4000
EXPECTED_SEND_ERRORS: tuple[type[BaseException], ...] = (SMTPException, OSError)


def _quoted(message: InquiryMessage) -> str:
    """The customer's message the reply answers, quoted below it."""
    parent = (
        InquiryMessage.objects.filter(
            inquiry_id=message.inquiry_id,
            kind=MessageKind.CUSTOMER,
            message_id=message.in_reply_to,
        ).first()
        if message.in_reply_to
        else None
    )
    if parent is None:
        return ""
    text = parent.body[:QUOTE_LIMIT]
    quoted = "\n".join(f"> {line}" if line else ">" for line in text.split("\n"))
    return f"\n\n{parent.author_name} ({parent.at:%Y-%m-%d %H:%M}):\n{quoted}"


def reply_email_build(
    message: InquiryMessage, *, connection: BaseEmailBackend | None = None
) -> EmailMessage:
    headers = {"Message-ID": message.message_id or ""}
    if message.in_reply_to:
        headers["In-Reply-To"] = message.in_reply_to
    if message.references:
        headers["References"] = message.references
    email = EmailMessage(
        subject=message.email_subject,
        body=f"{message.body}{_quoted(message)}",
        from_email=getattr(
            settings, "COVERDESK_SERVICEDESK_FROM_EMAIL", settings.DEFAULT_FROM_EMAIL
        ),
        to=[message.email_to or ""],
        headers=headers,
        connection=connection,
    )
    email.encoding = "utf-8"
    for attachment in message.attachments.all():
        email.attach(
            attachment.original_name,
            attachment_absolute_path(attachment).read_bytes(),
            attachment.content_type,
        )
    return email


def _max_attempts() -> int:
    return int(getattr(settings, "COVERDESK_OUTBOX_MAX_ATTEMPTS", 8))


def reply_mail_deliver_batch(*, now: datetime | None = None, batch_size: int | None = None) -> int:
    """Send the due replies (one batch, one transaction); how many were handled."""
    moment = moment_of(now)
    size = batch_size or BATCH_DEFAULT
    handled = 0
    connection: BaseEmailBackend | None = None
    with transaction.atomic():
        due = list(
            InquiryMessage.objects.select_for_update(skip_locked=True)
            .filter(delivery_status=DeliveryStatus.PENDING, next_attempt_at__lte=moment)
            .order_by("next_attempt_at", "id")[:size]
        )
        try:
            for message in due:
                if connection is None:
                    connection = get_connection(fail_silently=False)
                try:
                    sent = reply_email_build(message, connection=connection).send()
                    if sent != 1:
                        raise SMTPException("the mail backend accepted no message")
                except EXPECTED_SEND_ERRORS as exc:
                    message.delivery_attempts += 1
                    message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
                    if message.delivery_attempts >= _max_attempts():
                        message.delivery_status = DeliveryStatus.FAILED
                        message.next_attempt_at = None
                    else:
                        message.next_attempt_at = moment + retry_delay(
                            message.delivery_attempts, jitter=random.random()
                        )
                    logger.warning(
                        "reply %s to inquiry %s not sent: %s",
                        message.pk,
                        message.inquiry_id,
                        message.last_error,
                    )
                    connection = None
                else:
                    message.delivery_attempts += 1
                    message.delivery_status = DeliveryStatus.SENT
                    message.sent_at, message.next_attempt_at, message.last_error = moment, None, ""
                message.save(
                    update_fields=[
                        "delivery_status",
                        "delivery_attempts",
                        "next_attempt_at",
                        "sent_at",
                        "last_error",
                    ]
                )
                handled += 1
        finally:
            if connection is not None:
                try:
                    connection.close()
                except EXPECTED_SEND_ERRORS as exc:
                    logger.warning("closing the mail connection failed: %s", exc)
    return handled


def reply_mail_job(now: datetime) -> int:
    return reply_mail_deliver_batch(now=now)
