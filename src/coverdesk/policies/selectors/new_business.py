"""Reads of new business: quotes side by side, open applications, follow-ups due."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import QuerySet

from coverdesk.accounts.models import User
from coverdesk.policies.choices import DocumentStatus
from coverdesk.policies.exceptions import ApplicationNotFound, IntakeNotFound
from coverdesk.policies.models import (
    Application,
    ApplicationDocument,
    FollowUp,
    NeedsIntake,
    Quote,
)
from coverdesk.policies.terms import items_from_json, premium_by_coverage
from coverdesk.policies.transitions import APPLICATION_OPEN


def intake_get(*, intake_id: int) -> NeedsIntake:
    intake = (
        NeedsIntake.objects.select_related("customer", "broker")
        .prefetch_related("consultations")
        .filter(pk=intake_id)
        .first()
    )
    if intake is None:
        raise IntakeNotFound()
    return intake


@dataclass(frozen=True)
class QuoteOption:
    quote: Quote
    premium_by_coverage: dict[str, Decimal]
    premium: Decimal
    total_sum_insured: Decimal


def quotes_compare(*, intake_id: int) -> list[QuoteOption]:
    """The options offered for one client's needs, each with its premium by coverage."""
    quotes = Quote.objects.filter(intake_id=intake_id).select_related("product_version__product")
    return [
        QuoteOption(
            quote=quote,
            premium_by_coverage=premium_by_coverage(items_from_json(quote.terms["items"])),
            premium=quote.term_premium,
            total_sum_insured=quote.total_sum_insured,
        )
        for quote in quotes.order_by("created_at", "id")
    ]


def application_get(*, application_id: int) -> Application:
    application = (
        Application.objects.select_related("quote__product_version__product", "customer", "policy")
        .filter(pk=application_id)
        .first()
    )
    if application is None:
        raise ApplicationNotFound()
    return application


def applications_open(*, broker: User | None = None) -> QuerySet[Application]:
    applications = Application.objects.filter(status__in=APPLICATION_OPEN).select_related(
        "customer", "quote"
    )
    if broker is not None:
        applications = applications.filter(broker=broker)
    return applications.order_by("created_at", "id")


def application_documents_missing(*, application: Application) -> QuerySet[ApplicationDocument]:
    return application.documents.filter(required=True).exclude(status=DocumentStatus.RECEIVED)


def follow_ups_due(*, on: date, user: User | None = None) -> QuerySet[FollowUp]:
    due = FollowUp.objects.filter(due_on__lte=on, done_at__isnull=True).select_related("policy")
    if user is not None:
        due = due.filter(assigned_to=user)
    return due.order_by("due_on", "id")
