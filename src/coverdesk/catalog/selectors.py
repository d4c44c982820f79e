"""Reads of the catalogue, and the bridges from rows to the pure calculation terms."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext_lazy as _

from coverdesk.catalog.calculations import DeductibleTerms, LimitTerms, RatingTerms, limit_amount
from coverdesk.catalog.choices import LimitKind, VersionStatus
from coverdesk.catalog.exceptions import (
    CoverageNotFound,
    NoVersionInForce,
    ProductNotFound,
    ProductVersionNotFound,
)
from coverdesk.catalog.models import (
    Clause,
    Coverage,
    CoverageLimit,
    Deductible,
    MaterialChecklist,
    MaterialItem,
    Product,
    ProductVersion,
    RatingRule,
)
from coverdesk.catalog.parameters import decimal_parameter
from coverdesk.core.exceptions import ValidationFailed


def product_get(*, code: str) -> Product:
    product = Product.objects.filter(code=code).first()
    if product is None:
        raise ProductNotFound(params={"code": code})
    return product


def product_list(*, active_only: bool = False) -> QuerySet[Product]:
    products = Product.objects.order_by("code")
    return products.filter(is_active=True) if active_only else products


def product_versions(*, code: str) -> QuerySet[ProductVersion]:
    return (
        ProductVersion.objects.filter(product__code=code)
        .select_related("product")
        .order_by("number")
    )


def product_version_get(*, version_id: int) -> ProductVersion:
    version = ProductVersion.objects.select_related("product").filter(pk=version_id).first()
    if version is None:
        raise ProductVersionNotFound()
    return version


def product_version_current(*, code: str, on: date) -> ProductVersion:
    """The published version of product `code` in force on `on`: the one with the latest
    `effective_from` not after that day. An inactive product has none."""
    product = product_get(code=code)
    version = (
        ProductVersion.objects.select_related("product")
        .filter(product=product, status=VersionStatus.PUBLISHED, effective_from__lte=on)
        .order_by("-effective_from", "-number")
        .first()
    )
    if version is None or not product.is_active:
        raise NoVersionInForce(params={"code": code, "on": on.isoformat()})
    return version


def product_version_resolve(*, code: str, on: date, field: str = "product") -> ProductVersion:
    """Like `product_version_current`, for a service checking its input: an unknown product or
    one without a version in force is a ValidationFailed naming `field`."""
    try:
        return product_version_current(code=code, on=on)
    except ProductNotFound:
        raise ValidationFailed.for_field(
            field, "unknown_product", _("There is no product {code}."), code=code
        ) from None
    except NoVersionInForce:
        raise ValidationFailed.for_field(
            field,
            "no_version_in_force",
            _("Product {code} has no published version in force on {on}."),
            code=code,
            on=on.isoformat(),
        ) from None


def coverages_of_version(*, version_id: int) -> QuerySet[Coverage]:
    """The top-level coverages of a version, each with its sections and terms prefetched."""
    terms = ("limits", "deductibles", "exclusions", "checklists__items", "clauses")
    sections = Coverage.objects.select_related("rating").prefetch_related(
        *terms, "rating__head_premiums"
    )
    return (
        Coverage.objects.filter(version_id=version_id, parent__isnull=True)
        .select_related("rating")
        .prefetch_related(Prefetch("sections", queryset=sections), *terms, "rating__head_premiums")
        .order_by("position", "id")
    )


def coverage_get(*, version_id: int, code: str) -> Coverage:
    coverage = (
        Coverage.objects.select_related("version__product", "parent")
        .filter(version_id=version_id, code=code)
        .first()
    )
    if coverage is None:
        raise CoverageNotFound(params={"code": code})
    return coverage


def coverage_lines(*, coverage: Coverage) -> list[Coverage]:
    """The rated rows of a coverage: the coverage itself when it has no sections, else its
    sections in order. A quote or policy has one premium line per row and insured object."""
    sections = list(coverage.sections.order_by("position", "id"))
    return sections or [coverage]


def rating_terms(*, coverage: Coverage) -> RatingTerms | None:
    rule = RatingRule.objects.filter(coverage=coverage).prefetch_related("head_premiums").first()
    if rule is None:
        return None
    return RatingTerms(
        method=rule.method,
        rate=rule.rate,
        amount=rule.amount,
        head_premiums={h.person_category: h.premium for h in rule.head_premiums.all()},
        minimum_premium=rule.minimum_premium,
    )


def deductible_terms(*, coverage: Coverage, loss_type: str = "") -> DeductibleTerms | None:
    """The deductible for `loss_type`: its own row if there is one, else the coverage-wide row
    (empty loss type), else none."""
    rows = {d.loss_type: d for d in Deductible.objects.filter(coverage=coverage)}
    row = rows.get(loss_type) if loss_type else None
    row = row or rows.get("")
    if row is None:
        return None
    return DeductibleTerms(
        kind=row.kind,
        amount=row.amount,
        percentage=row.percentage,
        minimum_amount=row.minimum_amount,
    )


def _most_specific(
    rows: list[CoverageLimit], *, loss_type: str, person_category: str
) -> CoverageLimit | None:
    for wanted in (
        (loss_type, person_category),
        (loss_type, ""),
        ("", person_category),
        ("", ""),
    ):
        for row in rows:
            if (row.loss_type, row.person_category) == wanted:
                return row
    return None


def limit_terms(
    *,
    coverage: Coverage,
    loss_type: str = "",
    person_category: str = "",
    agreed_value: Decimal | None = None,
) -> LimitTerms:
    """The limits applying to one loss: per kind, the row for this loss type and person category,
    falling back to the less specific ones. Agreed-value limits need the aircraft's value."""
    rows = list(CoverageLimit.objects.filter(coverage=coverage))
    amounts: dict[str, Decimal | None] = {}
    for kind in LimitKind.values:
        row = _most_specific(
            [r for r in rows if r.kind == kind],
            loss_type=loss_type,
            person_category=person_category,
        )
        amounts[kind] = (
            None
            if row is None
            else limit_amount(
                basis=row.basis, amount=row.amount, share=row.share, agreed_value=agreed_value
            )
        )
    return LimitTerms(
        per_occurrence=amounts[LimitKind.PER_OCCURRENCE],
        aggregate=amounts[LimitKind.AGGREGATE],
        per_person=amounts[LimitKind.PER_PERSON],
    )


