from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet

from coverdesk.accounts.models import User
from coverdesk.core import clock
from coverdesk.notifications.choices import Channel, MessageStatus
from coverdesk.notifications.models import Message


def inbox_list(*, user: User) -> QuerySet[Message]:
    """The user's in-app messages, newest first."""
    return Message.objects.filter(recipient_id=user.pk, channel=Channel.IN_APP).order_by(
        "-created_at", "-id"
    )


def inbox_unread_count(*, user: User) -> int:
    return Message.objects.filter(
        recipient_id=user.pk, channel=Channel.IN_APP, read_at__isnull=True
    ).count()


def outbox_due_count(*, now: datetime | None = None) -> int:
    """Pending email/SMS messages whose attempt is due: the worker's backlog."""
    return Message.objects.filter(
        status=MessageStatus.PENDING, next_attempt_at__lte=now or clock.now()
    ).count()
