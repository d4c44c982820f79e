"""Policies as sequences of immutable, effective-dated versions; the numbering sequences; the
authority limits of underwriting and servicing.

A version's terms, premiums and dates never change once written. When an endorsement arrives
out of sequence, the versions after it are *replaced* (`replaced_at` set) by re-applied copies,
and the version before it is closed (`effective_to`); these are the only updates a version gets,
always by the policies services under the policy's row lock.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from coverdesk.accounts.choices import RoleCode
from coverdesk.core.models import BaseModel
from coverdesk.policies.choices import (
    AuthorityKind,
    PolicyStatus,
    RenewalStatus,
    VersionKind,
)

__all__ = [
    "AuthorityLimit",
    "Policy",
    "PolicyNumberCounter",
    "PolicyNumberSequence",
    "PolicyObject",
    "PolicyStatusChange",
    "PolicyVersion",
]


class PolicyNumberSequence(BaseModel):
    """How policy numbers are made: prefix, the year of issue (optional), a zero-padded counter.
    `code` is a product code, or "default" for products without their own sequence."""

    code = models.CharField(_("code"), max_length=50, unique=True)
    prefix = models.CharField(_("prefix"), max_length=20)
    include_year = models.BooleanField(_("include the year"), default=True)
    padding = models.PositiveSmallIntegerField(_("digits"), default=6)

    class Meta:
        verbose_name = _("policy number sequence")
        verbose_name_plural = _("policy number sequences")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(padding__gte=1, padding__lte=12), name="policies_sequence_padding"
            ),
        ]

    def __str__(self) -> str:
        return self.code


class PolicyNumberCounter(models.Model):
    """The last number given in one sequence and year (0 when the year is not part of the
    number). Locked while a number is taken, so numbers are gap-free: a rolled-back issue
    gives its number back with the rollback."""

    sequence = models.ForeignKey(
        PolicyNumberSequence, on_delete=models.CASCADE, related_name="counters"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    last_number = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("policy number counter")
        verbose_name_plural = _("policy number counters")
        constraints = [
            models.UniqueConstraint(fields=["sequence", "year"], name="policies_counter_once"),
        ]

    def __str__(self) -> str:
        return f"{self.sequence_id} {self.year}: {self.last_number}"


class Policy(BaseModel):
    number = models.CharField(_("policy number"), max_length=40, unique=True)
    customer = models.ForeignKey(
        "parties.Party",
        on_delete=models.PROTECT,
        related_name="policies",
        verbose_name=_("customer"),
    )
    product_version = models.ForeignKey(
        "catalog.ProductVersion",
        on_delete=models.PROTECT,
        related_name="policies",
        verbose_name=_("product version"),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=PolicyStatus.choices, default=PolicyStatus.ACTIVE
    )
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"), help_text=_("Cover ends at 24:00 of this day."))
    term_premium = models.DecimalField(
        _("term premium of the latest terms"), max_digits=16, decimal_places=2
    )
    premium_written = models.DecimalField(
        _("premium written"),
        max_digits=16,
        decimal_places=2,
        help_text=_("Premium at issue plus every endorsement's change, less refunds."),
    )
    broker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("broker"),
    )
    issued_at = models.DateTimeField(_("issued at"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("issued by"),
    )
    filed_at = models.DateTimeField(_("contract filed at"), null=True, blank=True)
    filing_reference = models.CharField(_("filing reference"), max_length=100, blank=True)
    customer_notified_at = models.DateTimeField(_("customer notified at"), null=True, blank=True)
    cancelled_on = models.DateField(
        _("cancelled from"),
        null=True,
        blank=True,
        help_text=_("Cover ended at 00:00 of this day."),
    )
    renewal_of = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="renewal",
        verbose_name=_("renewal of"),
    )
    renewal_status = models.CharField(
        _("renewal"), max_length=16, choices=RenewalStatus.choices, default=RenewalStatus.NOT_DUE
    )

    class Meta:
        verbose_name = _("policy")
        verbose_name_plural = _("policies")
        ordering = ["-period_start", "-id"]
        permissions = [
            ("manage_new_business", _("Can take needs, consult, quote and file applications")),
            ("underwrite", _("Can decide applications within the underwriting authority")),
            ("issue_policy", _("Can record premium payments, issue, file and renew policies")),
            ("process_servicing", _("Can receive and process servicing requests")),
            ("approve_servicing", _("Can approve servicing within the servicing authority")),
        ]
        indexes = [
            # The list's order (newest period first): the first page without sorting them all.
            models.Index(fields=["-period_start", "-id"], name="policies_policy_newest"),
            models.Index(fields=["customer", "-period_start"], name="policies_policy_customer"),
            models.Index(fields=["period_end", "status"], name="policies_policy_expiry"),
            models.Index(fields=["product_version", "issued_at"], name="policies_policy_product"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")),
                name="policies_policy_period_order",
            ),
            models.CheckConstraint(
                condition=Q(status="active", cancelled_on__isnull=True)
                | Q(status="cancelled", cancelled_on__isnull=False),
                name="policies_policy_cancelled_on_matches_status",
            ),
        ]

    def __str__(self) -> str:
        return self.number


class PolicyVersion(models.Model):
    """What the policy covers from `effective_from` to `effective_to` (both whole days): the
    terms (coverages with limits and deductibles, insured aircraft and persons with their
    values and premium lines, clauses with parameters) and their term premium, written by one
    transaction whose premium change and calculation lines it keeps. A cancellation version
    covers nothing."""

    policy = models.ForeignKey(
        Policy, on_delete=models.PROTECT, related_name="versions", verbose_name=_("policy")
    )
    number = models.PositiveIntegerField(_("version"))
    kind = models.CharField(_("kind"), max_length=16, choices=VersionKind.choices)
    endorsement = models.ForeignKey(
        "policies.Endorsement",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="versions",
        verbose_name=_("endorsement"),
    )
    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(
        _("effective to"), help_text=_("Before effective from when replaced the same day.")
    )
    terms = models.JSONField(_("terms"))
    term_premium = models.DecimalField(_("term premium"), max_digits=16, decimal_places=2)
    premium_change = models.DecimalField(_("premium change"), max_digits=16, decimal_places=2)
    calculation = models.JSONField(_("calculation"), null=True, blank=True)
    reapplication_of = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("re-application of"),
    )
    replaced_at = models.DateTimeField(_("replaced at"), null=True, blank=True)
    replaced_by = models.ForeignKey(
        "policies.Endorsement",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replaced_versions",
        verbose_name=_("replaced by the out-of-sequence endorsement"),
    )
    created_at = models.DateTimeField(_("created at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        verbose_name = _("policy version")
        verbose_name_plural = _("policy versions")
        ordering = ["policy", "number"]
        default_permissions = ("view",)
        constraints = [
            models.UniqueConstraint(fields=["policy", "number"], name="policies_version_once"),
        ]
        indexes = [
            models.Index(
                fields=["policy", "effective_from"],
                condition=Q(replaced_at__isnull=True),
                name="policies_version_active",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.policy_id} v{self.number}"

    @property
    def is_active(self) -> bool:
        return self.replaced_at is None


class PolicyObject(models.Model):
    """Which aircraft and insured persons a version covers: the index behind "policies of this
    aircraft / person" (the terms themselves are in the version's JSON)."""

    version = models.ForeignKey(
        PolicyVersion, on_delete=models.CASCADE, related_name="insured_objects"
    )
    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="+")
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

    class Meta:
        verbose_name = _("insured object of a version")
        verbose_name_plural = _("insured objects of versions")
        default_permissions = ()
        constraints = [
            models.CheckConstraint(
                condition=Q(aircraft__isnull=True, person__isnull=False)
                | Q(aircraft__isnull=False, person__isnull=True),
                name="policies_object_one_kind",
            ),
        ]
        indexes = [
            models.Index(fields=["aircraft", "policy"], name="policies_object_aircraft"),
            models.Index(fields=["person", "policy"], name="policies_object_person"),
        ]

    def __str__(self) -> str:
        return f"{self.version_id}: {self.aircraft_id or self.person_id}"