def clauses_of_version(*, version_id: int) -> QuerySet[Clause]:
    return (
        Clause.objects.filter(version_id=version_id)
        .select_related("coverage")
        .order_by("position", "id")
    )


def clause_of_kind(
    *, version_id: int, kind: str, coverage: Coverage | None = None
) -> Clause | None:
    """The clause of `kind` applying to `coverage` (its own, its parent's, or the version-wide
    one, in that order), or to the whole version when no coverage is given."""
    clauses = list(Clause.objects.filter(version_id=version_id, kind=kind).order_by("id"))
    owners: list[int | None] = []
    if coverage is not None:
        owners.append(coverage.pk)
        if coverage.parent_id is not None:
            owners.append(coverage.parent_id)
    owners.append(None)
    for owner in owners:
        for clause in clauses:
            if clause.coverage_id == owner:
                return clause
    return None


def clause_decimal(
    *, version_id: int, kind: str, name: str, coverage: Coverage | None = None
) -> Decimal | None:
    """One money or share parameter of the clause of `kind`, e.g. the constructive total loss
    threshold: kind="constructive_total_loss", name="threshold"."""
    clause = clause_of_kind(version_id=version_id, kind=kind, coverage=coverage)
    return None if clause is None else decimal_parameter(clause.parameters, name)


def material_checklist(
    *, coverage: Coverage, loss_type: str, green_channel: bool = False
) -> list[MaterialItem]:
    """The materials a claim of `loss_type` under `coverage` needs (the section's list, else the
    parent coverage's); `green_channel` gives the reduced list of the claims green channel."""
    owners = [coverage.pk] + ([coverage.parent_id] if coverage.parent_id else [])
    for owner in owners:
        checklist = MaterialChecklist.objects.filter(coverage_id=owner, loss_type=loss_type).first()
        if checklist is not None:
            items = checklist.items.order_by("position", "id")
            return list(items.filter(green_channel=True) if green_channel else items)
    return []


def version_snapshot(*, version_id: int) -> dict[str, Any]:
    """The whole content of a version as plain data: for comparing versions, the audit trail of
    publishing, and display."""
    version = product_version_get(version_id=version_id)

    def coverage_data(c: Coverage) -> dict[str, Any]:
        rating = getattr(c, "rating", None)
        return {
            "code": c.code,
            "name": c.name,
            "name_en": c.name_en,
            "kind": c.kind,
            "insured_object": c.insured_object,
            "limits": [
                {
                    "kind": limit.kind,
                    "basis": limit.basis,
                    "amount": limit.amount,
                    "share": limit.share,
                    "loss_type": limit.loss_type,
                    "person_category": limit.person_category,
                }
                for limit in c.limits.all()
            ],
            "deductibles": [
                {
                    "loss_type": d.loss_type,
                    "kind": d.kind,
                    "amount": d.amount,
                    "percentage": d.percentage,
                    "minimum_amount": d.minimum_amount,
                }
                for d in c.deductibles.all()
            ],
            "rating": None
            if rating is None
            else {
                "method": rating.method,
                "rate": rating.rate,
                "amount": rating.amount,
                "minimum_premium": rating.minimum_premium,
                "head_premiums": {h.person_category: h.premium for h in rating.head_premiums.all()},
            },
            "exclusions": [e.code for e in c.exclusions.all()],
            "checklists": {
                cl.loss_type: [i.code for i in cl.items.all()] for cl in c.checklists.all()
            },
            "sections": [coverage_data(s) for s in c.sections.all()],
        }

    return {
        "product": version.product.code,
        "number": version.number,
        "status": version.status,
        "effective_from": version.effective_from,
        "refund_method": version.refund_method,
        "short_rate_table": version.short_rate_table,
        "flat_refund_share": version.flat_refund_share,
        "cancellation_fee": version.cancellation_fee,
        "coverages": [coverage_data(c) for c in coverages_of_version(version_id=version.pk)],
        "clauses": [
            {
                "code": c.code,
                "kind": c.kind,
                "category": c.category,
                "coverage": c.coverage.code if c.coverage else None,
                "parameters": c.parameters,
            }
            for c in clauses_of_version(version_id=version.pk)
        ],
    }
