"""Adjudication (核赔) of one loss against the terms of the policy version in force on the loss
date. Pure: no database, Decimal throughout; the claims services load the terms and the earlier
payments, call `adjudicate`, and store `Decision.as_dict()`, which `adjudication_rerun` runs
again to the same result.

Inputs (`AdjudicationInput`):

- ``terms``: the version's items (`policies.calculations.TermsItem`, as `PolicyVersion.terms`
  stores them, see `policies.terms`): ``coverage:<code>`` with its limits, deductibles and
  sections; ``aircraft:<id>`` with its agreed value, installed (added) equipment and premium
  lines; ``person:<id>`` with its category and lines; ``clause:<code>`` with its kind,
  coverage (None: the whole version) and parameters (`catalog.parameters`).
- ``cover``: the days the version covers (effective_from to effective_to, both whole days).
- ``loss``: when it happened, the aircraft, the pilot's licence, authorisation and type rating
  (None: not established or no pilot involved), the flight area, the exclusions the handler
  found, the salvage, and the loss items; each item names the coverage (a top-level coverage or
  a section code) it is claimed under.
- ``earlier_payments``: what the policy already paid in the period, per coverage, loss type and
  person: they erode the aggregate and per-person limits whose row they fall under.

The coverage check refuses, with a stable code and parameters (`Reason`, `REASON_TEXT`):
a loss outside the version's days (``outside_period``); a coverage not in the terms
(``coverage_not_in_policy``); an aircraft or person not insured under it
(``aircraft_not_insured``, ``person_not_insured``); an exclusion the handler found
(``exclusion``); a pilot without the licence, authorisation or type rating the
``authorised_pilot`` clause requires (``unauthorised_pilot``); a flight over the high seas
when no ``flight_area`` clause extends to them (``high_seas_not_covered``) or outside the
clause's territory (``outside_flight_area``); a police dog or added equipment without its
clause (``police_dog_not_covered``, ``added_equipment_not_covered``). Coverage-wide reasons
refuse every item of the coverage; the others one item. The outcome is ``covered`` (nothing
refused), ``not_covered`` (every item refused) or ``partly_covered``.

The amount, line by line (`Line`, `LINE_TEXT`), per coverage and per group of items: the hull
(repairs and added equipment), spare parts, police dogs, and otherwise one group per loss type
(and per person when a per-person limit applies, or the coverage insures persons):

1. hull: the repair cost against the constructive total loss threshold (``threshold`` × agreed
   value): at or above it the agreed value is the loss (loss type ``hull_total``), below it the
   repair cost (``hull_partial``); salvage the insured keeps is deducted, salvage the insurer
   takes is recorded as a recovery; added equipment counts up to its declared sums, at most the
   clause's ``limit_per_aircraft``, and raises an agreed-value limit by as much;
2. police dogs: ``amount_per_dog`` × the dogs that died, at most ``max_dogs_per_occurrence``;
3. the deductible of the loss type (else the coverage-wide one; a section without one uses its
   parent's): a fixed amount, or a percentage of the loss with a minimum; never above the loss;
4. the per-person limit (the most specific row for loss type and person category), less what
   earlier payments and earlier groups of this decision took from it;
5. the per-occurrence limit, less what earlier groups of this occurrence took from it;
6. the aggregate limit, less earlier payments under the same row and earlier groups.

Amounts on the input have at most two decimals; a percentage or a share of the agreed value is
rounded half-up to the fen where its line says so, so every line is in fen and the lines add up.

Helpers: `advance_payment` (the determinable part, Insurance Law art. 25: the items whose amount
is settled, never more than the final decision pays), `complexity_suggest` (simple / general /
complex for the 3 / 5 / 10 working-day standards) and `green_channel_check`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from coverdesk.catalog.calculations import (
    DeductibleTerms,
    deductible_for_loss,
    is_constructive_total_loss,
    limit_amount,
)
from coverdesk.catalog.choices import ClauseKind, DeductibleKind, LimitKind, LossType
from coverdesk.core.exceptions import ValidationFailed
from coverdesk.core.values import Period, round_fen
from coverdesk.policies.calculations import TermsItem
from coverdesk.policies.terms import AIRCRAFT, CLAUSE, COVERAGE, PERSON, item_kind

ALGORITHM_VERSION = 1
LOCAL_TIME = ZoneInfo("Asia/Shanghai")
ZERO = Decimal("0.00")
HUNDRED = Decimal(100)
FEN = Decimal("0.01")

# Loss item kinds ------------------------------------------------------------------------------

HULL_REPAIR = "hull_repair"
PARTS = "parts"
ADDED_EQUIPMENT = "added_equipment"
THIRD_PARTY_DAMAGE = "third_party_damage"
INJURY = "injury"
DEATH = "death"
MEDICAL_EXPENSES = "medical_expenses"
LICENCE_LOSS = "licence_loss"
POLICE_DOG = "police_dog"
ITEM_KINDS = (
    HULL_REPAIR,
    PARTS,
    ADDED_EQUIPMENT,
    THIRD_PARTY_DAMAGE,
    INJURY,
    DEATH,
    MEDICAL_EXPENSES,
    LICENCE_LOSS,
    POLICE_DOG,
)
INJURY_KINDS = frozenset({INJURY, DEATH, MEDICAL_EXPENSES})

# Coverage kinds (catalog.choices.CoverageKind) and the item kinds each takes. A police dog is
# claimed under any aircraft coverage its clause applies to.
KINDS_BY_COVERAGE_KIND: Mapping[str, frozenset[str]] = {
    "hull": frozenset({HULL_REPAIR, PARTS, ADDED_EQUIPMENT}),
    "liability": frozenset({THIRD_PARTY_DAMAGE, INJURY, DEATH}),
    "personal_accident": frozenset({INJURY, DEATH, MEDICAL_EXPENSES}),
    "loss_of_licence": frozenset({LICENCE_LOSS}),
    "package": frozenset(),
}

# The catalogue loss type an item falls under when it does not name one (a hull repair is
# hull_total instead when it makes a constructive total loss).
DEFAULT_LOSS_TYPES: Mapping[tuple[str, str], str] = {
    ("hull", HULL_REPAIR): LossType.HULL_PARTIAL,
    ("hull", ADDED_EQUIPMENT): LossType.HULL_PARTIAL,
    ("hull", PARTS): LossType.SPARE_PARTS,
    ("liability", THIRD_PARTY_DAMAGE): LossType.THIRD_PARTY_PROPERTY,
    ("liability", INJURY): LossType.THIRD_PARTY_INJURY,
    ("liability", DEATH): LossType.THIRD_PARTY_INJURY,
    ("personal_accident", INJURY): LossType.ACCIDENTAL_DISABILITY,
    ("personal_accident", DEATH): LossType.ACCIDENTAL_DEATH,
    ("personal_accident", MEDICAL_EXPENSES): LossType.MEDICAL_EXPENSES,
    ("loss_of_licence", LICENCE_LOSS): LossType.LOSS_OF_LICENCE,
}
# Liability coverages whose injured are passengers (the aviation product's passenger section).
PASSENGER_COVERAGES = frozenset({"passenger_liability"})

# Flight areas ----------------------------------------------------------------------------------

AREA_TERRITORY = "territory"  # within the territory the flight_area clause names
AREA_HIGH_SEAS = "high_seas"
AREA_OUTSIDE = "outside"  # outside that territory and not over the high seas
FLIGHT_AREAS = (AREA_TERRITORY, AREA_HIGH_SEAS, AREA_OUTSIDE)

# Outcomes and scopes -------------------------------------------------------------------------

COVERED = "covered"
PARTLY_COVERED = "partly_covered"
NOT_COVERED = "not_covered"

SCOPE_FULL = "full"
SCOPE_ADVANCE = "advance"  # only the items whose amount is determined

SIMPLE = "simple"
GENERAL = "general"
COMPLEX = "complex"
WORKING_DAYS = {SIMPLE: 3, GENERAL: 5, COMPLEX: 10}

# Texts (English source, translated when shown) ------------------------------------------------

REASON_TEXT: Mapping[str, str] = {
    "outside_period": gettext_noop(
        "The loss on {date} is outside the cover from {first_day} to {last_day}."
    ),
    "coverage_not_in_policy": gettext_noop("The policy has no coverage {coverage}."),
    "aircraft_not_insured": gettext_noop("Aircraft {aircraft_id} is not insured under {coverage}."),
    "person_not_insured": gettext_noop("Person {person_id} is not insured under {coverage}."),
    "exclusion": gettext_noop("Exclusion {exclusion} of {coverage} applies."),
    "unauthorised_pilot": gettext_noop(
        "The pilot did not meet the {requirement} requirement of the authorised-pilot clause."
    ),
    "high_seas_not_covered": gettext_noop("The flight area does not extend to the high seas."),
    "outside_flight_area": gettext_noop("The loss happened outside the flight area {territory}."),
    "police_dog_not_covered": gettext_noop("No police dog clause applies to {coverage}."),
    "added_equipment_not_covered": gettext_noop("No added-equipment clause applies to {coverage}."),
}

LINE_TEXT: Mapping[str, str] = {
    "item": gettext_noop("Item {item}: {kind}"),
    "item_refused": gettext_noop("Item {item}: {kind}, not covered ({reason})"),
    "item_undetermined": gettext_noop("Item {item}: {kind}, amount not yet determined"),
    "repair_cost": gettext_noop("Repair cost"),
    "ctl_threshold": gettext_noop(
        "Constructive total loss threshold: {threshold} % of the agreed value {agreed_value},"
        " rounded to the fen"
    ),
    "constructive_total_loss": gettext_noop(
        "Repair cost at or above the threshold: constructive total loss, the agreed value"
    ),
    "below_ctl_threshold": gettext_noop("Repair cost below the threshold: the repair cost"),
    "salvage_deducted": gettext_noop("Salvage kept by the insured, deducted"),
    "salvage_to_insurer": gettext_noop("Salvage taken over by the insurer (recovery, recorded)"),
    "added_equipment": gettext_noop(
        "Added equipment: claimed {claimed}, declared {declared}, clause limit {clause_limit}"
    ),
    "police_dog": gettext_noop(
        "Police dogs: {paid_count} of {count} × {amount_per_dog} (at most {max_dogs})"
    ),
    "loss": gettext_noop("Loss ({loss_type})"),
    "deductible_amount": gettext_noop("Deductible: fixed amount {deductible}"),
    "deductible_percentage": gettext_noop(
        "Deductible: {percentage} % of the loss, at least {minimum}, rounded to the fen"
    ),
    "after_deductible": gettext_noop("After the deductible"),
    "limit_per_person": gettext_noop(
        "Per-person limit {limit}, less {used} already paid or allocated: available"
    ),
    "limit_per_occurrence": gettext_noop(
        "Per-occurrence limit {limit}, less {used} allocated in this occurrence: available"
    ),
    "limit_aggregate": gettext_noop(
        "Aggregate limit {limit}, less {used} already paid or allocated: available"
    ),
    "payable": gettext_noop("Payable ({loss_type})"),
    "payable_capped": gettext_noop("Payable ({loss_type}), capped by the {capped_by} limit"),
    "coverage_payable": gettext_noop("Payable under {coverage}"),
    "total_payable": gettext_noop("Total payable"),
}

KIND_TEXT: Mapping[str, str] = {
    HULL_REPAIR: gettext_noop("hull repair"),
    PARTS: gettext_noop("spare parts"),
    ADDED_EQUIPMENT: gettext_noop("added equipment"),
    THIRD_PARTY_DAMAGE: gettext_noop("third-party property damage"),
    INJURY: gettext_noop("injury"),
    DEATH: gettext_noop("death"),
    MEDICAL_EXPENSES: gettext_noop("medical expenses"),
    LICENCE_LOSS: gettext_noop("loss of licence"),
    POLICE_DOG: gettext_noop("police dog"),
}


def _money(value: Decimal) -> str:
    return f"{value:,.2f}"


def _plain(value: Decimal) -> str:
    return format(value.normalize(), "f")


# Inputs ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LossItem:
    """One item of the assessed loss. `person_id`: the insured person (personal coverages);
    `victim`: who a liability item is for (any stable label), needed where a per-person limit
    applies; `count`: police dogs that died; `determined`: False while the amount is an
    estimate (left out of the advance payment); `loss_type`: a catalogue loss type, derived
    from the coverage and kind when empty."""

    coverage: str
    kind: str
    amount: Decimal
    person_id: int | None = None
    victim: str = ""
    count: int = 1
    determined: bool = True
    loss_type: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "coverage": self.coverage,
            "kind": self.kind,
            "amount": str(self.amount),
            "person_id": self.person_id,
            "victim": self.victim,
            "count": self.count,
            "determined": self.determined,
            "loss_type": self.loss_type,
        }

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> LossItem:
        person = raw.get("person_id")
        return cls(
            coverage=str(raw["coverage"]),
            kind=str(raw["kind"]),
            amount=Decimal(str(raw["amount"])),
            person_id=None if person is None else int(person),
            victim=str(raw.get("victim", "")),
            count=int(raw.get("count", 1)),
            determined=bool(raw.get("determined", True)),
            loss_type=str(raw.get("loss_type", "")),
        )


@dataclass(frozen=True)
class ExclusionFinding:
    """The handler found that exclusion `code` of `coverage` (or of its parent) applies."""

    coverage: str
    code: str

    def as_dict(self) -> dict[str, str]:
        return {"coverage": self.coverage, "code": self.code}

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> ExclusionFinding:
        return cls(coverage=str(raw["coverage"]), code=str(raw["code"]))


@dataclass(frozen=True)
class Loss:
    """The loss as surveyed. `occurred_at`: aware, or naive in Asia/Shanghai time; its local
    date is the loss date. Pilot fields: None when not established or no pilot was involved."""

    occurred_at: datetime
    items: tuple[LossItem, ...]
    aircraft_id: int | None = None
    flight_area: str = AREA_TERRITORY
    pilot_licensed: bool | None = None
    pilot_authorised: bool | None = None
    pilot_type_rated: bool | None = None
    exclusions: tuple[ExclusionFinding, ...] = ()
    salvage_value: Decimal = ZERO
    salvage_retained_by_insured: bool = False

    @property
    def occurred_on(self) -> date:
        moment = self.occurred_at
        if moment.tzinfo is not None:
            moment = moment.astimezone(LOCAL_TIME)
        return moment.date()

    def as_dict(self) -> dict[str, Any]:
        return {
            "occurred_at": self.occurred_at.isoformat(),
            "items": [item.as_dict() for item in self.items],
            "aircraft_id": self.aircraft_id,
            "flight_area": self.flight_area,
            "pilot_licensed": self.pilot_licensed,
            "pilot_authorised": self.pilot_authorised,
            "pilot_type_rated": self.pilot_type_rated,
            "exclusions": [finding.as_dict() for finding in self.exclusions],
            "salvage_value": str(self.salvage_value),
            "salvage_retained_by_insured": self.salvage_retained_by_insured,
        }

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> Loss:
        aircraft = raw.get("aircraft_id")
        return cls(
            occurred_at=datetime.fromisoformat(str(raw["occurred_at"])),
            items=tuple(LossItem.from_dict(item) for item in raw["items"]),
            aircraft_id=None if aircraft is None else int(aircraft),
            flight_area=str(raw.get("flight_area", AREA_TERRITORY)),
            pilot_licensed=_optional_bool(raw.get("pilot_licensed")),
            pilot_authorised=_optional_bool(raw.get("pilot_authorised")),
            pilot_type_rated=_optional_bool(raw.get("pilot_type_rated")),
            exclusions=tuple(ExclusionFinding.from_dict(e) for e in raw.get("exclusions", [])),
            salvage_value=Decimal(str(raw.get("salvage_value", "0.00"))),
            salvage_retained_by_insured=bool(raw.get("salvage_retained_by_insured", False)),
        )


def _optional_bool(value: Any) -> bool | None:
    return None if value is None else bool(value)


@dataclass(frozen=True)
class EarlierPayment:
    """A payment already made (or approved) on the same policy in the period: it erodes the
    aggregate limit whose row its coverage and loss type select, and the per-person limit of
    the same person (`person_id`, or `victim` for liability)."""

    coverage: str
    amount: Decimal
    loss_type: str = ""
    person_id: int | None = None
    victim: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "coverage": self.coverage,
            "amount": str(self.amount),
            "loss_type": self.loss_type,
            "person_id": self.person_id,
            "victim": self.victim,
        }

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> EarlierPayment:
        person = raw.get("person_id")
        return cls(
            coverage=str(raw["coverage"]),
            amount=Decimal(str(raw["amount"])),
            loss_type=str(raw.get("loss_type", "")),
            person_id=None if person is None else int(person),
            victim=str(raw.get("victim", "")),
        )


@dataclass(frozen=True)
class AdjudicationInput:
    terms: tuple[TermsItem, ...]
    cover: Period
    loss: Loss
    earlier_payments: tuple[EarlierPayment, ...] = ()

    def __post_init__(self) -> None:
        # One order for the terms, so a stored input reads back equal to the one run.
        object.__setattr__(self, "terms", tuple(sorted(self.terms, key=lambda i: i.key)))

    def as_dict(self) -> dict[str, Any]:
        return {
            "terms": [item.as_dict() for item in self.terms],
            "cover": {
                "first_day": self.cover.first_day.isoformat(),
                "last_day": self.cover.last_day.isoformat(),
            },
            "loss": self.loss.as_dict(),
            "earlier_payments": [payment.as_dict() for payment in self.earlier_payments],
        }

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> AdjudicationInput:
        return cls(
            terms=tuple(TermsItem.from_dict(item) for item in raw["terms"]),
            cover=Period(
                date.fromisoformat(raw["cover"]["first_day"]),
                date.fromisoformat(raw["cover"]["last_day"]),
            ),
            loss=Loss.from_dict(raw["loss"]),
            earlier_payments=tuple(
                EarlierPayment.from_dict(p) for p in raw.get("earlier_payments", [])
            ),
        )


# Results ---------------------------------------------------------------------------------------


def _params_from(raw: Any) -> dict[str, str]:
    return {str(k): str(v) for k, v in dict(raw or {}).items()}


@dataclass(frozen=True)
class Reason:
    """Why (part of) the loss is not covered: `coverage` "" for the whole loss, `item` the
    0-based index of a refused item (None: the whole coverage)."""

    code: str
    coverage: str = ""
    item: int | None = None
    params: Mapping[str, str] = field(default_factory=dict)

    def text(self) -> str:
        return gettext(REASON_TEXT[self.code]).format(coverage=self.coverage, **self.params)

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "coverage": self.coverage,
            "item": self.item,
            "params": dict(self.params),
        }

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> Reason:
        item = raw.get("item")
        return cls(
            code=str(raw["code"]),
            coverage=str(raw.get("coverage", "")),
            item=None if item is None else int(item),
            params=_params_from(raw.get("params")),
        )


@dataclass(frozen=True)
class Line:
    """One line of the working: `coverage` "" for the totals; `params` figures and codes."""

    coverage: str
    code: str
    amount: Decimal
    params: Mapping[str, str] = field(default_factory=dict)

    def text(self) -> str:
        params = dict(self.params)
        if "kind" in params:
            params["kind"] = gettext(KIND_TEXT.get(params["kind"], params["kind"]))
        return gettext(LINE_TEXT[self.code]).format(coverage=self.coverage, **params)

    def as_dict(self) -> dict[str, Any]:
        return {
            "coverage": self.coverage,
            "code": self.code,
            "amount": str(self.amount),
            "params": dict(self.params),
        }

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> Line:
        return cls(
            coverage=str(raw["coverage"]),
            code=str(raw["code"]),
            amount=Decimal(str(raw["amount"])),
            params=_params_from(raw.get("params")),
        )


@dataclass(frozen=True)
class Allocation:
    """What the decision pays under one coverage, loss type and person: the key a payment is
    recorded with, and fed back as an `EarlierPayment` to later decisions."""

    coverage: str
    loss_type: str
    amount: Decimal
    person_id: int | None = None
    victim: str = ""

    def as_earlier_payment(self) -> EarlierPayment:
        return EarlierPayment(
            coverage=self.coverage,
            amount=self.amount,
            loss_type=self.loss_type,
            person_id=self.person_id,
            victim=self.victim,
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "coverage": self.coverage,
            "loss_type": self.loss_type,
            "amount": str(self.amount),
            "person_id": self.person_id,
            "victim": self.victim,
        }

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> Allocation:
        person = raw.get("person_id")
        return cls(
            coverage=str(raw["coverage"]),
            loss_type=str(raw["loss_type"]),
            amount=Decimal(str(raw["amount"])),
            person_id=None if person is None else int(person),
            victim=str(raw.get("victim", "")),
        )


@dataclass(frozen=True)
class CoverageResult:
    """One claimed coverage: covered unless a coverage-wide reason refused it; `claimed` the
    items' amounts, `payable` what it pays (a reserve per coverage starts from these)."""

    coverage: str
    covered: bool
    claimed: Decimal
    payable: Decimal

    def as_dict(self) -> dict[str, Any]:
        return {
            "coverage": self.coverage,
            "covered": self.covered,
            "claimed": str(self.claimed),
            "payable": str(self.payable),
        }

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> CoverageResult:
        return cls(
            coverage=str(raw["coverage"]),
            covered=bool(raw["covered"]),
            claimed=Decimal(str(raw["claimed"])),
            payable=Decimal(str(raw["payable"])),
        )


