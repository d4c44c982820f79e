"""New business through a broker (domain.md §3.1): needs intake → consultations → quotes (options
side by side) → application with its document checklist and a one-time notice of everything
missing → underwriting decision within the authority limit (approve, refer with reasons,
decline) → premium payment → policy issued (version 1). Filing the contract and the customer's
notice of cover follow in `policies.policy_contract_file`.

The application's clock runs on `sales.application.simple` (3 WD) or `sales.application.complex`
(5 WD, with progress updates) from complete materials: it starts when the file is complete,
waits while documents are missing again and while the approved premium is unpaid, and stops
when the policy is issued or the application declined.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
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
from coverdesk.parties.models import Party
from coverdesk.policies.calculations import period_make
from coverdesk.policies.checklists import application_checklist
from coverdesk.policies.choices import (
    ApplicationAction,
    ApplicationStatus,
    AuthorityKind,
    Complexity,
    ConsultationChannel,
    IntakeStatus,
    QuoteStatus,
)
from coverdesk.policies.exceptions import (
    ApplicationNotFound,
    FollowUpNotFound,
    IntakeNotFound,
    QuoteNotFound,
)
from coverdesk.policies.models import (
    Application,
    ApplicationDocument,
    ApplicationStatusChange,
    Consultation,
    FollowUp,
    NeedsIntake,
    Policy,
    Quote,
)
from coverdesk.policies.selectors.terms import terms_build
from coverdesk.policies.services.common import (
    PERM_ISSUE,
    PERM_NEW_BUSINESS,
    PERM_UNDERWRITE,
    authority_of,
    authority_require,
    clock_cancel,
    clock_pause,
    clock_resume,
    clock_start,
    clock_stop,
    local_date,
    moment_of,
    permission_require,
    status_change_record,
    status_move,
)
from coverdesk.policies.services.documents import (
    documents_create,
    documents_record,
    missing_notice_send,
)
from coverdesk.policies.services.policies import policy_write_issued
from coverdesk.policies.terms import (
    COVERAGE,
    item_kind,
    items_from_json,
    items_to_json,
    terms_premium_of,
    total_sum_insured,
)
from coverdesk.policies.transitions import TransitionNotAllowed, transition_check
from coverdesk.policies.validation import money_clean, text_clean
from coverdesk.sla.selectors.clocks import management_users

STANDARDS: dict[str, str] = {
    Complexity.SIMPLE: "sales.application.simple",
    Complexity.COMPLEX: "sales.application.complex",
}
QUOTE_VALID_DAYS_DEFAULT = 30


# Needs, consultations, quotes -------------------------------------------------------------


def _party(customer_id: int) -> Party:
    party = Party.objects.filter(pk=customer_id, is_active=True).first()
    if party is None:
        raise ValidationFailed.for_field("customer", "unknown", _("No such active customer."))
    return party


@transaction.atomic
def needs_intake_create(
    *,
    customer_id: int,
    insurance_type: str,
    coverage_wanted: str,
    acting_user: User | None,
    budget: Any = None,
    notes: str = "",
    now: datetime | None = None,
) -> NeedsIntake:
    """Accept the client's commission and record their needs: type of insurance, coverage
    wanted, budget. The acting broker follows the case."""
    user = permission_require(acting_user, PERM_NEW_BUSINESS)
    moment = moment_of(now)
    customer = _party(customer_id)
    intake = NeedsIntake.objects.create(
        customer=customer,
        broker=user,
        insurance_type=text_clean(insurance_type, field="insurance_type", required=True, limit=200),
        coverage_wanted=text_clean(
            coverage_wanted, field="coverage_wanted", required=True, limit=4000
        ),
        budget=money_clean(budget, field="budget", allow_none=True),
        notes=text_clean(notes, field="notes", limit=4000),
        received_at=moment,
    )
    audit_record(
        action="needs_intake.create",
        actor=user,
        subject=intake,
        after={
            "customer": customer.pk,
            "insurance_type": intake.insurance_type,
            "budget": intake.budget,
        },
        now=moment,
    )
    return intake


def _intake_locked(intake_id: int) -> NeedsIntake:
    intake = NeedsIntake.objects.select_for_update().filter(pk=intake_id).first()
    if intake is None:
        raise IntakeNotFound()
    return intake


@transaction.atomic
def consultation_record(
    *,
    intake_id: int,
    occurred_at: datetime,
    channel: str,
    summary: str,
    acting_user: User | None,
    recommendation: str = "",
    now: datetime | None = None,
) -> Consultation:
    """Log one consultation with the client: what was discussed and recommended."""
    user = permission_require(acting_user, PERM_NEW_BUSINESS)
    moment = moment_of(now)
    intake = _intake_locked(intake_id)
    if intake.status in (IntakeStatus.WON, IntakeStatus.LOST):
        raise TransitionNotAllowed(
            params={"what": _("needs intake"), "status": intake.status, "action": "consult"}
        )
    if channel not in ConsultationChannel.values:
        raise ValidationFailed.for_field("channel", "choice", _("Unknown channel."))
    if occurred_at > moment:
        raise ValidationFailed.for_field(
            "occurred_at", "future", _("A consultation cannot be in the future.")
        )
    consultation = Consultation.objects.create(
        intake=intake,
        occurred_at=occurred_at,
        channel=channel,
        summary=text_clean(summary, field="summary", required=True, limit=4000),
        recommendation=text_clean(recommendation, field="recommendation", limit=4000),
        recorded_by=user,
        recorded_at=moment,
    )
    audit_record(
        action="consultation.record",
        actor=user,
        subject=intake,
        after={"consultation": consultation.pk, "channel": channel},
        now=moment,
    )
    return consultation


@transaction.atomic
def quote_create(
    *,
    product_code: str,
    period_start: date,
    period_end: date,
    coverage_codes: Sequence[str],
    label: str,
    acting_user: User | None,
    intake_id: int | None = None,
    customer_id: int | None = None,
    aircraft_ids: Iterable[int] = (),
    person_ids: Iterable[int] = (),
    clause_codes: Iterable[str] | None = None,
    clause_parameters: Mapping[str, Mapping[str, Any]] | None = None,
    valid_until: date | None = None,
    now: datetime | None = None,
) -> Quote:
    """One option for the client, rated on the product version in force on the first day: the
    premium of each coverage and insured object, with the working of each line."""
    user = permission_require(acting_user, PERM_NEW_BUSINESS)
    moment = moment_of(now)
    intake = _intake_locked(intake_id) if intake_id is not None else None
    if intake is not None and intake.status in (IntakeStatus.WON, IntakeStatus.LOST):
        raise TransitionNotAllowed(
            params={"what": _("needs intake"), "status": intake.status, "action": "quote"}
        )
    if intake is None and customer_id is None:
        raise ValidationFailed.for_field("customer", "required", _("Name the customer."))
    customer = intake.customer if intake is not None else _party(int(customer_id or 0))
    name = text_clean(label, field="label", required=True, limit=100)
    period = period_make(period_start, period_end, field_name="period_end")
    version = product_version_resolve(code=product_code, on=period.first_day, field="product")
    items = terms_build(
        customer=customer,
        product_version=version,
        coverage_codes=coverage_codes,
        aircraft_ids=aircraft_ids,
        person_ids=person_ids,
        clause_codes=clause_codes,
        clause_parameters=clause_parameters,
    )
    today = local_date(moment)
    days = int(getattr(settings, "COVERDESK_QUOTE_VALID_DAYS", QUOTE_VALID_DAYS_DEFAULT))
    valid = valid_until or today + timedelta(days=days)
    if valid < today:
        raise ValidationFailed.for_field(
            "valid_until", "past", _("A quote cannot be valid only in the past.")
        )
    premium = terms_premium_of(items)
    quote = Quote.objects.create(
        intake=intake,
        customer=customer,
        product_version=version,
        label=name,
        period_start=period.first_day,
        period_end=period.last_day,
        terms={"items": items_to_json(items)},
        term_premium=premium,
        total_sum_insured=total_sum_insured(items),
        valid_until=valid,
        created_by=user,
    )
    if intake is not None and intake.status == IntakeStatus.OPEN:
        intake.status = IntakeStatus.QUOTED
        intake.save(update_fields=["status", "updated_at"])
    audit_record(
        action="quote.create",
        actor=user,
        subject=quote,
        after={
            "customer": customer.pk,
            "product_version": version.pk,
            "period": [period.first_day, period.last_day],
            "premium": premium,
            "total_sum_insured": quote.total_sum_insured,
        },
        now=moment,
    )
    return quote


def _quote_locked(quote_id: int) -> Quote:
    quote = (
        Quote.objects.select_for_update(of=("self",))
        .select_related("product_version__product", "customer", "intake")
        .filter(pk=quote_id)
        .first()
    )
    if quote is None:
        raise QuoteNotFound()
    return quote


@transaction.atomic
def quote_decline(*, quote_id: int, acting_user: User | None, now: datetime | None = None) -> Quote:
    """The client did not take this option."""
    user = permission_require(acting_user, PERM_NEW_BUSINESS)
    moment = moment_of(now)
    quote = _quote_locked(quote_id)
    if quote.status != QuoteStatus.OFFERED:
        raise TransitionNotAllowed(
            params={"what": _("quote"), "status": quote.status, "action": "decline"}
        )
    quote.status = QuoteStatus.DECLINED
    quote.save(update_fields=["status", "updated_at"])
    audit_record(
        action="quote.decline",
        actor=user,
        subject=quote,
        before={"status": QuoteStatus.OFFERED},
        after={"status": quote.status},
        now=moment,
    )
    return quote


# Applications ----------------------------------------------------------------------------


def _application_locked(application_id: int) -> Application:
    application = (
        Application.objects.select_for_update(of=("self",))
        .select_related("quote__product_version__product", "customer", "broker")
        .filter(pk=application_id)
        .first()
    )
    if application is None:
        raise ApplicationNotFound()
    return application


def _move(
    application: Application,
    action: str,
    target: str,
    *,
    user: User,
    moment: datetime,
    note: str = "",
) -> None:
    status_move(
        application,
        aggregate="application",
        history=ApplicationStatusChange,
        owner_field="application",
        action=action,
        target=target,
        user=user,
        moment=moment,
        note=note,
    )


def _snapshot(application: Application) -> dict[str, Any]:
    return {
        "status": application.status,
        "complexity": application.complexity,
        "quote": application.quote_id,
        "premium": application.quote.term_premium,
        "total_sum_insured": application.quote.total_sum_insured,
        "clock": application.clock_id,
    }


@transaction.atomic
def application_create(
    *,
    quote_id: int,
    complexity: str,
    acting_user: User | None,
    now: datetime | None = None,
) -> Application:
    """File the client's chosen option as an application with its document checklist. The
    client's other open options of the same needs are declined."""
    user = permission_require(acting_user, PERM_NEW_BUSINESS)
    moment = moment_of(now)
    if complexity not in Complexity.values:
        raise ValidationFailed.for_field(
            "complexity", "choice", _("Simple or complex (high sums, special risk).")
        )
    quote = _quote_locked(quote_id)
    if quote.renewal_of_id is not None or quote.status != QuoteStatus.OFFERED:
        raise TransitionNotAllowed(
            params={"what": _("quote"), "status": quote.status, "action": "apply"}
        )
    if quote.valid_until < local_date(moment):
        raise ValidationFailed.for_field(
            "quote", "expired", _("The quote expired on {day}."), day=quote.valid_until.isoformat()
        )
    quote.status = QuoteStatus.ACCEPTED
    quote.save(update_fields=["status", "updated_at"])
    if quote.intake is not None:
        Quote.objects.filter(intake=quote.intake, status=QuoteStatus.OFFERED).exclude(
            pk=quote.pk
        ).update(status=QuoteStatus.DECLINED, updated_at=moment)
        NeedsIntake.objects.filter(pk=quote.intake.pk).update(
            status=IntakeStatus.APPLIED, updated_at=moment
        )
    application = Application.objects.create(
        quote=quote,
        customer=quote.customer,
        broker=user,
        complexity=complexity,
        status=ApplicationStatus.DRAFT,
    )
    kinds = [
        str(item.data["coverage_kind"])
        for item in items_from_json(quote.terms["items"])
        if item_kind(item) == COVERAGE
    ]
    documents_create(
        ApplicationDocument,
        owner_field="application",
        owner=application,
        specs=application_checklist(kinds),
    )
    status_change_record(
        ApplicationStatusChange,
        owner_field="application",
        owner=application,
        from_status="",
        to_status=ApplicationStatus.DRAFT,
        action="create",
        at=moment,
        by=user,
    )
    audit_record(
        action="application.create",
        actor=user,
        subject=application,
        after=_snapshot(application),
        now=moment,
    )
    return application


