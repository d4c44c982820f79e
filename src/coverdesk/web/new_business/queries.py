"""What the new-business pages read on top of the policies selectors: the work list's rows with
the counts they show (one query per list, whatever the number of rows), the clocks of the
applications on a page (one query), and a broker's open follow-ups. Reads only."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from coverdesk.accounts.models import User
from coverdesk.catalog.models import Coverage, Product
from coverdesk.catalog.selectors import (
    coverages_of_version,
    product_list,
    product_version_current,
)
from coverdesk.core.exceptions import NotFound
from coverdesk.parties.access import parties_for_user
from coverdesk.policies.choices import (
    ApplicationStatus,
    DocumentStatus,
    IntakeStatus,
    QuoteStatus,
)
from coverdesk.policies.models import (
    Application,
    ApplicationDocument,
    ApplicationStatusChange,
    Consultation,
    FollowUp,
    NeedsIntake,
    Quote,
)
from coverdesk.policies.selectors.new_business import applications_open
from coverdesk.policies.services.common import Authority
from coverdesk.sla.models import SegmentKind, SlaClock, SlaClockSegment
from coverdesk.sla.selectors.worklists import mark_expression

CUSTOMER_CHOICES_LIMIT = 200


def _count(queryset: QuerySet[Any], field: str) -> Coalesce:
    """A correlated COUNT(*) of `queryset` rows pointing at the outer row through `field`."""
    counted = (
        queryset.filter(**{field: OuterRef("pk")})
        .order_by()
        .values(field)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def intakes_open_of(*, broker: User) -> QuerySet[NeedsIntake]:
    """The broker's needs not yet filed as an application, oldest first, with the counts the
    work list shows."""
    return (
        NeedsIntake.objects.filter(
            broker=broker, status__in=[IntakeStatus.OPEN, IntakeStatus.QUOTED]
        )
        .select_related("customer")
        .annotate(
            consultation_count=_count(Consultation.objects.all(), "intake"),
            offered_count=_count(Quote.objects.filter(status=QuoteStatus.OFFERED), "intake"),
        )
        .order_by("received_at", "id")
    )


def _with_missing(applications: QuerySet[Application]) -> QuerySet[Application]:
    missing = ApplicationDocument.objects.filter(required=True).exclude(
        status=DocumentStatus.RECEIVED
    )
    return applications.select_related("quote__product_version__product").annotate(
        missing_count=_count(missing, "application")
    )


def applications_open_of(*, broker: User) -> QuerySet[Application]:
    """The broker's open applications (the selector's), with their missing documents counted."""
    return _with_missing(applications_open(broker=broker))


def applications_referred_to(*, user: User, authority: Authority) -> QuerySet[Application]:
    """Referred applications `user` may decide: within their underwriting `authority`
    (`authority_of`), not their own, and not referred by them."""
    if not authority.granted:
        return Application.objects.none()
    last_by = (
        ApplicationStatusChange.objects.filter(application=OuterRef("pk"))
        .order_by("-at", "-id")
        .values("by")[:1]
    )
    referred = (
        Application.objects.filter(status=ApplicationStatus.REFERRED)
        .exclude(broker=user)
        .select_related("customer", "quote", "broker")
        .annotate(referred_by=Subquery(last_by))
        .exclude(referred_by=user.pk)
    )
    if authority.limit is not None:
        referred = referred.filter(quote__total_sum_insured__lte=authority.limit)
    return _with_missing(referred).order_by("updated_at", "id")


def clocks_by_id(ids: list[int | None], *, now: datetime) -> dict[int, SlaClock]:
    """The clocks of the applications on a page, with their mark and pause reason, in one
    query (the rows carry everything `web.sla.presentation.clock_view` needs)."""
    wanted = [pk for pk in ids if pk is not None]
    if not wanted:
        return {}
    reason = (
        SlaClockSegment.objects.filter(
            clock=OuterRef("pk"), kind=SegmentKind.PAUSED, ended_at__isnull=True
        )
        .order_by("-started_at")
        .values("reason")[:1]
    )
    clocks = (
        SlaClock.objects.filter(pk__in=wanted)
        .select_related("standard_version__standard", "calendar_version__calendar")
        .annotate(mark_rank=mark_expression(now), pause_reason=Subquery(reason))
    )
    return {clock.pk: clock for clock in clocks}


def customer_choices(
    *, user: User, query: str = "", chosen: int | None = None
) -> list[tuple[int, str]]:
    """Active customers to pick from (searched like the customers page), the chosen one kept."""
    parties = parties_for_user(user=user, query=query).filter(is_active=True)
    rows = list(parties.values_list("pk", "name")[:CUSTOMER_CHOICES_LIMIT])
    if chosen is not None and chosen not in {pk for pk, _name in rows}:
        extra = parties_for_user(user=user).filter(pk=chosen, is_active=True)
        rows = list(extra.values_list("pk", "name")) + rows
    return rows


def quote_intake_id(*, quote_id: int) -> int | None:
    return Quote.objects.filter(pk=quote_id).values_list("intake_id", flat=True).first()


def products_active() -> list[Product]:
    return list(product_list(active_only=True))


def product_coverages(*, code: str, on: date) -> list[Coverage]:
    """The top-level coverages of the product's version in force on `on` (none when the
    product is unknown or has no version then: the quote service says why on submit)."""
    try:
        version = product_version_current(code=code, on=on)
    except NotFound:
        return []
    return list(coverages_of_version(version_id=version.pk))


def follow_ups_open_of(*, user: User) -> QuerySet[FollowUp]:
    """The user's follow-ups not yet done, soonest first (due ones are the selector's
    `follow_ups_due`; this list shows the ones coming up too)."""
    return (
        FollowUp.objects.filter(assigned_to=user, done_at__isnull=True)
        .select_related("policy__customer")
        .order_by("due_on", "id")
    )


def follow_ups_done_of(*, user: User, limit: int = 20) -> list[FollowUp]:
    return list(
        FollowUp.objects.filter(assigned_to=user, done_at__isnull=False)
        .select_related("policy__customer")
        .order_by("-done_at", "-id")[:limit]
    )
