"""Premiums, deductibles and limits of one coverage. Pure: no database, Decimal throughout.

Amounts stay exact inside a line and are rounded half-up to the fen once, at the end of each
coverage line (a premium line, or a settlement of one loss). Each result carries the steps of
its working, for the screen and the document.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from coverdesk.catalog.choices import DeductibleKind, LimitBasis, LimitKind, RatingMethod
from coverdesk.core.exceptions import ValidationFailed
from coverdesk.core.values import round_fen

ZERO = Decimal(0)


def _money(value: Decimal) -> str:
    return f"{value:,.2f}"


def _number(value: Decimal) -> str:
    """A rate or an exact (unrounded) amount, without trailing zeros."""
    return format(value.normalize(), "f")


STEP_TEXT = {
    "agreed_value_rate": _("agreed value {value} × rate {rate} = {result}"),
    "sum_insured_rate": _("sum insured {value} × rate {rate} = {result}"),
    "per_head": _("{category}: {count} × {premium} = {result}"),
    "per_seat": _("{count} seats × {premium} = {result}"),
    "flat": _("flat premium {premium}"),
    "minimum_premium": _("minimum premium {premium} applies"),
    "premium": _("premium {premium}"),
    "loss": _("loss {loss}"),
    "deductible": _("deductible {deductible}"),
    "after_deductible": _("after deductible {amount}"),
    "capped": _("capped by the {limit} limit at {amount}"),
    "payable": _("payable {amount}"),
}


@dataclass(frozen=True)
class Step:
    """One line of a working: a stable code and its figures; str() gives the translated line."""

    code: str
    values: Mapping[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return str(STEP_TEXT[self.code]).format(**self.values)

    def as_dict(self) -> dict[str, object]:
        return {"code": self.code, "values": dict(self.values), "text": str(self)}


# --- premium -------------------------------------------------------------------------------


@dataclass(frozen=True)
class RatingTerms:
    """A rating rule as the calculation needs it (see `catalog.selectors.rating_terms`)."""

    method: str
    rate: Decimal | None = None
    amount: Decimal | None = None
    head_premiums: Mapping[str, Decimal] = field(default_factory=dict)
    minimum_premium: Decimal | None = None


@dataclass(frozen=True)
class RatingBasis:
    """What one premium line is rated on: an aircraft (agreed value, seats), a sum insured, or a
    group of insured persons counted by category."""

    agreed_value: Decimal | None = None
    sum_insured: Decimal | None = None
    heads: Mapping[str, int] = field(default_factory=dict)
    seats: int | None = None


@dataclass(frozen=True)
class PremiumLine:
    coverage_code: str
    method: str
    computed: Decimal  # exact, before the minimum premium
    minimum_premium: Decimal | None
    minimum_applied: bool
    premium: Decimal  # rounded to the fen
    steps: tuple[Step, ...]


def _required(value: Decimal | None, name: str) -> Decimal:
    if value is None:
        raise ValidationFailed.for_field(
            name, "required", _("The rating needs a value for {name}."), name=name
        )
    if value <= 0:
        raise ValidationFailed.for_field(name, "positive", _("Must be more than zero."))
    return value


def _terms_value(value: Decimal | None, name: str) -> Decimal:
    if value is None or value <= 0:
        raise ValidationFailed.for_field(
            name, "rating_terms", _("The rating rule has no valid {name}."), name=name
        )
    return value


def coverage_premium(
    terms: RatingTerms, basis: RatingBasis, *, coverage_code: str = ""
) -> PremiumLine:
    """The annual premium of one coverage line: rate × agreed value or sum insured, premium per
    head by category, per passenger seat, or flat; then the minimum premium; rounded once."""
    steps: list[Step] = []
    method = terms.method
    if method == RatingMethod.AGREED_VALUE_RATE or method == RatingMethod.SUM_INSURED_RATE:
        rate = _terms_value(terms.rate, "rate")
        if method == RatingMethod.AGREED_VALUE_RATE:
            value = _required(basis.agreed_value, "agreed_value")
        else:
            value = _required(basis.sum_insured, "sum_insured")
        computed = value * rate
        steps.append(
            Step(
                str(method),
                {"value": _money(value), "rate": _number(rate), "result": _number(computed)},
            )
        )
    elif method == RatingMethod.PER_HEAD:
        computed = ZERO
        for category in sorted(basis.heads):
            count = basis.heads[category]
            if count < 0:
                raise ValidationFailed.for_field(
                    "heads", "not_negative", _("A head count cannot be negative.")
                )
            if count == 0:
                continue
            premium = terms.head_premiums.get(category)
            if premium is None:
                raise ValidationFailed.for_field(
                    "heads",
                    "no_head_premium",
                    _("The rating has no premium per head for the category {category}."),
                    category=category,
                )
            line = premium * count
            computed += line
            steps.append(
                Step(
                    "per_head",
                    {
                        "category": category,
                        "count": str(count),
                        "premium": _money(premium),
                        "result": _number(line),
                    },
                )
            )
        if not steps:
            raise ValidationFailed.for_field(
                "heads", "required", _("At least one insured person is needed.")
            )
    elif method == RatingMethod.PER_SEAT:
        per_seat = _terms_value(terms.amount, "amount")
        if basis.seats is None or basis.seats <= 0:
            raise ValidationFailed.for_field(
                "seats", "positive", _("The rating needs at least one passenger seat.")
            )
        computed = per_seat * basis.seats
        steps.append(
            Step(
                "per_seat",
                {
                    "count": str(basis.seats),
                    "premium": _money(per_seat),
                    "result": _number(computed),
                },
            )
        )
    elif method == RatingMethod.FLAT:
        computed = _terms_value(terms.amount, "amount")
        steps.append(Step("flat", {"premium": _money(computed)}))
    else:
        raise ValidationFailed.for_field(
            "method", "choice", _("Unknown rating method {method}."), method=method
        )

    minimum = terms.minimum_premium
    minimum_applied = minimum is not None and computed < minimum
    exact = minimum if minimum is not None and minimum_applied else computed
    if minimum_applied:
        steps.append(Step("minimum_premium", {"premium": _money(exact)}))
    premium = round_fen(exact)
    steps.append(Step("premium", {"premium": _money(premium)}))
    return PremiumLine(
        coverage_code=coverage_code,
        method=method,
        computed=computed,
        minimum_premium=minimum,
        minimum_applied=minimum_applied,
        premium=premium,
        steps=tuple(steps),
    )


# --- deductibles ---------------------------------------------------------------------------


@dataclass(frozen=True)
class DeductibleTerms:
    kind: str
    amount: Decimal | None = None
    percentage: Decimal | None = None  # share of the loss: 0.05 = 5 %
    minimum_amount: Decimal | None = None


def deductible_for_loss(terms: DeductibleTerms | None, loss: Decimal) -> Decimal:
    """The deductible a loss bears, exact and never more than the loss itself."""
    if loss < 0:
        raise ValidationFailed.for_field("loss", "not_negative", _("A loss cannot be negative."))
    if terms is None:
        return ZERO
    if terms.kind == DeductibleKind.AMOUNT:
        deductible = terms.amount or ZERO
    elif terms.kind == DeductibleKind.PERCENTAGE:
        share = terms.percentage or ZERO
        deductible = max(loss * share, terms.minimum_amount or ZERO)
    else:
        raise ValidationFailed.for_field(
            "kind", "choice", _("Unknown deductible kind {kind}."), kind=terms.kind
        )
    return min(deductible, loss)


def after_deductible(terms: DeductibleTerms | None, loss: Decimal) -> Decimal:
    return loss - deductible_for_loss(terms, loss)


# --- limits --------------------------------------------------------------------------------


def limit_amount(
    *, basis: str, amount: Decimal | None, share: Decimal | None, agreed_value: Decimal | None
) -> Decimal:
    """A limit in money: a fixed amount, or a share of the insured aircraft's agreed value."""
    if basis == LimitBasis.AMOUNT:
        return _terms_value(amount, "amount")
    if basis == LimitBasis.AGREED_VALUE:
        return _terms_value(share, "share") * _required(agreed_value, "agreed_value")
    raise ValidationFailed.for_field(
        "basis", "choice", _("Unknown limit basis {basis}."), basis=basis
    )