def _documents_complete(application: Application, *, user: User, moment: datetime) -> None:
    """The file is complete: underwriting, and the clock runs (started now the first time)."""
    application.documents_complete_at = moment
    if application.clock_id is None:
        application.clock_id = clock_start(
            subject=application,
            standard_code=STANDARDS[application.complexity],
            assignee=application.broker,
            user=user,
            moment=moment,
        )
    else:
        clock_resume(application.clock_id, user=user, moment=moment)


def _documents_missing(
    application: Application, missing: Sequence[Any], *, user: User, moment: datetime
) -> None:
    application.missing_notice_sent_at = moment
    missing_notice_send(
        customer=application.customer,
        subject=application,
        case="application",
        reference=str(application.pk),
        missing=missing,
        handler=application.broker,
        moment=moment,
    )
    clock_pause(
        application.clock_id, reason="waiting for the client's documents", user=user, moment=moment
    )


@transaction.atomic
def application_submit(
    *,
    application_id: int,
    acting_user: User | None,
    received_documents: Iterable[str] = (),
    now: datetime | None = None,
) -> Application:
    """Submit the application with the documents received. A complete file goes to
    underwriting and its clock starts; otherwise the client gets one notice of everything
    missing."""
    user = permission_require(acting_user, PERM_NEW_BUSINESS)
    moment = moment_of(now)
    application = _application_locked(application_id)
    missing = documents_record(
        application.documents.all(), received=received_documents, rejected=None, moment=moment
    )
    target = ApplicationStatus.WAITING_FOR_DOCUMENTS if missing else ApplicationStatus.UNDERWRITING
    _move(application, ApplicationAction.SUBMIT, target, user=user, moment=moment)
    application.submitted_at = moment
    if missing:
        _documents_missing(application, missing, user=user, moment=moment)
    else:
        _documents_complete(application, user=user, moment=moment)
    application.save()
    audit_record(
        action="application.submit",
        actor=user,
        subject=application,
        after={**_snapshot(application), "missing": [row.code for row in missing]},
        now=moment,
    )
    return application