@dataclass(frozen=True)
class Decision:
    outcome: str  # covered | partly_covered | not_covered
    reasons: tuple[Reason, ...]
    coverages: tuple[CoverageResult, ...]
    lines: tuple[Line, ...]
    allocations: tuple[Allocation, ...]
    claimed: Decimal
    payable: Decimal
    constructive_total_loss: bool
    salvage_to_insurer: Decimal  # a recovery to expect
    scope: str
    inputs: AdjudicationInput
    version: int = ALGORITHM_VERSION

    @property
    def covered(self) -> bool:
        return self.outcome != NOT_COVERED

    def line(self, code: str, coverage: str | None = None) -> Line:
        """The first line with `code` (under `coverage` when given); KeyError if none."""
        for line in self.lines:
            if line.code == code and (coverage is None or line.coverage == coverage):
                return line
        raise KeyError(code)

    def lines_of(self, code: str) -> list[Line]:
        return [line for line in self.lines if line.code == code]

    def reason_codes(self) -> list[str]:
        return [reason.code for reason in self.reasons]

    def as_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "scope": self.scope,
            "outcome": self.outcome,
            "reasons": [reason.as_dict() for reason in self.reasons],
            "coverages": [result.as_dict() for result in self.coverages],
            "lines": [line.as_dict() for line in self.lines],
            "allocations": [allocation.as_dict() for allocation in self.allocations],
            "claimed": str(self.claimed),
            "payable": str(self.payable),
            "constructive_total_loss": self.constructive_total_loss,
            "salvage_to_insurer": str(self.salvage_to_insurer),
            "inputs": self.inputs.as_dict(),
        }

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> Decision:
        """The stored decision as it was (no re-run; `adjudication_rerun` runs it again)."""
        return cls(
            outcome=str(raw["outcome"]),
            reasons=tuple(Reason.from_dict(r) for r in raw["reasons"]),
            coverages=tuple(CoverageResult.from_dict(c) for c in raw["coverages"]),
            lines=tuple(Line.from_dict(line) for line in raw["lines"]),
            allocations=tuple(Allocation.from_dict(a) for a in raw["allocations"]),
            claimed=Decimal(str(raw["claimed"])),
            payable=Decimal(str(raw["payable"])),
            constructive_total_loss=bool(raw["constructive_total_loss"]),
            salvage_to_insurer=Decimal(str(raw["salvage_to_insurer"])),
            scope=str(raw["scope"]),
            inputs=AdjudicationInput.from_dict(raw["inputs"]),
            version=int(raw["version"]),
        )


