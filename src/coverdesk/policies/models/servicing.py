"""Policy servicing (保全, domain.md §3.2): requests with identity verification, document
checklists, stored fee calculations and customer confirmations, and the endorsements that
apply them to the policy."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from coverdesk.policies.choices import (
    DocumentStatus,
    IdentityMethod,
    RequestChannel,
    ServicingKind,
    ServicingStatus,
)

__all__ = [
    "Endorsement",
    "ServicingCalculation",
    "ServicingDocument",
    "ServicingRequest",
    "ServicingStatusChange",
]


class ServicingRequest(models.Model):
    policy = models.ForeignKey(
        "policies.Policy", on_delete=models.PROTECT, related_name="servicing_requests"
    )
    kind = models.CharField(_("type"), max_length=24, choices=ServicingKind.choices)
    status = models.CharField(
        _("status"),
        max_length=24,
        choices=ServicingStatus.choices,
        default=ServicingStatus.RECEIVED,
    )
    channel = models.CharField(_("received by"), max_length=16, choices=RequestChannel.choices)
    received_at = models.DateTimeField(_("received at"))
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("handled by"),
    )
    requester_name = models.CharField(_("requested by"), max_length=100)
    identity_method = models.CharField(
        _("identity verified by"), max_length=16, choices=IdentityMethod.choices
    )
    identity_reference = models.CharField(
        _("identity document (masked)"), max_length=100, blank=True
    )
    identity_verified_at = models.DateTimeField(_("identity verified at"))
    effective_on = models.DateField(_("effective from"))
    description = models.TextField(_("description"), blank=True)
    # The requested changes in domain terms, e.g. [{"op": "add_person", "person_id": 7}].
    changes = models.JSONField(_("changes"), default=list, blank=True)
    missing_notice_sent_at = models.DateTimeField(
        _("missing documents notified at"), null=True, blank=True
    )
    calculation = models.JSONField(_("current calculation"), null=True, blank=True)
    calculation_number = models.PositiveIntegerField(_("calculation"), default=0)
    amount = models.DecimalField(
        _("amount"),
        max_digits=16,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Premium to collect (positive) or to refund (negative)."),
    )
    confirmation_required = models.BooleanField(_("customer confirmation needed"), default=False)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    confirmed_calculation = models.PositiveIntegerField(
        _("calculation confirmed"), null=True, blank=True
    )
    confirmation_note = models.CharField(
        _("how the customer confirmed"), max_length=300, blank=True
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    customer_notified_at = models.DateTimeField(_("customer notified at"), null=True, blank=True)
    archived_at = models.DateTimeField(_("archived at"), null=True, blank=True)
    outcome_note = models.TextField(_("outcome"), blank=True)
    failures = models.PositiveIntegerField(_("failed attempts"), default=0)
    clock_id = models.BigIntegerField(_("timeliness clock"), null=True, blank=True)

    class Meta:
        verbose_name = _("servicing request")
        verbose_name_plural = _("servicing requests")
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["status", "handler"], name="policies_servicing_work"),
            models.Index(fields=["policy", "-received_at"], name="policies_servicing_policy"),
        ]

    def __str__(self) -> str:
        return f"{self.pk} {self.kind} {self.status}"


class ServicingDocument(models.Model):
    request = models.ForeignKey(
        ServicingRequest, on_delete=models.CASCADE, related_name="documents"
    )
    code = models.CharField(_("code"), max_length=50)
    name = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    required = models.BooleanField(_("required"), default=True)
    status = models.CharField(
        _("status"), max_length=16, choices=DocumentStatus.choices, default=DocumentStatus.MISSING
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    received_at = models.DateTimeField(_("received at"), null=True, blank=True)

    class Meta:
        verbose_name = _("servicing document")
        verbose_name_plural = _("servicing documents")
        ordering = ["request", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["request", "code"], name="policies_servicing_document_once"
            ),
        ]

    def __str__(self) -> str:
        return self.code


class ServicingCalculation(models.Model):
    """Every fee calculation of a request, kept: the lines and the inputs that re-run it."""

    request = models.ForeignKey(
        ServicingRequest, on_delete=models.CASCADE, related_name="calculations"
    )
    number = models.PositiveIntegerField(_("number"))
    calculation = models.JSONField(_("calculation"))
    amount = models.DecimalField(_("amount"), max_digits=16, decimal_places=2)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("servicing calculation")
        verbose_name_plural = _("servicing calculations")
        ordering = ["request", "number"]
        default_permissions = ("view",)
        constraints = [
            models.UniqueConstraint(
                fields=["request", "number"], name="policies_servicing_calculation_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.request_id} #{self.number}"


class ServicingStatusChange(models.Model):
    request = models.ForeignKey(
        ServicingRequest, on_delete=models.CASCADE, related_name="status_changes"
    )
    from_status = models.CharField(_("from"), max_length=24, blank=True)
    to_status = models.CharField(_("to"), max_length=24)
    action = models.CharField(_("action"), max_length=24)
    at = models.DateTimeField(_("at"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("servicing status change")
        verbose_name_plural = _("servicing status changes")
        ordering = ["request", "at", "id"]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.request_id} {self.action}"


class Endorsement(models.Model):
    """批单: a set of changes to a policy's terms from `effective_on`, in arrival order
    (`sequence`). Its premium change is what this transaction charges (positive) or returns
    (negative), re-applications of later endorsements included."""

    policy = models.ForeignKey(
        "policies.Policy", on_delete=models.PROTECT, related_name="endorsements"
    )
    sequence = models.PositiveIntegerField(_("sequence"))
    kind = models.CharField(_("type"), max_length=24, choices=ServicingKind.choices)
    effective_on = models.DateField(_("effective from"))
    changes = models.JSONField(_("changes"))
    premium_change = models.DecimalField(_("premium change"), max_digits=16, decimal_places=2)
    calculation = models.JSONField(_("calculation"))
    out_of_sequence = models.BooleanField(_("out of sequence"), default=False)
    servicing_request = models.OneToOneField(
        ServicingRequest,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="endorsement",
    )
    created_at = models.DateTimeField(_("created at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("endorsement")
        verbose_name_plural = _("endorsements")
        ordering = ["policy", "sequence"]
        default_permissions = ("view",)
        constraints = [
            models.UniqueConstraint(
                fields=["policy", "sequence"], name="policies_endorsement_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.policy_id} #{self.sequence}"
