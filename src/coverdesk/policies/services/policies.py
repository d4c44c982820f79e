"""Writes of policies: issue (version 1), endorsements (new versions, out-of-sequence ones
re-applied in effective order), cancellation with refund, filing of the contract.

Every write locks the policy row first, so concurrent servicing of one policy is serialised
and never loses an update; each runs in one transaction with its audit entry, so a failure
part-way leaves nothing half-applied.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Max

from coverdesk.accounts.models import User
from coverdesk.audit.services import audit_record
from coverdesk.catalog.models import ProductVersion
from coverdesk.core.values import Period
from coverdesk.notifications.choices import Channel
from coverdesk.notifications.services import notification_send
from coverdesk.parties.models import Party
from coverdesk.policies.calculations import Calculation, Change, ReplayedVersion, TermsItem
from coverdesk.policies.choices import (
    FollowUpKind,
    PolicyAction,
    PolicyStatus,
    ServicingKind,
    VersionKind,
)
from coverdesk.policies.exceptions import FeeChanged, PolicyNotFound
from coverdesk.policies.models import (
    Endorsement,
    FollowUp,
    Policy,
    PolicyObject,
    PolicyStatusChange,
    PolicyVersion,
    ServicingRequest,
)
from coverdesk.policies.selectors.policies import (
    active_versions,
    cancellation_plan,
    day_before,
    endorsement_plan,
    next_sequence,
)
from coverdesk.policies.services.common import (
    PERM_APPROVE_SERVICING,
    PERM_ISSUE,
    customer_portal_users,
    local_date,
    moment_of,
    permission_require,
    status_change_record,
)
from coverdesk.policies.services.numbering import policy_number_take
from coverdesk.policies.terms import items_to_json, object_ids, terms_premium_of
from coverdesk.policies.transitions import NEW, TransitionNotAllowed, transition_check
from coverdesk.policies.validation import text_clean

CHECK_IN_DAYS_DEFAULT = 30
RENEWAL_ADVICE_DAYS_DEFAULT = 90


def policy_locked(policy_id: int) -> Policy:
    policy = (
        Policy.objects.select_for_update(of=("self",))
        .select_related("product_version__product", "customer")
        .filter(pk=policy_id)
        .first()
    )
    if policy is None:
        raise PolicyNotFound()
    return policy


def policy_snapshot(policy: Policy) -> dict[str, Any]:
    return {
        "number": policy.number,
        "status": policy.status,
        "period": [policy.period_start, policy.period_end],
        "term_premium": policy.term_premium,
        "premium_written": policy.premium_written,
        "cancelled_on": policy.cancelled_on,
    }


def terms_json(product_version: ProductVersion, items: Sequence[TermsItem]) -> dict[str, Any]:
    product = product_version.product
    return {
        "product": {
            "code": product.code,
            "version": product_version.number,
            "name": product.name,
            "name_en": product.name_en,
        },
        "items": items_to_json(items),
    }


def _objects_index(version: PolicyVersion, items: Sequence[TermsItem]) -> None:
    aircraft_ids, person_ids = object_ids(items)
    PolicyObject.objects.bulk_create(
        [
            PolicyObject(version=version, policy_id=version.policy_id, aircraft_id=a)
            for a in aircraft_ids
        ]
        + [
            PolicyObject(version=version, policy_id=version.policy_id, person_id=p)
            for p in person_ids
        ]
    )


def _version_number(policy: Policy) -> int:
    last = PolicyVersion.objects.filter(policy=policy).aggregate(last=Max("number"))["last"]
    return int(last or 0) + 1


def _status_change(
    policy: Policy, *, before: str, action: str, moment: datetime, user: User | None, note: str = ""
) -> None:
    status_change_record(
        PolicyStatusChange,
        owner_field="policy",
        owner=policy,
        from_status=before,
        to_status=policy.status,
        action=action,
        at=moment,
        by=user,
        note=note,
    )


def policy_write_issued(
    *,
    customer: Party,
    product_version: ProductVersion,
    period: Period,
    items: Sequence[TermsItem],
    broker: User | None,
    acting_user: User,
    moment: datetime,
    renewal_of: Policy | None = None,
) -> Policy:
    """Insert an issued policy with its number and version 1. The callers (application issue,
    renewal) check permissions and transitions and run it in their transaction."""
    transition_check("policy", NEW, PolicyAction.ISSUE, PolicyStatus.ACTIVE)
    premium = terms_premium_of(items)
    policy = Policy.objects.create(
        number=policy_number_take(product_code=product_version.product.code, on=local_date(moment)),
        customer=customer,
        product_version=product_version,
        status=PolicyStatus.ACTIVE,
        period_start=period.first_day,
        period_end=period.last_day,
        term_premium=premium,
        premium_written=premium,
        broker=broker,
        issued_at=moment,
        issued_by=acting_user,
        renewal_of=renewal_of,
    )
    version = PolicyVersion.objects.create(
        policy=policy,
        number=1,
        kind=VersionKind.ISSUE,
        effective_from=period.first_day,
        effective_to=period.last_day,
        terms=terms_json(product_version, items),
        term_premium=premium,
        premium_change=premium,
        created_at=moment,
        created_by=acting_user,
    )
    _objects_index(version, items)
    _status_change(policy, before=NEW, action=PolicyAction.ISSUE, moment=moment, user=acting_user)
    audit_record(
        action="policy.issue",
        actor=acting_user,
        subject=policy,
        after={
            **policy_snapshot(policy),
            "customer": customer.pk,
            "product_version": product_version.pk,
            "renewal_of": renewal_of.number if renewal_of else None,
        },
        now=moment,
    )
    return policy


def _version_from(
    policy: Policy,
    replayed: ReplayedVersion,
    *,
    number: int,
    endorsement: Endorsement,
    reapplication_of: PolicyVersion | None,
    moment: datetime,
    user: User,
) -> PolicyVersion:
    items = list(replayed.items)
    version = PolicyVersion.objects.create(
        policy=policy,
        number=number,
        kind=VersionKind.ENDORSEMENT,
        endorsement=endorsement,
        effective_from=replayed.effective_from,
        effective_to=replayed.effective_to,
        terms=terms_json(policy.product_version, items),
        term_premium=replayed.term_premium,
        premium_change=replayed.premium_change,
        calculation=replayed.calculation.as_dict() if replayed.calculation else None,
        reapplication_of=reapplication_of,
        created_at=moment,
        created_by=user,
    )
    _objects_index(version, items)
    return version


def endorsement_write(
    *,
    policy: Policy,
    kind: str,
    effective_on: date,
    changes: Sequence[Change],
    user: User,
    moment: datetime,
    servicing_request: ServicingRequest | None = None,
    expected_premium_change: Decimal | None = None,
) -> Endorsement:
    """Apply an endorsement to a policy the caller has locked (see `endorsement_apply`)."""
    transition_check("policy", policy.status, PolicyAction.ENDORSE, PolicyStatus.ACTIVE)
    plan = endorsement_plan(policy=policy, effective_on=effective_on, changes=changes)
    if expected_premium_change is not None and plan.premium_change != expected_premium_change:
        raise FeeChanged(
            params={
                "now": f"{plan.premium_change:,.2f}",
                "before": f"{expected_premium_change:,.2f}",
            }
        )
    before = {
        **policy_snapshot(policy),
        "versions": [v.number for v in plan.active],
    }
    endorsement = Endorsement.objects.create(
        policy=policy,
        sequence=plan.sequence,
        kind=kind,
        effective_on=effective_on,
        changes=[change.as_dict() for change in changes],
        premium_change=plan.premium_change,
        calculation=plan.calculation,
        out_of_sequence=plan.out_of_sequence,
        servicing_request=servicing_request,
        created_at=moment,
        created_by=user,
    )
    # The version before the new one now ends the day before it; later ones are replaced.
    previous = plan.active[plan.position - 1]
    previous.effective_to = plan.replayed[plan.position - 1].effective_to
    previous.save(update_fields=["effective_to"])
    for old, _new in plan.reapplied:
        old.replaced_at, old.replaced_by = moment, endorsement
        old.save(update_fields=["replaced_at", "replaced_by"])
    number = _version_number(policy)
    created = [
        _version_from(
            policy,
            plan.replayed[plan.position],
            number=number,
            endorsement=endorsement,
            reapplication_of=None,
            moment=moment,
            user=user,
        )
    ]
    for offset, (old, new) in enumerate(plan.reapplied, start=1):
        assert old.endorsement is not None
        created.append(
            _version_from(
                policy,
                new,
                number=number + offset,
                endorsement=old.endorsement,
                reapplication_of=old,
                moment=moment,
                user=user,
            )
        )
    policy.term_premium = plan.replayed[-1].term_premium
    policy.premium_written += plan.premium_change
    policy.save(update_fields=["term_premium", "premium_written", "updated_at"])
    _status_change(
        policy,
        before=PolicyStatus.ACTIVE,
        action=PolicyAction.ENDORSE,
        moment=moment,
        user=user,
        note=f"#{endorsement.sequence} {kind} {effective_on.isoformat()}",
    )
    audit_record(
        action="policy.endorse",
        actor=user,
        subject=policy,
        before=before,
        after={
            **policy_snapshot(policy),
            "endorsement": endorsement.sequence,
            "kind": kind,
            "effective_on": effective_on,
            "premium_change": plan.premium_change,
            "out_of_sequence": plan.out_of_sequence,
            "versions_created": [v.number for v in created],
            "versions_replaced": [old.number for old, _new in plan.reapplied],
        },
        now=moment,
    )
    return endorsement


@transaction.atomic
def endorsement_apply(
    *,
    policy_id: int,
    kind: str,
    effective_on: date,
    changes: Sequence[Change],
    acting_user: User | None,
    now: datetime | None = None,
    expected_premium_change: Decimal | None = None,
) -> Endorsement:
    """Apply changes to a policy from `effective_on`: a new version, and when the date lies
    before later endorsements, those re-applied in effective order. With
    `expected_premium_change`, refuses (FeeChanged) when the amount differs from it."""
    user = permission_require(acting_user, PERM_APPROVE_SERVICING)
    moment = moment_of(now)
    policy = policy_locked(policy_id)
    return endorsement_write(
        policy=policy,
        kind=kind,
        effective_on=effective_on,
        changes=changes,
        user=user,
        moment=moment,
        expected_premium_change=expected_premium_change,
    )


def cancellation_write(
    *,
    policy: Policy,
    cancel_on: date,
    user: User,
    moment: datetime,
    servicing_request: ServicingRequest | None = None,
    expected_refund: Decimal | None = None,
) -> tuple[Endorsement, Calculation]:
    """Cancel a policy the caller has locked: cover ends at 00:00 of `cancel_on`; the refund by
    the product's method is recorded as a negative premium change."""
    transition_check("policy", policy.status, PolicyAction.CANCEL, PolicyStatus.CANCELLED)
    refund = cancellation_plan(policy=policy, cancel_on=cancel_on)
    if expected_refund is not None and refund.result != expected_refund:
        raise FeeChanged(
            params={"now": f"{refund.result:,.2f}", "before": f"{expected_refund:,.2f}"}
        )
    before = policy_snapshot(policy)
    active = [v for v in active_versions(policy=policy) if v.kind != VersionKind.CANCELLATION]
    endorsement = Endorsement.objects.create(
        policy=policy,
        sequence=next_sequence(policy),
        kind=ServicingKind.CANCELLATION,
        effective_on=cancel_on,
        changes=[],
        premium_change=-refund.result,
        calculation=refund.as_dict(),
        servicing_request=servicing_request,
        created_at=moment,
        created_by=user,
    )
    last = active[-1]
    last.effective_to = day_before(cancel_on)
    last.save(update_fields=["effective_to"])
    PolicyVersion.objects.create(
        policy=policy,
        number=_version_number(policy),
        kind=VersionKind.CANCELLATION,
        endorsement=endorsement,
        effective_from=cancel_on,
        effective_to=policy.period_end,
        terms=terms_json(policy.product_version, []),
        term_premium=Decimal("0.00"),
        premium_change=-refund.result,
        calculation=refund.as_dict(),
        created_at=moment,
        created_by=user,
    )
    policy.status, policy.cancelled_on = PolicyStatus.CANCELLED, cancel_on
    policy.premium_written -= refund.result
    policy.term_premium = Decimal("0.00")
    policy.save(
        update_fields=["status", "cancelled_on", "premium_written", "term_premium", "updated_at"]
    )
    _status_change(
        policy,
        before=PolicyStatus.ACTIVE,
        action=PolicyAction.CANCEL,
        moment=moment,
        user=user,
        note=f"{cancel_on.isoformat()} refund {refund.result}",
    )
    audit_record(
        action="policy.cancel",
        actor=user,
        subject=policy,
        before=before,
        after={
            **policy_snapshot(policy),
            "refund": refund.result,
            "method": refund.inputs["method"],
        },
        now=moment,
    )
    return endorsement, refund