# The terms, indexed ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Row:
    """A coverage row of the terms: a top-level coverage or one of its sections."""

    code: str
    top: str
    coverage_kind: str
    insured_object: str
    limits: tuple[Mapping[str, Any], ...]
    deductibles: tuple[Mapping[str, Any], ...]
    parent_limits: tuple[Mapping[str, Any], ...] = ()
    parent_deductibles: tuple[Mapping[str, Any], ...] = ()

    def owners(self) -> list[tuple[str, tuple[Mapping[str, Any], ...]]]:
        if self.code == self.top:
            return [(self.code, self.limits)]
        return [(self.code, self.limits), (self.top, self.parent_limits)]


RowId = tuple[str, int]  # (owner coverage code, index of the limit row)


@dataclass(frozen=True)
class _Limit:
    row: RowId
    amount: Decimal


class _Terms:
    def __init__(self, items: Iterable[TermsItem]) -> None:
        self.rows: dict[str, _Row] = {}
        self.aircraft: dict[int, Mapping[str, Any]] = {}
        self.persons: dict[int, Mapping[str, Any]] = {}
        self.clauses: list[Mapping[str, Any]] = []
        for item in sorted(items, key=lambda i: i.key):
            kind = item_kind(item)
            data = item.data
            if kind == COVERAGE:
                top = str(data["code"])
                limits = tuple(data.get("limits", []))
                deductibles = tuple(data.get("deductibles", []))
                insured = str(data.get("insured_object", ""))
                self.rows[top] = _Row(
                    top, top, str(data.get("coverage_kind", "")), insured, limits, deductibles
                )
                for section in data.get("sections", []):
                    code = str(section["code"])
                    self.rows[code] = _Row(
                        code,
                        top,
                        str(section.get("coverage_kind", "")),
                        insured,
                        tuple(section.get("limits", [])),
                        tuple(section.get("deductibles", [])),
                        limits,
                        deductibles,
                    )
            elif kind == AIRCRAFT:
                self.aircraft[int(data["aircraft_id"])] = data
            elif kind == PERSON:
                self.persons[int(data["person_id"])] = data
            elif kind == CLAUSE:
                self.clauses.append(data)

    def clause(self, kind: str, row: _Row) -> Mapping[str, Any] | None:
        """The first clause of `kind` that applies to the row: version-wide, or written on the
        row or its top-level coverage."""
        for clause in self.clauses:
            if clause.get("clause_kind") != kind:
                continue
            owner = clause.get("coverage")
            if owner is None or owner in (row.code, row.top):
                return clause
        return None

    @staticmethod
    def _rated(data: Mapping[str, Any], row: _Row) -> bool:
        for line in data.get("lines", []):
            if line.get("coverage") == row.top and (
                row.code == row.top or line.get("row") == row.code
            ):
                return True
        return False

    def aircraft_insured(self, aircraft_id: int, row: _Row) -> bool:
        data = self.aircraft.get(aircraft_id)
        return data is not None and self._rated(data, row)

    def person_insured(self, person_id: int, row: _Row) -> bool:
        data = self.persons.get(person_id)
        return data is not None and self._rated(data, row)

    def category(self, person_id: int | None) -> str:
        if person_id is None or person_id not in self.persons:
            return ""
        return str(self.persons[person_id].get("category", ""))

    def limit_row(self, row: _Row, kind: str, *, loss_type: str, category: str) -> RowId | None:
        """Which limit row of `kind` applies: the most specific one (loss type and category,
        loss type, category, general), the section's own rows first, then its parent's."""
        found = self._select(row, kind, loss_type=loss_type, category=category)
        return None if found is None else found[0]

    def limit(
        self,
        row: _Row,
        kind: str,
        *,
        loss_type: str,
        category: str,
        agreed_value: Decimal | None = None,
    ) -> _Limit | None:
        """That row with its amount; a share of the agreed value is rounded to the fen."""
        found = self._select(row, kind, loss_type=loss_type, category=category)
        if found is None:
            return None
        row_id, data = found
        amount = limit_amount(
            basis=str(data["basis"]),
            amount=_decimal_or_none(data.get("amount")),
            share=_decimal_or_none(data.get("share")),
            agreed_value=agreed_value,
        )
        return _Limit(row_id, round_fen(amount))

    @staticmethod
    def _select(
        row: _Row, kind: str, *, loss_type: str, category: str
    ) -> tuple[RowId, Mapping[str, Any]] | None:
        for owner, rows in row.owners():
            candidates = [(i, r) for i, r in enumerate(rows) if r.get("kind") == kind]
            for wanted in ((loss_type, category), (loss_type, ""), ("", category), ("", "")):
                for index, candidate in candidates:
                    found = (
                        candidate.get("loss_type") or "",
                        candidate.get("person_category") or "",
                    )
                    if found == wanted:
                        return (owner, index), candidate
        return None

    def deductible(self, row: _Row, loss_type: str) -> DeductibleTerms | None:
        owners = [row.deductibles] + ([row.parent_deductibles] if row.code != row.top else [])
        for rows in owners:
            by_type = {str(r.get("loss_type") or ""): r for r in rows}
            found = by_type.get(loss_type) if loss_type else None
            found = found or by_type.get("")
            if found is not None:
                return DeductibleTerms(
                    kind=str(found["kind"]),
                    amount=_decimal_or_none(found.get("amount")),
                    percentage=_decimal_or_none(found.get("percentage")),
                    minimum_amount=_decimal_or_none(found.get("minimum_amount")),
                )
        return None


