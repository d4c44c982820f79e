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
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from smtplib import SMTPException
from typing import Any

from django.conf import settings
from django.core.mail import get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import (
    CharField,
    DateTimeField,
    Field,
    ForeignKey,
    JSONField,
    Model,
    PositiveSmallIntegerField,
    TextField,
)
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
from coverdesk.notifications.rendering import (
    MessageTemplate,
    RenderedMessage,
    message_render,
    template_get,
)

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
    Inside `notification_batch()` the rows (without a dedupe key) are inserted when the block
    ends.
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
    renderings = _renderings(message_template, given_context, list(unique_recipients.values()))

    rows: list[Message] = []
    for user in unique_recipients.values():
        rendered = renderings[user.pk]
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

    if dedupe_key is not None:
        # What is already queued decides what this call queues: inserted at once.
        return _messages_insert(rows, skip_duplicates=True)
    batch = _batch.get()
    if batch is not None:
        batch.extend(rows)
        return rows
    return _messages_insert(rows, skip_duplicates=False)


_batch: ContextVar[list[Message] | None] = ContextVar("notification_batch", default=None)


@contextmanager
def notification_batch() -> Iterator[None]:
    """Inside the block, the rows `notification_send` queues without a dedupe key are kept and
    inserted together when the block ends without an error (one statement on PostgreSQL): for
    a caller that sends many messages in one transaction, like the SLA sweep. Use it inside
    that transaction; the rows returned inside the block get their ids when it ends. A block
    inside another adds to the outer one."""
    if _batch.get() is not None:
        yield
        return
    rows: list[Message] = []
    token = _batch.set(rows)
    try:
        yield
    finally:
        _batch.reset(token)
    _messages_insert(rows, skip_duplicates=False)


class _RecipientProbe:
    """Stands in for the recipient in a trial rendering. Whatever the template does with it
    (prints it, tests it, reads an attribute, passes it to a filter) marks the message as
    personal, to be rendered per recipient; a template that never touches it renders the same
    for everyone who reads its language."""

    __slots__ = ("used",)

    def __init__(self) -> None:
        self.used = False

    def __getattr__(self, name: str) -> Any:
        self.used = True
        raise AttributeError(name)

    def __getitem__(self, key: object) -> Any:
        self.used = True
        raise KeyError(key)

    def __str__(self) -> str:
        self.used = True
        return ""

    def __repr__(self) -> str:
        self.used = True
        return "<recipient>"

    def __format__(self, spec: str) -> str:
        self.used = True
        return ""

    def __bool__(self) -> bool:
        self.used = True
        return True

    def __len__(self) -> int:
        self.used = True
        return 0

    def __iter__(self) -> Iterator[Any]:
        self.used = True
        return iter(())

    def __contains__(self, item: object) -> bool:
        self.used = True
        return False

    def __eq__(self, other: object) -> bool:
        self.used = True
        return NotImplemented

    def __ne__(self, other: object) -> bool:
        self.used = True
        return NotImplemented

    def __lt__(self, other: object) -> bool:
        self.used = True
        return NotImplemented

    __le__ = __gt__ = __ge__ = __lt__

    def __hash__(self) -> int:
        self.used = True
        return id(self)

    def __int__(self) -> int:
        self.used = True
        return 0

    __float__ = __int__


def _renderings(
    template: MessageTemplate, context: dict[str, Any], users: list[User]
) -> dict[int, RenderedMessage]:
    """Each recipient's rendering: once per language for recipients who share it, unless the
    template reads the recipient; then, and for a recipient alone in a language, per person."""
    by_language: dict[str, list[User]] = {}
    for user in users:
        by_language.setdefault(user.language or settings.LANGUAGE_CODE, []).append(user)
    renderings: dict[int, RenderedMessage] = {}
    for language, readers in by_language.items():
        shared = _rendering_shared(template, context, language) if len(readers) > 1 else None
        for user in readers:
            renderings[user.pk] = shared or message_render(
                template=template, context={**context, "recipient": user}, language=language
            )
    return renderings


def _rendering_shared(
    template: MessageTemplate, context: dict[str, Any], language: str
) -> RenderedMessage | None:
    probe = _RecipientProbe()
    try:
        rendered = message_render(
            template=template, context={**context, "recipient": probe}, language=language
        )
    except Exception:
        if probe.used:
            return None  # rendered per recipient, where a real error shows with real data
        raise
    return None if probe.used else rendered


# Message's columns in insert order (all but the id), and how many rows one INSERT carries
# on SQLite (32,766 parameters a statement).
_INSERT_FIELDS = [field for field in Message._meta.concrete_fields if not field.primary_key]
_INSERT_COLUMNS = [str(field.column) for field in _INSERT_FIELDS]
_ROWS_PER_INSERT = 500


