"""Writes to the notification outbox, and its delivery.

`notification_send` inserts rows in the caller's transaction (the transactional outbox): a
message exists exactly when the business change that caused it committed. The business
service writes the audit entry for its change; queuing its messages is part of that change.
`outbox_deliver_batch` is what the worker runs.
"""

from __future__ import annotations

import json
import logging
import random
import re
import time
from collections.abc import Iterable, Mapping
from datetime import datetime
from smtplib import SMTPException
from typing import Any

from django.conf import settings
from django.core.mail import get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.db.models import Model
from django.utils.translation import gettext_lazy as _

from coverdesk.accounts.models import User
from coverdesk.audit.services import audit_record, subject_reference
from coverdesk.core import clock
from coverdesk.core.exceptions import ValidationFailed
from coverdesk.notifications.calculations import retry_delay
from coverdesk.notifications.channels import (
    DeliveryError,
    SmsAdapter,
    email_build,
    sms_adapter_load,
)
from coverdesk.notifications.choices import Channel, MessageStatus
from coverdesk.notifications.exceptions import MessageNotFound
from coverdesk.notifications.models import Message
from coverdesk.notifications.rendering import message_render, template_get

logger = logging.getLogger(__name__)

DEDUPE_KEY_MAX_LENGTH = 200  # leaves room for ":<recipient id>:<channel>"
PHONE_PATTERN = re.compile(r"\+?[0-9][0-9 \-]{4,30}")
LAST_ERROR_MAX_LENGTH = 2000

# Failures a channel is expected to have: a mail server or SMS provider that refuses or cannot
# be reached. They are recorded on the row and retried; anything else is a bug and propagates.
EXPECTED_SEND_ERRORS: tuple[type[BaseException], ...] = (SMTPException, OSError, DeliveryError)

NO_EMAIL_ADDRESS = "no_address: the recipient has no email address"
NO_PHONE_NUMBER = "no_address: no phone number was given for the recipient"


def _validated_channels(channels: Iterable[str]) -> list[str]:
    chosen: list[str] = []
    for channel in channels:
        if channel not in Channel.values:
            raise ValidationFailed.for_field(
                "channels", "choice", _("Unknown channel {channel}."), channel=channel
            )
        if channel not in chosen:
            chosen.append(channel)
    if not chosen:
        raise ValidationFailed.for_field("channels", "required", _("Choose at least one channel."))
    return chosen


def _jsonable_context(context: Mapping[str, Any]) -> dict[str, Any]:
    try:
        stored = json.loads(json.dumps(dict(context), cls=DjangoJSONEncoder, ensure_ascii=False))
    except TypeError as exc:
        raise ValidationFailed.for_field(
            "context", "json", _("The context must be JSON data: {detail}"), detail=str(exc)
        ) from None
    if not isinstance(stored, dict):  # pragma: no cover - dict() above guarantees it
        raise TypeError("context must be a mapping")
    return stored


def _validated_phone(raw: str) -> str:
    number = raw.strip()
    if not PHONE_PATTERN.fullmatch(number):
        raise ValidationFailed.for_field(
            "phone_numbers", "phone", _("Not a phone number: {number}."), number=number
        )
    return number