def _decimal_or_none(value: Any) -> Decimal | None:
    return None if value is None or value == "" else Decimal(str(value))


# Validation ------------------------------------------------------------------------------------


def _check_money(value: Decimal, field_name: str) -> None:
    if not isinstance(value, Decimal) or not value.is_finite():
        raise ValidationFailed.for_field(field_name, "decimal", _("Enter an amount."))
    if value < 0:
        raise ValidationFailed.for_field(
            field_name, "min_value", _("The amount cannot be negative.")
        )
    try:
        exact = value.quantize(FEN) == value
    except InvalidOperation:
        exact = False
    if not exact:
        raise ValidationFailed.for_field(
            field_name, "decimal_places", _("The amount has at most two decimals.")
        )


def _check(inputs: AdjudicationInput, terms: _Terms, now: datetime | None) -> None:
    loss = inputs.loss
    if now is not None:
        occurred = loss.occurred_at
        if occurred.tzinfo is None:
            occurred = occurred.replace(tzinfo=LOCAL_TIME)
        current = now if now.tzinfo is not None else now.replace(tzinfo=LOCAL_TIME)
        if occurred > current:
            raise ValidationFailed.for_field(
                "occurred_at", "not_future", _("The loss cannot happen in the future.")
            )
    if not loss.items:
        raise ValidationFailed.for_field("items", "required", _("Enter at least one loss item."))
    if loss.flight_area not in FLIGHT_AREAS:
        raise ValidationFailed.for_field(
            "flight_area", "choice", _("Unknown flight area {area}."), area=loss.flight_area
        )
    _check_money(loss.salvage_value, "salvage_value")
    if loss.salvage_value > 0 and not any(i.kind == HULL_REPAIR for i in loss.items):
        raise ValidationFailed.for_field(
            "salvage_value", "hull_only", _("Salvage applies to a hull loss only.")
        )
    for index, item in enumerate(loss.items):
        prefix = f"items[{index}]"
        if item.kind not in ITEM_KINDS:
            raise ValidationFailed.for_field(
                f"{prefix}.kind", "choice", _("Unknown loss item kind {kind}."), kind=item.kind
            )
        if not item.coverage:
            raise ValidationFailed.for_field(
                f"{prefix}.coverage", "required", _("Name the coverage claimed.")
            )
        _check_money(item.amount, f"{prefix}.amount")
        if item.count < 1:
            raise ValidationFailed.for_field(f"{prefix}.count", "min_value", _("At least one."))
        if item.loss_type and item.loss_type not in LossType.values:
            raise ValidationFailed.for_field(
                f"{prefix}.loss_type",
                "choice",
                _("Unknown loss type {loss_type}."),
                loss_type=item.loss_type,
            )
        row = terms.rows.get(item.coverage)
        if row is None:
            continue  # refused as coverage_not_in_policy
        allowed = KINDS_BY_COVERAGE_KIND.get(row.coverage_kind, frozenset())
        if item.kind == POLICE_DOG:
            allowed = allowed | ({POLICE_DOG} if row.insured_object == AIRCRAFT else set())
        if item.kind not in allowed:
            raise ValidationFailed.for_field(
                f"{prefix}.kind",
                "kind_for_coverage",
                _("A {kind} item cannot be claimed under {coverage}."),
                kind=item.kind,
                coverage=item.coverage,
            )
        if row.insured_object == AIRCRAFT and loss.aircraft_id is None:
            raise ValidationFailed.for_field(
                "aircraft_id",
                "required",
                _("Name the aircraft: {coverage} insures aircraft."),
                coverage=item.coverage,
            )
        if row.insured_object == PERSON and item.person_id is None:
            raise ValidationFailed.for_field(
                f"{prefix}.person_id",
                "required",
                _("Name the insured person: {coverage} insures persons."),
                coverage=item.coverage,
            )
        if row.insured_object == AIRCRAFT and item.kind in (INJURY, DEATH) and not item.victim:
            limit = terms.limit_row(
                row, LimitKind.PER_PERSON, loss_type=_loss_type(row, item), category=""
            )
            if limit is not None:
                raise ValidationFailed.for_field(
                    f"{prefix}.victim",
                    "required",
                    _("Name the injured or dead person: a per-person limit applies."),
                )
    for index, payment in enumerate(inputs.earlier_payments):
        _check_money(payment.amount, f"earlier_payments[{index}].amount")


