"""The terms of a quote or policy version as data, and their premium. Pure: no ORM.

Terms are a list of items (`calculations.TermsItem`), each keyed by what it is about:

- ``coverage:<code>``: a coverage chosen, with its sections, limits, deductibles and the
  minimum premium of each rated row (premium 0);
- ``aircraft:<id>`` and ``person:<id>``: an insured object, its values and one premium line
  per rated row of the chosen coverages (premium: the sum of its lines);
- ``clause:<code>``: a special or additional clause with its parameters (premium 0).

The term premium is the sum of the lines per rated row, each row raised to its minimum
premium when the lines fall short, over all rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from coverdesk.policies.calculations import ZERO, TermsItem

COVERAGE = "coverage"
AIRCRAFT = "aircraft"
PERSON = "person"
CLAUSE = "clause"


def item_key(kind: str, ident: object) -> str:
    return f"{kind}:{ident}"


def item_kind(item: TermsItem) -> str:
    return item.key.split(":", 1)[0]


def items_from_json(raw: Iterable[Mapping[str, Any]]) -> list[TermsItem]:
    return [TermsItem.from_dict(entry) for entry in raw]


def items_to_json(items: Iterable[TermsItem]) -> list[dict[str, Any]]:
    return [item.as_dict() for item in sorted(items, key=lambda i: i.key)]


def _row_minimums(items: Iterable[TermsItem]) -> dict[str, Decimal]:
    minimums: dict[str, Decimal] = {}
    for item in items:
        if item_kind(item) != COVERAGE:
            continue
        for row, rating in dict(item.data.get("rating", {})).items():
            if rating.get("minimum_premium") is not None:
                minimums[row] = Decimal(rating["minimum_premium"])
    return minimums


def row_premiums(items: Iterable[TermsItem]) -> dict[str, Decimal]:
    """Premium per rated row (coverage or section code): its lines, raised to the row's
    minimum premium where they fall short. Rows without any line are not charged."""
    materialised = list(items)
    sums: dict[str, Decimal] = {}
    for item in materialised:
        for line in item.data.get("lines", []):
            sums[line["row"]] = sums.get(line["row"], ZERO) + Decimal(line["premium"])
    minimums = _row_minimums(materialised)
    return {row: max(total, minimums.get(row, ZERO)) for row, total in sums.items()}


def terms_premium_of(items: Iterable[TermsItem]) -> Decimal:
    """The term premium of the items: the endorsement replay's `premium_of`."""
    return sum(row_premiums(items).values(), ZERO)


def premium_by_coverage(items: Iterable[TermsItem]) -> dict[str, Decimal]:
    """Premium per chosen (top-level) coverage, for showing options side by side."""
    materialised = list(items)
    parents: dict[str, str] = {}
    result: dict[str, Decimal] = {}
    for item in materialised:
        if item_kind(item) == COVERAGE:
            code = str(item.data["code"])
            result[code] = ZERO
            for row in dict(item.data.get("rating", {})):
                parents[row] = code
    for row, premium in row_premiums(materialised).items():
        parent = parents.get(row, row)
        result[parent] = result.get(parent, ZERO) + premium
    return result


def total_sum_insured(items: Iterable[TermsItem]) -> Decimal:
    """What underwriting authority is measured on: the aircraft's agreed values and added
    equipment, plus the persons' sums insured (liability limits are not sums insured)."""
    total = ZERO
    for item in items:
        kind = item_kind(item)
        if kind == AIRCRAFT:
            total += Decimal(item.data["agreed_value"])
            for equipment in item.data.get("installed_equipment", []):
                total += Decimal(str(equipment.get("sum_insured", "0")))
        elif kind == PERSON:
            for amount in dict(item.data.get("sums_insured", {})).values():
                total += Decimal(amount)
    return total


def object_ids(items: Iterable[TermsItem]) -> tuple[list[int], list[int]]:
    """(aircraft ids, person ids) covered by the items."""
    aircraft: list[int] = []
    persons: list[int] = []
    for item in items:
        kind = item_kind(item)
        if kind == AIRCRAFT:
            aircraft.append(int(item.data["aircraft_id"]))
        elif kind == PERSON:
            persons.append(int(item.data["person_id"]))
    return sorted(aircraft), sorted(persons)
