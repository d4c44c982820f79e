"""Policy servicing (保全, domain.md §3.2): receive with identity verification → documents with
a one-time notice of everything missing (clock paused while waiting) → fee calculation (stored
lines; a recalculation needs the customer's renewed confirmation) → approval, which applies the
endorsement or cancellation → customer notified → archived.

Exceptions are recorded paths: incomplete or refused documents (`servicing_documents_review`),
fee recalculation (`servicing_fee_calculate` again), and a failure while applying
(`servicing_request_approve` rolls back everything it started, then records the failure and
reports it upward). The timeliness clock runs on the standard named by the setting
COVERDESK_SERVICING_SLA_STANDARD (default: `SERVICING_STANDARD_DEFAULT` below).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from coverdesk.accounts.choices import RoleCode
from coverdesk.accounts.models import User
from coverdesk.accounts.roles import user_roles
from coverdesk.audit.choices import AuditResult
from coverdesk.audit.services import audit_record
from coverdesk.core.exceptions import (
    ApplicationError,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from coverdesk.core.masking import mask_id_number
from coverdesk.notifications.choices import Channel
from coverdesk.notifications.services import notification_send
from coverdesk.parties.selectors import customer_party_id
from coverdesk.policies.calculations import period_make
from coverdesk.policies.checklists import servicing_checklist
from coverdesk.policies.choices import (
    AuthorityKind,
    IdentityMethod,
    PolicyStatus,
    RequestChannel,
    ServicingAction,
    ServicingKind,
    ServicingStatus,
)
from coverdesk.policies.exceptions import (
    ConfirmationMissing,
    PolicyNotFound,
    ServicingNotFound,
)
from coverdesk.policies.models import (
    Policy,
    ServicingCalculation,
    ServicingDocument,
    ServicingRequest,
    ServicingStatusChange,
)
from coverdesk.policies.selectors.servicing import (
    servicing_changes_build,
    servicing_changes_clean,
    servicing_preview,
)
from coverdesk.policies.services.common import (
    PERM_APPROVE_SERVICING,
    PERM_SERVICING,
    authority_require,
    clock_cancel,
    clock_pause,
    clock_resume,
    clock_start,
    clock_stop,
    customer_portal_users,
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
from coverdesk.policies.services.policies import (
    cancellation_write,
    endorsement_write,
    policy_locked,
)
from coverdesk.policies.transitions import TransitionNotAllowed, transition_check
from coverdesk.policies.validation import text_clean
from coverdesk.sla.selectors.clocks import management_users

# A company default (sla migration 0008); COVERDESK_SERVICING_SLA_STANDARD picks another.
SERVICING_STANDARD_DEFAULT = "servicing.request.process"
IDENTITY_NEEDS_DOCUMENT = frozenset({IdentityMethod.ID_CARD, IdentityMethod.AUTHORISATION})
FAILURE_TEXT_LIMIT = 300


def servicing_standard() -> str:
    return str(getattr(settings, "COVERDESK_SERVICING_SLA_STANDARD", SERVICING_STANDARD_DEFAULT))


def _locked(request_id: int) -> ServicingRequest:
    request = (
        ServicingRequest.objects.select_for_update(of=("self",))
        .select_related("policy__customer", "policy__product_version__product", "handler")
        .filter(pk=request_id)
        .first()
    )
    if request is None:
        raise ServicingNotFound()
    return request


def _move(
    request: ServicingRequest,
    action: str,
    target: str,
    *,
    user: User | None,
    moment: datetime,
    note: str = "",
) -> None:
    status_move(
        request,
        aggregate="servicing",
        history=ServicingStatusChange,
        owner_field="request",
        action=action,
        target=target,
        user=user,
        moment=moment,
        note=note,
    )


def _snapshot(request: ServicingRequest) -> dict[str, Any]:
    return {
        "status": request.status,
        "kind": request.kind,
        "policy": request.policy.number,
        "effective_on": request.effective_on,
        "calculation_number": request.calculation_number,
        "amount": request.amount,
        "confirmed_calculation": request.confirmed_calculation,
    }


def _reference(request: ServicingRequest) -> str:
    return f"{request.policy.number} / {request.pk}"


def _documents_round(
    request: ServicingRequest, *, missing: Sequence[Any], user: User, moment: datetime
) -> None:
    """After documents came in: everything there → review (clock runs again); else one
    notice of all that is missing and the clock waits for the customer."""
    if missing:
        _move(
            request,
            ServicingAction.DOCUMENTS_MISSING,
            ServicingStatus.WAITING_FOR_DOCUMENTS,
            user=user,
            moment=moment,
            note=", ".join(row.code for row in missing),
        )
        request.missing_notice_sent_at = moment
        missing_notice_send(
            customer=request.policy.customer,
            subject=request,
            case="servicing",
            reference=_reference(request),
            missing=missing,
            handler=request.handler,
            moment=moment,
        )
        clock_pause(
            request.clock_id,
            reason="waiting for the customer's documents",
            user=user,
            moment=moment,
        )
    elif request.status in (ServicingStatus.RECEIVED, ServicingStatus.WAITING_FOR_DOCUMENTS):
        _move(
            request,
            ServicingAction.DOCUMENTS_COMPLETE,
            ServicingStatus.IN_REVIEW,
            user=user,
            moment=moment,
        )
        clock_resume(request.clock_id, user=user, moment=moment)


@transaction.atomic
def servicing_request_receive(
    *,
    policy_id: int,
    kind: str,
    channel: str,
    requester_name: str,
    identity_method: str,
    effective_on: date,
    acting_user: User | None,
    identity_reference: str = "",
    changes: Sequence[Mapping[str, Any]] = (),
    description: str = "",
    received_documents: Iterable[str] = (),
    now: datetime | None = None,
) -> ServicingRequest:
    """Receive a servicing request after verifying the requester's identity, with its
    document checklist; starts the timeliness clock. Documents missing at intake are notified
    to the customer at once, in one notice, and the clock waits."""
    user = permission_require(acting_user, PERM_SERVICING)
    moment = moment_of(now)
    if kind not in ServicingKind.values:
        raise ValidationFailed.for_field("kind", "choice", _("Unknown servicing type."))
    if channel not in RequestChannel.values:
        raise ValidationFailed.for_field("channel", "choice", _("Unknown channel."))
    if identity_method not in IdentityMethod.values:
        raise ValidationFailed.for_field(
            "identity_method", "required", _("Verify the requester's identity first.")
        )
    reference = text_clean(identity_reference, field="identity_reference", limit=100)
    if identity_method in IDENTITY_NEEDS_DOCUMENT and not reference:
        raise ValidationFailed.for_field(
            "identity_reference", "required", _("Give the number of the identity document checked.")
        )
    name = text_clean(requester_name, field="requester_name", required=True, limit=100)
    text = text_clean(description, field="description", limit=2000)
    policy = (
        Policy.objects.select_related("customer", "product_version__product")
        .filter(pk=policy_id)
        .first()
    )
    if policy is None:
        raise PolicyNotFound()
    if policy.status != PolicyStatus.ACTIVE:
        raise TransitionNotAllowed(
            params={"what": _("policy"), "status": policy.status, "action": "service"}
        )
    period = period_make(policy.period_start, policy.period_end)
    if not period.contains(effective_on):
        raise ValidationFailed.for_field(
            "effective_on",
            "outside_period",
            _("{day} is outside the policy period {first} to {last}."),
            day=effective_on.isoformat(),
            first=policy.period_start.isoformat(),
            last=policy.period_end.isoformat(),
        )
    cleaned = servicing_changes_clean(policy=policy, kind=kind, changes=changes)
    request = ServicingRequest.objects.create(
        policy=policy,
        kind=kind,
        channel=channel,
        received_at=moment,
        handler=user,
        requester_name=name,
        identity_method=identity_method,
        identity_reference=mask_id_number(reference) if reference else "",
        identity_verified_at=moment,
        effective_on=effective_on,
        description=text,
        changes=cleaned,
    )
    documents_create(
        ServicingDocument, owner_field="request", owner=request, specs=servicing_checklist(kind)
    )
    status_change_record(
        ServicingStatusChange,
        owner_field="request",
        owner=request,
        from_status="",
        to_status=ServicingStatus.RECEIVED,
        action="receive",
        at=moment,
        by=user,
    )
    request.clock_id = clock_start(
        subject=request, standard_code=servicing_standard(), assignee=user, user=user, moment=moment
    )
    missing = documents_record(
        request.documents.all(), received=received_documents, rejected=None, moment=moment
    )
    _documents_round(request, missing=missing, user=user, moment=moment)
    request.save()
    audit_record(
        action="servicing.receive",
        actor=user,
        subject=request,
        after={**_snapshot(request), "identity_method": identity_method, "changes": cleaned},
        now=moment,
    )
    return request


@transaction.atomic
def servicing_documents_review(
    *,
    request_id: int,
    acting_user: User | None,
    received: Iterable[str] = (),
    rejected: Mapping[str, str] | None = None,
    now: datetime | None = None,
) -> ServicingRequest:
    """Record documents received and refused (complete, true, valid). Anything still missing
    goes to the customer in one notice and the clock waits; a complete file goes to review."""
    user = permission_require(acting_user, PERM_SERVICING)
    moment = moment_of(now)
    request = _locked(request_id)
    if request.status not in (
        ServicingStatus.RECEIVED,
        ServicingStatus.WAITING_FOR_DOCUMENTS,
        ServicingStatus.IN_REVIEW,
        ServicingStatus.CALCULATED,
    ):
        raise TransitionNotAllowed(
            params={
                "what": _("servicing request"),
                "status": request.status,
                "action": "review documents",
            }
        )
    before = _snapshot(request)
    missing = documents_record(
        request.documents.all(), received=received, rejected=rejected, moment=moment
    )
    _documents_round(request, missing=missing, user=user, moment=moment)
    request.save()
    audit_record(
        action="servicing.documents",
        actor=user,
        subject=request,
        before=before,
        after={
            **_snapshot(request),
            "received": sorted(set(received)),
            "rejected": sorted(rejected or {}),
            "missing": [row.code for row in missing],
        },
        now=moment,
    )
    return request


@transaction.atomic
def servicing_fee_calculate(
    *,
    request_id: int,
    acting_user: User | None,
    confirm_with_customer: bool = False,
    reason: str = "",
    now: datetime | None = None,
) -> ServicingRequest:
    """Calculate the premium change or refund and keep the calculation. Confirm with the
    customer when in doubt; a recalculation (a fee error: give the reason) always goes back
    to the customer for a renewed confirmation. While the customer decides, the clock waits."""
    user = permission_require(acting_user, PERM_SERVICING)
    moment = moment_of(now)
    request = _locked(request_id)
    recalculation = request.calculation_number > 0
    cleaned_reason = text_clean(reason, field="reason", required=recalculation)
    needs_confirmation = recalculation or confirm_with_customer
    target = (
        ServicingStatus.AWAITING_CONFIRMATION if needs_confirmation else ServicingStatus.CALCULATED
    )
    transition_check("servicing", request.status, ServicingAction.CALCULATE, target)
    before = _snapshot(request)
    preview = servicing_preview(
        policy=request.policy,
        kind=request.kind,
        effective_on=request.effective_on,
        changes=request.changes,
    )
    request.calculation_number += 1
    ServicingCalculation.objects.create(
        request=request,
        number=request.calculation_number,
        calculation=preview.calculation,
        amount=preview.amount,
        reason=cleaned_reason,
        created_at=moment,
        created_by=user,
    )
    was_waiting = request.status == ServicingStatus.AWAITING_CONFIRMATION
    request.calculation, request.amount = preview.calculation, preview.amount
    request.confirmation_required = needs_confirmation
    request.confirmed_at, request.confirmed_calculation, request.confirmation_note = None, None, ""
    _move(
        request,
        ServicingAction.CALCULATE,
        target,
        user=user,
        moment=moment,
        note=cleaned_reason or f"#{request.calculation_number}",
    )
    request.save()
    if needs_confirmation:
        notification_send(
            recipients=customer_portal_users(request.policy.customer),
            template="policies_fee_confirmation",
            context={
                "reference": _reference(request),
                "calculation_number": request.calculation_number,
                "amount": f"{abs(preview.amount):,.2f}",
                "refund": preview.amount < 0,
                "recalculation": recalculation,
                "lines": preview.calculation.get("lines", []),
            },
            channels=[Channel.IN_APP, Channel.EMAIL],
            subject=request,
            dedupe_key=f"policies.servicing.{request.pk}.confirm.{request.calculation_number}",
            now=moment,
        )
        if not was_waiting:
            clock_pause(
                request.clock_id,
                reason="waiting for the customer's confirmation of the fee",
                user=user,
                moment=moment,
            )
    audit_record(
        action="servicing.calculate",
        actor=user,
        subject=request,
        before=before,
        after={
            **_snapshot(request),
            "reason": cleaned_reason,
            "out_of_sequence": preview.out_of_sequence,
        },
        now=moment,
    )
    return request


def _may_confirm(user: User | None, request: ServicingRequest) -> User:
    if user is not None and user.is_active and user.has_perm(PERM_SERVICING):
        return user
    if (
        user is not None
        and user.is_active
        and RoleCode.CUSTOMER in user_roles(user)
        and customer_party_id(user_id=user.pk) == request.policy.customer_id
    ):
        return user
    raise ServicingNotFound()


@transaction.atomic
def servicing_customer_confirm(
    *,
    request_id: int,
    calculation_number: int,
    acting_user: User | None,
    note: str = "",
    now: datetime | None = None,
) -> ServicingRequest:
    """The customer confirms calculation `calculation_number` (themselves in the portal, or a
    clerk records how they confirmed). Only the latest calculation can be confirmed."""
    moment = moment_of(now)
    request = _locked(request_id)
    user = _may_confirm(acting_user, request)
    staff = user.has_perm(PERM_SERVICING)
    cleaned_note = text_clean(note, field="note", required=staff)
    if calculation_number != request.calculation_number:
        raise ConfirmationMissing(params={"number": request.calculation_number})
    before = _snapshot(request)
    _move(
        request,
        ServicingAction.CONFIRM,
        ServicingStatus.CONFIRMED,
        user=user,
        moment=moment,
        note=cleaned_note,
    )
    request.confirmed_at, request.confirmed_calculation = moment, calculation_number
    request.confirmation_note = cleaned_note or "portal"
    request.save()
    clock_resume(request.clock_id, user=user, moment=moment)
    audit_record(
        action="servicing.confirm",
        actor=user,
        subject=request,
        before=before,
        after=_snapshot(request),
        now=moment,
    )
    return request


@transaction.atomic
def _servicing_apply(*, request_id: int, user: User, moment: datetime) -> ServicingRequest:
    request = _locked(request_id)
    transition_check(
        "servicing", request.status, ServicingAction.APPROVE, ServicingStatus.COMPLETED
    )
    if (
        request.confirmation_required
        and request.confirmed_calculation != request.calculation_number
    ):
        raise ConfirmationMissing(params={"number": request.calculation_number})
    assert request.amount is not None
    authority_require(user, AuthorityKind.SERVICING, request.amount)
    before = _snapshot(request)
    policy = policy_locked(request.policy_id)
    if request.kind == ServicingKind.CANCELLATION:
        cancellation_write(
            policy=policy,
            cancel_on=request.effective_on,
            user=user,
            moment=moment,
            servicing_request=request,
            expected_refund=-request.amount,
        )
    else:
        endorsement_write(
            policy=policy,
            kind=request.kind,
            effective_on=request.effective_on,
            changes=servicing_changes_build(policy=policy, changes=request.changes),
            user=user,
            moment=moment,
            servicing_request=request,
            expected_premium_change=request.amount,
        )
    _move(request, ServicingAction.APPROVE, ServicingStatus.COMPLETED, user=user, moment=moment)
    request.approved_at, request.approved_by = moment, user
    request.completed_at = request.customer_notified_at = moment
    request.save()
    clock_stop(request.clock_id, user=user, moment=moment)
    notification_send(
        recipients=customer_portal_users(policy.customer),
        template="policies_servicing_completed",
        context={
            "reference": _reference(request),
            "policy_number": policy.number,
            "kind": request.kind,
            "effective_on": request.effective_on.isoformat(),
            "amount": f"{abs(request.amount):,.2f}",
            "refund": request.amount < 0,
        },
        channels=[Channel.IN_APP, Channel.EMAIL],
        subject=request,
        dedupe_key=f"policies.servicing.{request.pk}.completed",
        now=moment,
    )
    audit_record(
        action="servicing.approve",
        actor=user,
        subject=request,
        before=before,
        after=_snapshot(request),
        now=moment,
    )
    return request


def _upward(handler: User) -> list[User]:
    department = handler.department
    head = department.head if department is not None else None
    recipients = [head] if head is not None and head.is_active else []
    return recipients or management_users()


@transaction.atomic
def _servicing_failure_record(
    *, request_id: int, user: User, moment: datetime, error: BaseException
) -> None:
    request = _locked(request_id)
    code = error.code if isinstance(error, ApplicationError) else type(error).__name__
    detail = (error.message if isinstance(error, ApplicationError) else str(error))[
        :FAILURE_TEXT_LIMIT
    ]
    request.failures += 1
    request.save(update_fields=["failures"])
    _move(
        request,
        ServicingAction.FAIL,
        request.status,
        user=user,
        moment=moment,
        note=f"{code}: {detail}",
    )
    notification_send(
        recipients=[*_upward(request.handler), request.handler],
        template="policies_servicing_failed",
        context={"reference": _reference(request), "code": code, "detail": detail},
        channels=[Channel.IN_APP],
        subject=request,
        now=moment,
    )
    audit_record(
        action="servicing.approve",
        actor=user,
        subject=request,
        result=AuditResult.FAILURE,
        after={
            "status": request.status,
            "failures": request.failures,
            "error": code,
            "detail": detail,
        },
        now=moment,
    )


def servicing_request_approve(
    *, request_id: int, acting_user: User | None, now: datetime | None = None
) -> ServicingRequest:
    """Approve within the servicing authority and apply: a new policy version (endorsement)
    or the cancellation with its refund, the customer notified, the clock stopped — all in
    one transaction. If applying fails (the policy changed so the amount no longer holds, an
    out-of-sequence conflict, a system fault), nothing of it stays: the failure is recorded on
    the request, reported to the department head, and the error raised again."""
    user = permission_require(acting_user, PERM_APPROVE_SERVICING)
    moment = moment_of(now)
    try:
        return _servicing_apply(request_id=request_id, user=user, moment=moment)
    except (
        PermissionDenied,
        ValidationFailed,
        NotFound,
        TransitionNotAllowed,
        ConfirmationMissing,
    ):
        raise  # refused before anything was attempted
    except Exception as error:
        _servicing_failure_record(request_id=request_id, user=user, moment=moment, error=error)
        raise


@transaction.atomic
def servicing_request_archive(
    *, request_id: int, outcome_note: str, acting_user: User | None, now: datetime | None = None
) -> ServicingRequest:
    """After the customer confirmed the result: feed it back to the broker (sales) and archive."""
    user = permission_require(acting_user, PERM_SERVICING)
    moment = moment_of(now)
    request = _locked(request_id)
    note = text_clean(outcome_note, field="outcome_note", required=True, limit=2000)
    before = _snapshot(request)
    _move(
        request,
        ServicingAction.ARCHIVE,
        ServicingStatus.ARCHIVED,
        user=user,
        moment=moment,
        note=note,
    )
    request.archived_at, request.outcome_note = moment, note
    request.save()
    broker = request.policy.broker
    if broker is not None:
        notification_send(
            recipients=[broker],
            template="policies_servicing_feedback",
            context={"reference": _reference(request), "kind": request.kind, "outcome": note},
            channels=[Channel.IN_APP],
            subject=request,
            now=moment,
        )
    audit_record(
        action="servicing.archive",
        actor=user,
        subject=request,
        before=before,
        after=_snapshot(request),
        now=moment,
    )
    return request


def _close(
    *,
    request_id: int,
    reason: str,
    acting_user: User | None,
    now: datetime | None,
    action: str,
    target: str,
) -> ServicingRequest:
    user = permission_require(acting_user, PERM_SERVICING)
    moment = moment_of(now)
    request = _locked(request_id)
    cleaned = text_clean(reason, field="reason", required=True)
    before = _snapshot(request)
    _move(request, action, target, user=user, moment=moment, note=cleaned)
    request.outcome_note = cleaned
    request.save()
    if action == ServicingAction.REJECT:
        clock_stop(request.clock_id, user=user, moment=moment)
    else:
        clock_cancel(request.clock_id, reason=cleaned, user=user, moment=moment)
    audit_record(
        action=f"servicing.{action}",
        actor=user,
        subject=request,
        before=before,
        after={**_snapshot(request), "reason": cleaned},
        now=moment,
    )
    return request


@transaction.atomic
def servicing_request_reject(
    *, request_id: int, reason: str, acting_user: User | None, now: datetime | None = None
) -> ServicingRequest:
    """Refuse the request (e.g. documents not true or valid); the clock stops: it was answered."""
    return _close(
        request_id=request_id,
        reason=reason,
        acting_user=acting_user,
        now=now,
        action=ServicingAction.REJECT,
        target=ServicingStatus.REJECTED,
    )


@transaction.atomic
def servicing_request_withdraw(
    *, request_id: int, reason: str, acting_user: User | None, now: datetime | None = None
) -> ServicingRequest:
    """The customer withdrew the request; the clock is cancelled (no longer owed)."""
    return _close(
        request_id=request_id,
        reason=reason,
        acting_user=acting_user,
        now=now,
        action=ServicingAction.WITHDRAW,
        target=ServicingStatus.WITHDRAWN,
    )
