"""Pure premium arithmetic of policies: pro-rata adjustments, cancellation refunds, and the
replay of endorsements in effective order. No ORM.

Conventions (domain.md §5):
- A period is whole days: 00:00 of its first day to 24:00 of its last, both days covered
  (2025-12-22..2026-12-21 is 365 days).
- A change effective on day D covers D under the new terms: the days left are D..last day.
- A cancellation effective on day D ends cover at 00:00 of D: the days in force are
  first day..D-1, the unearned days D..last day.
- Money is Decimal, rounded half-up to the fen once, at the step a line says "rounded".
- Every calculation returns its lines (label, formula, amount) and the inputs that re-run it.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from coverdesk.core.exceptions import Conflict, ValidationFailed
from coverdesk.core.values import Period, round_fen

ZERO = Decimal("0.00")
HUNDRED = Decimal(100)

PRO_RATA = "pro_rata"
SHORT_RATE = "short_rate"
FLAT = "flat"
REFUND_METHODS = (PRO_RATA, SHORT_RATE, FLAT)

KIND_ADJUSTMENT = "pro_rata_adjustment"
KIND_REFUND = "cancellation_refund"
KIND_ENDORSEMENT = "endorsement_premium"

# Short-rate table (短期费率表): months in force -> share of the annual premium the insurer
# retains, a part month counting as a whole month (不足一个月的部分按一个月计算). This is the
# table appended to the standard PRC property insurance clauses (e.g. 财产保险基本险/综合险条款,
# 附表“短期费率表”) and used across Chinese property and casualty products; a product may
# configure its own. Months beyond the last row retain the last row's share.
CN_SHORT_RATE_TABLE: tuple[tuple[int, Decimal], ...] = (
    (1, Decimal(10)),
    (2, Decimal(20)),
    (3, Decimal(30)),
    (4, Decimal(40)),
    (5, Decimal(50)),
    (6, Decimal(60)),
    (7, Decimal(70)),
    (8, Decimal(80)),
    (9, Decimal(85)),
    (10, Decimal(90)),
    (11, Decimal(95)),
    (12, Decimal(100)),
)


# Results --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    """One line of a calculation as the screen and the document show it. `label` is the
    English source text (translated when shown); `formula` holds only numbers and dates."""

    code: str
    label: str
    formula: str
    amount: Decimal

    def as_dict(self) -> dict[str, str]:
        return {
            "code": self.code,
            "label": self.label,
            "formula": self.formula,
            "amount": str(self.amount),
        }


@dataclass(frozen=True)
class Calculation:
    """The result and how it was reached. `inputs` re-run it with `calculation_rerun`."""

    kind: str
    inputs: Mapping[str, Any]
    lines: tuple[Line, ...]
    result: Decimal
    effective_on: date

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "inputs": dict(self.inputs),
            "lines": [line.as_dict() for line in self.lines],
            "result": str(self.result),
            "effective_on": self.effective_on.isoformat(),
        }

    def line(self, code: str) -> Line:
        for line in self.lines:
            if line.code == code:
                return line
        raise KeyError(code)


def money_text(amount: Decimal) -> str:
    return f"{amount:,.2f}"


def _days_text(first: date, last: date) -> str:
    return f"{first.isoformat()} – {last.isoformat()}"


# Checks ---------------------------------------------------------------------------------------


def period_make(first_day: date, last_day: date, *, field_name: str = "period_end") -> Period:
    """A Period, or ValidationFailed naming the end field when it ends before it starts."""
    if last_day < first_day:
        raise ValidationFailed.for_field(
            field_name, "after_start", _("The period cannot end before it starts.")
        )
    return Period(first_day, last_day)


def _check_in_period(period: Period, day: date, field_name: str) -> None:
    if not period.contains(day):
        raise ValidationFailed.for_field(
            field_name,
            "outside_period",
            _("{day} is outside the policy period {first} to {last}."),
            day=day.isoformat(),
            first=period.first_day.isoformat(),
            last=period.last_day.isoformat(),
        )


def _check_not_negative(amount: Decimal, field_name: str) -> None:
    if amount < 0:
        raise ValidationFailed.for_field(
            field_name, "min_value", _("The amount cannot be negative.")
        )


def short_rate_table_check(
    table: Sequence[tuple[int, Decimal]], *, field_name: str = "short_rate_table"
) -> tuple[tuple[int, Decimal], ...]:
    """The table as a tuple, or ValidationFailed: months 1, 2, … strictly increasing, shares
    between 0 and 100 % and never falling."""
    rows = tuple((int(months), Decimal(share)) for months, share in table)
    if not rows:
        raise ValidationFailed.for_field(field_name, "required", _("The table has no rows."))
    previous_months, previous_share = 0, Decimal(0)
    for months, share in rows:
        if months <= previous_months:
            raise ValidationFailed.for_field(
                field_name, "months_increasing", _("Months must increase from row to row.")
            )
        if not Decimal(0) <= share <= HUNDRED or share < previous_share:
            raise ValidationFailed.for_field(
                field_name,
                "share_range",
                _("Shares must lie between 0 and 100 % and never fall."),
            )
        previous_months, previous_share = months, share
    return rows


# Months and the short-rate table ----------------------------------------------------------------


def add_months(day: date, months: int) -> date:
    """The same day `months` later, clamped to the month's end (31 Jan + 1 = 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def months_in_force(first_day: date, ends_before: date) -> int:
    """Months of cover from `first_day` up to 00:00 of `ends_before`, a part month counting as
    a month. 2025-12-22 to 2026-03-22 is 3 months; to 2026-03-23 it is 4."""
    if ends_before <= first_day:
        return 0
    months = 1
    while add_months(first_day, months) < ends_before:
        months += 1
    return months


