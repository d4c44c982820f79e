"""Survey and loss assessment (查勘定损): a surveyor assigned and the site visit recorded with
photos; loss items with amounts; reserves per coverage with every change recorded — within the
asker's authority a change applies at once, above it it is referred to someone whose authority
covers it (maker-checker); and the claims authority limits per role."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from coverdesk.accounts.choices import RoleCode
from coverdesk.accounts.models import User
from coverdesk.audit.services import audit_record
from coverdesk.claims.choices import (
    AuthorityKind,
    FilePurpose,
    LossItemKind,
    ReserveChangeStatus,
    SurveyStatus,
)
from coverdesk.claims.exceptions import (
    ReserveChangeNotFound,
    SurveyNotFound,
)
from coverdesk.claims.models import (
    Claim,
    ClaimAuthorityLimit,
    LossItem,
    Reserve,
    ReserveChange,
    Survey,
)
from coverdesk.claims.services.common import (
    PERM_APPROVE,
    PERM_AUTHORITY,
    PERM_HANDLE,
    PERM_SURVEY,
    authority_of,
    authority_require,
    customer_notify,
    moment_of,
    permission_require,
    staff_notify,
    users_with_authority,
)
from coverdesk.claims.services.files import (
    files_store,
    files_summary,
    uploads_check,
)
from coverdesk.claims.services.materials import claim_locked
from coverdesk.claims.transitions import CLAIM_BEFORE_DECISION, CLAIM_OPEN, transition_refuse
from coverdesk.core.exceptions import Conflict, ValidationFailed
from coverdesk.core.uploads import CheckedUpload, Upload, written_files_guard
from coverdesk.policies.validation import money_clean, text_clean

TEXT_LIMIT = 4000


class ReferralPending(Conflict):
    default_code = "claims_reserve_referral_pending"
    default_message = _(
        "A change of this reserve waits for approval already; decide it before asking again."
    )


class OwnReferral(Conflict):
    default_code = "claims_reserve_own_referral"
    default_message = _("The approver of a referred change must be someone other than the asker.")


def _open_claim(claim_id: int, *, statuses: frozenset[str], action: str) -> Claim:
    claim = claim_locked(claim_id)
    if claim.status not in statuses:
        raise transition_refuse("claim", claim.status, action)
    return claim


# Survey --------------------------------------------------------------------------------------


@transaction.atomic
def survey_assign(
    *,
    claim_id: int,
    surveyor_id: int,
    acting_user: User | None,
    instructions: str = "",
    now: datetime | None = None,
) -> Survey:
    """Send a surveyor (someone holding claims.survey_claim) to the loss."""
    user = permission_require(acting_user, PERM_HANDLE)
    moment = moment_of(now)
    claim = _open_claim(claim_id, statuses=CLAIM_BEFORE_DECISION, action="assign a survey")
    surveyor = (
        User.objects.filter(pk=surveyor_id, is_active=True).first()
        if isinstance(surveyor_id, int)
        else None
    )
    if surveyor is None or not surveyor.has_perm(PERM_SURVEY):
        raise ValidationFailed.for_field(
            "surveyor_id", "not_surveyor", _("Choose an active surveyor.")
        )
    text = text_clean(instructions, field="instructions", limit=TEXT_LIMIT)
    survey = Survey.objects.create(
        claim=claim,
        surveyor=surveyor,
        instructions=text,
        assigned_at=moment,
        assigned_by=user,
    )
    staff_notify(
        [surveyor],
        template="claims_survey_assigned",
        context={"claim_number": claim.number, "place": claim.loss_place, "instructions": text},
        subject=claim,
        moment=moment,
    )
    audit_record(
        action="claim.survey.assign",
        actor=user,
        subject=claim,
        after={"survey": survey.pk, "surveyor": surveyor.pk, "instructions": text},
        now=moment,
    )
    return survey


@transaction.atomic
def _survey_record(
    *,
    survey_id: int,
    visited_at: datetime,
    site: str,
    findings: str,
    uploads: Sequence[CheckedUpload],
    acting_user: User | None,
    moment: datetime,
    written: list[Path],
) -> Survey:
    user = permission_require(acting_user, PERM_SURVEY)
    claim_id = Survey.objects.filter(pk=survey_id).values_list("claim_id", flat=True).first()
    if claim_id is None:
        raise SurveyNotFound()
    claim = _open_claim(claim_id, statuses=CLAIM_BEFORE_DECISION, action="record a survey")
    survey = Survey.objects.select_for_update().get(pk=survey_id)
    if survey.surveyor_id != user.pk and not user.has_perm(PERM_HANDLE):
        raise SurveyNotFound()
    if survey.status != SurveyStatus.ASSIGNED:
        raise transition_refuse("claim", survey.status, "record a survey")
    if timezone.is_naive(visited_at):
        raise ValidationFailed.for_field(
            "visited_at", "timezone", _("Give the time of the visit with its time zone.")
        )
    if visited_at > moment:
        raise ValidationFailed.for_field(
            "visited_at", "future", _("The visit cannot be in the future.")
        )
    if visited_at < claim.loss_at:
        raise ValidationFailed.for_field(
            "visited_at", "before_loss", _("The visit cannot be before the loss.")
        )
    survey.site = text_clean(site, field="site", required=True)
    survey.findings = text_clean(findings, field="findings", required=True, limit=TEXT_LIMIT)
    survey.visited_at, survey.recorded_at = visited_at, moment
    survey.status = SurveyStatus.RECORDED
    survey.save()
    stored = files_store(
        claim,
        uploads,
        purpose=FilePurpose.SURVEY,
        written=written,
        user=user,
        moment=moment,
        survey=survey,
    )
    customer_notify(
        claim,
        template="claims_survey_recorded",
        context={"visited_at": timezone.localtime(visited_at).strftime("%Y-%m-%d %H:%M")},
        moment=moment,
        dedupe=f"survey.{survey.pk}",
    )
    audit_record(
        action="claim.survey.record",
        actor=user,
        subject=claim,
        after={
            "survey": survey.pk,
            "visited_at": visited_at,
            "site": survey.site,
            "findings": survey.findings,
            "photos": files_summary(stored),
        },
        now=moment,
    )
    return survey


def survey_record(
    *,
    survey_id: int,
    visited_at: datetime,
    site: str,
    findings: str,
    acting_user: User | None,
    photos: Sequence[Upload] = (),
    now: datetime | None = None,
) -> Survey:
    """The surveyor records the site visit: when, where, what was found, with photos (checked
    like every upload). The customer is told the survey is done."""
    moment = moment_of(now)
    uploads = uploads_check(photos, field="photos")
    with written_files_guard() as written:
        return _survey_record(
            survey_id=survey_id,
            visited_at=visited_at,
            site=site,
            findings=findings,
            uploads=uploads,
            acting_user=acting_user,
            moment=moment,
            written=written,
        )


# Loss items ----------------------------------------------------------------------------------


def _assessor(user: User | None) -> User:
    if user is not None and user.is_active and user.has_perm(PERM_SURVEY):
        return user
    return permission_require(user, PERM_HANDLE)


def _exposure_check(claim: Claim, coverage_code: str, loss_type: str) -> None:
    if not claim.exposures.filter(coverage_code=coverage_code, loss_type=loss_type).exists():
        raise ValidationFailed.for_field(
            "coverage_code",
            "not_an_exposure",
            _("The claim is not about {coverage} / {loss_type}; set its coverages first."),
            coverage=coverage_code or "—",
            loss_type=loss_type or "—",
        )


@transaction.atomic
def loss_item_add(
    *,
    claim_id: int,
    coverage_code: str,
    loss_type: str,
    kind: str,
    description: str,
    amount: Any,
    acting_user: User | None,
    aircraft_id: int | None = None,
    person_id: int | None = None,
    survey_id: int | None = None,
    victim: str = "",
    count: int = 1,
    determined: bool = True,
    now: datetime | None = None,
) -> LossItem:
    """One assessed loss (hull repair, parts, added equipment, third-party damage, injury,
    death, medical expenses, licence loss, police dogs — `count` of them) with its amount, under
    one of the claim's coverages and loss types; an aircraft or person named must be one the
    claim involves; `victim` names an injured third party where a per-person limit applies;
    `determined` False marks an estimate (left out of an advance payment)."""
    user = _assessor(acting_user)
    moment = moment_of(now)
    claim = _open_claim(claim_id, statuses=CLAIM_BEFORE_DECISION, action="add a loss item")
    if kind not in LossItemKind.values:
        raise ValidationFailed.for_field("kind", "choice", _("Unknown kind of loss."))
    _exposure_check(claim, coverage_code, loss_type)
    text = text_clean(description, field="description", required=True)
    value = money_clean(amount, field="amount")
    assert value is not None
    if aircraft_id is not None and not claim.aircraft.filter(pk=aircraft_id).exists():
        raise ValidationFailed.for_field(
            "aircraft_id", "not_involved", _("The claim does not involve this aircraft.")
        )
    if person_id is not None and not claim.persons.filter(pk=person_id).exists():
        raise ValidationFailed.for_field(
            "person_id", "not_involved", _("The claim does not involve this person.")
        )
    injured = text_clean(victim, field="victim", limit=100)
    if not isinstance(count, int) or count < 1:
        raise ValidationFailed.for_field("count", "min_value", _("At least one."))
    if survey_id is not None and not claim.surveys.filter(pk=survey_id).exists():
        raise ValidationFailed.for_field("survey_id", "unknown", _("Not a survey of this claim."))
    item = LossItem.objects.create(
        claim=claim,
        coverage_code=coverage_code,
        loss_type=loss_type,
        kind=kind,
        description=text,
        amount=value,
        victim=injured,
        count=count,
        determined=bool(determined),
        aircraft_id=aircraft_id,
        person_id=person_id,
        survey_id=survey_id,
        created_at=moment,
        created_by=user,
    )
    audit_record(
        action="claim.loss_item.add",
        actor=user,
        subject=claim,
        after={
            "item": item.pk,
            "coverage": coverage_code,
            "loss_type": loss_type,
            "kind": kind,
            "description": text,
            "amount": value,
            "aircraft": aircraft_id,
            "person": person_id,
        },
        now=moment,
    )
    return item


@transaction.atomic
def loss_item_remove(
    *,
    item_id: int,
    reason: str,
    acting_user: User | None,
    now: datetime | None = None,
) -> None:
    """Take back a loss item entered in error (before the decision); the audit trail keeps it."""
    user = _assessor(acting_user)
    moment = moment_of(now)
    claim_id = LossItem.objects.filter(pk=item_id).values_list("claim_id", flat=True).first()
    if claim_id is None:
        raise ValidationFailed.for_field("item_id", "unknown", _("No such loss item."))
    claim = _open_claim(claim_id, statuses=CLAIM_BEFORE_DECISION, action="remove a loss item")
    text = text_clean(reason, field="reason", required=True)
    item = LossItem.objects.get(pk=item_id)
    before = {
        "item": item.pk,
        "coverage": item.coverage_code,
        "kind": item.kind,
        "description": item.description,
        "amount": item.amount,
    }
    item.delete()
    audit_record(
        action="claim.loss_item.remove",
        actor=user,
        subject=claim,
        before=before,
        after={"reason": text},
        now=moment,
    )


# Reserves ------------------------------------------------------------------------------------


def _reserve_apply(reserve: Reserve, amount: Decimal, moment: datetime) -> None:
    reserve.amount, reserve.updated_at = amount, moment
    reserve.save(update_fields=["amount", "updated_at"])


@transaction.atomic
def reserve_set(
    *,
    claim_id: int,
    coverage_code: str,
    amount: Any,
    reason: str,
    acting_user: User | None,
    now: datetime | None = None,
) -> ReserveChange:
    """Set the reserve of one of the claim's coverages. Within the asker's reserve authority the
    change applies at once; above it, it is recorded as referred (the reserve keeps its amount)
    and those whose authority covers it are told. Every change is kept."""
    user = permission_require(acting_user, PERM_HANDLE)
    moment = moment_of(now)
    claim = _open_claim(claim_id, statuses=CLAIM_OPEN, action="set a reserve")
    if not claim.exposures.filter(coverage_code=coverage_code).exists():
        raise ValidationFailed.for_field(
            "coverage_code",
            "not_an_exposure",
            _("The claim is not about {coverage}; set its coverages first."),
            coverage=coverage_code or "—",
        )
    value = money_clean(amount, field="amount")
    assert value is not None
    text = text_clean(reason, field="reason", required=True)
    reserve, _created = Reserve.objects.select_for_update().get_or_create(
        claim=claim,
        coverage_code=coverage_code,
        defaults={"amount": Decimal("0.00"), "updated_at": moment},
    )
    if value == reserve.amount:
        raise ValidationFailed.for_field(
            "amount", "unchanged", _("The reserve is {amount} already."), amount=f"{value:,.2f}"
        )
    if ReserveChange.objects.filter(reserve=reserve, status=ReserveChangeStatus.REFERRED).exists():
        raise ReferralPending()
    within = authority_of(user, AuthorityKind.RESERVE).covers(value)
    change = ReserveChange.objects.create(
        reserve=reserve,
        claim=claim,
        previous_amount=reserve.amount,
        amount=value,
        status=ReserveChangeStatus.APPLIED if within else ReserveChangeStatus.REFERRED,
        reason=text,
        requested_at=moment,
        requested_by=user,
        decided_at=moment if within else None,
        decided_by=user if within else None,
    )
    if within:
        _reserve_apply(reserve, value, moment)
    else:
        staff_notify(
            users_with_authority(
                permission=PERM_APPROVE, kind=AuthorityKind.RESERVE, amount=value, exclude=user
            ),
            template="claims_reserve_referred",
            context={
                "claim_number": claim.number,
                "coverage": coverage_code,
                "previous": f"{change.previous_amount:,.2f}",
                "amount": f"{value:,.2f}",
                "requester": user.get_username(),
                "reason": text,
            },
            subject=claim,
            moment=moment,
        )
    audit_record(
        action="claim.reserve.set" if within else "claim.reserve.refer",
        actor=user,
        subject=claim,
        before={"coverage": coverage_code, "reserve": change.previous_amount},
        after={
            "coverage": coverage_code,
            "reserve": reserve.amount,
            "asked": value,
            "status": change.status,
            "reason": text,
        },
        now=moment,
    )
    return change


@transaction.atomic
def reserve_change_decide(
    *,
    change_id: int,
    approve: bool,
    acting_user: User | None,
    note: str = "",
    now: datetime | None = None,
) -> ReserveChange:
    """Approve (within one's own reserve authority) or refuse a referred reserve change. The
    asker cannot decide their own referral; a refusal needs a note."""
    user = permission_require(acting_user, PERM_APPROVE)
    moment = moment_of(now)
    claim_id = ReserveChange.objects.filter(pk=change_id).values_list("claim_id", flat=True).first()
    if claim_id is None:
        raise ReserveChangeNotFound()
    claim = _open_claim(claim_id, statuses=CLAIM_OPEN, action="decide a reserve change")
    change = ReserveChange.objects.select_for_update().select_related("reserve").get(pk=change_id)
    if change.status != ReserveChangeStatus.REFERRED:
        raise transition_refuse("claim", change.status, "decide a reserve change")
    if change.requested_by_id == user.pk:
        raise OwnReferral()
    text = text_clean(note, field="note", required=not approve)
    if approve:
        authority_require(user, AuthorityKind.RESERVE, change.amount)
        _reserve_apply(change.reserve, change.amount, moment)
    change.status = ReserveChangeStatus.APPLIED if approve else ReserveChangeStatus.REJECTED
    change.decided_at, change.decided_by, change.decision_note = moment, user, text
    change.save(update_fields=["status", "decided_at", "decided_by", "decision_note"])
    if change.requested_by is not None:
        staff_notify(
            [change.requested_by],
            template="claims_reserve_decided",
            context={
                "claim_number": claim.number,
                "coverage": change.reserve.coverage_code,
                "amount": f"{change.amount:,.2f}",
                "outcome": _("approved") if approve else _("refused"),
                "note": text,
            },
            subject=claim,
            moment=moment,
        )
    audit_record(
        action="claim.reserve.approve" if approve else "claim.reserve.refuse",
        actor=user,
        subject=claim,
        before={"coverage": change.reserve.coverage_code, "reserve": change.previous_amount},
        after={
            "coverage": change.reserve.coverage_code,
            "reserve": change.reserve.amount,
            "status": change.status,
            "note": text,
        },
        now=moment,
    )
    return change


@transaction.atomic
def claim_authority_limit_set(
    *,
    role: str,
    kind: str,
    limit: Any,
    acting_user: User | None,
    now: datetime | None = None,
) -> ClaimAuthorityLimit:
    """Set what `role` may decide alone on claims for `kind` (a reserve per coverage; an amount
    approved); `limit` None (or empty) means without limit. A role without a row has none."""
    user = permission_require(acting_user, PERM_AUTHORITY)
    moment = moment_of(now)
    if role not in RoleCode.values or role == RoleCode.CUSTOMER:
        raise ValidationFailed.for_field("role", "choice", _("Unknown staff role."))
    if kind not in AuthorityKind.values:
        raise ValidationFailed.for_field("kind", "choice", _("Unknown kind of authority."))
    amount = money_clean(limit, field="limit", allow_none=True)
    row = ClaimAuthorityLimit.objects.select_for_update().filter(role=role, kind=kind).first()
    before = None if row is None else {"limit": row.limit}
    if row is None:
        row = ClaimAuthorityLimit(role=role, kind=kind)
    row.limit = amount
    row.save()
    audit_record(
        action="claims_authority_limit.set",
        actor=user,
        subject=row,
        before=before,
        after={"role": role, "kind": kind, "limit": amount},
        now=moment,
    )
    return row
