"""What the policy pages read, on top of the policies selectors and access helpers: the
search by customer, aircraft and insured person composed into the one list query
(subqueries, no rows fetched first), a page of rows without counting the whole table, the
statistics split into months or quarters, and the choices of the renewal form."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db.models import QuerySet
from django.urls import NoReverseMatch, reverse

from coverdesk.catalog.exceptions import NoVersionInForce, ProductNotFound
from coverdesk.catalog.models import Coverage, Product
from coverdesk.catalog.selectors import product_list, product_version_current
from coverdesk.parties.selectors import party_list
from coverdesk.policies.access.policies import policies_for_user
from coverdesk.policies.calculations import add_months
from coverdesk.policies.choices import QuoteStatus
from coverdesk.policies.models import (
    Endorsement,
    Policy,
    PolicyObject,
    PolicyVersion,
    Quote,
    ServicingRequest,
)
from coverdesk.policies.selectors.insured import aircraft_list, insured_person_list
from coverdesk.policies.selectors.policies import (
    ProductStatistics,
    policy_statistics,
    policy_version_in_force,
    version_items,
)
from coverdesk.policies.selectors.servicing import servicing_requests_of_policy
from coverdesk.policies.terms import AIRCRAFT, COVERAGE, PERSON, item_kind, object_ids

# Search ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PolicySearch:
    number: str = ""
    customer: str = ""  # name, credit code, or exactly an ID number or phone
    aircraft: str = ""  # registration mark, serial number or model
    person: str = ""  # name, or exactly an ID number
    product: str = ""
    status: str = ""
    in_force_on: date | None = None

    @property
    def any(self) -> bool:
        return any(
            (
                self.number,
                self.customer,
                self.aircraft,
                self.person,
                self.product,
                self.status,
                self.in_force_on,
            )
        )


def policies_search(*, user: Any, search: PolicySearch) -> QuerySet[Policy]:
    """The policies `user` may read that match every criterion given. Customer, aircraft and
    person criteria become subqueries of the one list query."""
    policies = policies_for_user(
        user=user,
        number=search.number,
        product_code=search.product,
        status=search.status,
        in_force_on=search.in_force_on,
    )
    if search.customer:
        policies = policies.filter(
            customer_id__in=party_list(query=search.customer).order_by().values("id")
        )
    if search.aircraft:
        aircraft = aircraft_list(query=search.aircraft).order_by().values("id")
        policies = policies.filter(
            pk__in=PolicyObject.objects.filter(aircraft_id__in=aircraft).values("policy_id")
        )
    if search.person:
        persons = insured_person_list(query=search.person).order_by().values("id")
        policies = policies.filter(
            pk__in=PolicyObject.objects.filter(person_id__in=persons).values("policy_id")
        )
    return policies


@dataclass(frozen=True)
class SlicePage:
    """One page of rows, fetched with one more row than shown to know whether a next page
    exists: no COUNT over the table."""

    number: int
    rows: list[Any]
    per_page: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_other_pages(self) -> bool:
        return self.has_next or self.has_previous

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def start_index(self) -> int:
        return (self.number - 1) * self.per_page + 1 if self.rows else 0

    @property
    def end_index(self) -> int:
        return (self.number - 1) * self.per_page + len(self.rows)


def page_number(raw: Any, *, last: int = 10_000) -> int:
    try:
        number = int(str(raw))
    except (TypeError, ValueError):
        return 1
    return min(max(number, 1), last)


def slice_page(rows: QuerySet[Any], *, number: int, per_page: int) -> SlicePage:
    offset = (number - 1) * per_page
    fetched = list(rows[offset : offset + per_page + 1])
    return SlicePage(
        number=number,
        rows=fetched[:per_page],
        per_page=per_page,
        has_next=len(fetched) > per_page,
    )


def product_choices() -> list[tuple[str, str, str]]:
    """(code, Chinese name, English name) of every product, active first."""
    return [(p.code, p.name, p.name_en) for p in product_list().order_by("-is_active", "code")]


def product_names(codes: Sequence[str]) -> dict[str, Product]:
    return {p.code: p for p in Product.objects.filter(code__in=list(codes))}


# Detail ---------------------------------------------------------------------------------------


def versions_of(policy: Policy) -> list[PolicyVersion]:
    """Every version, replaced ones too (the timeline), with their endorsements."""
    return list(
        PolicyVersion.objects.filter(policy=policy)
        .select_related("endorsement")
        .order_by("number")
        .defer("terms")
    )


def version_on(policy: Policy, on: date) -> PolicyVersion | None:
    return policy_version_in_force(policy=policy, on=on)


def endorsements_of(policy: Policy) -> list[Endorsement]:
    return list(
        Endorsement.objects.filter(policy=policy)
        .select_related("servicing_request")
        .order_by("sequence")
    )


def servicing_of(policy: Policy) -> list[ServicingRequest]:
    return list(servicing_requests_of_policy(policy=policy))


def url_if_exists(name: str, *args: Any) -> str | None:
    """The page's address when that page exists (another area may not have built it yet)."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def renewal_policy(policy: Policy) -> Policy | None:
    return Policy.objects.filter(renewal_of=policy).only("id", "number").first()