def short_rate_share(table: Sequence[tuple[int, Decimal]], months: int) -> Decimal:
    """The share (percent) retained after `months` in force: the first row covering them."""
    if months <= 0:
        return Decimal(0)
    for row_months, share in table:
        if months <= row_months:
            return Decimal(share)
    return Decimal(table[-1][1])


# Pro-rata adjustment ---------------------------------------------------------------------------


def pro_rata_adjustment(
    *,
    period: Period,
    effective_on: date,
    term_premium_before: Decimal,
    term_premium_after: Decimal,
) -> Calculation:
    """Premium to charge (positive) or return (negative) when the term premium changes from
    `term_premium_before` to `term_premium_after` on `effective_on`: the difference times the
    days left (effective day included) over the days of the period, rounded to the fen."""
    _check_in_period(period, effective_on, "effective_on")
    _check_not_negative(term_premium_before, "term_premium_before")
    _check_not_negative(term_premium_after, "term_premium_after")
    days = period.days
    remaining = (period.last_day - effective_on).days + 1
    difference = term_premium_after - term_premium_before
    adjustment = round_fen(difference * remaining / days)
    lines = (
        Line(
            "period_days",
            gettext_noop("Days in the policy period"),
            _days_text(period.first_day, period.last_day),
            Decimal(days),
        ),
        Line(
            "remaining_days",
            gettext_noop("Days from the effective date to the end of the period"),
            _days_text(effective_on, period.last_day),
            Decimal(remaining),
        ),
        Line(
            "premium_before",
            gettext_noop("Term premium before the change"),
            "",
            term_premium_before,
        ),
        Line(
            "premium_after",
            gettext_noop("Term premium after the change"),
            "",
            term_premium_after,
        ),
        Line(
            "difference",
            gettext_noop("Difference in term premium"),
            f"{money_text(term_premium_after)} − {money_text(term_premium_before)}",
            difference,
        ),
        Line(
            "adjustment",
            gettext_noop("Premium adjustment, pro rata by day, rounded to the fen"),
            f"{money_text(difference)} × {remaining} / {days}",
            adjustment,
        ),
    )
    return Calculation(
        kind=KIND_ADJUSTMENT,
        inputs={
            "period_start": period.first_day.isoformat(),
            "period_end": period.last_day.isoformat(),
            "effective_on": effective_on.isoformat(),
            "term_premium_before": str(term_premium_before),
            "term_premium_after": str(term_premium_after),
        },
        lines=lines,
        result=adjustment,
        effective_on=effective_on,
    )


# Cancellation refund ---------------------------------------------------------------------------


