"""Claims (domain.md §3.3): the first notice of loss against a policy and the version in force
at the time of loss, its coverages and loss types (exposures), its one handler with the history
of assignments, and its status history."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from coverdesk.claims.choices import (
    ClaimStatus,
    Complexity,
    MaterialsState,
    ReportChannel,
)
from coverdesk.core.fields import BlindIndexField, EncryptedTextField
from coverdesk.core.models import BaseModel
from coverdesk.parties.choices import IndexPurpose

__all__ = ["Claim", "ClaimExposure", "ClaimStatusChange", "HandlerAssignment"]

_USER = settings.AUTH_USER_MODEL


class Claim(BaseModel):
    number = models.CharField(_("claim number"), max_length=40, unique=True)
    policy = models.ForeignKey(
        "policies.Policy", on_delete=models.PROTECT, related_name="claims", verbose_name=_("policy")
    )
    policy_version = models.ForeignKey(
        "policies.PolicyVersion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="claims",
        verbose_name=_("version in force at the time of loss"),
        help_text=_("Empty when nothing was in force (outside the period, after cancellation)."),
    )
    customer = models.ForeignKey(
        "parties.Party", on_delete=models.PROTECT, related_name="claims", verbose_name=_("customer")
    )
    incident = models.ForeignKey(
        "claims.Incident",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="claims",
        verbose_name=_("incident"),
    )
    channel = models.CharField(_("reported by"), max_length=16, choices=ReportChannel.choices)
    source = models.CharField(
        _("reporting system"),
        max_length=100,
        blank=True,
        help_text=_("The customer's system that reported through the API."),
    )
    caller_report_id = models.CharField(
        _("caller's report id"),
        max_length=100,
        blank=True,
        help_text=_("The id the reporting system gave; the same id reports only once."),
    )
    reported_at = models.DateTimeField(_("reported at"))
    reported_by = models.ForeignKey(
        _USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    loss_at = models.DateTimeField(_("time of loss"))
    loss_place = models.CharField(_("place of loss"), max_length=300)
    description = models.TextField(_("what happened"))
    aircraft = models.ManyToManyField(
        "policies.Aircraft", blank=True, related_name="claims", verbose_name=_("aircraft")
    )
    persons = models.ManyToManyField(
        "policies.InsuredPerson",
        blank=True,
        related_name="claims",
        verbose_name=_("persons involved"),
    )
    reporter_name = models.CharField(_("reporter"), max_length=100)
    reporter_phone = EncryptedTextField(_("reporter's phone"), null=True, blank=True)
    reporter_phone_index = BlindIndexField(source="reporter_phone", purpose=IndexPurpose.PHONE)
    reporter_email = EncryptedTextField(_("reporter's email"), null=True, blank=True)
    reporter_email_index = BlindIndexField(source="reporter_email", purpose=IndexPurpose.EMAIL)
    estimated_amount = models.DecimalField(
        _("estimated loss"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    loss_facts = models.JSONField(
        _("facts of the loss found"),
        default=dict,
        blank=True,
        help_text=_(
            "What the assessment established for the adjudication: flight area, the pilot's"
            " licence, authorisation and type rating, exclusions found, salvage."
        ),
    )
    complexity = models.CharField(
        _("complexity"), max_length=16, choices=Complexity.choices, default=Complexity.GENERAL
    )
    green_channel = models.BooleanField(_("green channel"), default=False)
    handler = models.ForeignKey(
        _USER,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("handler"),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=ClaimStatus.choices, default=ClaimStatus.REPORTED
    )
    materials_state = models.CharField(
        _("materials"), max_length=16, choices=MaterialsState.choices, default=MaterialsState.NONE
    )
    materials_first_received_at = models.DateTimeField(
        _("first materials received at"), null=True, blank=True
    )
    materials_complete_at = models.DateTimeField(_("materials complete at"), null=True, blank=True)
    waiting_since = models.DateTimeField(_("waiting for the customer since"), null=True, blank=True)
    registered_at = models.DateTimeField(_("registered at"), null=True, blank=True)
    registered_by = models.ForeignKey(
        _USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    assessed_at = models.DateTimeField(_("assessed at"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    settled_at = models.DateTimeField(_("settlement agreed at"), null=True, blank=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    reopened = models.PositiveSmallIntegerField(_("times reopened"), default=0)

    class Meta:
        verbose_name = _("claim")
        verbose_name_plural = _("claims")
        ordering = ["-reported_at", "-id"]
        permissions = [
            ("report_claim", _("Can take a first notice of loss")),
            ("handle_claim", _("Can handle claims: response, materials, registration, reserves")),
            ("survey_claim", _("Can survey and assess losses")),
            ("approve_claim", _("Can approve claims and reserves within the claims authority")),
            ("pay_claim", _("Can make claim payments")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "channel", "source", "caller_report_id"],
                condition=~Q(caller_report_id=""),
                name="claims_claim_caller_report_once",
            ),
            models.CheckConstraint(
                condition=Q(estimated_amount__isnull=True) | Q(estimated_amount__gte=0),
                name="claims_claim_estimate_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(loss_at__lte=models.F("reported_at")),
                name="claims_claim_loss_before_report",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "handler"], name="claims_claim_work"),
            models.Index(fields=["policy", "-reported_at"], name="claims_claim_policy"),
            models.Index(fields=["customer", "-reported_at"], name="claims_claim_customer"),
            models.Index(fields=["-reported_at", "-id"], name="claims_claim_recent"),
        ]

    def __str__(self) -> str:
        return self.number


class ClaimExposure(models.Model):
    """One coverage (or section) and loss type the claim is about: what its material
    checklist, reserves and loss items are per."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="exposures")
    coverage_code = models.CharField(_("coverage"), max_length=50)
    loss_type = models.CharField(_("loss type"), max_length=32)
    coverage_name = models.CharField(_("coverage (Chinese)"), max_length=200)
    coverage_name_en = models.CharField(_("coverage (English)"), max_length=200)

    class Meta:
        verbose_name = _("claim exposure")
        verbose_name_plural = _("claim exposures")
        ordering = ["claim", "id"]
        default_permissions = ()
        constraints = [
            models.UniqueConstraint(
                fields=["claim", "coverage_code", "loss_type"], name="claims_exposure_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.coverage_code}/{self.loss_type}"


class HandlerAssignment(models.Model):
    """Who handled the claim when: the current handler's row has no end."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="assignments")
    handler = models.ForeignKey(_USER, on_delete=models.PROTECT, related_name="+")
    assigned_at = models.DateTimeField(_("assigned at"))
    assigned_by = models.ForeignKey(
        _USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)

    class Meta:
        verbose_name = _("handler assignment")
        verbose_name_plural = _("handler assignments")
        ordering = ["claim", "assigned_at", "id"]
        default_permissions = ("view",)
        constraints = [
            models.UniqueConstraint(
                fields=["claim"],
                condition=Q(ended_at__isnull=True),
                name="claims_one_current_handler",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.claim_id} → {self.handler_id}"


class ClaimStatusChange(models.Model):
    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(_("from"), max_length=24, blank=True)
    to_status = models.CharField(_("to"), max_length=24)
    action = models.CharField(_("action"), max_length=24)
    at = models.DateTimeField(_("at"))
    by = models.ForeignKey(_USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("claim status change")
        verbose_name_plural = _("claim status changes")
        ordering = ["claim", "at", "id"]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.claim_id} {self.action}"