def _loss_type(row: _Row, item: LossItem) -> str:
    if item.loss_type:
        return item.loss_type
    if item.kind == POLICE_DOG:
        return str(LossType.POLICE_DOG)
    if item.kind in (INJURY, DEATH) and row.code in PASSENGER_COVERAGES:
        return str(LossType.PASSENGER_INJURY)
    return str(DEFAULT_LOSS_TYPES.get((row.coverage_kind, item.kind), ""))


# The coverage check ----------------------------------------------------------------------------


def _coverage_reasons(inputs: AdjudicationInput, terms: _Terms, row: _Row) -> list[Reason]:
    loss = inputs.loss
    reasons: list[Reason] = []
    code = row.code
    if (
        row.insured_object == AIRCRAFT
        and loss.aircraft_id is not None
        and not terms.aircraft_insured(loss.aircraft_id, row)
    ):
        reasons.append(
            Reason("aircraft_not_insured", code, None, {"aircraft_id": str(loss.aircraft_id)})
        )
    for finding in loss.exclusions:
        if finding.coverage in (row.code, row.top):
            reasons.append(Reason("exclusion", code, None, {"exclusion": finding.code}))
    pilot = terms.clause(ClauseKind.AUTHORISED_PILOT, row)
    if pilot is not None:
        parameters = dict(pilot.get("parameters", {}))
        for requirement, flag, value in (
            ("licence", "licence_required", loss.pilot_licensed),
            ("authorisation", "authorisation_required", loss.pilot_authorised),
            ("type_rating", "type_rating_required", loss.pilot_type_rated),
        ):
            if parameters.get(flag) and value is False:
                reasons.append(
                    Reason("unauthorised_pilot", code, None, {"requirement": requirement})
                )
    area = terms.clause(ClauseKind.FLIGHT_AREA, row)
    if area is not None:
        parameters = dict(area.get("parameters", {}))
        if loss.flight_area == AREA_HIGH_SEAS and not parameters.get("high_seas"):
            reasons.append(Reason("high_seas_not_covered", code))
        elif loss.flight_area == AREA_OUTSIDE:
            reasons.append(
                Reason(
                    "outside_flight_area",
                    code,
                    None,
                    {"territory": str(parameters.get("territory", ""))},
                )
            )
    return reasons