def renewal_quote_latest(policy: Policy) -> Quote | None:
    return (
        Quote.objects.filter(renewal_of=policy)
        .select_related("product_version__product")
        .order_by("-created_at", "-id")
        .first()
    )


def renewal_quote_of(policy: Policy, quote_id: int) -> Quote | None:
    return Quote.objects.filter(pk=quote_id, renewal_of=policy).first()


def offered(quote: Quote | None) -> bool:
    return quote is not None and quote.status == QuoteStatus.OFFERED


@dataclass(frozen=True)
class RenewalChoices:
    """What the renewal form offers, and what the current version has (the defaults)."""

    coverages: list[tuple[str, str, str]]  # code, Chinese name, English name
    aircraft: list[tuple[int, str]]
    persons: list[tuple[int, str]]
    current_coverages: list[str]
    current_aircraft: list[int]
    current_persons: list[int]


def renewal_choices(policy: Policy) -> RenewalChoices:
    version = policy_version_in_force(policy=policy, on=policy.period_end)
    items = version_items(version) if version is not None else []
    current_coverages = [str(i.data["code"]) for i in items if item_kind(i) == COVERAGE]
    current_aircraft, current_persons = object_ids(
        [i for i in items if item_kind(i) in (AIRCRAFT, PERSON)]
    )
    product_version_id = policy.product_version_id
    # Without a version in force at renewal the service names the problem on submit.
    with suppress(ProductNotFound, NoVersionInForce):
        product_version_id = product_version_current(
            code=policy.product_version.product.code,
            on=policy.period_end + timedelta(days=1),
        ).pk
    coverages = [
        (c.code, c.name, c.name_en)
        for c in Coverage.objects.filter(
            version_id=product_version_id, parent__isnull=True
        ).order_by("position", "id")
    ]
    aircraft = [
        (a.pk, f"{a.registration_mark} · {a.model}")
        for a in aircraft_list(customer_id=policy.customer_id, active_only=True)
    ]
    persons = [
        (p.pk, f"{p.name} · {p.id_number_masked}")
        for p in insured_person_list(customer_id=policy.customer_id, status="active")
    ]
    return RenewalChoices(
        coverages=coverages,
        aircraft=aircraft,
        persons=persons,
        current_coverages=current_coverages,
        current_aircraft=current_aircraft,
        current_persons=current_persons,
    )


# Statistics -----------------------------------------------------------------------------------

BREAKDOWNS = ("none", "month", "quarter", "year")
MAX_PERIODS = 60


@dataclass(frozen=True)
class StatisticsPeriod:
    first_day: date
    last_day: date

    @property
    def label(self) -> str:
        return f"{self.first_day.isoformat()} – {self.last_day.isoformat()}"


def statistics_periods(first_day: date, last_day: date, breakdown: str) -> list[StatisticsPeriod]:
    """The period cut into calendar months, quarters or years (the first and last pieces
    clipped to the period), or left whole."""
    if breakdown == "none" or last_day < first_day:
        return [StatisticsPeriod(first_day, last_day)]
    months = {"month": 1, "quarter": 3, "year": 12}[breakdown]
    start_month = (first_day.month - 1) // months * months + 1
    cursor = date(first_day.year, start_month, 1)
    periods = []
    while cursor <= last_day:
        following = add_months(cursor, months)
        periods.append(
            StatisticsPeriod(max(cursor, first_day), min(following - timedelta(days=1), last_day))
        )
        cursor = following
    return periods


@dataclass(frozen=True)
class StatisticsRow:
    period: StatisticsPeriod
    figures: ProductStatistics


def statistics_rows(periods: Sequence[StatisticsPeriod]) -> list[StatisticsRow]:
    """One aggregate query per period (the policy_statistics selector)."""
    return [
        StatisticsRow(period, figures)
        for period in periods
        for figures in policy_statistics(first_day=period.first_day, last_day=period.last_day)
    ]
