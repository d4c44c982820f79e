"""Survey and loss assessment: surveys with their site visit, loss items with amounts, reserves
per coverage with every change recorded, and the claims authority limits per role."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from coverdesk.accounts.choices import RoleCode
from coverdesk.claims.choices import (
    AuthorityKind,
    LossItemKind,
    ReserveChangeStatus,
    SurveyStatus,
)
from coverdesk.core.models import BaseModel

__all__ = [
    "ClaimAuthorityLimit",
    "LossItem",
    "Reserve",
    "ReserveChange",
    "Survey",
]

_USER = settings.AUTH_USER_MODEL


class Survey(models.Model):
    claim = models.ForeignKey("claims.Claim", on_delete=models.CASCADE, related_name="surveys")
    surveyor = models.ForeignKey(
        _USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("surveyor")
    )
    status = models.CharField(
        _("status"), max_length=16, choices=SurveyStatus.choices, default=SurveyStatus.ASSIGNED
    )
    instructions = models.TextField(_("instructions"), blank=True)
    assigned_at = models.DateTimeField(_("assigned at"))
    assigned_by = models.ForeignKey(
        _USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    visited_at = models.DateTimeField(_("site visited at"), null=True, blank=True)
    site = models.CharField(_("site"), max_length=300, blank=True)
    findings = models.TextField(_("findings"), blank=True)
    recorded_at = models.DateTimeField(_("recorded at"), null=True, blank=True)

    class Meta:
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")
        ordering = ["claim", "assigned_at", "id"]
        default_permissions = ("view",)
        indexes = [
            models.Index(fields=["surveyor", "status"], name="claims_survey_work"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status=SurveyStatus.RECORDED)
                | Q(visited_at__isnull=False, recorded_at__isnull=False),
                name="claims_survey_recorded_has_visit",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.claim_id} {self.surveyor_id}"


class LossItem(models.Model):
    claim = models.ForeignKey("claims.Claim", on_delete=models.CASCADE, related_name="loss_items")
    coverage_code = models.CharField(_("coverage"), max_length=50)
    loss_type = models.CharField(_("loss type"), max_length=32)
    kind = models.CharField(_("kind"), max_length=24, choices=LossItemKind.choices)
    description = models.CharField(_("description"), max_length=300)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    victim = models.CharField(
        _("injured third party"),
        max_length=100,
        blank=True,
        help_text=_("Who a liability item is for, where a per-person limit applies."),
    )
    count = models.PositiveSmallIntegerField(_("count"), default=1)
    determined = models.BooleanField(
        _("amount determined"),
        default=True,
        help_text=_("An estimate is left out of an advance payment."),
    )
    aircraft = models.ForeignKey(
        "policies.Aircraft", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    person = models.ForeignKey(
        "policies.InsuredPerson",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    survey = models.ForeignKey(
        Survey, on_delete=models.PROTECT, null=True, blank=True, related_name="loss_items"
    )
    created_at = models.DateTimeField(_("recorded at"))
    created_by = models.ForeignKey(
        _USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("loss item")
        verbose_name_plural = _("loss items")
        ordering = ["claim", "id"]
        default_permissions = ("view",)
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="claims_loss_item_amount"),
        ]

    def __str__(self) -> str:
        return f"{self.claim_id} {self.kind} {self.amount}"


class Reserve(models.Model):
    """未决赔款准备金: what the claim is expected to cost under one coverage."""

    claim = models.ForeignKey("claims.Claim", on_delete=models.CASCADE, related_name="reserves")
    coverage_code = models.CharField(_("coverage"), max_length=50)
    amount = models.DecimalField(_("reserve"), max_digits=14, decimal_places=2)
    updated_at = models.DateTimeField(_("changed at"))

    class Meta:
        verbose_name = _("reserve")
        verbose_name_plural = _("reserves")
        ordering = ["claim", "coverage_code"]
        default_permissions = ("view",)
        constraints = [
            models.UniqueConstraint(fields=["claim", "coverage_code"], name="claims_reserve_once"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="claims_reserve_amount"),
        ]

    def __str__(self) -> str:
        return f"{self.claim_id} {self.coverage_code} {self.amount}"


class ReserveChange(models.Model):
    """Every reserve change asked for: applied at once within the asker's authority, else
    referred to someone with more authority, who applies or refuses it."""

    reserve = models.ForeignKey(Reserve, on_delete=models.CASCADE, related_name="changes")
    claim = models.ForeignKey(
        "claims.Claim", on_delete=models.CASCADE, related_name="reserve_changes"
    )
    previous_amount = models.DecimalField(_("before"), max_digits=14, decimal_places=2)
    amount = models.DecimalField(_("asked for"), max_digits=14, decimal_places=2)
    status = models.CharField(_("status"), max_length=16, choices=ReserveChangeStatus.choices)
    reason = models.CharField(_("reason"), max_length=300)
    requested_at = models.DateTimeField(_("asked at"))
    requested_by = models.ForeignKey(
        _USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        _USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decision_note = models.CharField(_("decision note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("reserve change")
        verbose_name_plural = _("reserve changes")
        ordering = ["claim", "requested_at", "id"]
        default_permissions = ("view",)
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gte=0, previous_amount__gte=0),
                name="claims_reserve_change_amounts",
            ),
            models.UniqueConstraint(
                fields=["reserve"],
                condition=Q(status=ReserveChangeStatus.REFERRED),
                name="claims_reserve_one_referral",
            ),
        ]
        indexes = [
            models.Index(
                fields=["status", "requested_at"],
                condition=Q(status=ReserveChangeStatus.REFERRED),
                name="claims_reserve_referrals",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reserve_id}: {self.previous_amount} → {self.amount}"


class ClaimAuthorityLimit(BaseModel):
    """The most a role may decide alone on a claim: a reserve per coverage, an amount approved.
    Empty limit: no limit. A user's authority is the highest of their roles'; above
    it the decision is referred to a role that has more (maker-checker)."""

    role = models.CharField(_("role"), max_length=30, choices=RoleCode.choices)
    kind = models.CharField(_("kind"), max_length=16, choices=AuthorityKind.choices)
    limit = models.DecimalField(_("limit"), max_digits=14, decimal_places=2, null=True, blank=True)

    class Meta:
        verbose_name = _("claims authority limit")
        verbose_name_plural = _("claims authority limits")
        ordering = ["kind", "role"]
        constraints = [
            models.UniqueConstraint(fields=["role", "kind"], name="claims_authority_once"),
            models.CheckConstraint(
                condition=Q(limit__isnull=True) | Q(limit__gte=0),
                name="claims_authority_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.role}"