@transaction.atomic
def policy_cancel(
    *,
    policy_id: int,
    cancel_on: date,
    acting_user: User | None,
    now: datetime | None = None,
    expected_refund: Decimal | None = None,
) -> Endorsement:
    """Cancel a policy from `cancel_on` with the refund its product's method gives."""
    user = permission_require(acting_user, PERM_APPROVE_SERVICING)
    moment = moment_of(now)
    policy = policy_locked(policy_id)
    endorsement, _refund = cancellation_write(
        policy=policy,
        cancel_on=cancel_on,
        user=user,
        moment=moment,
        expected_refund=expected_refund,
    )
    return endorsement


def _setting_days(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


@transaction.atomic
def policy_contract_file(
    *,
    policy_id: int,
    filing_reference: str,
    acting_user: User | None,
    now: datetime | None = None,
) -> Policy:
    """合同备案: record where the contract is filed (traceable), tell the customer when cover
    starts and how to report a claim, and plan the broker's follow-ups (a check-in after the
    start of cover, renewal or upgrade advice before it ends)."""
    user = permission_require(acting_user, PERM_ISSUE)
    moment = moment_of(now)
    reference = text_clean(filing_reference, field="filing_reference", required=True, limit=100)
    policy = policy_locked(policy_id)
    transition_check("policy", policy.status, PolicyAction.FILE, PolicyStatus.ACTIVE)
    if policy.filed_at is not None:
        raise TransitionNotAllowed(
            params={"what": "policy", "status": "filed", "action": PolicyAction.FILE}
        )
    before = policy_snapshot(policy)
    policy.filed_at, policy.filing_reference = moment, reference
    policy.customer_notified_at = moment
    policy.save(
        update_fields=["filed_at", "filing_reference", "customer_notified_at", "updated_at"]
    )
    broker = policy.broker or user
    check_in = policy.period_start + timedelta(
        days=_setting_days("COVERDESK_POLICY_CHECK_IN_DAYS", CHECK_IN_DAYS_DEFAULT)
    )
    advice = policy.period_end - timedelta(
        days=_setting_days("COVERDESK_POLICY_RENEWAL_ADVICE_DAYS", RENEWAL_ADVICE_DAYS_DEFAULT)
    )
    for kind, due in ((FollowUpKind.CHECK_IN, check_in), (FollowUpKind.RENEWAL_ADVICE, advice)):
        FollowUp.objects.get_or_create(
            policy=policy,
            kind=kind,
            defaults={"due_on": max(due, policy.period_start), "assigned_to": broker},
        )
    _status_change(
        policy, before=PolicyStatus.ACTIVE, action=PolicyAction.FILE, moment=moment, user=user
    )
    product = policy.product_version.product
    notification_send(
        recipients=customer_portal_users(policy.customer),
        template="policies_cover_started",
        context={
            "policy_number": policy.number,
            "product_name": product.name,
            "product_name_en": product.name_en,
            "period_start": policy.period_start.isoformat(),
            "period_end": policy.period_end.isoformat(),
            "broker": str(broker),
        },
        channels=[Channel.IN_APP, Channel.EMAIL],
        subject=policy,
        dedupe_key=f"policies.cover_started.{policy.pk}",
        now=moment,
    )
    audit_record(
        action="policy.file",
        actor=user,
        subject=policy,
        before=before,
        after={**policy_snapshot(policy), "filing_reference": reference},
        now=moment,
    )
    return policy
