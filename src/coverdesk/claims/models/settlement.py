"""Decision and settlement, payments (exactly once: an idempotency key per payment request
with a unique constraint, written under the claim's row lock) and recoveries."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from coverdesk.claims.choices import (
    PaymentKind,
    RecoveryKind,
    SettlementOutcome,
    SettlementScope,
    SettlementStatus,
)
from coverdesk.core.fields import EncryptedTextField

__all__ = ["Payment", "Recovery", "Settlement"]

_USER = settings.AUTH_USER_MODEL


class Settlement(models.Model):
    """A decision on the claim with its amount: the adjudication's calculation, line by line,
    and the inputs that re-run it. A new decision supersedes the one before."""

    claim = models.ForeignKey("claims.Claim", on_delete=models.CASCADE, related_name="settlements")
    number = models.PositiveSmallIntegerField(_("decision"))
    outcome = models.CharField(_("outcome"), max_length=16, choices=SettlementOutcome.choices)
    scope = models.CharField(
        _("scope"), max_length=16, choices=SettlementScope.choices, default=SettlementScope.FULL
    )
    status = models.CharField(_("status"), max_length=16, choices=SettlementStatus.choices)
    amount = models.DecimalField(_("amount approved"), max_digits=14, decimal_places=2)
    calculation = models.JSONField(_("calculation"), default=dict, blank=True)
    inputs = models.JSONField(_("inputs of the calculation"), default=dict, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    proposed_at = models.DateTimeField(_("proposed at"))
    proposed_by = models.ForeignKey(
        _USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    approved_by = models.ForeignKey(
        _USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    agreed_at = models.DateTimeField(_("agreed with the customer at"), null=True, blank=True)
    agreement_note = models.CharField(_("agreement"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("settlement")
        verbose_name_plural = _("settlements")
        ordering = ["claim", "number"]
        default_permissions = ("view",)
        constraints = [
            models.UniqueConstraint(fields=["claim", "number"], name="claims_settlement_once"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="claims_settlement_amount"),
        ]

    def __str__(self) -> str:
        return f"{self.claim_id} #{self.number}"


class Payment(models.Model):
    claim = models.ForeignKey("claims.Claim", on_delete=models.PROTECT, related_name="payments")
    settlement = models.ForeignKey(
        Settlement, on_delete=models.PROTECT, null=True, blank=True, related_name="payments"
    )
    idempotency_key = models.CharField(
        _("idempotency key"),
        max_length=100,
        unique=True,
        help_text=_("The payment request's key: the same key pays once."),
    )
    kind = models.CharField(_("kind"), max_length=16, choices=PaymentKind.choices)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    payee_name = models.CharField(_("payee"), max_length=200)
    payee_account = EncryptedTextField(_("payee's account"), null=True, blank=True)
    reference = models.CharField(_("payment reference"), max_length=100, blank=True)
    paid_at = models.DateTimeField(_("paid at"))
    paid_by = models.ForeignKey(
        _USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("claim payment")
        verbose_name_plural = _("claim payments")
        ordering = ["claim", "paid_at", "id"]
        default_permissions = ("view",)
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="claims_payment_positive"),
        ]
        indexes = [models.Index(fields=["claim", "paid_at"], name="claims_payment_claim")]

    def __str__(self) -> str:
        return f"{self.claim_id} {self.amount}"


class Recovery(models.Model):
    """Salvage sold or a third party's payment under subrogation: reduces what the claim
    costs."""

    claim = models.ForeignKey("claims.Claim", on_delete=models.PROTECT, related_name="recoveries")
    kind = models.CharField(_("kind"), max_length=16, choices=RecoveryKind.choices)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    counterparty = models.CharField(_("from"), max_length=200)
    note = models.CharField(_("note"), max_length=300, blank=True)
    recorded_at = models.DateTimeField(_("recorded at"))
    recorded_by = models.ForeignKey(
        _USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("recovery")
        verbose_name_plural = _("recoveries")
        ordering = ["claim", "recorded_at", "id"]
        default_permissions = ("view",)
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="claims_recovery_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.claim_id} {self.kind} {self.amount}"