def cancellation_refund(
    *,
    period: Period,
    cancel_on: date,
    term_premium: Decimal,
    method: str,
    fee: Decimal = ZERO,
    premium_paid: Decimal | None = None,
    short_rate_table: Sequence[tuple[int, Decimal]] = CN_SHORT_RATE_TABLE,
    flat_share: Decimal | None = None,
) -> Calculation:
    """The refund when cover ends at 00:00 of `cancel_on`, by the product's method, minus
    `fee`, never negative.

    - pro_rata: the term premium times the unearned days (cancel day to last day) over the
      period's days, rounded; at most the premium paid.
    - short_rate: the premium paid minus the share of the term premium the table retains for
      the months in force (a part month counts as a month), the retained part rounded.
    - flat: a fixed share of the premium paid, whatever the date (`flat_share`, 0 to 1; the
      whole premium when none is given, as in Guidewire's flat cancellation), rounded.

    `premium_paid` (default: the term premium) is what the customer has paid for the period,
    including earlier endorsements' adjustments; `term_premium` is that of the terms in force.
    """
    if method not in REFUND_METHODS:
        raise ValidationFailed.for_field(
            "refund_method", "choice", _("Unknown refund method {method}."), method=method
        )
    _check_in_period(period, cancel_on, "cancel_on")
    _check_not_negative(term_premium, "term_premium")
    _check_not_negative(fee, "fee")
    paid = term_premium if premium_paid is None else premium_paid
    _check_not_negative(paid, "premium_paid")
    days = period.days
    lines: list[Line] = [
        Line(
            "period_days",
            gettext_noop("Days in the policy period"),
            _days_text(period.first_day, period.last_day),
            Decimal(days),
        ),
        Line("term_premium", gettext_noop("Term premium of the terms in force"), "", term_premium),
        Line("premium_paid", gettext_noop("Premium paid for the period"), "", paid),
    ]
    table: tuple[tuple[int, Decimal], ...] = ()
    if method == PRO_RATA:
        unearned = (period.last_day - cancel_on).days + 1
        lines.append(
            Line(
                "unearned_days",
                gettext_noop("Days from the cancellation date to the end of the period"),
                _days_text(cancel_on, period.last_day),
                Decimal(unearned),
            )
        )
        prorated = round_fen(term_premium * unearned / days)
        gross = min(prorated, paid)
        lines.append(
            Line(
                "gross_refund",
                gettext_noop("Unearned premium, pro rata by day, rounded to the fen"),
                f"{money_text(term_premium)} × {unearned} / {days}"
                + (f" ≤ {money_text(paid)}" if prorated > paid else ""),
                gross,
            )
        )
    elif method == SHORT_RATE:
        table = short_rate_table_check(short_rate_table)
        months = months_in_force(period.first_day, cancel_on)
        share = short_rate_share(table, months)
        retained = round_fen(term_premium * share / HUNDRED)
        lines.append(
            Line(
                "months_in_force",
                gettext_noop("Months in force, a part month counting as a month"),
                _days_text(period.first_day, cancel_on - timedelta(days=1)) if months else "",
                Decimal(months),
            )
        )
        lines.append(
            Line(
                "retained_share",
                gettext_noop("Share of the premium retained (short-rate table)"),
                f"{months} → {share} %",
                share,
            )
        )
        lines.append(
            Line(
                "retained_premium",
                gettext_noop("Premium retained, rounded to the fen"),
                f"{money_text(term_premium)} × {share} %",
                retained,
            )
        )
        gross = max(ZERO, paid - retained)
        lines.append(
            Line(
                "gross_refund",
                gettext_noop("Premium paid less premium retained"),
                f"{money_text(paid)} − {money_text(retained)}",
                gross,
            )
        )
    else:
        share = Decimal(1) if flat_share is None else flat_share
        if not Decimal(0) <= share <= Decimal(1):
            raise ValidationFailed.for_field(
                "flat_refund_share", "share_range", _("The share must lie between 0 and 1.")
            )
        gross = round_fen(paid * share)
        lines.append(
            Line(
                "gross_refund",
                gettext_noop("Flat share of the premium paid, rounded to the fen"),
                f"{money_text(paid)} × {share * HUNDRED:f} %",
                gross,
            )
        )
    net = max(ZERO, gross - fee)
    lines.append(Line("fee", gettext_noop("Cancellation fee"), "", fee))
    lines.append(
        Line(
            "refund",
            gettext_noop("Refund, never below zero"),
            f"max(0, {money_text(gross)} − {money_text(fee)})",
            net,
        )
    )
    inputs: dict[str, Any] = {
        "period_start": period.first_day.isoformat(),
        "period_end": period.last_day.isoformat(),
        "cancel_on": cancel_on.isoformat(),
        "term_premium": str(term_premium),
        "premium_paid": str(paid),
        "method": method,
        "fee": str(fee),
    }
    if method == SHORT_RATE:
        inputs["short_rate_table"] = [[months, str(share)] for months, share in table]
    if method == FLAT and flat_share is not None:
        inputs["flat_share"] = str(flat_share)
    return Calculation(
        kind=KIND_REFUND,
        inputs=inputs,
        lines=tuple(lines),
        result=net,
        effective_on=cancel_on,
    )


