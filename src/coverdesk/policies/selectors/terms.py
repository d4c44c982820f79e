"""Building the terms of a quote or endorsement from the catalogue and the insured objects:
one item per chosen coverage, insured aircraft, insured person and clause (see
`coverdesk.policies.terms`). Premium lines come from `catalog.calculations.coverage_premium`,
without the minimum premium, which applies to a whole row (`terms.row_premiums`)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _

from coverdesk.catalog.calculations import RatingBasis, coverage_premium
from coverdesk.catalog.choices import InsuredObjectKind, RatingMethod
from coverdesk.catalog.models import Clause, Coverage, ProductVersion
from coverdesk.catalog.parameters import clause_parameters_clean
from coverdesk.catalog.selectors import (
    clauses_of_version,
    coverage_lines,
    coverages_of_version,
    limit_terms,
    rating_terms,
)
from coverdesk.core.exceptions import ValidationFailed
from coverdesk.parties.models import Party
from coverdesk.policies.calculations import ZERO, TermsItem
from coverdesk.policies.models import Aircraft, InsuredPerson, InsuredPersonStatus
from coverdesk.policies.terms import AIRCRAFT, CLAUSE, COVERAGE, PERSON, item_key, item_kind


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _limits(coverage: Coverage) -> list[dict[str, Any]]:
    return [
        {
            "kind": row.kind,
            "basis": row.basis,
            "amount": _text(row.amount),
            "share": _text(row.share),
            "loss_type": row.loss_type,
            "person_category": row.person_category,
        }
        for row in coverage.limits.all()
    ]


def _deductibles(coverage: Coverage) -> list[dict[str, Any]]:
    return [
        {
            "loss_type": row.loss_type,
            "kind": row.kind,
            "amount": _text(row.amount),
            "percentage": _text(row.percentage),
            "minimum_amount": _text(row.minimum_amount),
        }
        for row in coverage.deductibles.all()
    ]


def coverage_item(coverage: Coverage) -> TermsItem:
    """A chosen coverage with its sections, limits, deductibles and rows' minimum premiums."""
    rows = coverage_lines(coverage=coverage)
    rating: dict[str, dict[str, Any]] = {}
    for row in rows:
        terms = rating_terms(coverage=row)
        if terms is not None:
            rating[row.code] = {
                "method": terms.method,
                "minimum_premium": _text(terms.minimum_premium),
            }
    sections = [row for row in rows if row.pk != coverage.pk]
    return TermsItem(
        key=item_key(COVERAGE, coverage.code),
        premium=ZERO,
        data={
            "kind": COVERAGE,
            "code": coverage.code,
            "name": coverage.name,
            "name_en": coverage.name_en,
            "coverage_kind": coverage.kind,
            "insured_object": coverage.insured_object,
            "limits": _limits(coverage),
            "deductibles": _deductibles(coverage),
            "sections": [
                {
                    "code": s.code,
                    "name": s.name,
                    "name_en": s.name_en,
                    "coverage_kind": s.kind,
                    "limits": _limits(s),
                    "deductibles": _deductibles(s),
                }
                for s in sections
            ],
            "rating": rating,
        },
    )


def _rated_rows(coverages: Iterable[Coverage], object_kind: str) -> list[tuple[Coverage, Coverage]]:
    """(top-level coverage, rated row) pairs written on `object_kind`."""
    pairs: list[tuple[Coverage, Coverage]] = []
    for coverage in coverages:
        for row in coverage_lines(coverage=coverage):
            if row.insured_object == object_kind:
                pairs.append((coverage, row))
    return pairs