def _messages_insert(rows: list[Message], *, skip_duplicates: bool) -> list[Message]:
    """Insert the rows with INSERT … RETURNING; returns those inserted, with their ids. With
    `skip_duplicates` a row whose dedupe key is taken (also by a concurrent transaction) is
    skipped by ON CONFLICT DO NOTHING: no savepoint, and the caller's transaction stays valid.

    On PostgreSQL all rows go in one statement, a column an array literal (bulk_create sends
    arrays too, but the driver adapts them element by element, and a VALUES list of thousands
    of rows is slow to plan); elsewhere a VALUES list per few hundred rows."""
    if not rows:
        return []
    db = connections[DEFAULT_DB_ALIAS]  # not the proxy: it is read thousands of times here
    quote = db.ops.quote_name
    columns = ", ".join(quote(column) for column in _INSERT_COLUMNS)
    conflict = f" ON CONFLICT ({quote('dedupe_key')}) DO NOTHING" if skip_duplicates else ""
    returning = f" RETURNING {quote('id')}, {quote('dedupe_key')}"
    table = quote(Message._meta.db_table)
    chunks: list[tuple[list[Message], str, list[Any]]] = []
    if db.vendor == "postgresql":
        arrays = ", ".join(f"%s::{field.db_type(db)}[]" for field in _INSERT_FIELDS)
        chunks.append(
            (
                rows,
                f" SELECT * FROM unnest({arrays})",  # noqa: S608 (names and types only)
                [_column_array(field, rows, db) for field in _INSERT_FIELDS],
            )
        )
    else:
        placeholders = "(" + ", ".join(["%s"] * len(_INSERT_FIELDS)) + ")"
        for offset in range(0, len(rows), _ROWS_PER_INSERT):
            chunk = rows[offset : offset + _ROWS_PER_INSERT]
            params = [
                field.get_db_prep_save(field.pre_save(row, True), db)
                for row in chunk
                for field in _INSERT_FIELDS
            ]
            chunks.append((chunk, " VALUES " + ", ".join([placeholders] * len(chunk)), params))
    inserted: list[Message] = []
    with transaction.atomic(savepoint=False), db.cursor() as cursor:
        for chunk, source, params in chunks:
            # Only names and types from the model are formatted in; the values are parameters.
            cursor.execute(
                f"INSERT INTO {table} ({columns}){source}{conflict}{returning}",
                params,
            )
            returned = cursor.fetchall()
            if skip_duplicates:
                # Every row has its own key: match by key, whatever order the rows come back.
                ids = {key: pk for pk, key in returned}
                done = [
                    (row, ids[key])
                    for row in chunk
                    if (key := row.dedupe_key) is not None and key in ids
                ]
            else:
                # Rows come back in the order inserted (as bulk_create relies on).
                done = list(zip(chunk, (pk for pk, _key in returned), strict=True))
            for row, pk in done:
                row.pk = pk
                row._state.adding = False
                row._state.db = db.alias
                inserted.append(row)
    return inserted


# Field types whose database value depends on the Python value alone: a value object shared
# by many rows (a call's template, subject, body, instant) is converted once. Not their
# subclasses: an encrypted text field encrypts each row anew.
_PURE_FIELD_TYPES: tuple[type[Field[Any, Any]], ...] = (
    CharField,
    TextField,
    DateTimeField,
    PositiveSmallIntegerField,
    ForeignKey,
)


def _column_array(field: Field[Any, Any], rows: list[Message], db: BaseDatabaseWrapper) -> str:
    """One column of the rows as a PostgreSQL array literal: every element double-quoted with
    backslashes and double quotes escaped, NULL bare."""
    texts: list[str | None] = []
    done: dict[int, str | None] = {}
    pure = type(field) in _PURE_FIELD_TYPES
    for row in rows:
        value = field.pre_save(row, True)
        if pure and id(value) in done:
            texts.append(done[id(value)])
            continue
        if isinstance(field, JSONField):
            text = None if value is None else json.dumps(value, cls=field.encoder)
            pure = True  # the dumps of a shared context object is shared
        else:
            text = _element_text(field.get_db_prep_save(value, db))
        if pure:
            done[id(value)] = text
        texts.append(text)
    return (
        "{"
        + ",".join(
            "NULL" if text is None else '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
            for text in texts
        )
        + "}"
    )


def _element_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, int | str):
        return str(value)
    raise TypeError(f"no array text for {type(value).__name__}")


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