# Endorsements replayed in effective order -----------------------------------------------------

ADD = "add"
CHANGE = "change"
REMOVE = "remove"
CHANGE_OPS = (ADD, CHANGE, REMOVE)


@dataclass(frozen=True)
class TermsItem:
    """One priced element of a policy's terms: a coverage, an insured aircraft or person, a
    clause. `premium` is its full-term premium (already rounded by rating); `data` its details
    (limits, agreed value, parameters), JSON-shaped."""

    key: str
    premium: Decimal
    data: Mapping[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"key": self.key, "premium": str(self.premium), "data": dict(self.data)}

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> TermsItem:
        return cls(key=str(raw["key"]), premium=Decimal(raw["premium"]), data=dict(raw["data"]))


@dataclass(frozen=True)
class Change:
    """Add an item (its key must be new), remove one, or change one (it must exist): either
    replace it with `item`, or merge `patch` into its data and have it re-rated. A patch keeps
    what later endorsements changed in other fields when the replay re-applies them."""

    op: str
    key: str
    item: TermsItem | None = None
    patch: Mapping[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "op": self.op,
            "key": self.key,
            "item": self.item.as_dict() if self.item is not None else None,
            "patch": dict(self.patch) if self.patch is not None else None,
        }

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> Change:
        item = raw.get("item")
        patch = raw.get("patch")
        return cls(
            op=str(raw["op"]),
            key=str(raw["key"]),
            item=TermsItem.from_dict(item) if item is not None else None,
            patch=dict(patch) if patch is not None else None,
        )


Rerate = Callable[[TermsItem], TermsItem]


def _unchanged(item: TermsItem) -> TermsItem:
    return item


@dataclass(frozen=True)
class EndorsementInput:
    """An endorsement as the replay sees it: `sequence` is the order it arrived in, which
    breaks ties between endorsements effective the same day."""

    reference: str
    sequence: int
    effective_on: date
    changes: tuple[Change, ...]


@dataclass(frozen=True)
class ReplayedVersion:
    """One version of the terms: the base (reference None) or the result of an endorsement.
    `effective_to` is the day before the next version's start (it is `effective_from - 1`,
    an empty range, when the next one takes effect the same day)."""

    reference: str | None
    sequence: int
    effective_from: date
    effective_to: date
    items: tuple[TermsItem, ...]
    term_premium: Decimal
    premium_change: Decimal
    calculation: Calculation | None


class EndorsementConflict(Conflict):
    default_code = "policy_endorsement_conflict"
    default_message = _(
        "Endorsement {reference} cannot apply in effective order: {reason} ({key})."
    )


def terms_premium(items: Iterable[TermsItem]) -> Decimal:
    return sum((item.premium for item in items), ZERO)


def changes_apply(
    items: Mapping[str, TermsItem],
    changes: Iterable[Change],
    *,
    reference: str,
    rerate: Rerate = _unchanged,
) -> dict[str, TermsItem]:
    """The items after `changes`; EndorsementConflict when a change does not fit them.
    `rerate` prices an item whose data a patch changed."""
    result = dict(items)
    for change in changes:
        if change.op not in CHANGE_OPS:
            raise ValidationFailed.for_field(
                "changes", "op", _("Unknown change {op}."), op=change.op
            )
        patching = change.op == CHANGE and change.item is None and change.patch is not None
        if change.op in (ADD, CHANGE) and not patching:
            if change.item is None or change.item.key != change.key:
                raise ValidationFailed.for_field(
                    "changes", "item", _("Change of {key} has no matching item."), key=change.key
                )
            _check_not_negative(change.item.premium, "changes")
        if change.op == ADD and change.key in result:
            raise EndorsementConflict(
                params={"reference": reference, "reason": "already present", "key": change.key}
            )
        if change.op in (CHANGE, REMOVE) and change.key not in result:
            raise EndorsementConflict(
                params={"reference": reference, "reason": "not present", "key": change.key}
            )
        if change.op == REMOVE:
            del result[change.key]
        elif patching:
            assert change.patch is not None
            current = result[change.key]
            result[change.key] = rerate(
                TermsItem(current.key, current.premium, {**current.data, **change.patch})
            )
        else:
            assert change.item is not None
            result[change.key] = change.item
    return result