@transaction.atomic
def application_documents_review(
    *,
    application_id: int,
    acting_user: User | None,
    received: Iterable[str] = (),
    rejected: Mapping[str, str] | None = None,
    now: datetime | None = None,
) -> Application:
    """Record documents received or refused. Complete → underwriting (clock runs); anything
    missing → one notice of all of it, and the clock waits for the client."""
    user = permission_require(acting_user, PERM_NEW_BUSINESS)
    moment = moment_of(now)
    application = _application_locked(application_id)
    if application.status not in (
        ApplicationStatus.WAITING_FOR_DOCUMENTS,
        ApplicationStatus.UNDERWRITING,
    ):
        raise TransitionNotAllowed(
            params={
                "what": _("application"),
                "status": application.status,
                "action": "review documents",
            }
        )
    before = _snapshot(application)
    missing = documents_record(
        application.documents.all(), received=received, rejected=rejected, moment=moment
    )
    if missing:
        _move(
            application,
            ApplicationAction.DOCUMENTS_MISSING,
            ApplicationStatus.WAITING_FOR_DOCUMENTS,
            user=user,
            moment=moment,
            note=", ".join(row.code for row in missing),
        )
        _documents_missing(application, missing, user=user, moment=moment)
    elif application.status == ApplicationStatus.WAITING_FOR_DOCUMENTS:
        _move(
            application,
            ApplicationAction.DOCUMENTS_COMPLETE,
            ApplicationStatus.UNDERWRITING,
            user=user,
            moment=moment,
        )
        _documents_complete(application, user=user, moment=moment)
    application.save()
    audit_record(
        action="application.documents",
        actor=user,
        subject=application,
        before=before,
        after={**_snapshot(application), "missing": [row.code for row in missing]},
        now=moment,
    )
    return application