@transaction.atomic
def notification_send(
    *,
    recipients: Iterable[User],
    template: str,
    context: Mapping[str, Any] | None,
    channels: Iterable[str],
    subject: Model | tuple[str, Any] | None = None,
    dedupe_key: str | None = None,
    phone_numbers: Mapping[int, str] | None = None,
    now: datetime | None = None,
) -> list[Message]:
    """Queue one message per recipient and channel, rendered now in each recipient's language.

    Call it inside the business service's transaction. In-app messages are in the inbox at
    once; email and SMS wait for the worker. Email goes to User.email; SMS needs the number in
    `phone_numbers` (user id → number). A recipient without an address gets a failed row that
    says so, never a silent gap. With `dedupe_key`, a message already queued for the same key,
    recipient and channel is not queued again; only the rows queued by this call are returned.
    Template context values may be lazy translations: they render in the recipient's language.
    """
    message_template = template_get(template)
    if message_template is None:
        raise ValidationFailed.for_field(
            "template", "unknown", _("Unknown message template {code}."), code=template
        )
    chosen_channels = _validated_channels(channels)
    if dedupe_key is not None and not 0 < len(dedupe_key) <= DEDUPE_KEY_MAX_LENGTH:
        raise ValidationFailed.for_field(
            "dedupe_key",
            "length",
            _("The deduplication key must have 1 to {limit} characters."),
            limit=DEDUPE_KEY_MAX_LENGTH,
        )
    given_context = dict(context or {})
    if "recipient" in given_context:
        raise ValidationFailed.for_field(
            "context", "reserved", _("The context key {key} is reserved."), key="recipient"
        )
    stored_context = _jsonable_context(given_context)
    phones = {
        user_id: _validated_phone(number) for user_id, number in (phone_numbers or {}).items()
    }
    moment = now or clock.now()
    subject_type, subject_id = subject_reference(subject)

    unique_recipients: dict[int, User] = {}
    for user in recipients:
        unique_recipients.setdefault(user.pk, user)

    rows: list[Message] = []
    for user in unique_recipients.values():
        rendered = message_render(
            template=message_template,
            context={**given_context, "recipient": user},
            language=user.language or settings.LANGUAGE_CODE,
        )
        for channel in chosen_channels:
            row = Message(
                recipient=user,
                channel=channel,
                template=template,
                context=stored_context,
                language=rendered.language,
                subject=rendered.subject,
                body=rendered.body,
                next_attempt_at=moment,
                subject_type=subject_type,
                subject_id=subject_id,
                dedupe_key=f"{dedupe_key}:{user.pk}:{channel}" if dedupe_key else None,
            )
            if channel == Channel.IN_APP:
                row.status, row.sent_at = MessageStatus.SENT, moment
            elif channel == Channel.EMAIL:
                row.address = user.email.strip()
                if not row.address:
                    row.status, row.last_error = MessageStatus.FAILED, NO_EMAIL_ADDRESS
            else:
                row.address = phones.get(user.pk, "")
                if not row.address:
                    row.status, row.last_error = MessageStatus.FAILED, NO_PHONE_NUMBER
            if row.status == MessageStatus.FAILED:
                logger.info(
                    "notification %s by %s to user %s not queued: %s",
                    template,
                    channel,
                    user.pk,
                    row.last_error,
                )
            rows.append(row)

    if dedupe_key is None:
        return Message.objects.bulk_create(rows)
    return [row for row in rows if _create_unless_duplicate(row)]


def _create_unless_duplicate(row: Message) -> bool:
    if Message.objects.filter(dedupe_key=row.dedupe_key).exists():
        return False
    try:
        # A savepoint: a concurrent insert of the same key must not abort the caller's transaction.
        with transaction.atomic():
            row.save(force_insert=True)
    except IntegrityError:
        if Message.objects.filter(dedupe_key=row.dedupe_key).exists():
            return False
        raise
    return True


@transaction.atomic
def message_mark_read(
    *, message_id: int, acting_user: User, now: datetime | None = None
) -> Message:
    """Mark one of the acting user's in-app messages read; anyone else's is not found."""
    message = (
        Message.objects.select_for_update()
        .filter(pk=message_id, recipient_id=acting_user.pk, channel=Channel.IN_APP)
        .first()
    )
    if message is None:
        raise MessageNotFound()
    if message.read_at is None:
        message.read_at = now or clock.now()
        message.save(update_fields=["read_at", "updated_at"])
        audit_record(
            action="notification.read",
            actor=acting_user,
            subject=message,
            before={"read_at": None},
            after={"read_at": message.read_at},
            now=message.read_at,
        )
    return message


@transaction.atomic
def inbox_mark_all_read(*, acting_user: User, now: datetime | None = None) -> int:
    """Mark every unread in-app message of the acting user read; returns how many."""
    moment = now or clock.now()
    count = Message.objects.filter(
        recipient_id=acting_user.pk, channel=Channel.IN_APP, read_at__isnull=True
    ).update(read_at=moment, updated_at=moment)
    if count:
        audit_record(
            action="notification.read_all",
            actor=acting_user,
            subject=(User._meta.label_lower, acting_user.pk),
            after={"marked_read": count},
            now=moment,
        )
    return count