def _line(top: Coverage, row: Coverage, basis: RatingBasis) -> dict[str, Any] | None:
    terms = rating_terms(coverage=row)
    if terms is None:
        return None
    if terms.method == RatingMethod.PER_HEAD and not any(
        category in terms.head_premiums for category in basis.heads
    ):
        return None  # a row for other categories (e.g. loss of licence: pilots only)
    # The minimum premium is a floor for the whole row, not for each object's line.
    line = coverage_premium(
        dataclasses.replace(terms, minimum_premium=None), basis, coverage_code=row.code
    )
    return {
        "row": row.code,
        "coverage": top.code,
        "method": line.method,
        "premium": str(line.premium),
        "steps": [step.as_dict() for step in line.steps],
    }


def _equipment_sum(equipment: Sequence[Mapping[str, Any]]) -> Decimal:
    return sum((Decimal(str(e.get("sum_insured", "0"))) for e in equipment), ZERO)


def _lines_premium(lines: Iterable[Mapping[str, Any]]) -> Decimal:
    return sum((Decimal(line["premium"]) for line in lines), ZERO)


def aircraft_data(
    aircraft: Aircraft,
    *,
    agreed_value: Decimal | None = None,
    installed_equipment: Sequence[Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """The aircraft as the terms record it (before rating)."""
    value = aircraft.agreed_value if agreed_value is None else agreed_value
    equipment = list(
        aircraft.installed_equipment if installed_equipment is None else installed_equipment
    )
    return {
        "kind": AIRCRAFT,
        "aircraft_id": aircraft.pk,
        "registration_mark": aircraft.registration_mark,
        "model": aircraft.model,
        "manufacturer": aircraft.manufacturer,
        "serial_number": aircraft.serial_number,
        "purchase_year": aircraft.purchase_year,
        "crew_seats": aircraft.crew_seats,
        "passenger_seats": aircraft.passenger_seats,
        "ownership": aircraft.ownership,
        "agreed_value": str(value),
        "installed_equipment": equipment_clean(equipment),
    }


def equipment_clean(equipment: Iterable[Mapping[str, Any]]) -> list[dict[str, str]]:
    return [
        {"name": str(e.get("name", "")), "sum_insured": str(e.get("sum_insured", "0"))}
        for e in equipment
    ]


def aircraft_item_rate(data: Mapping[str, Any], coverages: Sequence[Coverage]) -> TermsItem:
    """An insured aircraft rated on every aircraft row of `coverages`: the hull on the agreed
    value plus the declared sums of added equipment (added-equipment clause), a sum-insured
    rate on the row's per-occurrence limit, per seat on the passenger seats."""
    value = Decimal(data["agreed_value"])
    equipment = list(data.get("installed_equipment", []))
    lines: list[dict[str, Any]] = []
    for top, row in _rated_rows(coverages, InsuredObjectKind.AIRCRAFT):
        terms = rating_terms(coverage=row)
        sum_insured = None
        if terms is not None and terms.method == RatingMethod.SUM_INSURED_RATE:
            limits = limit_terms(coverage=row, agreed_value=value)
            sum_insured = limits.per_occurrence or limits.aggregate
        basis = RatingBasis(
            agreed_value=value + _equipment_sum(equipment),
            sum_insured=sum_insured,
            seats=int(data["passenger_seats"]),
        )
        line = _line(top, row, basis)
        if line is not None:
            lines.append(line)
    return TermsItem(
        key=item_key(AIRCRAFT, data["aircraft_id"]),
        premium=_lines_premium(lines),
        data={**data, "lines": lines},
    )


def aircraft_item(
    aircraft: Aircraft,
    coverages: Sequence[Coverage],
    *,
    agreed_value: Decimal | None = None,
    installed_equipment: Sequence[Mapping[str, Any]] | None = None,
) -> TermsItem:
    data = aircraft_data(
        aircraft, agreed_value=agreed_value, installed_equipment=installed_equipment
    )
    return aircraft_item_rate(data, coverages)


def person_data(person: InsuredPerson) -> dict[str, Any]:
    return {
        "kind": PERSON,
        "person_id": person.pk,
        "name": person.name,
        "id_number_masked": person.id_number_masked,
        "category": person.category,
        "occupation": person.occupation,
        "department": person.department,
    }


def person_item_rate(data: Mapping[str, Any], coverages: Sequence[Coverage]) -> TermsItem:
    """An insured person rated on every person row of `coverages` that has terms for their
    category (per head, or a rate on the per-person sum insured)."""
    category = str(data["category"])
    lines: list[dict[str, Any]] = []
    sums: dict[str, str] = {}
    for top, row in _rated_rows(coverages, InsuredObjectKind.PERSON):
        per_person = limit_terms(coverage=row, person_category=category).per_person
        if per_person is None and row.pk != top.pk:
            per_person = limit_terms(coverage=top, person_category=category).per_person
        line = _line(top, row, RatingBasis(heads={category: 1}, sum_insured=per_person))
        if line is None:
            continue
        lines.append(line)
        if per_person is not None:
            sums[row.code] = str(per_person)
    return TermsItem(
        key=item_key(PERSON, data["person_id"]),
        premium=_lines_premium(lines),
        data={**data, "sums_insured": sums, "lines": lines},
    )


def person_item(person: InsuredPerson, coverages: Sequence[Coverage]) -> TermsItem:
    return person_item_rate(person_data(person), coverages)


def item_rerate(item: TermsItem, coverages: Sequence[Coverage]) -> TermsItem:
    """Price an item again after its data changed (the endorsement replay's `rerate`)."""
    kind = item_kind(item)
    if kind == AIRCRAFT:
        return aircraft_item_rate(item.data, coverages)
    if kind == PERSON:
        return person_item_rate(item.data, coverages)
    return item


def clause_item(clause: Clause, parameters: Mapping[str, Any] | None = None) -> TermsItem:
    """A clause with its parameters: the catalogue's, or the given ones checked against the
    clause kind's schema."""
    chosen = (
        dict(clause.parameters)
        if parameters is None
        else clause_parameters_clean(clause.kind, parameters)
    )
    return TermsItem(
        key=item_key(CLAUSE, clause.code),
        premium=ZERO,
        data={
            "kind": CLAUSE,
            "code": clause.code,
            "title": clause.title,
            "title_en": clause.title_en,
            "category": clause.category,
            "clause_kind": clause.kind,
            "coverage": clause.coverage.code if clause.coverage_id and clause.coverage else None,
            "parameters": chosen,
        },
    )


def version_coverages(
    *, product_version: ProductVersion, codes: Iterable[str], field: str = "coverages"
) -> list[Coverage]:
    """The top-level coverages named by `codes`, in the product's order; unknown codes are a
    ValidationFailed naming `field`."""
    wanted = list(dict.fromkeys(codes))
    if not wanted:
        raise ValidationFailed.for_field(field, "required", _("Choose at least one coverage."))
    available = {c.code: c for c in coverages_of_version(version_id=product_version.pk)}
    unknown = [code for code in wanted if code not in available]
    if unknown:
        raise ValidationFailed.for_field(
            field,
            "unknown_coverage",
            _("The product has no coverage {codes}."),
            codes=", ".join(unknown),
        )
    return [c for code, c in available.items() if code in wanted]


def coverages_of_items(
    *, product_version: ProductVersion, items: Iterable[TermsItem]
) -> list[Coverage]:
    codes = [str(i.data["code"]) for i in items if item_kind(i) == COVERAGE]
    return version_coverages(product_version=product_version, codes=codes)


def customer_aircraft(
    *, customer: Party, ids: Iterable[int], field: str = "aircraft"
) -> list[Aircraft]:
    wanted = sorted(set(ids))
    found = {a.pk: a for a in Aircraft.objects.filter(pk__in=wanted, customer=customer)}
    missing = [pk for pk in wanted if pk not in found or not found[pk].is_active]
    if missing:
        raise ValidationFailed.for_field(
            field,
            "unknown_aircraft",
            _("No aircraft in service of this customer with id {ids}."),
            ids=", ".join(str(pk) for pk in missing),
        )
    return [found[pk] for pk in wanted]


def customer_persons(
    *, customer: Party, ids: Iterable[int], field: str = "persons"
) -> list[InsuredPerson]:
    wanted = sorted(set(ids))
    found = {p.pk: p for p in InsuredPerson.objects.filter(pk__in=wanted, customer=customer)}
    missing = [
        pk for pk in wanted if pk not in found or found[pk].status != InsuredPersonStatus.ACTIVE
    ]
    if missing:
        raise ValidationFailed.for_field(
            field,
            "unknown_person",
            _("No active insured person of this customer with id {ids}."),
            ids=", ".join(str(pk) for pk in missing),
        )
    return [found[pk] for pk in wanted]


def version_clauses(
    *,
    product_version: ProductVersion,
    coverages: Sequence[Coverage],
    codes: Iterable[str] | None,
    field: str = "clauses",
) -> list[Clause]:
    """The clauses chosen: by default every clause of the version that applies to the chosen
    coverages (or to the whole version); else the ones named, which must so apply."""
    chosen_ids: set[int] = set()
    for coverage in coverages:
        chosen_ids.add(coverage.pk)
        chosen_ids.update(row.pk for row in coverage_lines(coverage=coverage))
    applicable = [
        c
        for c in clauses_of_version(version_id=product_version.pk)
        if c.coverage_id is None or c.coverage_id in chosen_ids
    ]
    if codes is None:
        return applicable
    by_code = {c.code: c for c in applicable}
    wanted = list(dict.fromkeys(codes))
    unknown = [code for code in wanted if code not in by_code]
    if unknown:
        raise ValidationFailed.for_field(
            field,
            "unknown_clause",
            _("No clause {codes} applies to the chosen coverages."),
            codes=", ".join(unknown),
        )
    return [by_code[code] for code in wanted]


def terms_build(
    *,
    customer: Party,
    product_version: ProductVersion,
    coverage_codes: Iterable[str],
    aircraft_ids: Iterable[int] = (),
    person_ids: Iterable[int] = (),
    clause_codes: Iterable[str] | None = None,
    clause_parameters: Mapping[str, Mapping[str, Any]] | None = None,
) -> list[TermsItem]:
    """The rated terms of a new quote. Each chosen coverage needs at least one insured object
    of its kind."""
    coverages = version_coverages(product_version=product_version, codes=coverage_codes)
    aircraft = customer_aircraft(customer=customer, ids=aircraft_ids)
    persons = customer_persons(customer=customer, ids=person_ids)
    for coverage in coverages:
        needed = aircraft if coverage.insured_object == InsuredObjectKind.AIRCRAFT else persons
        if not needed:
            field = (
                "aircraft" if coverage.insured_object == InsuredObjectKind.AIRCRAFT else "persons"
            )
            raise ValidationFailed.for_field(
                field,
                "required",
                _("Coverage {code} needs at least one insured object."),
                code=coverage.code,
            )
    clauses = version_clauses(
        product_version=product_version, coverages=coverages, codes=clause_codes
    )
    overrides = dict(clause_parameters or {})
    unknown = sorted(set(overrides) - {c.code for c in clauses})
    if unknown:
        raise ValidationFailed.for_field(
            "clause_parameters",
            "unknown_clause",
            _("No chosen clause {codes}."),
            codes=", ".join(unknown),
        )
    items = [coverage_item(c) for c in coverages]
    items += [aircraft_item(a, coverages) for a in aircraft]
    items += [person_item(p, coverages) for p in persons]
    items += [clause_item(c, overrides.get(c.code)) for c in clauses]
    for item in items:
        if item_kind(item) in (AIRCRAFT, PERSON) and not item.data["lines"]:
            raise ValidationFailed.for_field(
                "aircraft" if item_kind(item) == AIRCRAFT else "persons",
                "not_rated",
                _("{key} is not rated by any chosen coverage."),
                key=item.key,
            )
    return items
