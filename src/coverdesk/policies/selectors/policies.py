"""Reads of policies: the version in force on a day, queries by number, customer, insured
object and person, statistics, and the plans of endorsements and cancellations (what applying
them would write, computed without writing: the preview and the service use the same plan)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from coverdesk.catalog.models import ProductVersion
from coverdesk.core.exceptions import ValidationFailed
from coverdesk.core.values import Period
from coverdesk.policies.calculations import (
    CN_SHORT_RATE_TABLE,
    ZERO,
    Calculation,
    Change,
    EndorsementInput,
    ReplayedVersion,
    TermsItem,
    cancellation_refund,
    endorsements_replay,
    money_text,
)
from coverdesk.policies.choices import PolicyStatus, RenewalStatus, VersionKind
from coverdesk.policies.exceptions import PolicyNotFound
from coverdesk.policies.models import Endorsement, Policy, PolicyObject, PolicyVersion
from coverdesk.policies.selectors.terms import coverages_of_items, item_rerate
from coverdesk.policies.terms import items_from_json, terms_premium_of

NEW_REFERENCE = "new"


def policy_get(*, policy_id: int) -> Policy:
    policy = (
        Policy.objects.select_related("customer", "product_version__product", "broker")
        .filter(pk=policy_id)
        .first()
    )
    if policy is None:
        raise PolicyNotFound()
    return policy


def policy_by_number(*, number: str) -> Policy:
    policy = (
        Policy.objects.select_related("customer", "product_version__product")
        .filter(number=number.strip().upper())
        .first()
    )
    if policy is None:
        raise PolicyNotFound()
    return policy


def policy_period(policy: Policy) -> Period:
    return Period(policy.period_start, policy.period_end)


def active_versions(*, policy: Policy) -> list[PolicyVersion]:
    """The versions not replaced, in effective order (the issue first; same-day versions in
    the order their endorsements arrived)."""
    versions = list(
        PolicyVersion.objects.filter(policy=policy, replaced_at__isnull=True).select_related(
            "endorsement"
        )
    )
    return sorted(
        versions,
        key=lambda v: (v.effective_from, v.endorsement.sequence if v.endorsement else 0),
    )


def policy_version_in_force(*, policy: Policy, on: date) -> PolicyVersion | None:
    """What was covered on `on`: the version in force that day, or None when nothing was
    (outside the period, or after a cancellation)."""
    version = (
        PolicyVersion.objects.filter(
            policy=policy,
            replaced_at__isnull=True,
            effective_from__lte=on,
            effective_to__gte=on,
        )
        .order_by("-effective_from", "-number")
        .first()
    )
    if version is None or version.kind == VersionKind.CANCELLATION:
        return None
    return version


def version_items(version: PolicyVersion) -> list[TermsItem]:
    return items_from_json(version.terms.get("items", []))


def policy_list(
    *,
    number: str = "",
    customer_id: int | None = None,
    aircraft_id: int | None = None,
    person_id: int | None = None,
    product_code: str = "",
    status: str = "",
    in_force_on: date | None = None,
) -> QuerySet[Policy]:
    """Policies matching every filter given: number (prefix), customer, an insured aircraft or
    person on any version, product, status, in force on a day. Newest period first."""
    policies = Policy.objects.select_related("customer", "product_version__product").order_by(
        "-period_start", "-id"
    )
    if number.strip():
        policies = policies.filter(number__startswith=number.strip().upper())
    if customer_id is not None:
        policies = policies.filter(customer_id=customer_id)
    if aircraft_id is not None:
        policies = policies.filter(
            pk__in=PolicyObject.objects.filter(aircraft_id=aircraft_id).values("policy_id")
        )
    if person_id is not None:
        policies = policies.filter(
            pk__in=PolicyObject.objects.filter(person_id=person_id).values("policy_id")
        )
    if product_code:
        policies = policies.filter(product_version__product__code=product_code)
    if status:
        policies = policies.filter(status=status)
    if in_force_on is not None:
        policies = policies.filter(period_start__lte=in_force_on, period_end__gte=in_force_on)
        policies = policies.filter(Q(cancelled_on__isnull=True) | Q(cancelled_on__gt=in_force_on))
    return policies


def policies_of_customer(*, customer_id: int) -> QuerySet[Policy]:
    return policy_list(customer_id=customer_id)


def policies_of_aircraft(*, aircraft_id: int) -> QuerySet[Policy]:
    return policy_list(aircraft_id=aircraft_id)


def policies_of_person(*, person_id: int) -> QuerySet[Policy]:
    return policy_list(person_id=person_id)


@dataclass(frozen=True)
class ProductStatistics:
    product_code: str
    policies: int
    premium_written: Decimal


def policy_statistics(*, first_day: date, last_day: date) -> list[ProductStatistics]:
    """Per product, the policies issued between the two days (by the local date of issue) and
    their premium written (issue premium, endorsements and refunds), in one aggregate query."""
    if last_day < first_day:
        raise ValidationFailed.for_field(
            "last_day", "after_start", _("The period cannot end before it starts.")
        )
    rows = (
        Policy.objects.filter(issued_at__date__gte=first_day, issued_at__date__lte=last_day)
        .values("product_version__product__code")
        .annotate(count=Count("id"), premium=Coalesce(Sum("premium_written"), ZERO))
        .order_by("product_version__product__code")
    )
    return [
        ProductStatistics(
            product_code=row["product_version__product__code"],
            policies=row["count"],
            premium_written=Decimal(row["premium"]).quantize(Decimal("0.01")),
        )
        for row in rows
    ]


@dataclass(frozen=True)
class ExpiringPolicy:
    policy: Policy
    renewal_status: str
    renewed_by: str | None  # the renewal's policy number


def policies_expiring(*, first_day: date, last_day: date) -> list[ExpiringPolicy]:
    """Active policies whose period ends between the two days, with their renewal status."""
    if last_day < first_day:
        raise ValidationFailed.for_field(
            "last_day", "after_start", _("The period cannot end before it starts.")
        )
    policies = (
        Policy.objects.filter(
            status=PolicyStatus.ACTIVE, period_end__gte=first_day, period_end__lte=last_day
        )
        .select_related("customer", "product_version__product", "renewal")
        .order_by("period_end", "number")
    )
    result: list[ExpiringPolicy] = []
    for policy in policies:
        renewal = getattr(policy, "renewal", None)
        result.append(
            ExpiringPolicy(
                policy=policy,
                renewal_status=(
                    RenewalStatus.RENEWED if renewal is not None else policy.renewal_status
                ),
                renewed_by=renewal.number if renewal is not None else None,
            )
        )
    return result


# Plans --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EndorsementPlan:
    """What an endorsement would write: the versions replayed in effective order, the active
    versions it keeps (the one before it closed) and those it replaces by re-applied copies,
    and the premium this transaction charges (positive) or returns (negative)."""

    policy: Policy
    effective_on: date
    sequence: int
    replayed: list[ReplayedVersion]
    position: int
    active: list[PolicyVersion]
    reapplied: list[tuple[PolicyVersion, ReplayedVersion]]
    own: Calculation
    premium_change: Decimal
    calculation: dict[str, Any]

    @property
    def out_of_sequence(self) -> bool:
        return bool(self.reapplied)


def endorsement_inputs(versions: Sequence[PolicyVersion]) -> list[EndorsementInput]:
    inputs: list[EndorsementInput] = []
    for version in versions:
        endorsement = version.endorsement
        if endorsement is None:
            continue
        inputs.append(
            EndorsementInput(
                reference=str(endorsement.pk),
                sequence=endorsement.sequence,
                effective_on=endorsement.effective_on,
                changes=tuple(Change.from_dict(raw) for raw in endorsement.changes),
            )
        )
    return inputs


def next_sequence(policy: Policy) -> int:
    last = (
        Endorsement.objects.filter(policy=policy)
        .order_by("-sequence")
        .values_list("sequence", flat=True)
        .first()
    )
    return (last or 0) + 1


def _calculation_dict(
    own: Calculation,
    reapplied: Sequence[tuple[PolicyVersion, ReplayedVersion]],
    total: Decimal,
) -> dict[str, Any]:
    lines = [line.as_dict() for line in own.lines]
    reapplications = []
    for old, new in reapplied:
        sequence = old.endorsement.sequence if old.endorsement else 0
        difference = new.premium_change - old.premium_change
        lines.append(
            {
                "code": "reapplied",
                "label": gettext_noop(
                    "Later endorsement re-applied in effective order: change of its premium"
                ),
                "formula": f"#{sequence} {new.effective_from.isoformat()}: "
                f"{money_text(new.premium_change)} − {money_text(old.premium_change)}",
                "amount": str(difference),
            }
        )
        reapplications.append(
            {
                "sequence": sequence,
                "effective_on": new.effective_from.isoformat(),
                "before": str(old.premium_change),
                "after": str(new.premium_change),
                "calculation": new.calculation.as_dict() if new.calculation else None,
            }
        )
    if reapplied:
        lines.append(
            {
                "code": "total",
                "label": gettext_noop("Premium to collect (+) or refund (−)"),
                "formula": " + ".join(
                    [money_text(own.result)]
                    + [money_text(n.premium_change - o.premium_change) for o, n in reapplied]
                ),
                "amount": str(total),
            }
        )
    return {
        "kind": "endorsement",
        "effective_on": own.effective_on.isoformat(),
        "inputs": dict(own.inputs),
        "own": own.as_dict(),
        "reapplied": reapplications,
        "lines": lines,
        "result": str(total),
    }


def endorsement_plan(
    *, policy: Policy, effective_on: date, changes: Sequence[Change]
) -> EndorsementPlan:
    """Replay the policy's endorsements with the new one in effective order."""
    period = policy_period(policy)
    active = [v for v in active_versions(policy=policy) if v.kind != VersionKind.CANCELLATION]
    base = active[0]
    base_items = version_items(base)
    coverages = coverages_of_items(product_version=policy.product_version, items=base_items)
    sequence = next_sequence(policy)
    new = EndorsementInput(
        reference=NEW_REFERENCE,
        sequence=sequence,
        effective_on=effective_on,
        changes=tuple(changes),
    )
    replayed = endorsements_replay(
        period=period,
        base_items=base_items,
        endorsements=[*endorsement_inputs(active[1:]), new],
        premium_of=terms_premium_of,
        rerate=lambda item: item_rerate(item, coverages),
    )
    position = next(i for i, v in enumerate(replayed) if v.reference == NEW_REFERENCE)
    reapplied = list(zip(active[position:], replayed[position + 1 :], strict=True))
    own = replayed[position].calculation
    assert own is not None
    total = own.result + sum(
        (new_version.premium_change - old.premium_change for old, new_version in reapplied),
        ZERO,
    )
    return EndorsementPlan(
        policy=policy,
        effective_on=effective_on,
        sequence=sequence,
        replayed=replayed,
        position=position,
        active=active,
        reapplied=reapplied,
        own=own,
        premium_change=total,
        calculation=_calculation_dict(own, reapplied, total),
    )