def _reasons(reasons: Sequence[str]) -> list[str]:
    cleaned = [text_clean(r, field="reasons") for r in reasons]
    cleaned = [r for r in cleaned if r]
    if not cleaned:
        raise ValidationFailed.for_field("reasons", "required", _("Give at least one reason."))
    return cleaned


@transaction.atomic
def application_approve(
    *,
    application_id: int,
    acting_user: User | None,
    note: str = "",
    now: datetime | None = None,
) -> Application:
    """Accept the risk within the underwriter's authority (total sum insured); the clock waits
    for the premium."""
    user = permission_require(acting_user, PERM_UNDERWRITE)
    moment = moment_of(now)
    application = _application_locked(application_id)
    transition_check(
        "application", application.status, ApplicationAction.APPROVE, ApplicationStatus.APPROVED
    )
    authority_require(user, AuthorityKind.UNDERWRITING, application.quote.total_sum_insured)
    before = _snapshot(application)
    cleaned = text_clean(note, field="note", limit=2000)
    _move(
        application,
        ApplicationAction.APPROVE,
        ApplicationStatus.APPROVED,
        user=user,
        moment=moment,
        note=cleaned,
    )
    application.decided_at, application.decided_by = moment, user
    application.decision_reasons = [cleaned] if cleaned else []
    application.save()
    clock_pause(
        application.clock_id, reason="waiting for the premium payment", user=user, moment=moment
    )
    audit_record(
        action="application.approve",
        actor=user,
        subject=application,
        before=before,
        after=_snapshot(application),
        now=moment,
    )
    return application