@dataclass(frozen=True)
class LimitTerms:
    """The limits that apply to one loss (None: no such limit)."""

    per_occurrence: Decimal | None = None
    aggregate: Decimal | None = None
    per_person: Decimal | None = None


@dataclass(frozen=True)
class LimitOutcome:
    payable: Decimal
    capped_by: str | None  # a LimitKind value, or None when no limit bit
    aggregate_remaining: Decimal | None  # after this payment
    person_remaining: Decimal | None  # after this payment


def limits_apply(
    amount: Decimal,
    limits: LimitTerms,
    *,
    aggregate_paid: Decimal = ZERO,
    person_paid: Decimal = ZERO,
) -> LimitOutcome:
    """Cap `amount` by the per-occurrence limit, what is left of the aggregate, and what is left
    of the per-person sum. The first (in that order) of the tightest limits is named."""
    if amount < 0:
        raise ValidationFailed.for_field("amount", "not_negative", _("Cannot be negative."))
    caps: list[tuple[Decimal, str]] = []
    if limits.per_occurrence is not None:
        caps.append((limits.per_occurrence, LimitKind.PER_OCCURRENCE))
    if limits.aggregate is not None:
        caps.append((max(limits.aggregate - aggregate_paid, ZERO), LimitKind.AGGREGATE))
    if limits.per_person is not None:
        caps.append((max(limits.per_person - person_paid, ZERO), LimitKind.PER_PERSON))
    payable, capped_by = amount, None
    for cap, kind in caps:
        if cap < payable:
            payable, capped_by = cap, str(kind)
    aggregate_left = (
        None if limits.aggregate is None else max(limits.aggregate - aggregate_paid, ZERO) - payable
    )
    person_left = (
        None if limits.per_person is None else max(limits.per_person - person_paid, ZERO) - payable
    )
    return LimitOutcome(payable, capped_by, aggregate_left, person_left)


