"""Renewals (续保): reminders before expiry (default 60, 30 and 15 days; in-app, email and SMS,
each once), the renewal quote from the current version with changes at renewal, and the
renewed policy starting the day after the old one ends (no gap in cover). The reminder job
also tells brokers of their follow-ups that fall due."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from coverdesk.accounts.models import User
from coverdesk.audit.services import audit_record
from coverdesk.catalog.selectors import product_version_resolve
from coverdesk.core.exceptions import ValidationFailed
from coverdesk.notifications.choices import Channel
from coverdesk.notifications.services import notification_send
from coverdesk.policies.calculations import add_months, period_make
from coverdesk.policies.choices import (
    AuthorityKind,
    PolicyAction,
    PolicyStatus,
    QuoteStatus,
    RenewalStatus,
)
from coverdesk.policies.exceptions import QuoteNotFound
from coverdesk.policies.models import FollowUp, Policy, PolicyStatusChange, Quote
from coverdesk.policies.selectors.policies import policy_version_in_force, version_items
from coverdesk.policies.selectors.terms import terms_build, version_clauses, version_coverages
from coverdesk.policies.services.common import (
    PERM_ISSUE,
    PERM_NEW_BUSINESS,
    authority_require,
    customer_phone,
    customer_portal_users,
    local_date,
    moment_of,
    permission_require,
    status_change_record,
)
from coverdesk.policies.services.policies import policy_locked, policy_write_issued
from coverdesk.policies.terms import (
    CLAUSE,
    COVERAGE,
    item_kind,
    items_from_json,
    items_to_json,
    object_ids,
    terms_premium_of,
    total_sum_insured,
)
from coverdesk.policies.transitions import TransitionNotAllowed, transition_check
from coverdesk.policies.validation import money_clean, text_clean

REMINDER_DAYS_DEFAULT = (60, 30, 15)
RENEWAL_QUOTE_VALID_DAYS = 30


def reminder_days() -> list[int]:
    days = getattr(settings, "COVERDESK_RENEWAL_REMINDER_DAYS", REMINDER_DAYS_DEFAULT)
    return sorted({int(d) for d in days}, reverse=True)


def reminder_threshold(days_left: int, thresholds: Sequence[int]) -> int | None:
    """The reminder due with `days_left` days to the end of cover: the smallest threshold at
    or above it (so a policy found late gets only the latest reminder, not all of them)."""
    due = [t for t in thresholds if days_left <= t]
    return min(due) if due and days_left >= 0 else None


def _renewal_reminder(policy: Policy, *, threshold: int, days_left: int, moment: datetime) -> int:
    customers = customer_portal_users(policy.customer)
    phone = customer_phone(policy.customer)
    product = policy.product_version.product
    context = {
        "policy_number": policy.number,
        "product_name": product.name,
        "product_name_en": product.name_en,
        "period_end": policy.period_end.isoformat(),
        "days_left": days_left,
        "broker": str(policy.broker) if policy.broker else "",
    }
    key = f"policies.renewal.{policy.pk}.{policy.period_end.isoformat()}.{threshold}"
    sent = notification_send(
        recipients=customers,
        template="policies_renewal_reminder",
        context=context,
        channels=[Channel.IN_APP, Channel.EMAIL, Channel.SMS],
        phone_numbers={user.pk: phone for user in customers} if phone else None,
        subject=policy,
        dedupe_key=key,
        now=moment,
    )
    if policy.broker is not None:
        sent += notification_send(
            recipients=[policy.broker],
            template="policies_renewal_reminder",
            context=context,
            channels=[Channel.IN_APP],
            subject=policy,
            dedupe_key=f"{key}.broker",
            now=moment,
        )
    return len(sent)


@transaction.atomic
def renewal_reminders_send(*, now: datetime | None = None) -> int:
    """Send the renewal reminders that are due and the brokers' follow-up reminders; returns
    how many messages were queued. Safe to run on several workers: a reminder is keyed by
    policy, period end and threshold, and queued once."""
    moment = moment_of(now)
    today = local_date(moment)
    thresholds = reminder_days()
    queued = 0
    horizon = today + timedelta(days=max(thresholds)) if thresholds else today
    policies = (
        Policy.objects.filter(
            status=PolicyStatus.ACTIVE, period_end__gte=today, period_end__lte=horizon
        )
        .filter(renewal__isnull=True)
        .select_related("customer", "product_version__product", "broker")
        .order_by("period_end", "pk")
    )
    for policy in policies:
        days_left = (policy.period_end - today).days
        threshold = reminder_threshold(days_left, thresholds)
        if threshold is None:
            continue
        sent = _renewal_reminder(policy, threshold=threshold, days_left=days_left, moment=moment)
        queued += sent
        if sent and policy.renewal_status == RenewalStatus.NOT_DUE:
            Policy.objects.filter(pk=policy.pk, renewal_status=RenewalStatus.NOT_DUE).update(
                renewal_status=RenewalStatus.REMINDED, updated_at=moment
            )
            audit_record(
                action="policy.renewal_reminded",
                subject=policy,
                before={"renewal_status": RenewalStatus.NOT_DUE},
                after={"renewal_status": RenewalStatus.REMINDED, "threshold": threshold},
                now=moment,
            )
    due = FollowUp.objects.select_for_update(skip_locked=True, of=("self",)).filter(
        due_on__lte=today, done_at__isnull=True, reminded_at__isnull=True
    )
    for follow_up in due.select_related("policy", "assigned_to"):
        if follow_up.assigned_to is not None:
            queued += len(
                notification_send(
                    recipients=[follow_up.assigned_to],
                    template="policies_follow_up_due",
                    context={
                        "policy_number": follow_up.policy.number,
                        "kind": follow_up.kind,
                        "due_on": follow_up.due_on.isoformat(),
                    },
                    channels=[Channel.IN_APP],
                    subject=follow_up.policy,
                    dedupe_key=f"policies.follow_up.{follow_up.pk}",
                    now=moment,
                )
            )
        follow_up.reminded_at = moment
        follow_up.save(update_fields=["reminded_at"])
    return queued


def renewal_job(now: datetime) -> int:
    """The periodic job (`coverdesk worker`)."""
    return renewal_reminders_send(now=now)


def _current_selection(policy: Policy) -> tuple[list[str], list[int], list[int], dict[str, Any]]:
    """Coverages, aircraft, persons and clause parameters of the version in force on the last
    day of the period: what the renewal starts from."""
    version = policy_version_in_force(policy=policy, on=policy.period_end)
    if version is None:
        raise TransitionNotAllowed(
            params={"what": _("policy"), "status": policy.status, "action": "renew"}
        )
    items = version_items(version)
    coverages = [str(i.data["code"]) for i in items if item_kind(i) == COVERAGE]
    clauses = {
        str(i.data["code"]): dict(i.data.get("parameters", {}))
        for i in items
        if item_kind(i) == CLAUSE
    }
    aircraft, persons = object_ids(items)
    return coverages, aircraft, persons, clauses


@transaction.atomic
def renewal_quote_create(
    *,
    policy_id: int,
    acting_user: User | None,
    label: str = "",
    coverage_codes: Sequence[str] | None = None,
    aircraft_ids: Iterable[int] | None = None,
    person_ids: Iterable[int] | None = None,
    clause_parameters: Mapping[str, Mapping[str, Any]] | None = None,
    period_end: date | None = None,
    now: datetime | None = None,
) -> Quote:
    """A renewal quote from the current version: the same coverages, insured objects (with
    their values as the register now has them) and clause parameters, unless changed here,
    rated on the product version in force on the new first day — the day after the old
    period ends. The new period is 12 months unless `period_end` says otherwise."""
    user = permission_require(acting_user, PERM_NEW_BUSINESS)
    moment = moment_of(now)
    policy = policy_locked(policy_id)
    if policy.status != PolicyStatus.ACTIVE or hasattr(policy, "renewal"):
        raise TransitionNotAllowed(
            params={"what": _("policy"), "status": policy.status, "action": "renew"}
        )
    coverages, aircraft, persons, clauses = _current_selection(policy)
    start = policy.period_end + timedelta(days=1)
    end = period_end or add_months(start, 12) - timedelta(days=1)
    period = period_make(start, end, field_name="period_end")
    version = product_version_resolve(
        code=policy.product_version.product.code, on=period.first_day, field="product"
    )
    chosen_coverages = list(coverage_codes) if coverage_codes is not None else coverages
    chosen = version_coverages(product_version=version, codes=chosen_coverages)
    applicable = {
        c.code for c in version_clauses(product_version=version, coverages=chosen, codes=None)
    }
    overrides = {code: params for code, params in clauses.items() if code in applicable}
    overrides.update(dict(clause_parameters or {}))
    items = terms_build(
        customer=policy.customer,
        product_version=version,
        coverage_codes=chosen_coverages,
        aircraft_ids=list(aircraft_ids) if aircraft_ids is not None else aircraft,
        person_ids=list(person_ids) if person_ids is not None else persons,
        clause_codes=None,
        clause_parameters=overrides,
    )
    premium = terms_premium_of(items)
    quote = Quote.objects.create(
        renewal_of=policy,
        customer=policy.customer,
        product_version=version,
        label=text_clean(label, field="label", limit=100) or f"{policy.number} renewal",
        period_start=period.first_day,
        period_end=period.last_day,
        terms={"items": items_to_json(items)},
        term_premium=premium,
        total_sum_insured=total_sum_insured(items),
        valid_until=max(
            policy.period_end, local_date(moment) + timedelta(days=RENEWAL_QUOTE_VALID_DAYS)
        ),
        created_by=user,
    )
    before = policy.renewal_status
    policy.renewal_status = RenewalStatus.QUOTED
    policy.save(update_fields=["renewal_status", "updated_at"])
    audit_record(
        action="policy.renewal_quote",
        actor=user,
        subject=policy,
        before={"renewal_status": before},
        after={"renewal_status": policy.renewal_status, "quote": quote.pk, "premium": premium},
        now=moment,
    )
    return quote


@transaction.atomic
def policy_renew(
    *,
    quote_id: int,
    premium_paid: Any,
    paid_on: date,
    payment_reference: str,
    acting_user: User | None,
    now: datetime | None = None,
) -> Policy:
    """Issue the renewed policy from an accepted renewal quote, its premium paid: a new number,
    version 1 with the quoted terms, starting the day after the old policy ends. The total sum
    insured must be within the issuer's underwriting authority."""
    user = permission_require(acting_user, PERM_ISSUE)
    moment = moment_of(now)
    quote = (
        Quote.objects.select_for_update(of=("self",))
        .select_related("product_version__product", "customer")
        .filter(pk=quote_id, renewal_of__isnull=False)
        .first()
    )
    if quote is None:
        raise QuoteNotFound()
    old = policy_locked(int(quote.renewal_of_id or 0))
    transition_check("policy", old.status, PolicyAction.RENEW, PolicyStatus.ACTIVE)
    if quote.status != QuoteStatus.OFFERED or hasattr(old, "renewal"):
        raise TransitionNotAllowed(
            params={"what": _("quote"), "status": quote.status, "action": "renew"}
        )
    if quote.period_start != old.period_end + timedelta(days=1):
        raise ValidationFailed.for_field(
            "period_start",
            "no_gap",
            _("The renewal must start on {day}, the day after the policy ends."),
            day=(old.period_end + timedelta(days=1)).isoformat(),
        )
    paid = money_clean(premium_paid, field="premium_paid")
    if paid != quote.term_premium:
        raise ValidationFailed.for_field(
            "premium_paid",
            "premium_mismatch",
            _("The premium is {premium}, not {paid}."),
            premium=f"{quote.term_premium:,.2f}",
            paid=f"{paid:,.2f}",
        )
    if paid_on > local_date(moment):
        raise ValidationFailed.for_field(
            "paid_on", "future", _("A payment cannot be recorded for a future day.")
        )
    reference = text_clean(payment_reference, field="payment_reference", required=True, limit=100)
    authority_require(user, AuthorityKind.UNDERWRITING, quote.total_sum_insured)
    quote.status = QuoteStatus.ACCEPTED
    quote.save(update_fields=["status", "updated_at"])
    renewed = policy_write_issued(
        customer=quote.customer,
        product_version=quote.product_version,
        period=period_make(quote.period_start, quote.period_end),
        items=items_from_json(quote.terms["items"]),
        broker=old.broker,
        acting_user=user,
        moment=moment,
        renewal_of=old,
    )
    old.renewal_status = RenewalStatus.RENEWED
    old.save(update_fields=["renewal_status", "updated_at"])
    status_change_record(
        PolicyStatusChange,
        owner_field="policy",
        owner=old,
        from_status=old.status,
        to_status=old.status,
        action=PolicyAction.RENEW,
        at=moment,
        by=user,
        note=renewed.number,
    )
    audit_record(
        action="policy.renew",
        actor=user,
        subject=old,
        after={
            "renewed_by": renewed.number,
            "paid": paid,
            "paid_on": paid_on,
            "reference": reference,
        },
        now=moment,
    )
    return renewed