class PolicyStatusChange(models.Model):
    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(_("from"), max_length=24, blank=True)
    to_status = models.CharField(_("to"), max_length=24)
    action = models.CharField(_("action"), max_length=24)
    at = models.DateTimeField(_("at"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("policy status change")
        verbose_name_plural = _("policy status changes")
        ordering = ["policy", "at", "id"]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.policy_id} {self.action}"


class AuthorityLimit(BaseModel):
    """The most a role may decide alone: underwriting up to a total sum insured, servicing up
    to a premium change or refund (absolute). Empty limit: no limit. A user's authority is the
    highest of their roles'; above it the case is referred to a role that has more."""

    role = models.CharField(_("role"), max_length=30, choices=RoleCode.choices)
    kind = models.CharField(_("kind"), max_length=16, choices=AuthorityKind.choices)
    limit = models.DecimalField(_("limit"), max_digits=16, decimal_places=2, null=True, blank=True)

    class Meta:
        verbose_name = _("authority limit")
        verbose_name_plural = _("authority limits")
        ordering = ["kind", "role"]
        constraints = [
            models.UniqueConstraint(fields=["role", "kind"], name="policies_authority_once"),
            models.CheckConstraint(
                condition=Q(limit__isnull=True) | Q(limit__gte=0),
                name="policies_authority_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.role}"
