"""The product catalogue: products, their immutable versions, and per version the coverages with
their limits, deductibles, rating, exclusions, clauses and claim material checklists.

A version is written as a draft and then published; once published nothing of it changes (the
services refuse), so a policy that points at a version keeps the terms it was written on. A
change to a product is a new version (`product_version_draft` copies the current one).
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from coverdesk.catalog.choices import (
    ClauseCategory,
    ClauseKind,
    CoverageKind,
    DeductibleKind,
    InsuredObjectKind,
    LimitBasis,
    LimitKind,
    LossType,
    PersonCategory,
    RatingMethod,
    RefundMethod,
    VersionStatus,
)
from coverdesk.core.models import BaseModel

CODE_PATTERN = r"^[a-z][a-z0-9_.-]{0,49}$"
code_validator = RegexValidator(CODE_PATTERN)


class Product(BaseModel):
    code = models.CharField(
        _("code"),
        max_length=50,
        unique=True,
        validators=[code_validator],
        help_text=_("Stable, e.g. aviation-programme"),
    )
    name = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    description = models.TextField(_("description (Chinese)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["code"]
        permissions = [("manage_products", _("Can create, change and publish products"))]

    def __str__(self) -> str:
        return self.code


class ProductVersion(BaseModel):
    """The terms of a product from `effective_from` on. Immutable once published."""

    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="versions", verbose_name=_("product")
    )
    number = models.PositiveIntegerField(_("version"))
    status = models.CharField(
        _("status"), max_length=16, choices=VersionStatus.choices, default=VersionStatus.DRAFT
    )
    effective_from = models.DateField(
        _("effective from"), help_text=_("Policies starting on or after this day use it.")
    )
    notes = models.TextField(_("notes"), blank=True)
    # Cancellation terms, read by the policies app's refund arithmetic.
    refund_method = models.CharField(
        _("refund method"),
        max_length=16,
        choices=RefundMethod.choices,
        default=RefundMethod.PRO_RATA,
    )
    # [{"months": 1, "earned": "0.10"}, …]: share of the annual premium the insurer keeps when
    # the cover ends within `months` months; increasing, the last row covering 12 months.
    short_rate_table = models.JSONField(_("short-rate table"), default=list, blank=True)
    flat_refund_share = models.DecimalField(
        _("flat refund share of the premium"), max_digits=7, decimal_places=6, null=True, blank=True
    )
    cancellation_fee = models.DecimalField(
        _("cancellation fee"),
        max_digits=16,
        decimal_places=2,
        default=0,
        help_text=_("Deducted from every refund."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("published by"),
    )

    class Meta:
        verbose_name = _("product version")
        verbose_name_plural = _("product versions")
        ordering = ["product", "number"]
        constraints = [
            models.UniqueConstraint(fields=["product", "number"], name="catalog_version_once"),
            models.UniqueConstraint(
                fields=["product", "effective_from"],
                condition=Q(status="published"),
                name="catalog_version_one_published_per_day",
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(published_at__isnull=False),
                name="catalog_version_published_at",
            ),
            models.CheckConstraint(
                condition=Q(cancellation_fee__gte=0), name="catalog_version_fee_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(flat_refund_share__isnull=True)
                | (Q(flat_refund_share__gte=0) & Q(flat_refund_share__lte=1)),
                name="catalog_version_flat_refund_share",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product_id} v{self.number}"

    @property
    def is_published(self) -> bool:
        return self.status == VersionStatus.PUBLISHED


class Coverage(BaseModel):
    """A coverage (险种) of a product version, or a section of one (`parent` set): e.g. the
    aviation comprehensive cover with its hull, third-party and passenger sections. Limits,
    deductibles and rating attach to the row they are about."""

    version = models.ForeignKey(
        ProductVersion,
        on_delete=models.CASCADE,
        related_name="coverages",
        verbose_name=_("product version"),
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="sections",
        verbose_name=_("part of"),
    )
    code = models.CharField(_("code"), max_length=50, validators=[code_validator])
    name = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    description = models.TextField(_("description (Chinese)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    kind = models.CharField(_("kind"), max_length=24, choices=CoverageKind.choices)
    insured_object = models.CharField(
        _("written on"), max_length=16, choices=InsuredObjectKind.choices
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("coverage")
        verbose_name_plural = _("coverages")
        ordering = ["version", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="catalog_coverage_code_once"),
        ]

    def __str__(self) -> str:
        return self.code


class CoverageLimit(BaseModel):
    """A limit of indemnity (赔偿限额) or per-person sum insured, optionally only for one loss
    type or one person category."""

    coverage = models.ForeignKey(
        Coverage, on_delete=models.CASCADE, related_name="limits", verbose_name=_("coverage")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=LimitKind.choices)
    basis = models.CharField(
        _("basis"), max_length=16, choices=LimitBasis.choices, default=LimitBasis.AMOUNT
    )
    amount = models.DecimalField(
        _("amount"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    share = models.DecimalField(
        _("share of agreed value"), max_digits=7, decimal_places=6, null=True, blank=True
    )
    loss_type = models.CharField(
        _("loss type"), max_length=32, choices=LossType.choices, blank=True
    )
    person_category = models.CharField(
        _("person category"), max_length=16, choices=PersonCategory.choices, blank=True
    )
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("limit")
        verbose_name_plural = _("limits")
        ordering = ["coverage", "kind", "loss_type", "person_category", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["coverage", "kind", "loss_type", "person_category"],
                name="catalog_limit_once",
            ),
            models.CheckConstraint(
                condition=(
                    Q(basis="amount", amount__gt=0, share__isnull=True)
                    | Q(basis="agreed_value", amount__isnull=True, share__gt=0, share__lte=1)
                ),
                name="catalog_limit_basis_fields",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.coverage_id} {self.kind}"


class Deductible(BaseModel):
    """免赔额: a fixed amount, or a percentage of the loss with a minimum amount."""

    coverage = models.ForeignKey(
        Coverage, on_delete=models.CASCADE, related_name="deductibles", verbose_name=_("coverage")
    )
    loss_type = models.CharField(
        _("loss type"),
        max_length=32,
        choices=LossType.choices,
        blank=True,
        help_text=_("Empty: every loss under the coverage."),
    )
    kind = models.CharField(_("kind"), max_length=16, choices=DeductibleKind.choices)
    amount = models.DecimalField(
        _("amount"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    percentage = models.DecimalField(
        _("share of the loss"), max_digits=7, decimal_places=6, null=True, blank=True
    )
    minimum_amount = models.DecimalField(
        _("minimum"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("deductible")
        verbose_name_plural = _("deductibles")
        ordering = ["coverage", "loss_type", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["coverage", "loss_type"], name="catalog_deductible_once"
            ),
            models.CheckConstraint(
                condition=(
                    Q(kind="amount", amount__gte=0, percentage__isnull=True)
                    | Q(
                        kind="percentage",
                        amount__isnull=True,
                        percentage__gt=0,
                        percentage__lte=1,
                        minimum_amount__gte=0,
                    )
                ),
                name="catalog_deductible_kind_fields",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.coverage_id} {self.kind}"


class RatingRule(BaseModel):
    """How the premium of one line of a coverage is worked out (one rule per coverage row)."""

    coverage = models.OneToOneField(
        Coverage, on_delete=models.CASCADE, related_name="rating", verbose_name=_("coverage")
    )
    method = models.CharField(_("method"), max_length=24, choices=RatingMethod.choices)
    rate = models.DecimalField(
        _("rate"), max_digits=9, decimal_places=6, null=True, blank=True, help_text="0.012 = 1.2%"
    )
    amount = models.DecimalField(
        _("premium per seat or per object"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    minimum_premium = models.DecimalField(
        _("minimum premium"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("rating rule")
        verbose_name_plural = _("rating rules")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(method__in=["agreed_value_rate", "sum_insured_rate"], rate__gt=0)
                    | Q(method__in=["per_seat", "flat"], amount__gt=0)
                    | Q(method="per_head")
                ),
                name="catalog_rating_method_fields",
            ),
            models.CheckConstraint(
                condition=Q(minimum_premium__isnull=True) | Q(minimum_premium__gt=0),
                name="catalog_rating_minimum_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.coverage_id} {self.method}"


class HeadPremium(BaseModel):
    """Annual premium per insured person of one category (per-head rating)."""

    rule = models.ForeignKey(
        RatingRule, on_delete=models.CASCADE, related_name="head_premiums", verbose_name=_("rule")
    )
    person_category = models.CharField(
        _("person category"), max_length=16, choices=PersonCategory.choices
    )
    premium = models.DecimalField(_("premium per head"), max_digits=16, decimal_places=2)

    class Meta:
        verbose_name = _("premium per head")
        verbose_name_plural = _("premiums per head")
        ordering = ["rule", "person_category"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "person_category"], name="catalog_head_premium_once"
            ),
            models.CheckConstraint(condition=Q(premium__gt=0), name="catalog_head_premium_gt_0"),
        ]

    def __str__(self) -> str:
        return f"{self.rule_id} {self.person_category}"


class Exclusion(BaseModel):
    coverage = models.ForeignKey(
        Coverage, on_delete=models.CASCADE, related_name="exclusions", verbose_name=_("coverage")
    )
    code = models.CharField(_("code"), max_length=50, validators=[code_validator])
    text = models.TextField(_("text (Chinese)"))
    text_en = models.TextField(_("text (English)"))
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("exclusion")
        verbose_name_plural = _("exclusions")
        ordering = ["coverage", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["coverage", "code"], name="catalog_exclusion_once"),
        ]

    def __str__(self) -> str:
        return self.code


class Clause(BaseModel):
    """A special or additional clause with its text and the parameters calculations read
    (validated per kind by `coverdesk.catalog.parameters`). Without a coverage it applies to
    the whole product version."""

    version = models.ForeignKey(
        ProductVersion,
        on_delete=models.CASCADE,
        related_name="clauses",
        verbose_name=_("product version"),
    )
    coverage = models.ForeignKey(
        Coverage,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="clauses",
        verbose_name=_("coverage"),
    )
    code = models.CharField(_("code"), max_length=50, validators=[code_validator])
    category = models.CharField(_("category"), max_length=16, choices=ClauseCategory.choices)
    kind = models.CharField(_("kind"), max_length=32, choices=ClauseKind.choices)
    title = models.CharField(_("title (Chinese)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200)
    text = models.TextField(_("text (Chinese)"))
    text_en = models.TextField(_("text (English)"))
    parameters = models.JSONField(_("parameters"), default=dict, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("clause")
        verbose_name_plural = _("clauses")
        ordering = ["version", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="catalog_clause_code_once"),
        ]

    def __str__(self) -> str:
        return self.code


class MaterialChecklist(BaseModel):
    """What a claimant hands in for one loss type under one coverage; the items flagged
    `green_channel` form the reduced list of the claims green channel."""

    coverage = models.ForeignKey(
        Coverage, on_delete=models.CASCADE, related_name="checklists", verbose_name=_("coverage")
    )
    loss_type = models.CharField(_("loss type"), max_length=32, choices=LossType.choices)

    class Meta:
        verbose_name = _("claim material checklist")
        verbose_name_plural = _("claim material checklists")
        ordering = ["coverage", "loss_type"]
        constraints = [
            models.UniqueConstraint(
                fields=["coverage", "loss_type"], name="catalog_checklist_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.coverage_id} {self.loss_type}"


class MaterialItem(BaseModel):
    checklist = models.ForeignKey(
        MaterialChecklist,
        on_delete=models.CASCADE,
        related_name="items",
        verbose_name=_("checklist"),
    )
    code = models.CharField(_("code"), max_length=50, validators=[code_validator])
    name = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    required = models.BooleanField(_("required"), default=True)
    green_channel = models.BooleanField(
        _("on the green-channel list"),
        default=False,
        help_text=_("Asked for in the claims green channel (the reduced list)."),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("claim material")
        verbose_name_plural = _("claim materials")
        ordering = ["checklist", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["checklist", "code"], name="catalog_material_once"),
        ]

    def __str__(self) -> str:
        return self.code
