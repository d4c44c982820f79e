from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _

from coverdesk.core.fields import EncryptedTextField
from coverdesk.core.models import BaseModel
from coverdesk.notifications.choices import Channel, MessageStatus


class Message(BaseModel):
    """One message to one user on one channel: the transactional outbox.

    Rows are written in the transaction of the business change that causes them, so a message
    exists exactly when that change committed. In-app messages are the inbox (sent on
    enqueue); email and SMS rows stay pending until the worker delivers them.
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="messages",
    )
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    template = models.CharField(_("template"), max_length=80)
    context = models.JSONField(_("context"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    language = models.CharField(_("language"), max_length=10)
    subject = models.CharField(_("subject"), max_length=255)
    body = models.TextField(_("body"))
    # The email address or phone number it was sent to: personal data, encrypted at rest.
    address = EncryptedTextField(_("address"), blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=MessageStatus.choices, default=MessageStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    # Unique per recipient and channel: the same event never queues twice.
    dedupe_key = models.CharField(
        _("deduplication key"), max_length=255, null=True, blank=True, unique=True
    )
    subject_type = models.CharField(_("subject type"), max_length=100, blank=True)
    subject_id = models.CharField(_("subject id"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["-created_at", "-id"]
        indexes = [
            # The worker reads due pending rows only: its cost does not grow with history.
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(status="pending"),
                name="notif_msg_pending_due_idx",
            ),
            models.Index(
                fields=["recipient", "channel", "-created_at"], name="notif_msg_inbox_idx"
            ),
            models.Index(fields=["subject_type", "subject_id"], name="notif_msg_subject_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.channel} {self.template} → {self.recipient_id}"