def _item_reason(terms: _Terms, row: _Row, index: int, item: LossItem) -> Reason | None:
    if (
        row.insured_object == PERSON
        and item.person_id is not None
        and not terms.person_insured(item.person_id, row)
    ):
        return Reason("person_not_insured", row.code, index, {"person_id": str(item.person_id)})
    if item.kind == POLICE_DOG and terms.clause(ClauseKind.POLICE_DOG, row) is None:
        return Reason("police_dog_not_covered", row.code, index)
    if item.kind == ADDED_EQUIPMENT and terms.clause(ClauseKind.ADDED_EQUIPMENT, row) is None:
        return Reason("added_equipment_not_covered", row.code, index)
    return None


# The amount ------------------------------------------------------------------------------------


@dataclass
class _Ledger:
    """What limits are already used: by earlier payments and by earlier groups of this run."""

    occurrence: dict[RowId, Decimal] = field(default_factory=dict)
    aggregate: dict[RowId, Decimal] = field(default_factory=dict)
    person: dict[tuple[RowId, str], Decimal] = field(default_factory=dict)

    def add(self, book: dict[Any, Decimal], key: Any, amount: Decimal) -> None:
        book[key] = book.get(key, ZERO) + amount


def _person_key(person_id: int | None, victim: str) -> str:
    if person_id is not None:
        return f"person:{person_id}"
    return f"victim:{victim}" if victim else ""


def _earlier_ledger(inputs: AdjudicationInput, terms: _Terms) -> _Ledger:
    ledger = _Ledger()
    for payment in inputs.earlier_payments:
        row = terms.rows.get(payment.coverage)
        if row is None:
            continue  # a coverage this version no longer has: no limit of it to erode
        category = terms.category(payment.person_id)
        aggregate = terms.limit_row(
            row, LimitKind.AGGREGATE, loss_type=payment.loss_type, category=category
        )
        if aggregate is not None:
            ledger.add(ledger.aggregate, aggregate, payment.amount)
        person = _person_key(payment.person_id, payment.victim)
        per_person = terms.limit_row(
            row, LimitKind.PER_PERSON, loss_type=payment.loss_type, category=category
        )
        if per_person is not None and person:
            ledger.add(ledger.person, (per_person, person), payment.amount)
    return ledger


@dataclass
class _Group:
    kind: str  # hull | police_dog | other
    loss_type: str
    person_id: int | None
    victim: str
    items: list[tuple[int, LossItem]] = field(default_factory=list)