def _referral_recipients(amount: Decimal, referrer: User) -> list[User]:
    """Who may decide a referred case: active underwriters whose authority covers it."""
    candidates = (
        User.objects.filter(is_active=True)
        .exclude(pk=referrer.pk)
        .filter(groups__permissions__codename="underwrite")
        .distinct()
        .order_by("pk")
    )
    chosen = [u for u in candidates if authority_of(u, AuthorityKind.UNDERWRITING).covers(amount)]
    return chosen or management_users()


@transaction.atomic
def application_refer(
    *,
    application_id: int,
    reasons: Sequence[str],
    acting_user: User | None,
    now: datetime | None = None,
) -> Application:
    """Refer the case upward with the reasons (above the authority, special risk); those who
    may decide it are told. The clock keeps running."""
    user = permission_require(acting_user, PERM_UNDERWRITE)
    moment = moment_of(now)
    application = _application_locked(application_id)
    cleaned = _reasons(reasons)
    before = _snapshot(application)
    _move(
        application,
        ApplicationAction.REFER,
        ApplicationStatus.REFERRED,
        user=user,
        moment=moment,
        note="; ".join(cleaned),
    )
    application.decision_reasons = cleaned
    application.save()
    notification_send(
        recipients=_referral_recipients(application.quote.total_sum_insured, user),
        template="policies_underwriting_referred",
        context={
            "application": application.pk,
            "customer": application.customer.name,
            "sum_insured": f"{application.quote.total_sum_insured:,.2f}",
            "reasons": cleaned,
            "referred_by": str(user),
        },
        channels=[Channel.IN_APP],
        subject=application,
        now=moment,
    )
    audit_record(
        action="application.refer",
        actor=user,
        subject=application,
        before=before,
        after={**_snapshot(application), "reasons": cleaned},
        now=moment,
    )
    return application


@transaction.atomic
def application_decline(
    *,
    application_id: int,
    reasons: Sequence[str],
    acting_user: User | None,
    now: datetime | None = None,
) -> Application:
    """Decline the risk with reasons; the clock stops (the application was answered)."""
    user = permission_require(acting_user, PERM_UNDERWRITE)
    moment = moment_of(now)
    application = _application_locked(application_id)
    cleaned = _reasons(reasons)
    before = _snapshot(application)
    _move(
        application,
        ApplicationAction.DECLINE,
        ApplicationStatus.DECLINED,
        user=user,
        moment=moment,
        note="; ".join(cleaned),
    )
    application.decided_at, application.decided_by = moment, user
    application.decision_reasons = cleaned
    application.save()
    clock_stop(application.clock_id, user=user, moment=moment)
    if application.quote.intake_id is not None:
        NeedsIntake.objects.filter(pk=application.quote.intake_id).update(
            status=IntakeStatus.LOST, updated_at=moment
        )
    audit_record(
        action="application.decline",
        actor=user,
        subject=application,
        before=before,
        after={**_snapshot(application), "reasons": cleaned},
        now=moment,
    )
    return application