def short_rate_table_of(version: ProductVersion) -> list[tuple[int, Decimal]]:
    """The product's short-rate table in percent (the catalogue stores earned shares), else
    the PRC default."""
    rows = version.short_rate_table or []
    if not rows:
        return list(CN_SHORT_RATE_TABLE)
    return [(int(row["months"]), Decimal(str(row["earned"])) * 100) for row in rows]


def cancellation_plan(*, policy: Policy, cancel_on: date) -> Calculation:
    """The refund by the product's method, on the terms in force and the premium paid. Cover
    cannot end before a version that has already begun by the policy's own record."""
    active = [v for v in active_versions(policy=policy) if v.kind != VersionKind.CANCELLATION]
    latest_start = max(v.effective_from for v in active)
    if policy.period_start <= cancel_on < latest_start:
        raise ValidationFailed.for_field(
            "cancel_on",
            "before_later_endorsement",
            _("Cancel from {first} or later: an endorsement takes effect on that day."),
            first=latest_start.isoformat(),
        )
    version = policy.product_version
    return cancellation_refund(
        period=policy_period(policy),
        cancel_on=cancel_on,
        term_premium=policy.term_premium,
        premium_paid=policy.premium_written,
        method=version.refund_method,
        fee=version.cancellation_fee,
        short_rate_table=short_rate_table_of(version),
        flat_share=version.flat_refund_share,
    )


def day_before(day: date) -> date:
    return day - timedelta(days=1)