class _Run:
    def __init__(self, inputs: AdjudicationInput, terms: _Terms) -> None:
        self.inputs = inputs
        self.terms = terms
        self.lines: list[Line] = []
        self.allocations: list[Allocation] = []
        self.ledger = _earlier_ledger(inputs, terms)
        self.constructive_total_loss = False
        self.salvage_to_insurer = ZERO

    def line(self, coverage: str, code: str, amount: Decimal, **params: object) -> None:
        self.lines.append(Line(coverage, code, amount, {k: str(v) for k, v in params.items()}))

    def groups(self, row: _Row, items: Sequence[tuple[int, LossItem]]) -> list[_Group]:
        groups: dict[tuple[str, str, str], _Group] = {}
        for index, item in items:
            loss_type = _loss_type(row, item)
            if row.coverage_kind == "hull" and item.kind in (HULL_REPAIR, ADDED_EQUIPMENT):
                key = ("hull", "", "")
                group = groups.setdefault(key, _Group("hull", loss_type, None, ""))
            elif item.kind == POLICE_DOG:
                key = ("police_dog", loss_type, "")
                group = groups.setdefault(key, _Group("police_dog", loss_type, None, ""))
            else:
                per_person = row.insured_object == PERSON or (
                    self.terms.limit_row(
                        row,
                        LimitKind.PER_PERSON,
                        loss_type=loss_type,
                        category=self.terms.category(item.person_id),
                    )
                    is not None
                )
                person = _person_key(item.person_id, item.victim) if per_person else ""
                key = ("other", loss_type, person)
                group = groups.setdefault(
                    key,
                    _Group(
                        "other",
                        loss_type,
                        item.person_id if per_person else None,
                        item.victim if per_person and item.person_id is None else "",
                    ),
                )
            group.items.append((index, item))
        return list(groups.values())

    def _agreed_value(self) -> Decimal | None:
        aircraft_id = self.inputs.loss.aircraft_id
        if aircraft_id is None or aircraft_id not in self.terms.aircraft:
            return None
        return Decimal(str(self.terms.aircraft[aircraft_id]["agreed_value"]))

    def _hull(self, row: _Row, group: _Group) -> tuple[Decimal, str, Decimal]:
        """(loss, loss type, addition to an agreed-value limit) of the hull group."""
        code = row.code
        loss = self.inputs.loss
        agreed_value = self._agreed_value()
        repair = sum((i.amount for _, i in group.items if i.kind == HULL_REPAIR), ZERO)
        equipment = sum((i.amount for _, i in group.items if i.kind == ADDED_EQUIPMENT), ZERO)
        amount = ZERO
        loss_type = str(LossType.HULL_PARTIAL)
        if any(i.kind == HULL_REPAIR for _, i in group.items):
            self.line(code, "repair_cost", repair)
            ctl = self.terms.clause(ClauseKind.CONSTRUCTIVE_TOTAL_LOSS, row)
            threshold = None
            if ctl is not None:
                threshold = _decimal_or_none(dict(ctl.get("parameters", {})).get("threshold"))
            if threshold is not None and agreed_value is not None:
                self.line(
                    code,
                    "ctl_threshold",
                    round_fen(agreed_value * threshold),
                    threshold=_plain(threshold * HUNDRED),
                    agreed_value=_money(agreed_value),
                )
                if is_constructive_total_loss(
                    repair_cost=repair, agreed_value=agreed_value, threshold=threshold
                ):
                    self.constructive_total_loss = True
                    loss_type = str(LossType.HULL_TOTAL)
                    amount = agreed_value
                    self.line(code, "constructive_total_loss", amount)
                else:
                    amount = repair
                    self.line(code, "below_ctl_threshold", amount)
            else:
                amount = repair
            if loss.salvage_value > 0:
                if loss.salvage_retained_by_insured:
                    deducted = min(loss.salvage_value, amount)
                    amount -= deducted
                    self.line(code, "salvage_deducted", deducted)
                else:
                    self.salvage_to_insurer = loss.salvage_value
                    self.line(code, "salvage_to_insurer", loss.salvage_value)
        extension = ZERO
        if any(i.kind == ADDED_EQUIPMENT for _, i in group.items):
            clause = self.terms.clause(ClauseKind.ADDED_EQUIPMENT, row)
            clause_limit = ZERO
            if clause is not None:
                clause_limit = Decimal(
                    str(dict(clause.get("parameters", {})).get("limit_per_aircraft", "0"))
                )
            aircraft = self.terms.aircraft.get(loss.aircraft_id or 0, {})
            declared = sum(
                (
                    Decimal(str(e.get("sum_insured", "0")))
                    for e in aircraft.get("installed_equipment", [])
                ),
                ZERO,
            )
            extension = min(declared, clause_limit)
            covered = min(equipment, extension)
            self.line(
                code,
                "added_equipment",
                covered,
                claimed=_money(equipment),
                declared=_money(declared),
                clause_limit=_money(clause_limit),
            )
            amount += covered
        return amount, loss_type, extension

    def _police_dogs(self, row: _Row, group: _Group) -> Decimal:
        clause = self.terms.clause(ClauseKind.POLICE_DOG, row)
        parameters = dict(clause.get("parameters", {})) if clause is not None else {}
        per_dog = Decimal(str(parameters.get("amount_per_dog", "0")))
        most = int(parameters.get("max_dogs_per_occurrence", 0))
        count = sum(i.count for _, i in group.items)
        paid = min(count, most)
        amount = per_dog * paid
        self.line(
            row.code,
            "police_dog",
            amount,
            count=count,
            paid_count=paid,
            amount_per_dog=_money(per_dog),
            max_dogs=most,
        )
        return amount

    def group(self, row: _Row, group: _Group) -> Decimal:
        """Work out one group: its loss, deductible and limits; returns the payable."""
        code = row.code
        extension = ZERO
        if group.kind == "hull":
            gross, loss_type, extension = self._hull(row, group)
        elif group.kind == "police_dog":
            gross, loss_type = self._police_dogs(row, group), group.loss_type
        else:
            gross = sum((i.amount for _, i in group.items), ZERO)
            loss_type = group.loss_type
        self.line(code, "loss", gross, loss_type=loss_type)

        terms = self.terms.deductible(row, loss_type)
        deductible = round_fen(deductible_for_loss(terms, gross))
        if terms is not None:
            if terms.kind == DeductibleKind.PERCENTAGE:
                self.line(
                    code,
                    "deductible_percentage",
                    deductible,
                    percentage=_plain((terms.percentage or ZERO) * HUNDRED),
                    minimum=_money(terms.minimum_amount or ZERO),
                )
            else:
                self.line(
                    code, "deductible_amount", deductible, deductible=_money(terms.amount or ZERO)
                )
            self.line(code, "after_deductible", gross - deductible)
        payable = gross - deductible
        capped_by = ""

        category = self.terms.category(group.person_id)
        agreed_value = self._agreed_value()
        basis_value = None if agreed_value is None else agreed_value + extension
        person = _person_key(group.person_id, group.victim)
        per_person = self.terms.limit(
            row,
            LimitKind.PER_PERSON,
            loss_type=loss_type,
            category=category,
            agreed_value=basis_value,
        )
        if per_person is not None and person:
            used = self.ledger.person.get((per_person.row, person), ZERO)
            available = max(per_person.amount - used, ZERO)
            self.line(
                code,
                "limit_per_person",
                available,
                limit=_money(per_person.amount),
                used=_money(used),
                person=person,
            )
            if available < payable:
                payable, capped_by = available, LimitKind.PER_PERSON
        occurrence = self.terms.limit(
            row,
            LimitKind.PER_OCCURRENCE,
            loss_type=loss_type,
            category=category,
            agreed_value=basis_value,
        )
        if occurrence is not None:
            used = self.ledger.occurrence.get(occurrence.row, ZERO)
            available = max(occurrence.amount - used, ZERO)
            self.line(
                code,
                "limit_per_occurrence",
                available,
                limit=_money(occurrence.amount),
                used=_money(used),
            )
            if available < payable:
                payable, capped_by = available, LimitKind.PER_OCCURRENCE
        aggregate = self.terms.limit(
            row,
            LimitKind.AGGREGATE,
            loss_type=loss_type,
            category=category,
            agreed_value=basis_value,
        )
        if aggregate is not None:
            used = self.ledger.aggregate.get(aggregate.row, ZERO)
            available = max(aggregate.amount - used, ZERO)
            self.line(
                code,
                "limit_aggregate",
                available,
                limit=_money(aggregate.amount),
                used=_money(used),
            )
            if available < payable:
                payable, capped_by = available, LimitKind.AGGREGATE

        payable = round_fen(payable)
        if capped_by:
            self.line(code, "payable_capped", payable, loss_type=loss_type, capped_by=capped_by)
        else:
            self.line(code, "payable", payable, loss_type=loss_type)
        if per_person is not None and person:
            self.ledger.add(self.ledger.person, (per_person.row, person), payable)
        if occurrence is not None:
            self.ledger.add(self.ledger.occurrence, occurrence.row, payable)
        if aggregate is not None:
            self.ledger.add(self.ledger.aggregate, aggregate.row, payable)
        if payable > 0:
            self.allocations.append(
                Allocation(code, loss_type, payable, group.person_id, group.victim)
            )
        return payable


def adjudicate(
    inputs: AdjudicationInput, *, now: datetime | None = None, scope: str = SCOPE_FULL
) -> Decision:
    """Check the loss against the terms and work out what they pay, line by line. `now`, when
    given, refuses a loss in the future (ValidationFailed naming `occurred_at`); bad input is a
    ValidationFailed naming the field and rule. `scope` SCOPE_ADVANCE leaves out the items
    whose amount is not determined (see `advance_payment`)."""
    if scope not in (SCOPE_FULL, SCOPE_ADVANCE):
        raise ValidationFailed.for_field(
            "scope", "choice", _("Unknown scope {scope}."), scope=scope
        )
    terms = _Terms(inputs.terms)
    _check(inputs, terms, now)
    loss = inputs.loss
    run = _Run(inputs, terms)
    reasons: list[Reason] = []

    outside = not inputs.cover.contains(loss.occurred_on)
    if outside:
        reasons.append(
            Reason(
                "outside_period",
                "",
                None,
                {
                    "date": loss.occurred_on.isoformat(),
                    "first_day": inputs.cover.first_day.isoformat(),
                    "last_day": inputs.cover.last_day.isoformat(),
                },
            )
        )

    by_coverage: dict[str, list[tuple[int, LossItem]]] = {}
    for index, item in enumerate(loss.items):
        by_coverage.setdefault(item.coverage, []).append((index, item))

    results: list[CoverageResult] = []
    refused_items = 0
    considered_items = 0
    for coverage, items in by_coverage.items():
        claimed = sum((i.amount for _, i in items), ZERO)
        row = terms.rows.get(coverage)
        coverage_reasons: list[Reason] = []
        if row is None:
            coverage_reasons.append(Reason("coverage_not_in_policy", coverage))
        elif not outside:
            coverage_reasons.extend(_coverage_reasons(inputs, terms, row))
        reasons.extend(coverage_reasons)
        blocked = outside or bool(coverage_reasons)
        accepted: list[tuple[int, LossItem]] = []
        for index, item in items:
            params: dict[str, object] = {"item": index + 1, "kind": item.kind}
            if item.kind == POLICE_DOG:
                params["count"] = item.count
            if item.person_id is not None:
                params["person_id"] = item.person_id
            if item.victim:
                params["victim"] = item.victim
            if scope == SCOPE_ADVANCE and not item.determined:
                run.line(coverage, "item_undetermined", item.amount, **params)
                continue
            considered_items += 1
            if blocked:
                first = reasons[0] if outside else coverage_reasons[0]
                run.line(coverage, "item_refused", item.amount, reason=first.code, **params)
                refused_items += 1
                continue
            assert row is not None
            item_reason = _item_reason(terms, row, index, item)
            if item_reason is not None:
                reasons.append(item_reason)
                run.line(coverage, "item_refused", item.amount, reason=item_reason.code, **params)
                refused_items += 1
                continue
            run.line(coverage, "item", item.amount, **params)
            accepted.append((index, item))
        payable = ZERO
        if row is not None and accepted:
            for group in run.groups(row, accepted):
                payable += run.group(row, group)
        run.line(coverage, "coverage_payable", payable)
        results.append(CoverageResult(coverage, not blocked, claimed, payable))

    total = sum((r.payable for r in results), ZERO)
    run.line("", "total_payable", total)
    if refused_items == 0:
        outcome = COVERED
    elif refused_items == considered_items:
        outcome = NOT_COVERED
    else:
        outcome = PARTLY_COVERED
    return Decision(
        outcome=outcome,
        reasons=tuple(reasons),
        coverages=tuple(results),
        lines=tuple(run.lines),
        allocations=tuple(run.allocations),
        claimed=sum((i.amount for i in loss.items), ZERO),
        payable=total,
        constructive_total_loss=run.constructive_total_loss,
        salvage_to_insurer=run.salvage_to_insurer,
        scope=scope,
        inputs=inputs,
    )


