"""Inquiries (咨询) on every channel with their conversation thread, attachments, canned
answers, transfers between departments, and call-back tasks for missed calls."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from coverdesk.core.fields import EncryptedTextField
from coverdesk.core.models import BaseModel
from coverdesk.servicedesk.choices import (
    CallbackStatus,
    Classification,
    DeliveryStatus,
    InquiryChannel,
    InquiryStatus,
    MessageKind,
)

__all__ = [
    "CallbackTask",
    "CannedAnswer",
    "Inquiry",
    "InquiryAttachment",
    "InquiryMessage",
    "InquiryStatusChange",
    "InquiryTransfer",
]

_USER = settings.AUTH_USER_MODEL


class Inquiry(BaseModel):
    """A customer's question. Its clocks: the channel's reply standard (`response_clock_id`),
    the question's standard once classified (`question_clock_id`), and, for a complex question
    after its first reply, the daily progress update to the customer (`update_clock_id`)."""

    channel = models.CharField(_("channel"), max_length=16, choices=InquiryChannel.choices)
    classification = models.CharField(
        _("classification"), max_length=16, choices=Classification.choices, blank=True
    )
    status = models.CharField(
        _("status"), max_length=16, choices=InquiryStatus.choices, default=InquiryStatus.OPEN
    )
    customer = models.ForeignKey(
        "parties.Party",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="inquiries",
    )
    contact_name = models.CharField(_("contact name"), max_length=100, blank=True)
    contact_phone = EncryptedTextField(_("contact phone"), null=True, blank=True)
    contact_email = EncryptedTextField(_("contact email"), null=True, blank=True)
    subject = models.CharField(_("subject"), max_length=200)
    policy = models.ForeignKey(
        "policies.Policy",
        verbose_name=_("policy"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # Claims are referred to by their number until the claims app offers a lookup.
    claim_reference = models.CharField(_("claim number"), max_length=64, blank=True)
    assignee = models.ForeignKey(
        _USER,
        verbose_name=_("assignee"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    department = models.ForeignKey(
        "accounts.Department",
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    received_at = models.DateTimeField(_("received at"))
    received_by = models.ForeignKey(
        _USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    first_replied_at = models.DateTimeField(_("first replied at"), null=True, blank=True)
    expected_reply_at = models.DateTimeField(_("answer expected by"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolution = models.TextField(_("resolution"), blank=True)
    response_clock_id = models.BigIntegerField(_("reply clock"), null=True, blank=True)
    question_clock_id = models.BigIntegerField(_("question clock"), null=True, blank=True)
    update_clock_id = models.BigIntegerField(_("progress update clock"), null=True, blank=True)

    class Meta:
        verbose_name = _("inquiry")
        verbose_name_plural = _("inquiries")
        ordering = ["-received_at", "-id"]
        default_permissions = ("view",)
        permissions = [("handle_inquiry", _("Can log, answer, transfer and resolve inquiries"))]
        indexes = [
            models.Index(fields=["status", "department"], name="servicedesk_inquiry_queue"),
            models.Index(fields=["assignee", "status"], name="servicedesk_inquiry_mine"),
            models.Index(fields=["customer", "-received_at"], name="servicedesk_inquiry_cust"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.subject}"


class CannedAnswer(BaseModel):
    """A prepared answer an agent may start a reply from."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("canned answer")
        verbose_name_plural = _("canned answers")
        ordering = ["code"]
        default_permissions = ("add", "change", "view")

    def __str__(self) -> str:
        return self.title