@transaction.atomic
def application_payment_record(
    *,
    application_id: int,
    amount: Any,
    paid_on: date,
    payment_reference: str,
    acting_user: User | None,
    now: datetime | None = None,
) -> Application:
    """Record the premium paid: it must be the quoted premium. The clock runs again."""
    user = permission_require(acting_user, PERM_ISSUE)
    moment = moment_of(now)
    application = _application_locked(application_id)
    transition_check(
        "application", application.status, ApplicationAction.RECORD_PAYMENT, ApplicationStatus.PAID
    )
    paid = money_clean(amount, field="amount")
    assert paid is not None
    if paid != application.quote.term_premium:
        raise ValidationFailed.for_field(
            "amount",
            "premium_mismatch",
            _("The premium is {premium}, not {paid}."),
            premium=f"{application.quote.term_premium:,.2f}",
            paid=f"{paid:,.2f}",
        )
    if paid_on > local_date(moment):
        raise ValidationFailed.for_field(
            "paid_on", "future", _("A payment cannot be recorded for a future day.")
        )
    reference = text_clean(payment_reference, field="payment_reference", required=True, limit=100)
    before = _snapshot(application)
    _move(
        application,
        ApplicationAction.RECORD_PAYMENT,
        ApplicationStatus.PAID,
        user=user,
        moment=moment,
        note=reference,
    )
    application.premium_paid, application.paid_on = paid, paid_on
    application.payment_reference = reference
    application.save()
    clock_resume(application.clock_id, user=user, moment=moment)
    audit_record(
        action="application.payment",
        actor=user,
        subject=application,
        before=before,
        after={**_snapshot(application), "paid": paid, "paid_on": paid_on, "reference": reference},
        now=moment,
    )
    return application


@transaction.atomic
def application_issue(
    *, application_id: int, acting_user: User | None, now: datetime | None = None
) -> Policy:
    """Issue the policy: a number from the product's sequence and version 1 with the quoted
    terms. The application's clock stops."""
    user = permission_require(acting_user, PERM_ISSUE)
    moment = moment_of(now)
    application = _application_locked(application_id)
    transition_check(
        "application", application.status, ApplicationAction.ISSUE, ApplicationStatus.ISSUED
    )
    quote = application.quote
    policy = policy_write_issued(
        customer=application.customer,
        product_version=quote.product_version,
        period=period_make(quote.period_start, quote.period_end),
        items=items_from_json(quote.terms["items"]),
        broker=application.broker,
        acting_user=user,
        moment=moment,
    )
    before = _snapshot(application)
    _move(
        application,
        ApplicationAction.ISSUE,
        ApplicationStatus.ISSUED,
        user=user,
        moment=moment,
        note=policy.number,
    )
    application.policy = policy
    application.save()
    clock_stop(application.clock_id, user=user, moment=moment)
    if quote.intake_id is not None:
        NeedsIntake.objects.filter(pk=quote.intake_id).update(
            status=IntakeStatus.WON, updated_at=moment
        )
    audit_record(
        action="application.issue",
        actor=user,
        subject=application,
        before=before,
        after={**_snapshot(application), "policy": policy.number},
        now=moment,
    )
    return policy


@transaction.atomic
def application_withdraw(
    *,
    application_id: int,
    reason: str,
    acting_user: User | None,
    now: datetime | None = None,
) -> Application:
    """The client withdrew; the clock is cancelled."""
    user = permission_require(acting_user, PERM_NEW_BUSINESS)
    moment = moment_of(now)
    application = _application_locked(application_id)
    cleaned = text_clean(reason, field="reason", required=True)
    before = _snapshot(application)
    _move(
        application,
        ApplicationAction.WITHDRAW,
        ApplicationStatus.WITHDRAWN,
        user=user,
        moment=moment,
        note=cleaned,
    )
    application.save()
    clock_cancel(application.clock_id, reason=cleaned, user=user, moment=moment)
    audit_record(
        action="application.withdraw",
        actor=user,
        subject=application,
        before=before,
        after={**_snapshot(application), "reason": cleaned},
        now=moment,
    )
    return application


@transaction.atomic
def follow_up_complete(
    *, follow_up_id: int, note: str, acting_user: User | None, now: datetime | None = None
) -> FollowUp:
    """The broker followed up with the client (renewal or upgrade advice, check-in)."""
    user = permission_require(acting_user, PERM_NEW_BUSINESS)
    moment = moment_of(now)
    follow_up = FollowUp.objects.select_for_update().filter(pk=follow_up_id).first()
    if follow_up is None:
        raise FollowUpNotFound()
    if follow_up.done_at is not None:
        raise TransitionNotAllowed(
            params={"what": _("follow-up"), "status": "done", "action": "complete"}
        )
    follow_up.done_at = moment
    follow_up.note = text_clean(note, field="note", required=True, limit=2000)
    follow_up.save(update_fields=["done_at", "note"])
    audit_record(
        action="follow_up.complete",
        actor=user,
        subject=follow_up,
        after={"policy": follow_up.policy_id, "kind": follow_up.kind, "note": follow_up.note},
        now=moment,
    )
    return follow_up
