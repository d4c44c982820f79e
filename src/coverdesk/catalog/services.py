"""Writes of the catalogue, each in one transaction with its audit entry, each for a holder of
catalog.manage_products only.

A product's terms are never edited in place once published: `product_version_draft` starts a
new version (a copy of the current one), the add/set/remove services shape the draft, and
`product_version_publish` freezes it. Every service refuses to touch a published version.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Max, Model
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from coverdesk.accounts.models import User
from coverdesk.audit.services import audit_record
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
from coverdesk.catalog.exceptions import (
    ProductNotFound,
    ProductsManageOnly,
    ProductVersionNotFound,
    VersionPublished,
)
from coverdesk.catalog.models import (
    CODE_PATTERN,
    Clause,
    Coverage,
    CoverageLimit,
    Deductible,
    Exclusion,
    HeadPremium,
    MaterialChecklist,
    MaterialItem,
    Product,
    ProductVersion,
    RatingRule,
)
from coverdesk.catalog.parameters import clause_parameters_clean, short_rate_table_clean
from coverdesk.catalog.selectors import version_snapshot
from coverdesk.core import clock
from coverdesk.core.exceptions import Conflict, FieldError, ValidationFailed

MANAGE_PERMISSION = "catalog.manage_products"
MONEY_LIMIT = Decimal("100000000000000")  # 10^14: the columns hold 16 digits, 2 after the point
RATE_LIMIT = Decimal(1000)
NAME_MAX = 200
NOTE_MAX = 300


class DraftExists(Conflict):
    default_code = "catalog_draft_exists"
    default_message = _("Product {code} already has a draft version ({number}).")


def products_manage_check(acting_user: User | None) -> User:
    if (
        acting_user is None
        or not acting_user.is_active
        or not acting_user.has_perm(MANAGE_PERMISSION)
    ):
        raise ProductsManageOnly()
    return acting_user


# --- input checks --------------------------------------------------------------------------


class Problems:
    """Collects field errors so that one answer names every bad field (catalog and parties
    are independent apps, so this small twin of the parties' collector lives here)."""

    def __init__(self) -> None:
        self.errors: list[FieldError] = []

    def add(self, field: str, rule: str, message: str | Promise, **params: Any) -> None:
        self.errors.extend(ValidationFailed.for_field(field, rule, message, **params).fields)

    def raise_if_any(self) -> None:
        if len(self.errors) == 1:
            error = self.errors[0]
            raise ValidationFailed.for_field(error.field, error.rule, error.message)
        if self.errors:
            raise ValidationFailed(fields=self.errors)


def _absorb(problems: Problems, error: ValidationFailed) -> None:
    for field_error in error.fields:
        problems.add(field_error.field, field_error.rule, field_error.message)


def _code(problems: Problems, value: str, field: str = "code") -> str:
    code = value.strip()
    if not re.fullmatch(CODE_PATTERN, code):
        problems.add(
            field,
            "code_format",
            _("Lower-case letters, digits, '.', '_' or '-', starting with a letter; at most 50."),
        )
    return code


def _text(problems: Problems, field: str, value: str, *, limit: int, required: bool) -> str:
    text = value.strip()
    if required and not text:
        problems.add(field, "required", _("This field is required."))
    elif len(text) > limit:
        problems.add(field, "max_length", _("At most {limit} characters."), limit=limit)
    return text


def _choice(problems: Problems, field: str, value: str, allowed: Sequence[str]) -> str:
    if value not in allowed:
        problems.add(field, "choice", _("Unknown value {value}."), value=value)
    return value


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _money(
    problems: Problems, field: str, value: Any, *, required: bool, allow_zero: bool = False
) -> Decimal | None:
    if value is None or value == "":
        if required:
            problems.add(field, "required", _("This field is required."))
        return None
    number = _decimal(value)
    lowest_ok = number is not None and (number >= 0 if allow_zero else number > 0)
    if number is None or not lowest_ok or number >= MONEY_LIMIT or number != round(number, 2):
        problems.add(
            field,
            "money",
            _("An amount of at least zero with at most two decimals.")
            if allow_zero
            else _("An amount above zero with at most two decimals."),
        )
        return None
    return number


def _share(problems: Problems, field: str, value: Any, *, required: bool) -> Decimal | None:
    if value is None or value == "":
        if required:
            problems.add(field, "required", _("This field is required."))
        return None
    number = _decimal(value)
    if number is None or not (0 < number <= 1) or number != round(number, 6):
        problems.add(field, "share", _("A share above 0 and at most 1, e.g. 0.05 for 5%."))
        return None
    return number


def _rate(problems: Problems, value: Any) -> Decimal | None:
    number = _decimal(value)
    if number is None or not (0 < number < RATE_LIMIT) or number != round(number, 6):
        problems.add("rate", "rate", _("A rate above 0 with at most six decimals, e.g. 0.012."))
        return None
    return number


# --- locking helpers -----------------------------------------------------------------------


def _draft_locked(version_id: int) -> ProductVersion:
    version = (
        ProductVersion.objects.select_for_update()
        .select_related("product")
        .filter(pk=version_id)
        .first()
    )
    if version is None:
        raise ProductVersionNotFound()
    if version.status != VersionStatus.DRAFT:
        raise VersionPublished(params={"code": version.product.code, "number": version.number})
    return version


def _coverage_of_draft(coverage_id: int) -> Coverage:
    coverage = Coverage.objects.select_related("version").filter(pk=coverage_id).first()
    if coverage is None:
        raise ValidationFailed.for_field("coverage", "unknown", _("Unknown coverage."))
    _draft_locked(coverage.version_id)
    return coverage


# --- products ------------------------------------------------------------------------------


def _product_audit(product: Product) -> dict[str, Any]:
    return {
        "code": product.code,
        "name": product.name,
        "name_en": product.name_en,
        "description": product.description,
        "description_en": product.description_en,
        "is_active": product.is_active,
    }


@transaction.atomic
def product_create(
    *,
    acting_user: User | None,
    code: str,
    name: str,
    name_en: str,
    description: str = "",
    description_en: str = "",
) -> Product:
    user = products_manage_check(acting_user)
    problems = Problems()
    clean_code = _code(problems, code)
    names = {
        "name": _text(problems, "name", name, limit=NAME_MAX, required=True),
        "name_en": _text(problems, "name_en", name_en, limit=NAME_MAX, required=True),
    }
    if clean_code and Product.objects.filter(code=clean_code).exists():
        problems.add("code", "unique", _("A product with this code already exists."))
    problems.raise_if_any()
    product = Product.objects.create(
        code=clean_code,
        description=description.strip(),
        description_en=description_en.strip(),
        **names,
    )
    audit_record(
        action="product.create", actor=user, subject=product, after=_product_audit(product)
    )
    return product


@transaction.atomic
def product_update(
    *,
    acting_user: User | None,
    code: str,
    name: str | None = None,
    name_en: str | None = None,
    description: str | None = None,
    description_en: str | None = None,
    is_active: bool | None = None,
) -> Product:
    """Names, descriptions and whether the product is sold (an inactive product has no version
    in force for new business). The code never changes. No change, no audit entry."""
    user = products_manage_check(acting_user)
    product = Product.objects.select_for_update().filter(code=code).first()
    if product is None:
        raise ProductNotFound(params={"code": code})
    problems = Problems()
    given: dict[str, Any] = {}
    for field, value, required, limit in (
        ("name", name, True, NAME_MAX),
        ("name_en", name_en, True, NAME_MAX),
        ("description", description, False, 10_000),
        ("description_en", description_en, False, 10_000),
    ):
        if value is not None:
            given[field] = _text(problems, field, value, limit=limit, required=required)
    if is_active is not None:
        given["is_active"] = is_active
    problems.raise_if_any()
    before = _product_audit(product)
    changed = [f for f, v in given.items() if getattr(product, f) != v]
    if not changed:
        return product
    for field in changed:
        setattr(product, field, given[field])
    product.save(update_fields=[*changed, "updated_at"])
    after = _product_audit(product)
    audit_record(
        action="product.update",
        actor=user,
        subject=product,
        before={f: before[f] for f in changed},
        after={f: after[f] for f in changed},
    )
    return product


# --- versions ------------------------------------------------------------------------------


def _copy_version(source: ProductVersion, target: ProductVersion) -> None:
    """Copy every coverage, term, clause and checklist of `source` into the draft `target`."""
    mapping: dict[int, Coverage] = {}
    coverages = list(source.coverages.order_by("parent_id", "position", "id"))
    # Parents first: a section points at its copied parent.
    for coverage in sorted(coverages, key=lambda c: c.parent_id is not None):
        old_pk = coverage.pk
        parent = mapping[coverage.parent_id] if coverage.parent_id else None
        mapping[old_pk] = Coverage.objects.create(
            version=target,
            parent=parent,
            code=coverage.code,
            name=coverage.name,
            name_en=coverage.name_en,
            description=coverage.description,
            description_en=coverage.description_en,
            kind=coverage.kind,
            insured_object=coverage.insured_object,
            position=coverage.position,
        )
    for old_pk, new in mapping.items():
        for limit in CoverageLimit.objects.filter(coverage_id=old_pk):
            _clone(limit, coverage=new)
        for deductible in Deductible.objects.filter(coverage_id=old_pk):
            _clone(deductible, coverage=new)
        for exclusion in Exclusion.objects.filter(coverage_id=old_pk):
            _clone(exclusion, coverage=new)
        rule = RatingRule.objects.filter(coverage_id=old_pk).first()
        if rule is not None:
            heads = list(rule.head_premiums.all())
            new_rule = _clone(rule, coverage=new)
            for head in heads:
                _clone(head, rule=new_rule)
        for checklist in MaterialChecklist.objects.filter(coverage_id=old_pk):
            items = list(checklist.items.all())
            new_checklist = _clone(checklist, coverage=new)
            for item in items:
                _clone(item, checklist=new_checklist)
    for clause in Clause.objects.filter(version=source):
        owner = mapping[clause.coverage_id] if clause.coverage_id else None
        _clone(clause, version=target, coverage=owner)


def _clone(row: Any, **changes: Any) -> Any:
    row.pk = None
    row.id = None
    row._state.adding = True
    for field, value in changes.items():
        setattr(row, field, value)
    row.save()
    return row


def _version_audit(version: ProductVersion) -> dict[str, Any]:
    return {
        "product": version.product.code,
        "number": version.number,
        "status": version.status,
        "effective_from": version.effective_from,
        "refund_method": version.refund_method,
        "short_rate_table": version.short_rate_table,
        "flat_refund_share": version.flat_refund_share,
        "cancellation_fee": version.cancellation_fee,
        "notes": version.notes,
    }


@transaction.atomic
def product_version_draft(
    *,
    acting_user: User | None,
    product_code: str,
    effective_from: date,
    copy_from_version_id: int | None = None,
    notes: str = "",
) -> ProductVersion:
    """Start the next version of a product as a draft: a copy of `copy_from_version_id` (a
    version of the same product), by default of the latest published version, empty for a new
    product. A product has at most one draft at a time."""
    user = products_manage_check(acting_user)
    product = Product.objects.select_for_update().filter(code=product_code).first()
    if product is None:
        raise ProductNotFound(params={"code": product_code})
    draft = product.versions.filter(status=VersionStatus.DRAFT).first()
    if draft is not None:
        raise DraftExists(params={"code": product.code, "number": draft.number})
    problems = Problems()
    text = _text(problems, "notes", notes, limit=10_000, required=False)
    if copy_from_version_id is not None:
        source = product.versions.filter(pk=copy_from_version_id).first()
        if source is None:
            problems.add("copy_from_version_id", "unknown", _("No such version of this product."))
    else:
        source = product.versions.filter(status=VersionStatus.PUBLISHED).order_by("-number").first()
    problems.raise_if_any()
    number = (product.versions.aggregate(last=Max("number"))["last"] or 0) + 1
    version = ProductVersion.objects.create(
        product=product,
        number=number,
        effective_from=effective_from,
        notes=text,
        created_by=user,
        refund_method=source.refund_method if source else RefundMethod.PRO_RATA,
        short_rate_table=source.short_rate_table if source else [],
        flat_refund_share=source.flat_refund_share if source else None,
        cancellation_fee=source.cancellation_fee if source else Decimal(0),
    )
    if source is not None:
        _copy_version(source, version)
    after = _version_audit(version)
    after["copied_from"] = source.number if source else None
    audit_record(action="product_version.draft", actor=user, subject=version, after=after)
    return version


@transaction.atomic
def product_version_terms_set(
    *,
    acting_user: User | None,
    version_id: int,
    effective_from: date | None = None,
    notes: str | None = None,
    refund_method: str | None = None,
    short_rate_table: Sequence[Mapping[str, Any]] | None = None,
    flat_refund_share: Decimal | str | None = None,
    cancellation_fee: Decimal | str | None = None,
) -> ProductVersion:
    """The version-wide terms of a draft: effective date, notes and cancellation terms. None
    leaves a term as it is."""
    user = products_manage_check(acting_user)
    version = _draft_locked(version_id)
    problems = Problems()
    given: dict[str, Any] = {}
    if effective_from is not None:
        given["effective_from"] = effective_from
    if notes is not None:
        given["notes"] = _text(problems, "notes", notes, limit=10_000, required=False)
    if refund_method is not None:
        given["refund_method"] = _choice(
            problems, "refund_method", refund_method, RefundMethod.values
        )
    if short_rate_table is not None:
        try:
            given["short_rate_table"] = short_rate_table_clean(list(short_rate_table))
        except ValidationFailed as exc:
            _absorb(problems, exc)
    if flat_refund_share is not None:
        share = _decimal(flat_refund_share)
        if share is None or not (0 <= share <= 1) or share != round(share, 6):
            problems.add("flat_refund_share", "share", _("A share from 0 to 1."))
        given["flat_refund_share"] = share
    if cancellation_fee is not None:
        given["cancellation_fee"] = _money(
            problems, "cancellation_fee", cancellation_fee, required=True, allow_zero=True
        )
    problems.raise_if_any()
    before = _version_audit(version)
    changed = [f for f, v in given.items() if getattr(version, f) != v]
    if not changed:
        return version
    for field in changed:
        setattr(version, field, given[field])
    version.save(update_fields=[*changed, "updated_at"])
    after = _version_audit(version)
    audit_record(
        action="product_version.terms_set",
        actor=user,
        subject=version,
        before={f: before[f] for f in changed},
        after={f: after[f] for f in changed},
    )
    return version


def _publish_problems(version: ProductVersion) -> Problems:
    problems = Problems()
    coverages = list(version.coverages.select_related("rating").prefetch_related("sections"))
    if not coverages:
        problems.add("coverages", "required", _("A version needs at least one coverage."))
    for coverage in coverages:
        if coverage.sections.exists():
            continue
        rule = getattr(coverage, "rating", None)
        if rule is None:
            problems.add(
                "rating",
                "required",
                _("Coverage {code} has no rating rule."),
                code=coverage.code,
            )
        elif rule.method == RatingMethod.PER_HEAD and not rule.head_premiums.exists():
            problems.add(
                "rating",
                "head_premiums",
                _("Coverage {code} is rated per head but has no premium per head."),
                code=coverage.code,
            )
    if version.refund_method == RefundMethod.SHORT_RATE:
        try:
            short_rate_table_clean(version.short_rate_table)
        except ValidationFailed as exc:
            _absorb(problems, exc)
    if version.refund_method == RefundMethod.FLAT and version.flat_refund_share is None:
        problems.add("flat_refund_share", "required", _("A flat refund needs the share refunded."))
    latest = (
        ProductVersion.objects.filter(product=version.product, status=VersionStatus.PUBLISHED)
        .order_by("-effective_from")
        .first()
    )
    if latest is not None and version.effective_from <= latest.effective_from:
        problems.add(
            "effective_from",
            "after_published",
            _("Must be after {day}, when version {number} took effect."),
            day=latest.effective_from.isoformat(),
            number=latest.number,
        )
    return problems


@transaction.atomic
def product_version_publish(
    *, acting_user: User | None, version_id: int, now: datetime | None = None
) -> ProductVersion:
    """Freeze a complete draft: from its effective date on, new business uses it. Every leaf
    coverage must be rated; the effective date must come after the last published version's."""
    user = products_manage_check(acting_user)
    version = _draft_locked(version_id)
    # Serialise publishing per product, so two drafts cannot both pass the date check.
    Product.objects.select_for_update().filter(pk=version.product_id).first()
    _publish_problems(version).raise_if_any()
    version.status = VersionStatus.PUBLISHED
    version.published_at = now or clock.now()
    version.published_by = user
    version.save(update_fields=["status", "published_at", "published_by", "updated_at"])
    audit_record(
        action="product_version.publish",
        actor=user,
        subject=version,
        before={"status": VersionStatus.DRAFT},
        after=version_snapshot(version_id=version.pk),
        now=now,
    )
    return version


@transaction.atomic
def product_version_discard(*, acting_user: User | None, version_id: int) -> None:
    """Delete a draft and everything in it. A published version is never deleted."""
    user = products_manage_check(acting_user)
    version = _draft_locked(version_id)
    before = _version_audit(version)
    subject = ("catalog.productversion", version.pk)
    version.delete()
    audit_record(action="product_version.discard", actor=user, subject=subject, before=before)


# --- parts of a draft ----------------------------------------------------------------------


@transaction.atomic
def coverage_add(
    *,
    acting_user: User | None,
    version_id: int,
    code: str,
    name: str,
    name_en: str,
    kind: str,
    insured_object: str,
    parent_code: str | None = None,
    description: str = "",
    description_en: str = "",
) -> Coverage:
    """A coverage of a draft version, or a section of one of its coverages (`parent_code`).
    Sections have no sections of their own."""
    user = products_manage_check(acting_user)
    version = _draft_locked(version_id)
    problems = Problems()
    clean_code = _code(problems, code)
    name = _text(problems, "name", name, limit=NAME_MAX, required=True)
    name_en = _text(problems, "name_en", name_en, limit=NAME_MAX, required=True)
    _choice(problems, "kind", kind, CoverageKind.values)
    _choice(problems, "insured_object", insured_object, InsuredObjectKind.values)
    if version.coverages.filter(code=clean_code).exists():
        problems.add("code", "unique", _("This version already has a coverage with this code."))
    parent = None
    if parent_code:
        parent = version.coverages.filter(code=parent_code).first()
        if parent is None:
            problems.add(
                "parent_code", "unknown", _("No coverage {code} in this version."), code=parent_code
            )
        elif parent.parent_id is not None:
            problems.add("parent_code", "depth", _("A section cannot have sections."))
        elif RatingRule.objects.filter(coverage=parent).exists():
            problems.add(
                "parent_code",
                "parent_rated",
                _("Coverage {code} is rated as a whole; remove its rating first."),
                code=parent_code,
            )
    problems.raise_if_any()
    position = (
        version.coverages.filter(parent=parent).aggregate(last=Max("position"))["last"] or 0
    ) + 1
    coverage = Coverage.objects.create(
        version=version,
        parent=parent,
        code=clean_code,
        name=name,
        name_en=name_en,
        description=description.strip(),
        description_en=description_en.strip(),
        kind=kind,
        insured_object=insured_object,
        position=position,
    )
    audit_record(
        action="coverage.add",
        actor=user,
        subject=coverage,
        after={
            "version": version.pk,
            "code": coverage.code,
            "parent": parent_code or None,
            "kind": kind,
            "insured_object": insured_object,
        },
    )
    return coverage


@transaction.atomic
def coverage_limit_add(
    *,
    acting_user: User | None,
    coverage_id: int,
    kind: str,
    basis: str = LimitBasis.AMOUNT,
    amount: Decimal | str | None = None,
    share: Decimal | str | None = None,
    loss_type: str = "",
    person_category: str = "",
    note: str = "",
) -> CoverageLimit:
    """A limit: a fixed amount, or (per occurrence / aggregate) a share of the agreed value."""
    user = products_manage_check(acting_user)
    coverage = _coverage_of_draft(coverage_id)
    problems = Problems()
    _choice(problems, "kind", kind, LimitKind.values)
    _choice(problems, "basis", basis, LimitBasis.values)
    if loss_type:
        _choice(problems, "loss_type", loss_type, LossType.values)
    if person_category:
        _choice(problems, "person_category", person_category, PersonCategory.values)
    clean_amount = clean_share = None
    if basis == LimitBasis.AMOUNT:
        clean_amount = _money(problems, "amount", amount, required=True)
    elif basis == LimitBasis.AGREED_VALUE:
        clean_share = _share(problems, "share", share, required=True)
        if coverage.insured_object != InsuredObjectKind.AIRCRAFT or kind == LimitKind.PER_PERSON:
            problems.add(
                "basis",
                "agreed_value_basis",
                _("Only a per-occurrence or aggregate limit on aircraft follows the agreed value."),
            )
    note = _text(problems, "note", note, limit=NOTE_MAX, required=False)
    if CoverageLimit.objects.filter(
        coverage=coverage, kind=kind, loss_type=loss_type, person_category=person_category
    ).exists():
        problems.add("kind", "unique", _("This limit is already set; remove it first."))
    problems.raise_if_any()
    limit = CoverageLimit.objects.create(
        coverage=coverage,
        kind=kind,
        basis=basis,
        amount=clean_amount,
        share=clean_share,
        loss_type=loss_type,
        person_category=person_category,
        note=note,
    )
    audit_record(
        action="coverage_limit.add",
        actor=user,
        subject=limit,
        after={
            "coverage": coverage.code,
            "kind": kind,
            "basis": basis,
            "amount": clean_amount,
            "share": clean_share,
            "loss_type": loss_type,
            "person_category": person_category,
        },
    )
    return limit


@transaction.atomic
def deductible_add(
    *,
    acting_user: User | None,
    coverage_id: int,
    kind: str,
    amount: Decimal | str | None = None,
    percentage: Decimal | str | None = None,
    minimum_amount: Decimal | str | None = None,
    loss_type: str = "",
    note: str = "",
) -> Deductible:
    """A deductible for every loss (empty loss type) or for one loss type: a fixed amount, or a
    share of the loss with an optional minimum amount."""
    user = products_manage_check(acting_user)
    coverage = _coverage_of_draft(coverage_id)
    problems = Problems()
    _choice(problems, "kind", kind, DeductibleKind.values)
    if loss_type:
        _choice(problems, "loss_type", loss_type, LossType.values)
    clean_amount = clean_percentage = clean_minimum = None
    if kind == DeductibleKind.AMOUNT:
        clean_amount = _money(problems, "amount", amount, required=True, allow_zero=True)
    elif kind == DeductibleKind.PERCENTAGE:
        clean_percentage = _share(problems, "percentage", percentage, required=True)
        clean_minimum = _money(
            problems, "minimum_amount", minimum_amount, required=False, allow_zero=True
        )
    note = _text(problems, "note", note, limit=NOTE_MAX, required=False)
    if Deductible.objects.filter(coverage=coverage, loss_type=loss_type).exists():
        problems.add("loss_type", "unique", _("This deductible is already set; remove it first."))
    problems.raise_if_any()
    deductible = Deductible.objects.create(
        coverage=coverage,
        kind=kind,
        amount=clean_amount,
        percentage=clean_percentage,
        minimum_amount=clean_minimum,
        loss_type=loss_type,
        note=note,
    )
    audit_record(
        action="deductible.add",
        actor=user,
        subject=deductible,
        after={
            "coverage": coverage.code,
            "kind": kind,
            "amount": clean_amount,
            "percentage": clean_percentage,
            "minimum_amount": clean_minimum,
            "loss_type": loss_type,
        },
    )
    return deductible


RATE_METHODS = (RatingMethod.AGREED_VALUE_RATE, RatingMethod.SUM_INSURED_RATE)
AMOUNT_METHODS = (RatingMethod.PER_SEAT, RatingMethod.FLAT)


@transaction.atomic
def rating_rule_set(
    *,
    acting_user: User | None,
    coverage_id: int,
    method: str,
    rate: Decimal | str | None = None,
    amount: Decimal | str | None = None,
    head_premiums: Mapping[str, Decimal | str] | None = None,
    minimum_premium: Decimal | str | None = None,
    note: str = "",
) -> RatingRule:
    """The rating of a coverage row (replacing any earlier one): rate × agreed value or sum
    insured, per head by person category, per passenger seat, or flat; optional minimum
    premium. Agreed-value and per-seat rating need an aircraft coverage, per-head a person
    coverage; a coverage with sections is rated through its sections."""
    user = products_manage_check(acting_user)
    coverage = _coverage_of_draft(coverage_id)
    problems = Problems()
    _choice(problems, "method", method, RatingMethod.values)
    clean_rate = clean_amount = None
    heads: dict[str, Decimal] = {}
    if method in RATE_METHODS:
        clean_rate = _rate(problems, rate)
    elif method in AMOUNT_METHODS:
        clean_amount = _money(problems, "amount", amount, required=True)
    elif method == RatingMethod.PER_HEAD:
        if not head_premiums:
            problems.add("head_premiums", "required", _("Give a premium per head."))
        for category, premium in (head_premiums or {}).items():
            if category not in PersonCategory.values:
                problems.add(
                    "head_premiums", "choice", _("Unknown person category {value}."), value=category
                )
                continue
            value = _money(problems, f"head_premiums.{category}", premium, required=True)
            if value is not None:
                heads[category] = value
    aircraft_only = (RatingMethod.AGREED_VALUE_RATE, RatingMethod.PER_SEAT)
    if method in aircraft_only and coverage.insured_object != InsuredObjectKind.AIRCRAFT:
        problems.add("method", "aircraft_only", _("This method rates aircraft coverages only."))
    if method == RatingMethod.PER_HEAD and coverage.insured_object != InsuredObjectKind.PERSON:
        problems.add("method", "person_only", _("Per-head rating is for person coverages only."))
    if coverage.sections.exists():
        problems.add(
            "coverage", "has_sections", _("A coverage with sections is rated by its sections.")
        )
    clean_minimum = _money(problems, "minimum_premium", minimum_premium, required=False)
    note = _text(problems, "note", note, limit=NOTE_MAX, required=False)
    problems.raise_if_any()
    previous = RatingRule.objects.filter(coverage=coverage).first()
    before = None
    if previous is not None:
        before = {"method": previous.method, "rate": previous.rate, "amount": previous.amount}
        previous.delete()
    rule = RatingRule.objects.create(
        coverage=coverage,
        method=method,
        rate=clean_rate,
        amount=clean_amount,
        minimum_premium=clean_minimum,
        note=note,
    )
    HeadPremium.objects.bulk_create(
        HeadPremium(rule=rule, person_category=category, premium=premium)
        for category, premium in sorted(heads.items())
    )
    audit_record(
        action="rating_rule.set",
        actor=user,
        subject=rule,
        before=before,
        after={
            "coverage": coverage.code,
            "method": method,
            "rate": clean_rate,
            "amount": clean_amount,
            "head_premiums": heads,
            "minimum_premium": clean_minimum,
        },
    )
    return rule


@transaction.atomic
def exclusion_add(
    *, acting_user: User | None, coverage_id: int, code: str, text: str, text_en: str
) -> Exclusion:
    user = products_manage_check(acting_user)
    coverage = _coverage_of_draft(coverage_id)
    problems = Problems()
    clean_code = _code(problems, code)
    text = _text(problems, "text", text, limit=10_000, required=True)
    text_en = _text(problems, "text_en", text_en, limit=10_000, required=True)
    if coverage.exclusions.filter(code=clean_code).exists():
        problems.add("code", "unique", _("This coverage already has an exclusion with this code."))
    problems.raise_if_any()
    position = (coverage.exclusions.aggregate(last=Max("position"))["last"] or 0) + 1
    exclusion = Exclusion.objects.create(
        coverage=coverage, code=clean_code, text=text, text_en=text_en, position=position
    )
    audit_record(
        action="exclusion.add",
        actor=user,
        subject=exclusion,
        after={"coverage": coverage.code, "code": clean_code},
    )
    return exclusion


@transaction.atomic
def clause_add(
    *,
    acting_user: User | None,
    version_id: int,
    code: str,
    category: str,
    kind: str,
    title: str,
    title_en: str,
    text: str,
    text_en: str,
    parameters: Mapping[str, Any] | None = None,
    coverage_code: str | None = None,
) -> Clause:
    """A special or additional clause of a draft, for one coverage or (no coverage) the whole
    version; its parameters are checked against the schema of its kind."""
    user = products_manage_check(acting_user)
    version = _draft_locked(version_id)
    problems = Problems()
    clean_code = _code(problems, code)
    _choice(problems, "category", category, ClauseCategory.values)
    _choice(problems, "kind", kind, ClauseKind.values)
    title = _text(problems, "title", title, limit=NAME_MAX, required=True)
    title_en = _text(problems, "title_en", title_en, limit=NAME_MAX, required=True)
    text = _text(problems, "text", text, limit=20_000, required=True)
    text_en = _text(problems, "text_en", text_en, limit=20_000, required=True)
    clean_parameters: dict[str, Any] = {}
    if kind in ClauseKind.values:
        try:
            clean_parameters = clause_parameters_clean(kind, parameters)
        except ValidationFailed as exc:
            _absorb(problems, exc)
    coverage = None
    if coverage_code:
        coverage = version.coverages.filter(code=coverage_code).first()
        if coverage is None:
            problems.add(
                "coverage_code",
                "unknown",
                _("No coverage {code} in this version."),
                code=coverage_code,
            )
    if version.clauses.filter(code=clean_code).exists():
        problems.add("code", "unique", _("This version already has a clause with this code."))
    problems.raise_if_any()
    position = (version.clauses.aggregate(last=Max("position"))["last"] or 0) + 1
    clause = Clause.objects.create(
        version=version,
        coverage=coverage,
        code=clean_code,
        category=category,
        kind=kind,
        title=title,
        title_en=title_en,
        text=text,
        text_en=text_en,
        parameters=clean_parameters,
        position=position,
    )
    audit_record(
        action="clause.add",
        actor=user,
        subject=clause,
        after={
            "version": version.pk,
            "code": clean_code,
            "kind": kind,
            "coverage": coverage_code or None,
            "parameters": clean_parameters,
        },
    )
    return clause


@dataclass(frozen=True)
class MaterialItemSpec:
    code: str
    name: str
    name_en: str
    required: bool = True
    green_channel: bool = False


@transaction.atomic
def material_checklist_set(
    *,
    acting_user: User | None,
    coverage_id: int,
    loss_type: str,
    items: Sequence[MaterialItemSpec],
) -> MaterialChecklist:
    """The claim materials for one loss type under a coverage, replacing any earlier list."""
    user = products_manage_check(acting_user)
    coverage = _coverage_of_draft(coverage_id)
    problems = Problems()
    _choice(problems, "loss_type", loss_type, LossType.values)
    if not items:
        problems.add("items", "required", _("A checklist needs at least one item."))
    seen: set[str] = set()
    cleaned: list[MaterialItemSpec] = []
    for position, item in enumerate(items, start=1):
        prefix = f"items.{position}"
        code = _code(problems, item.code, f"{prefix}.code")
        if code in seen:
            problems.add(f"{prefix}.code", "unique", _("Item codes must differ."))
        seen.add(code)
        cleaned.append(
            MaterialItemSpec(
                code=code,
                name=_text(problems, f"{prefix}.name", item.name, limit=NAME_MAX, required=True),
                name_en=_text(
                    problems, f"{prefix}.name_en", item.name_en, limit=NAME_MAX, required=True
                ),
                required=item.required,
                green_channel=item.green_channel,
            )
        )
    problems.raise_if_any()
    previous = MaterialChecklist.objects.filter(coverage=coverage, loss_type=loss_type).first()
    before = None
    if previous is not None:
        before = [i.code for i in previous.items.order_by("position", "id")]
        previous.delete()
    checklist = MaterialChecklist.objects.create(coverage=coverage, loss_type=loss_type)
    MaterialItem.objects.bulk_create(
        MaterialItem(
            checklist=checklist,
            code=item.code,
            name=item.name,
            name_en=item.name_en,
            required=item.required,
            green_channel=item.green_channel,
            position=position,
        )
        for position, item in enumerate(cleaned, start=1)
    )
    audit_record(
        action="material_checklist.set",
        actor=user,
        subject=checklist,
        before=before,
        after={
            "coverage": coverage.code,
            "loss_type": loss_type,
            "items": [
                {"code": i.code, "required": i.required, "green_channel": i.green_channel}
                for i in cleaned
            ],
        },
    )
    return checklist


PARTS: dict[str, type[Model]] = {
    "coverage": Coverage,
    "limit": CoverageLimit,
    "deductible": Deductible,
    "rating": RatingRule,
    "exclusion": Exclusion,
    "clause": Clause,
    "checklist": MaterialChecklist,
}


def _version_id_of(part: str, row: Any) -> int:
    if part in ("coverage", "clause"):
        return int(row.version_id)
    return int(row.coverage.version_id)


@transaction.atomic
def version_part_remove(*, acting_user: User | None, part: str, part_id: int) -> None:
    """Remove one part of a draft: a coverage (with its sections and terms), a limit, a
    deductible, a rating rule, an exclusion, a clause or a checklist."""
    user = products_manage_check(acting_user)
    model = PARTS.get(part)
    if model is None:
        raise ValidationFailed.for_field("part", "choice", _("Unknown part {part}."), part=part)
    row = model._default_manager.filter(pk=part_id).first()
    if row is None:
        raise ValidationFailed.for_field("part_id", "unknown", _("No such {part}."), part=part)
    version_id = _version_id_of(part, row)
    _draft_locked(version_id)
    subject = (model._meta.label_lower, part_id)
    row.delete()
    audit_record(
        action="product_version.part_remove",
        actor=user,
        subject=subject,
        before={"version": version_id, "part": part},
    )