class InquiryMessage(models.Model):
    """One entry of an inquiry's thread. A reply to an email inquiry is also an outbound email
    (`delivery_status`), threaded with Message-ID / In-Reply-To / References."""

    inquiry = models.ForeignKey(Inquiry, on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(_("kind"), max_length=16, choices=MessageKind.choices)
    body = models.TextField(_("text"))
    at = models.DateTimeField(_("at"))
    author = models.ForeignKey(
        _USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    author_name = models.CharField(_("from"), max_length=200, blank=True)
    canned_answer = models.ForeignKey(
        CannedAnswer, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    message_id = models.CharField(_("email Message-ID"), max_length=255, null=True, blank=True)
    in_reply_to = models.CharField(_("in reply to"), max_length=255, blank=True)
    references = models.TextField(_("references"), blank=True)
    email_to = EncryptedTextField(_("emailed to"), null=True, blank=True)
    email_subject = models.CharField(_("email subject"), max_length=255, blank=True)
    delivery_status = models.CharField(
        _("delivery"), max_length=16, choices=DeliveryStatus.choices, blank=True, default=""
    )
    delivery_attempts = models.PositiveSmallIntegerField(_("delivery attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    # Attachments of an incoming email that were not kept: [{"name", "size", "reason"}].
    rejected_attachments = models.JSONField(_("attachments refused"), default=list, blank=True)

    class Meta:
        verbose_name = _("inquiry message")
        verbose_name_plural = _("inquiry messages")
        ordering = ["inquiry", "at", "id"]
        default_permissions = ("view",)
        constraints = [
            models.UniqueConstraint(
                fields=["message_id"],
                condition=Q(message_id__isnull=False),
                name="servicedesk_message_id_once",
            ),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(delivery_status="pending"),
                name="servicedesk_reply_mail_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.inquiry_id} {self.kind}"

    @property
    def visible_to_customer(self) -> bool:
        return self.kind != MessageKind.NOTE


class InquiryAttachment(models.Model):
    """A file on a message, stored under MEDIA_ROOT/servicedesk/<inquiry id>/ with a random
    name (outside the web root; served only through the access checks)."""

    message = models.ForeignKey(
        InquiryMessage, on_delete=models.CASCADE, related_name="attachments"
    )
    path = models.CharField(_("stored as"), max_length=300, unique=True)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size in bytes"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    at = models.DateTimeField(_("received at"))

    class Meta:
        verbose_name = _("inquiry attachment")
        verbose_name_plural = _("inquiry attachments")
        ordering = ["message", "id"]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return self.original_name


class InquiryStatusChange(models.Model):
    inquiry = models.ForeignKey(Inquiry, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(_("from"), max_length=16, blank=True)
    to_status = models.CharField(_("to"), max_length=16)
    action = models.CharField(_("action"), max_length=24)
    at = models.DateTimeField(_("at"))
    by = models.ForeignKey(_USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("inquiry status change")
        verbose_name_plural = _("inquiry status changes")
        ordering = ["inquiry", "at", "id"]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.inquiry_id} {self.action}"


class InquiryTransfer(models.Model):
    """A transfer to another department (or person); the clocks continue."""

    inquiry = models.ForeignKey(Inquiry, on_delete=models.CASCADE, related_name="transfers")
    from_department = models.ForeignKey(
        "accounts.Department", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    to_department = models.ForeignKey(
        "accounts.Department", on_delete=models.PROTECT, related_name="+"
    )
    from_assignee = models.ForeignKey(
        _USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    to_assignee = models.ForeignKey(
        _USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=300)
    at = models.DateTimeField(_("at"))
    by = models.ForeignKey(_USER, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("inquiry transfer")
        verbose_name_plural = _("inquiry transfers")
        ordering = ["inquiry", "at", "id"]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.inquiry_id} → {self.to_department_id}"


class CallbackTask(BaseModel):
    """A missed call: call the number back within the standard (10 minutes)."""

    caller_phone = EncryptedTextField(_("caller's number"))
    customer = models.ForeignKey(
        "parties.Party",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    missed_at = models.DateTimeField(_("missed at"))
    status = models.CharField(
        _("status"), max_length=16, choices=CallbackStatus.choices, default=CallbackStatus.OPEN
    )
    assignee = models.ForeignKey(
        _USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    department = models.ForeignKey(
        "accounts.Department", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    attempts = models.PositiveSmallIntegerField(_("call-back attempts"), default=0)
    last_attempt_at = models.DateTimeField(_("last called back at"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    inquiry = models.ForeignKey(
        Inquiry, on_delete=models.PROTECT, null=True, blank=True, related_name="callbacks"
    )
    clock_id = models.BigIntegerField(_("timeliness clock"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        _USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("call-back task")
        verbose_name_plural = _("call-back tasks")
        ordering = ["missed_at", "id"]
        default_permissions = ("view",)
        indexes = [
            models.Index(fields=["status", "missed_at"], name="servicedesk_callback_open"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.status}"