class _Channels:
    """One mail connection and one SMS adapter for a whole batch, opened when first needed."""

    def __init__(self) -> None:
        self._mail: BaseEmailBackend | None = None
        self._sms: SmsAdapter | None = None

    def deliver(self, message: Message) -> None:
        if message.channel == Channel.EMAIL:
            if self._mail is None:
                self._mail = get_connection(fail_silently=False)
            try:
                self._mail.open()  # no-op while open
                email = email_build(
                    outbox_id=message.pk,
                    to=message.address,
                    subject=message.subject,
                    body=message.body,
                    connection=self._mail,
                )
                if self._mail.send_messages([email]) != 1:
                    raise DeliveryError("the mail backend accepted no message")
            except EXPECTED_SEND_ERRORS:
                # The connection may be half-broken: the next message starts a fresh one.
                self.close()
                raise
        elif message.channel == Channel.SMS:
            if self._sms is None:
                self._sms = sms_adapter_load()
            self._sms.send(to=message.address, body=message.body, reference=str(message.pk))
        else:
            raise ValueError(f"channel {message.channel!r} is not delivered by the worker")

    def close(self) -> None:
        mail, self._mail = self._mail, None
        if mail is not None:
            try:
                mail.close()
            except EXPECTED_SEND_ERRORS as exc:
                # What was accepted stays accepted; only the goodbye failed.
                logger.warning("closing the mail connection failed: %s", exc)


def _error_text(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:LAST_ERROR_MAX_LENGTH]


def _record_failure(
    message: Message, exc: BaseException, *, now: datetime, max_attempts: int
) -> str:
    message.attempts += 1
    message.last_error = _error_text(exc)
    if message.attempts >= max_attempts:
        message.status = MessageStatus.FAILED
        return "failed"
    message.next_attempt_at = now + retry_delay(message.attempts, jitter=random.random())
    return "retried"


def outbox_deliver_batch(*, now: datetime | None = None, batch_size: int | None = None) -> int:
    """Deliver up to `batch_size` due email/SMS messages; returns how many were attempted.

    One transaction: the due rows are locked with SKIP LOCKED (other workers take other rows),
    sent, and marked sent or rescheduled before the locks are released, so a message is
    delivered once however many workers run. A crash between sending and committing repeats
    the attempt (the email Message-ID and the SMS reference let receivers see the repeat).
    On SQLite there is no row locking: run one worker there.
    """
    moment = now or clock.now()
    size = batch_size or settings.COVERDESK_OUTBOX_BATCH
    max_attempts = settings.COVERDESK_OUTBOX_MAX_ATTEMPTS
    counts = {"sent": 0, "retried": 0, "failed": 0}
    started = time.monotonic()
    unexpected: BaseException | None = None
    due = Message.objects.filter(status=MessageStatus.PENDING, next_attempt_at__lte=moment)
    if not due.exists():
        # An idle worker reads the partial index and takes no write lock (SQLite has one).
        return 0
    with transaction.atomic():
        claimed = list(
            due.select_for_update(skip_locked=True).order_by("next_attempt_at", "id")[:size]
        )
        if not claimed:
            return 0
        channels = _Channels()
        attempted: list[Message] = []
        try:
            for message in claimed:
                attempted.append(message)
                try:
                    channels.deliver(message)
                except EXPECTED_SEND_ERRORS as exc:
                    outcome = _record_failure(message, exc, now=moment, max_attempts=max_attempts)
                    counts[outcome] += 1
                    logger.warning(
                        "outbox message %s (%s) attempt %d %s: %s",
                        message.pk,
                        message.channel,
                        message.attempts,
                        outcome,
                        message.last_error,
                    )
                    continue
                except Exception as exc:
                    # A bug, not a delivery problem: record it on the row (so it backs off
                    # instead of blocking the queue), keep what was sent, then raise it.
                    outcome = _record_failure(message, exc, now=moment, max_attempts=max_attempts)
                    counts[outcome] += 1
                    unexpected = exc
                    break
                message.attempts += 1
                message.status, message.sent_at, message.last_error = MessageStatus.SENT, moment, ""
                counts["sent"] += 1
        finally:
            channels.close()
        for message in attempted:
            message.updated_at = moment
        Message.objects.bulk_update(
            attempted,
            ["status", "attempts", "sent_at", "next_attempt_at", "last_error", "updated_at"],
        )
    logger.info(
        "outbox batch: %d claimed, %d sent, %d to retry, %d failed in %.2f s",
        len(attempted),
        counts["sent"],
        counts["retried"],
        counts["failed"],
        time.monotonic() - started,
    )
    if unexpected is not None:
        raise unexpected
    return len(attempted)
