"""Display shapes of a product version: amounts, shares as percentages, the labels of codes,
and clause parameters read through their kind's schema. Reads prefetched rows only (no
queries of its own) and decides nothing."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from coverdesk.catalog.choices import PersonCategory
from coverdesk.catalog.models import Clause, Coverage
from coverdesk.catalog.parameters import SCHEMAS
from coverdesk.web import formatting


def money(value: Any) -> str:
    """The catalogue's amounts carry the currency sign: ¥70,000,000.00."""
    text = formatting.money(value)
    return f"¥{text}" if text else ""


def percent(value: Any) -> str:
    """0.012 → "1.2 %", 0.75 → "75 %"."""
    if value is None or value == "":
        return ""
    try:
        number = Decimal(str(value)) * 100
    except InvalidOperation:
        return str(value)
    text = format(number.normalize(), "f")
    return f"{text} %"


@dataclass
class TermRow:
    label: str
    value: str
    scope: str = ""
    note: str = ""


@dataclass
class CoverageView:
    coverage: Coverage
    limits: list[TermRow] = field(default_factory=list)
    deductibles: list[TermRow] = field(default_factory=list)
    rating: list[TermRow] = field(default_factory=list)
    exclusions: list[Any] = field(default_factory=list)
    checklists: list[dict[str, Any]] = field(default_factory=list)
    clauses: list[str] = field(default_factory=list)
    sections: list[CoverageView] = field(default_factory=list)


def _scope(loss_type_label: str, category_label: str) -> str:
    parts = [p for p in (loss_type_label, category_label) if p]
    return " · ".join(parts) if parts else _("All losses")


def coverage_view(coverage: Coverage, *, with_sections: bool = True) -> CoverageView:
    """Everything of one coverage row from its prefetched relations (`coverages_of_version`)."""
    view = CoverageView(coverage=coverage)
    for limit in coverage.limits.all():
        value = (
            money(limit.amount)
            if limit.basis == "amount"
            else _("%(share)s of the agreed value") % {"share": percent(limit.share)}
        )
        view.limits.append(
            TermRow(
                label=limit.get_kind_display(),
                value=value,
                scope=_scope(
                    limit.get_loss_type_display() if limit.loss_type else "",
                    limit.get_person_category_display() if limit.person_category else "",
                ),
                note=limit.note,
            )
        )
    for deductible in coverage.deductibles.all():
        if deductible.kind == "amount":
            value = money(deductible.amount)
        else:
            value = _("%(share)s of the loss, at least %(minimum)s") % {
                "share": percent(deductible.percentage),
                "minimum": money(deductible.minimum_amount or 0),
            }
        view.deductibles.append(
            TermRow(
                label=deductible.get_kind_display(),
                value=value,
                scope=_scope(
                    deductible.get_loss_type_display() if deductible.loss_type else "", ""
                ),
                note=deductible.note,
            )
        )
    rule = getattr(coverage, "rating", None)
    if rule is not None:
        view.rating.append(TermRow(label=_("Method"), value=rule.get_method_display()))
        if rule.rate is not None:
            view.rating.append(TermRow(label=_("Rate"), value=percent(rule.rate)))
        if rule.amount is not None:
            view.rating.append(TermRow(label=_("Premium per unit"), value=money(rule.amount)))
        categories = dict(PersonCategory.choices)
        for head in rule.head_premiums.all():
            view.rating.append(
                TermRow(
                    label=_("Premium per head: %(category)s")
                    % {"category": categories.get(head.person_category, head.person_category)},
                    value=money(head.premium),
                )
            )
        if rule.minimum_premium is not None:
            view.rating.append(
                TermRow(label=_("Minimum premium"), value=money(rule.minimum_premium))
            )
        if rule.note:
            view.rating.append(TermRow(label=_("Note"), value=rule.note))
    view.exclusions = list(coverage.exclusions.all())
    view.checklists = [
        {
            "loss_type": checklist.get_loss_type_display(),
            "items": list(checklist.items.all()),
        }
        for checklist in coverage.checklists.all()
    ]
    view.clauses = [clause.code for clause in coverage.clauses.all()]
    if with_sections:  # one level: sections have no sections of their own
        view.sections = [
            coverage_view(section, with_sections=False) for section in coverage.sections.all()
        ]
    return view


@dataclass
class ParameterRow:
    name: str
    value: str
    raw: str


def _parameter_text(kind: str, value: Any) -> str:
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if kind == "share":
        return percent(value)
    if kind == "money":
        return money(value)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def parameter_rows(clause: Clause) -> list[ParameterRow]:
    schema = SCHEMAS.get(clause.kind, {})
    parameters: Mapping[str, Any] = clause.parameters or {}
    rows = []
    for name, value in parameters.items():
        spec = schema.get(name)
        raw = (
            "true"
            if value is True
            else "false"
            if value is False
            else ", ".join(map(str, value))
            if isinstance(value, list)
            else str(value)
        )
        rows.append(
            ParameterRow(
                name=name,
                value=_parameter_text(spec.kind if spec else "", value),
                raw=raw,
            )
        )
    return rows


@dataclass
class ClauseRow:
    clause: Clause
    parameters: list[ParameterRow]


def clause_rows(clauses: Iterable[Clause]) -> list[ClauseRow]:
    return [ClauseRow(clause=c, parameters=parameter_rows(c)) for c in clauses]


def short_rate_rows(table: Iterable[Mapping[str, Any]]) -> list[dict[str, str]]:
    return [
        {"months": str(row.get("months", "")), "earned": percent(row.get("earned"))}
        for row in table
    ]