def adjudication_rerun(stored: Mapping[str, Any]) -> Decision:
    """Run a stored decision (`Decision.as_dict()`) again from its inputs. ValidationFailed
    when it was made by another version of the algorithm."""
    version = int(stored.get("version", 0))
    if version != ALGORITHM_VERSION:
        raise ValidationFailed.for_field(
            "version",
            "algorithm_version",
            _("The decision was made by adjudication version {version}, not {current}."),
            version=version,
            current=ALGORITHM_VERSION,
        )
    return adjudicate(
        AdjudicationInput.from_dict(stored["inputs"]), scope=str(stored.get("scope", SCOPE_FULL))
    )


def advance_payment(inputs: AdjudicationInput) -> Decision:
    """The determinable part (Insurance Law art. 25): the decision over the items whose amount
    is determined only. Every step is monotone in the amounts, so this never exceeds what the
    full decision will pay once the open amounts are settled."""
    return adjudicate(inputs, scope=SCOPE_ADVANCE)


# Complexity and the green channel -------------------------------------------------------------


@dataclass(frozen=True)
class ComplexityRules:
    """Defaults of an editable setting: simple below `simple_below`, complex from
    `complex_from` (the larger of the amount claimed and the amount payable)."""

    simple_below: Decimal = Decimal("100000.00")
    complex_from: Decimal = Decimal("5000000.00")
    complex_coverages: int = 3  # this many coverages claimed or more make it complex


@dataclass(frozen=True)
class Suggestion:
    level: str  # simple | general | complex
    reasons: tuple[str, ...]  # why it is not simpler

    @property
    def working_days(self) -> int:
        return WORKING_DAYS[self.level]


def complexity_suggest(decision: Decision, rules: ComplexityRules | None = None) -> Suggestion:
    """Simple / general / complex, with the reasons it is not one level simpler: complex for a
    death, a constructive total loss, third-party or passenger injury, an amount from
    `complex_from`, or many coverages; general for any injury, a refusal, an open amount, more
    than one coverage or an amount from `simple_below`; else simple."""
    rules = rules or ComplexityRules()
    items = decision.inputs.loss.items
    amount = max(decision.claimed, decision.payable)
    kinds = {item.kind for item in items}
    complex_reasons: list[str] = []
    if DEATH in kinds:
        complex_reasons.append("death")
    if decision.constructive_total_loss:
        complex_reasons.append("constructive_total_loss")
    terms = _Terms(decision.inputs.terms)
    for item in items:
        row = terms.rows.get(item.coverage)
        if row is not None and row.insured_object == AIRCRAFT and item.kind in (INJURY, DEATH):
            complex_reasons.append("liability_injury")
            break
    if amount >= rules.complex_from:
        complex_reasons.append("amount_from_complex_threshold")
    if len(decision.coverages) >= rules.complex_coverages:
        complex_reasons.append("several_coverages")
    if complex_reasons:
        return Suggestion(COMPLEX, tuple(complex_reasons))
    general_reasons: list[str] = []
    if kinds & INJURY_KINDS:
        general_reasons.append("injury")
    if decision.reasons:
        general_reasons.append("refusal")
    if any(not item.determined for item in items):
        general_reasons.append("undetermined_amount")
    if len(decision.coverages) > 1:
        general_reasons.append("more_than_one_coverage")
    if amount >= rules.simple_below:
        general_reasons.append("amount_from_simple_threshold")
    if general_reasons:
        return Suggestion(GENERAL, tuple(general_reasons))
    return Suggestion(SIMPLE, ())


@dataclass(frozen=True)
class Eligibility:
    eligible: bool
    reasons: tuple[str, ...]  # why not


def green_channel_check(loss: Loss, *, threshold: Decimal) -> Eligibility:
    """The claims green channel takes a loss whose items claim less than `threshold` in all
    (the configurable amount) and that involves no injury or death (nor medical expenses)."""
    _check_money(threshold, "threshold")
    reasons: list[str] = []
    claimed = sum((item.amount for item in loss.items), ZERO)
    if claimed >= threshold:
        reasons.append("amount_not_below_threshold")
    if any(item.kind in INJURY_KINDS for item in loss.items):
        reasons.append("injury_or_death")
    return Eligibility(not reasons, tuple(reasons))


__all__ = [
    "ADDED_EQUIPMENT",
    "AREA_HIGH_SEAS",
    "AREA_OUTSIDE",
    "AREA_TERRITORY",
    "COMPLEX",
    "COVERED",
    "DEATH",
    "GENERAL",
    "HULL_REPAIR",
    "INJURY",
    "LICENCE_LOSS",
    "MEDICAL_EXPENSES",
    "NOT_COVERED",
    "PARTLY_COVERED",
    "PARTS",
    "POLICE_DOG",
    "SCOPE_ADVANCE",
    "SCOPE_FULL",
    "SIMPLE",
    "THIRD_PARTY_DAMAGE",
    "AdjudicationInput",
    "Allocation",
    "ComplexityRules",
    "CoverageResult",
    "Decision",
    "EarlierPayment",
    "Eligibility",
    "ExclusionFinding",
    "Line",
    "Loss",
    "LossItem",
    "Reason",
    "Suggestion",
    "adjudicate",
    "adjudication_rerun",
    "advance_payment",
    "complexity_suggest",
    "green_channel_check",
]
