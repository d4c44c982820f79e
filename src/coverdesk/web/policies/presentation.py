"""What the policy pages show, as plain rows: the terms of a version (coverages with limits,
deductibles and premium by coverage; aircraft; persons with masked ID numbers; clauses),
the version timeline and the stored calculation lines. Display only: every figure comes
from the stored terms and calculations, nothing is recomputed here."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from coverdesk.catalog.choices import PersonCategory
from coverdesk.policies.choices import VersionKind
from coverdesk.policies.models import Endorsement, PolicyVersion
from coverdesk.policies.terms import items_from_json, premium_by_coverage, row_premiums
from coverdesk.reports.policy_documents import (
    calculation_lines,
    deductible_text,
    limit_text,
    terms_groups,
)
from coverdesk.web.formatting import money


def english() -> bool:
    return (get_language() or "").startswith("en")


def product_label(product: Any) -> str:
    return str(product.name_en if english() and product.name_en else product.name)


def period_text(first_day: date, last_day: date) -> str:
    """Cover runs from 00:00 of the first day to 24:00 of the last."""
    return f"{first_day.isoformat()} 00:00 – {last_day.isoformat()} 24:00"


def _pick(data: Mapping[str, Any], name: str) -> str:
    """The Chinese field, or its English twin `<name>_en` on an English page."""
    if english() and data.get(f"{name}_en"):
        return str(data[f"{name}_en"])
    return str(data.get(name) or "")


def _label(choices: Any, value: Any) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value)


@dataclass
class SectionRow:
    name: str
    limits: list[str]
    deductibles: list[str]
    premium: str


@dataclass
class CoverageRow:
    code: str
    name: str
    limits: list[str]
    deductibles: list[str]
    premium: str
    sections: list[SectionRow] = field(default_factory=list)


@dataclass
class TermsView:
    coverages: list[CoverageRow]
    aircraft: list[dict[str, Any]]
    persons: list[dict[str, Any]]
    clauses: list[dict[str, Any]]
    term_premium: str


def terms_view(version: PolicyVersion) -> TermsView:
    """The terms of one version as the detail page shows them."""
    terms = version.terms or {}
    items = items_from_json(terms.get("items", []))
    by_row = row_premiums(items)
    by_coverage = premium_by_coverage(items)
    groups = terms_groups(terms)
    coverages = []
    for item in groups["coverage"]:
        data = item["data"]
        code = str(data.get("code"))
        coverages.append(
            CoverageRow(
                code=code,
                name=_pick(data, "name"),
                limits=[limit_text(limit) for limit in data.get("limits", [])],
                deductibles=[deductible_text(d) for d in data.get("deductibles", [])],
                premium=money(by_coverage.get(code)),
                sections=[
                    SectionRow(
                        name=_pick(section, "name"),
                        limits=[limit_text(limit) for limit in section.get("limits", [])],
                        deductibles=[deductible_text(d) for d in section.get("deductibles", [])],
                        premium=money(by_row.get(str(section.get("code")))),
                    )
                    for section in data.get("sections", [])
                ],
            )
        )
    aircraft = [
        {
            "registration_mark": item["data"].get("registration_mark", ""),
            "model": " ".join(
                str(p) for p in (item["data"].get("manufacturer"), item["data"].get("model")) if p
            ),
            "serial_number": item["data"].get("serial_number", ""),
            "seats": f"{item['data'].get('crew_seats', '')} / "
            f"{item['data'].get('passenger_seats', '')}",
            "agreed_value": money(item["data"].get("agreed_value")),
            "equipment": [
                f"{e.get('name', '')}: {money(e.get('sum_insured'))}"
                for e in item["data"].get("installed_equipment", [])
            ],
            "premium": money(item["premium"]),
        }
        for item in groups["aircraft"]
    ]
    persons = [
        {
            "name": item["data"].get("name", ""),
            # The terms keep only the masked number.
            "id_number": item["data"].get("id_number_masked", ""),
            "category": _label(PersonCategory, item["data"].get("category", "")),
            "occupation": item["data"].get("occupation", ""),
            "sum_insured": money(
                sum(
                    (Decimal(v) for v in dict(item["data"].get("sums_insured") or {}).values()),
                    Decimal(0),
                )
            ),
            "premium": money(item["premium"]),
        }
        for item in groups["person"]
    ]
    clauses = [
        {
            "title": _pick(item["data"], "title"),
            "parameters": [
                {"name": name, "value": _parameter_text(value)}
                for name, value in sorted(dict(item["data"].get("parameters") or {}).items())
            ],
        }
        for item in groups["clause"]
    ]
    return TermsView(coverages, aircraft, persons, clauses, money(version.term_premium))


def _parameter_text(value: Any) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(_parameter_text(v) for v in value)
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return str(value)


# Calculations ---------------------------------------------------------------------------------


@dataclass
class EndorsementView:
    endorsement: Endorsement
    lines: list[dict[str, str]]
    reapplied: list[dict[str, Any]]
    inputs: dict[str, Any]
    amount: str
    is_refund: bool


def endorsement_view(endorsement: Endorsement) -> EndorsementView:
    calculation = dict(endorsement.calculation or {})
    reapplied = [
        {
            "sequence": entry.get("sequence", ""),
            "effective_on": entry.get("effective_on", ""),
            "before": money(entry.get("before")),
            "after": money(entry.get("after")),
            "lines": calculation_lines(entry.get("calculation")),
        }
        for entry in calculation.get("reapplied", [])
        if isinstance(entry, Mapping)
    ]
    return EndorsementView(
        endorsement=endorsement,
        lines=calculation_lines(calculation),
        reapplied=reapplied,
        inputs=dict(calculation.get("inputs") or {}),
        amount=money(abs(endorsement.premium_change)),
        is_refund=endorsement.premium_change < 0,
    )


@dataclass
class VersionRow:
    version: PolicyVersion
    period: str
    replaced: bool
    cancellation: bool
    sequence: int | None
    term_premium: str
    premium_change: str


def version_rows(versions: Iterable[PolicyVersion]) -> list[VersionRow]:
    """Every version, replaced ones included, in effective order."""
    ordered = sorted(
        versions,
        key=lambda v: (v.effective_from, v.endorsement.sequence if v.endorsement else 0, v.number),
    )
    rows = []
    for version in ordered:
        cancellation = version.kind == VersionKind.CANCELLATION
        if cancellation:
            period = _("no cover from %(day)s 00:00") % {"day": version.effective_from.isoformat()}
        elif version.effective_to < version.effective_from:
            period = _("replaced on the day it began (%(day)s)") % {
                "day": version.effective_from.isoformat()
            }
        else:
            period = period_text(version.effective_from, version.effective_to)
        rows.append(
            VersionRow(
                version=version,
                period=period,
                replaced=version.replaced_at is not None,
                cancellation=cancellation,
                sequence=version.endorsement.sequence if version.endorsement else None,
                term_premium=money(version.term_premium),
                premium_change=money(version.premium_change),
            )
        )
    return rows
