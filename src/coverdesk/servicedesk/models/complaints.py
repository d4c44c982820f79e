"""Complaints (投诉) with full tracking: first contact, classification with the cause,
responsibility, the company's resolution clocks beside the regulatory decision clock (with a
recorded extension), the customer's acceptance and reopening."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from coverdesk.core.fields import EncryptedTextField
from coverdesk.core.models import BaseModel
from coverdesk.servicedesk.choices import (
    Classification,
    ComplaintCause,
    ComplaintChannel,
    ComplaintContactKind,
    ComplaintStatus,
    ResponsibilityError,
)

__all__ = ["Complaint", "ComplaintContact", "ComplaintStatusChange"]

_USER = settings.AUTH_USER_MODEL


class Complaint(BaseModel):
    """Clocks: first contact (1 WD), resolution (simple 5 / complex 10 WD, with a daily
    progress update to the customer) and the regulatory decision (15 natural days; after a
    recorded extension, the extension's clock)."""

    channel = models.CharField(_("received by"), max_length=16, choices=ComplaintChannel.choices)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=ComplaintStatus.choices,
        default=ComplaintStatus.RECEIVED,
    )
    classification = models.CharField(
        _("classification"), max_length=16, choices=Classification.choices
    )
    cause = models.CharField(_("cause"), max_length=24, choices=ComplaintCause.choices, blank=True)
    cause_note = models.CharField(_("about the cause"), max_length=300, blank=True)
    customer = models.ForeignKey(
        "parties.Party",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="complaints",
    )
    complainant_name = models.CharField(_("complainant"), max_length=100)
    complainant_phone = EncryptedTextField(_("complainant's phone"), null=True, blank=True)
    complainant_email = EncryptedTextField(_("complainant's email"), null=True, blank=True)
    subject = models.CharField(_("subject"), max_length=200)
    description = models.TextField(_("what the customer says"))
    inquiry = models.ForeignKey(
        "servicedesk.Inquiry", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    policy = models.ForeignKey(
        "policies.Policy", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    claim_reference = models.CharField(_("claim number"), max_length=64, blank=True)
    assignee = models.ForeignKey(
        _USER,
        verbose_name=_("handler"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    department = models.ForeignKey(
        "accounts.Department",
        verbose_name=_("handling department"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    received_at = models.DateTimeField(_("received at"))
    contacted_at = models.DateTimeField(_("complainant contacted at"), null=True, blank=True)
    # Responsibility: which department, which person, which error.
    responsible_department = models.ForeignKey(
        "accounts.Department",
        verbose_name=_("responsible department"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    responsible_person = models.ForeignKey(
        _USER,
        verbose_name=_("responsible person"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    responsibility_error = models.CharField(
        _("error"), max_length=24, choices=ResponsibilityError.choices, blank=True
    )
    responsibility_note = models.TextField(_("responsibility findings"), blank=True)
    responsibility_determined_at = models.DateTimeField(null=True, blank=True)
    responsibility_determined_by = models.ForeignKey(
        _USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    extended_at = models.DateTimeField(_("decision period extended at"), null=True, blank=True)
    extension_reason = models.CharField(_("reason for the extension"), max_length=300, blank=True)
    resolution = models.TextField(_("resolution"), blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    customer_accepted = models.BooleanField(_("customer accepts"), null=True, blank=True)
    acceptance_note = models.CharField(_("customer's answer"), max_length=300, blank=True)
    accepted_at = models.DateTimeField(_("customer answered at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("times reopened"), default=0)
    contact_clock_id = models.BigIntegerField(_("first contact clock"), null=True, blank=True)
    resolve_clock_id = models.BigIntegerField(_("resolution clock"), null=True, blank=True)
    decision_clock_id = models.BigIntegerField(_("decision clock"), null=True, blank=True)

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        ordering = ["-received_at", "-id"]
        default_permissions = ("view",)
        permissions = [
            ("handle_complaint", _("Can receive, handle and resolve complaints")),
            (
                "determine_complaint_responsibility",
                _("Can determine who is responsible for a complaint"),
            ),
        ]
        indexes = [
            models.Index(fields=["status", "department"], name="servicedesk_complaint_queue"),
            models.Index(fields=["received_at"], name="servicedesk_complaint_month"),
            models.Index(fields=["customer", "-received_at"], name="servicedesk_complaint_cust"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(extended_at__isnull=True) | ~Q(extension_reason=""),
                name="servicedesk_complaint_extension_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.subject}"


class ComplaintContact(models.Model):
    """A communication with the complainant: first contact, updates, extension notice,
    resolution, and their answer."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="contacts")
    kind = models.CharField(_("kind"), max_length=16, choices=ComplaintContactKind.choices)
    text = models.TextField(_("text"))
    at = models.DateTimeField(_("at"))
    by = models.ForeignKey(_USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("complaint contact")
        verbose_name_plural = _("complaint contacts")
        ordering = ["complaint", "at", "id"]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.complaint_id} {self.kind}"


class ComplaintStatusChange(models.Model):
    complaint = models.ForeignKey(
        Complaint, on_delete=models.CASCADE, related_name="status_changes"
    )
    from_status = models.CharField(_("from"), max_length=16, blank=True)
    to_status = models.CharField(_("to"), max_length=16)
    action = models.CharField(_("action"), max_length=24)
    at = models.DateTimeField(_("at"))
    by = models.ForeignKey(_USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("complaint status change")
        verbose_name_plural = _("complaint status changes")
        ordering = ["complaint", "at", "id"]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.complaint_id} {self.action}"