@dataclass(frozen=True)
class Settlement:
    loss: Decimal
    deductible: Decimal
    after_deductible: Decimal
    capped_by: str | None
    payable: Decimal  # rounded to the fen
    steps: tuple[Step, ...]


def settlement_compute(
    *,
    loss: Decimal,
    deductible: DeductibleTerms | None,
    limits: LimitTerms,
    aggregate_paid: Decimal = ZERO,
    person_paid: Decimal = ZERO,
) -> Settlement:
    """What one loss pays under one coverage: the deductible comes off first, then the limits
    cap the rest; rounded once at the end."""
    taken = deductible_for_loss(deductible, loss)
    net = loss - taken
    outcome = limits_apply(net, limits, aggregate_paid=aggregate_paid, person_paid=person_paid)
    steps = [
        Step("loss", {"loss": _money(loss)}),
        Step("deductible", {"deductible": _number(taken)}),
        Step("after_deductible", {"amount": _number(net)}),
    ]
    if outcome.capped_by is not None:
        steps.append(
            Step("capped", {"limit": outcome.capped_by, "amount": _number(outcome.payable)})
        )
    payable = round_fen(outcome.payable)
    steps.append(Step("payable", {"amount": _money(payable)}))
    return Settlement(
        loss=loss,
        deductible=taken,
        after_deductible=net,
        capped_by=outcome.capped_by,
        payable=payable,
        steps=tuple(steps),
    )


def is_constructive_total_loss(
    *, repair_cost: Decimal, agreed_value: Decimal, threshold: Decimal
) -> bool:
    """推定全损: the repair would cost at least `threshold` (a share) of the agreed value."""
    if agreed_value <= 0:
        raise ValidationFailed.for_field("agreed_value", "positive", _("Must be more than zero."))
    if repair_cost < 0:
        raise ValidationFailed.for_field("repair_cost", "not_negative", _("Cannot be negative."))
    return repair_cost >= agreed_value * threshold
