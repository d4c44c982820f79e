"""New business through a broker (domain.md §3.1): needs intake, consultations, quotes,
applications with their document checklists and underwriting, and follow-ups after issue."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from coverdesk.core.models import BaseModel
from coverdesk.policies.choices import (
    ApplicationStatus,
    Complexity,
    ConsultationChannel,
    DocumentStatus,
    FollowUpKind,
    IntakeStatus,
    QuoteStatus,
)

__all__ = [
    "Application",
    "ApplicationDocument",
    "ApplicationStatusChange",
    "Consultation",
    "FollowUp",
    "NeedsIntake",
    "Quote",
]


class NeedsIntake(BaseModel):
    """A client's commission and needs: type of insurance, coverage wanted, budget."""

    customer = models.ForeignKey(
        "parties.Party", on_delete=models.PROTECT, related_name="+", verbose_name=_("customer")
    )
    broker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("broker"),
    )
    insurance_type = models.CharField(_("type of insurance"), max_length=200)
    coverage_wanted = models.TextField(_("coverage wanted"))
    budget = models.DecimalField(
        _("budget"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    notes = models.TextField(_("notes"), blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=IntakeStatus.choices, default=IntakeStatus.OPEN
    )
    received_at = models.DateTimeField(_("received at"))

    class Meta:
        verbose_name = _("needs intake")
        verbose_name_plural = _("needs intakes")
        ordering = ["-received_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(budget__isnull=True) | Q(budget__gte=0),
                name="policies_intake_budget_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.insurance_type}"


class Consultation(models.Model):
    intake = models.ForeignKey(NeedsIntake, on_delete=models.CASCADE, related_name="consultations")
    occurred_at = models.DateTimeField(_("when"))
    channel = models.CharField(_("channel"), max_length=16, choices=ConsultationChannel.choices)
    summary = models.TextField(_("summary"))
    recommendation = models.TextField(_("recommendation"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        verbose_name = _("consultation")
        verbose_name_plural = _("consultations")
        ordering = ["intake", "occurred_at", "id"]

    def __str__(self) -> str:
        return f"{self.intake_id} {self.occurred_at:%Y-%m-%d}"


class Quote(BaseModel):
    """One option offered to the client: a product version, a period and the rated terms, with
    the premium broken down by coverage. A renewal quote names the policy it renews."""

    intake = models.ForeignKey(
        NeedsIntake, on_delete=models.PROTECT, null=True, blank=True, related_name="quotes"
    )
    renewal_of = models.ForeignKey(
        "policies.Policy",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="renewal_quotes",
    )
    customer = models.ForeignKey(
        "parties.Party", on_delete=models.PROTECT, related_name="+", verbose_name=_("customer")
    )
    product_version = models.ForeignKey(
        "catalog.ProductVersion", on_delete=models.PROTECT, related_name="+"
    )
    label = models.CharField(_("option"), max_length=100)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    terms = models.JSONField(_("terms"))
    term_premium = models.DecimalField(_("premium"), max_digits=16, decimal_places=2)
    total_sum_insured = models.DecimalField(_("total sum insured"), max_digits=16, decimal_places=2)
    status = models.CharField(
        _("status"), max_length=16, choices=QuoteStatus.choices, default=QuoteStatus.OFFERED
    )
    valid_until = models.DateField(_("valid until"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("quote")
        verbose_name_plural = _("quotes")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")),
                name="policies_quote_period_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.pk} {self.label}"


class Application(BaseModel):
    """投保: the accepted quote filed as an application, its documents, the underwriting
    decision, the premium payment and the policy it became. The clock of its timeliness
    standard (simple or complex) runs from complete materials."""

    quote = models.OneToOneField(Quote, on_delete=models.PROTECT, related_name="application")
    customer = models.ForeignKey(
        "parties.Party", on_delete=models.PROTECT, related_name="+", verbose_name=_("customer")
    )
    broker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    complexity = models.CharField(_("complexity"), max_length=16, choices=Complexity.choices)
    status = models.CharField(
        _("status"),
        max_length=24,
        choices=ApplicationStatus.choices,
        default=ApplicationStatus.DRAFT,
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    documents_complete_at = models.DateTimeField(_("documents complete at"), null=True, blank=True)
    missing_notice_sent_at = models.DateTimeField(
        _("missing documents notified at"), null=True, blank=True
    )
    clock_id = models.BigIntegerField(_("timeliness clock"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decision_reasons = models.JSONField(_("reasons"), default=list, blank=True)
    premium_paid = models.DecimalField(
        _("premium paid"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    payment_reference = models.CharField(_("payment reference"), max_length=100, blank=True)
    policy = models.OneToOneField(
        "policies.Policy",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="application",
    )

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "broker"], name="policies_application_work")]

    def __str__(self) -> str:
        return f"{self.pk} {self.status}"


class ApplicationDocument(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="documents")
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
        verbose_name = _("application document")
        verbose_name_plural = _("application documents")
        ordering = ["application", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "code"], name="policies_application_document_once"
            ),
        ]

    def __str__(self) -> str:
        return self.code


class ApplicationStatusChange(models.Model):
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="status_changes"
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
        verbose_name = _("application status change")
        verbose_name_plural = _("application status changes")
        ordering = ["application", "at", "id"]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.application_id} {self.action}"


class FollowUp(models.Model):
    """A broker's follow-up with a client after issue (check-in, renewal or upgrade advice);
    the reminder job tells the broker when it is due."""

    policy = models.ForeignKey(
        "policies.Policy", on_delete=models.CASCADE, related_name="follow_ups"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=FollowUpKind.choices)
    due_on = models.DateField(_("due on"))
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reminded_at = models.DateTimeField(_("reminded at"), null=True, blank=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        ordering = ["due_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "kind"], name="policies_follow_up_once"),
        ]
        indexes = [models.Index(fields=["due_on", "done_at"], name="policies_follow_up_due")]

    def __str__(self) -> str:
        return f"{self.policy_id} {self.kind} {self.due_on}"