def _sorted(items: Mapping[str, TermsItem]) -> tuple[TermsItem, ...]:
    return tuple(items[key] for key in sorted(items))


def endorsements_replay(
    *,
    period: Period,
    base_items: Iterable[TermsItem],
    endorsements: Iterable[EndorsementInput],
    premium_of: Callable[[Iterable[TermsItem]], Decimal] = terms_premium,
    rerate: Rerate = _unchanged,
) -> list[ReplayedVersion]:
    """Apply `endorsements` to the base terms in effective order (effective date, then arrival
    sequence), whatever order they came in. Returns the base version and one version per
    endorsement, each with its pro-rata premium change; the same list as if they had arrived
    in effective order. `premium_of` gives the term premium of a set of items (by default
    their sum; the policies terms add minimum premiums); `rerate` prices a patched item."""
    base = {item.key: item for item in base_items}
    ordered = sorted(endorsements, key=lambda e: (e.effective_on, e.sequence))
    for endorsement in ordered:
        _check_in_period(period, endorsement.effective_on, "effective_on")
    base_premium = premium_of(base.values())
    versions = [
        ReplayedVersion(
            reference=None,
            sequence=0,
            effective_from=period.first_day,
            effective_to=period.last_day,
            items=_sorted(base),
            term_premium=base_premium,
            premium_change=base_premium,
            calculation=None,
        )
    ]
    current = base
    for endorsement in ordered:
        after = changes_apply(
            current, endorsement.changes, reference=endorsement.reference, rerate=rerate
        )
        before_premium = premium_of(current.values())
        after_premium = premium_of(after.values())
        calculation = pro_rata_adjustment(
            period=period,
            effective_on=endorsement.effective_on,
            term_premium_before=before_premium,
            term_premium_after=after_premium,
        )
        calculation = replace(calculation, kind=KIND_ENDORSEMENT)
        previous = versions[-1]
        versions[-1] = replace(previous, effective_to=endorsement.effective_on - timedelta(days=1))
        versions.append(
            ReplayedVersion(
                reference=endorsement.reference,
                sequence=endorsement.sequence,
                effective_from=endorsement.effective_on,
                effective_to=period.last_day,
                items=_sorted(after),
                term_premium=after_premium,
                premium_change=calculation.result,
                calculation=calculation,
            )
        )
        current = after
    return versions


def version_in_force(versions: Sequence[ReplayedVersion], on: date) -> ReplayedVersion | None:
    """The version whose range holds `on` (empty ranges hold nothing)."""
    for version in versions:
        if version.effective_from <= on <= version.effective_to:
            return version
    return None


# Re-running a stored calculation ----------------------------------------------------------------


def calculation_rerun(stored: Mapping[str, Any]) -> Calculation:
    """Run a stored calculation (its `as_dict()`) again from its inputs."""
    kind = stored["kind"]
    inputs = stored["inputs"]
    period = period_make(
        date.fromisoformat(inputs["period_start"]), date.fromisoformat(inputs["period_end"])
    )
    if kind in (KIND_ADJUSTMENT, KIND_ENDORSEMENT):
        calculation = pro_rata_adjustment(
            period=period,
            effective_on=date.fromisoformat(inputs["effective_on"]),
            term_premium_before=Decimal(inputs["term_premium_before"]),
            term_premium_after=Decimal(inputs["term_premium_after"]),
        )
        return replace(calculation, kind=kind)
    if kind == KIND_REFUND:
        table = inputs.get("short_rate_table")
        return cancellation_refund(
            period=period,
            cancel_on=date.fromisoformat(inputs["cancel_on"]),
            term_premium=Decimal(inputs["term_premium"]),
            premium_paid=Decimal(inputs["premium_paid"]),
            method=inputs["method"],
            fee=Decimal(inputs["fee"]),
            short_rate_table=(
                [(int(m), Decimal(s)) for m, s in table] if table else CN_SHORT_RATE_TABLE
            ),
            flat_share=Decimal(inputs["flat_share"]) if "flat_share" in inputs else None,
        )
    raise ValidationFailed.for_field("kind", "choice", _("Unknown calculation {kind}."), kind=kind)
