"""Assessment complete → adjudication → approval by authority → settlement agreement → payment
(exactly once) → close, and reopen with a reason.

The adjudication is `claims.adjudication.adjudicate` on the terms of the version in force on
the day of loss, the claim's loss items and facts, and what other claims on the policy were
already approved (they erode the aggregate and per-person limits). Its result, line by line,
and its inputs are stored on a `Settlement`, so `adjudication_rerun` gives it again.

Payments are exactly-once: the payment request's idempotency key is unique; the claim's row is
locked while paying; a key seen before returns its payment; the amount can never exceed what is
approved and not yet paid."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils.translation import gettext_lazy as _

from coverdesk.accounts.models import User
from coverdesk.audit.services import audit_record
from coverdesk.claims import adjudication as adj
from coverdesk.claims.calculations import incurred
from coverdesk.claims.choices import (
    AuthorityKind,
    ClaimAction,
    ClaimStatus,
    ClockPurpose,
    FlightArea,
    LossItemKind,
    PaymentKind,
    RecoveryKind,
    SettlementOutcome,
    SettlementScope,
    SettlementStatus,
)
from coverdesk.claims.exceptions import ClaimNotFound
from coverdesk.claims.models import Claim, LossItem, Payment, Recovery, Settlement
from coverdesk.claims.selectors.claims import claim_terms_version
from coverdesk.claims.services.common import (
    PERM_APPROVE,
    PERM_HANDLE,
    PERM_PAY,
    authority_require,
    claim_clock_start,
    claim_clocks_cancel,
    claim_clocks_stop,
    customer_notify,
    moment_of,
    permission_require,
    staff_notify,
    users_with_authority,
)
from coverdesk.claims.services.materials import claim_locked, claim_move, claim_snapshot
from coverdesk.claims.transitions import CLAIM_BEFORE_DECISION, targets, transition_refuse
from coverdesk.core.exceptions import Conflict, ValidationFailed
from coverdesk.core.values import Period
from coverdesk.policies.selectors.policies import version_items
from coverdesk.policies.validation import money_clean, text_clean

# Clocks that end with the decision.
DECISION_CLOCKS = (
    ClockPurpose.DECISION,
    ClockPurpose.ADJUDICATION,
    ClockPurpose.GREEN_APPROVAL,
    ClockPurpose.GREEN_SURVEY_ASSESSMENT,
)
PAYMENT_CLOCKS = (ClockPurpose.PAYMENT, ClockPurpose.GREEN_PAYMENT, ClockPurpose.LEGAL_PAYMENT)
# Hull items let the adjudication decide partial or (constructive) total loss itself.
DERIVED_LOSS_TYPE_KINDS = frozenset({LossItemKind.HULL_REPAIR, LossItemKind.ADDED_EQUIPMENT})
ZERO = Decimal("0.00")


class NoTerms(Conflict):
    default_code = "claims_no_terms"
    default_message = _("The policy has no terms to adjudicate against.")


class OwnProposal(Conflict):
    default_code = "claims_own_proposal"
    default_message = _("The approver of a decision must be someone other than its proposer.")


class IdempotencyKeyReused(Conflict):
    default_code = "claims_idempotency_key_reused"
    default_message = _(
        "Payment request {key} was already used for another payment; use a new key."
    )


def _bool_or_none(value: Any, field: str) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    raise ValidationFailed.for_field(field, "choice", _("Yes, no, or not established."))


# Assessment ----------------------------------------------------------------------------------


@transaction.atomic
def claim_assess(
    *,
    claim_id: int,
    acting_user: User | None,
    flight_area: str = FlightArea.TERRITORY,
    pilot_licensed: bool | None = None,
    pilot_authorised: bool | None = None,
    pilot_type_rated: bool | None = None,
    exclusions: tuple[tuple[str, str], ...] = (),
    salvage_value: Any = "0.00",
    salvage_retained_by_insured: bool = False,
    now: datetime | None = None,
) -> Claim:
    """The loss assessment is complete: record what it established for the adjudication
    (flight area, the pilot's licence, authorisation and type rating — None when not
    established or no pilot was involved —, exclusions found as (coverage, code), salvage).
    Needs at least one loss item. In the green channel, survey and assessment end here and
    approval is due within 5 WD."""
    user = permission_require(acting_user, PERM_HANDLE)
    moment = moment_of(now)
    claim = claim_locked(claim_id)
    targets("claim", claim.status, ClaimAction.ASSESS)
    if not LossItem.objects.filter(claim=claim).exists():
        raise ValidationFailed.for_field(
            "loss_items", "required", _("Record the assessed loss items first.")
        )
    if flight_area not in FlightArea.values:
        raise ValidationFailed.for_field("flight_area", "choice", _("Unknown flight area."))
    coverages = set(claim.exposures.values_list("coverage_code", flat=True))
    found = []
    for index, (coverage, code) in enumerate(exclusions):
        if coverage not in coverages or not str(code).strip():
            raise ValidationFailed.for_field(
                f"exclusions[{index}]",
                "unknown",
                _("Name an exclusion of one of the claim's coverages."),
            )
        found.append({"coverage": coverage, "code": str(code).strip()})
    salvage = money_clean(salvage_value, field="salvage_value")
    facts = {
        "flight_area": flight_area,
        "pilot_licensed": _bool_or_none(pilot_licensed, "pilot_licensed"),
        "pilot_authorised": _bool_or_none(pilot_authorised, "pilot_authorised"),
        "pilot_type_rated": _bool_or_none(pilot_type_rated, "pilot_type_rated"),
        "exclusions": found,
        "salvage_value": str(salvage),
        "salvage_retained_by_insured": bool(salvage_retained_by_insured),
    }
    before = claim_snapshot(claim)
    claim_move(claim, ClaimAction.ASSESS, ClaimStatus.ASSESSED, user=user, moment=moment)
    claim.loss_facts, claim.assessed_at = facts, moment
    claim.save()
    if claim.green_channel:
        claim_clocks_stop(claim, [ClockPurpose.GREEN_SURVEY_ASSESSMENT], user=user, moment=moment)
        claim_clock_start(
            claim, ClockPurpose.GREEN_APPROVAL, owner=claim.handler, user=user, moment=moment
        )
    audit_record(
        action="claim.assess",
        actor=user,
        subject=claim,
        before=before,
        after={**claim_snapshot(claim), "facts": facts},
        now=moment,
    )
    return claim


# Adjudication --------------------------------------------------------------------------------


def _earlier_payments(claim: Claim) -> tuple[adj.EarlierPayment, ...]:
    """What other claims on the policy have approved: the allocations of their current
    decisions."""
    settlements = Settlement.objects.filter(
        claim__policy_id=claim.policy_id,
        status__in=[SettlementStatus.APPROVED, SettlementStatus.AGREED],
    ).exclude(claim=claim)
    earlier: list[adj.EarlierPayment] = []
    for settlement in settlements.order_by("id"):
        for raw in settlement.calculation.get("allocations", []):
            earlier.append(adj.Allocation.from_dict(raw).as_earlier_payment())
    return tuple(earlier)


def adjudication_inputs(claim: Claim) -> adj.AdjudicationInput:
    """The calculator's input for the claim as it stands."""
    version = claim_terms_version(claim)
    if version is None:
        raise NoTerms()
    facts = claim.loss_facts or {}
    aircraft = list(claim.aircraft.order_by("pk").values_list("pk", flat=True))
    items = tuple(
        adj.LossItem(
            coverage=row.coverage_code,
            kind=row.kind,
            amount=row.amount,
            person_id=row.person_id,
            victim=row.victim,
            count=row.count,
            determined=row.determined,
            loss_type="" if row.kind in DERIVED_LOSS_TYPE_KINDS else row.loss_type,
        )
        for row in LossItem.objects.filter(claim=claim).order_by("id")
    )
    loss = adj.Loss(
        occurred_at=claim.loss_at,
        items=items,
        aircraft_id=aircraft[0] if aircraft else None,
        flight_area=str(facts.get("flight_area", FlightArea.TERRITORY)),
        pilot_licensed=facts.get("pilot_licensed"),
        pilot_authorised=facts.get("pilot_authorised"),
        pilot_type_rated=facts.get("pilot_type_rated"),
        exclusions=tuple(adj.ExclusionFinding.from_dict(e) for e in facts.get("exclusions", [])),
        salvage_value=Decimal(str(facts.get("salvage_value", "0.00"))),
        salvage_retained_by_insured=bool(facts.get("salvage_retained_by_insured", False)),
    )
    return adj.AdjudicationInput(
        terms=tuple(version_items(version)),
        cover=Period(version.effective_from, version.effective_to),
        loss=loss,
        earlier_payments=_earlier_payments(claim),
    )


@transaction.atomic
def claim_adjudicate(
    *,
    claim_id: int,
    acting_user: User | None,
    scope: str = SettlementScope.FULL,
    now: datetime | None = None,
) -> Settlement:
    """Work out the decision (coverage check, limits, deductibles, special clauses) and propose
    it for approval: stored with its lines and inputs; a decision proposed before is superseded.
    Those whose approval authority covers the amount are told."""
    user = permission_require(acting_user, PERM_HANDLE)
    moment = moment_of(now)
    claim = claim_locked(claim_id)
    if claim.status != ClaimStatus.ASSESSED:
        raise transition_refuse("claim", claim.status, "adjudicate")
    if scope not in SettlementScope.values:
        raise ValidationFailed.for_field("scope", "choice", _("Unknown scope."))
    decision = adj.adjudicate(adjudication_inputs(claim), now=moment, scope=scope)
    Settlement.objects.filter(claim=claim, status=SettlementStatus.PROPOSED).update(
        status=SettlementStatus.SUPERSEDED
    )
    number = Settlement.objects.filter(claim=claim).count() + 1
    settlement = Settlement.objects.create(
        claim=claim,
        number=number,
        outcome=decision.outcome,
        scope=scope,
        status=SettlementStatus.PROPOSED,
        amount=decision.payable,
        calculation=decision.as_dict(),
        inputs=decision.inputs.as_dict(),
        reason="; ".join(decision.reason_codes()),
        proposed_at=moment,
        proposed_by=user,
    )
    staff_notify(
        users_with_authority(
            permission=PERM_APPROVE,
            kind=AuthorityKind.APPROVAL,
            amount=decision.payable,
            exclude=user,
        ),
        template="claims_settlement_proposed",
        context={
            "claim_number": claim.number,
            "outcome": decision.outcome,
            "amount": f"{decision.payable:,.2f}",
        },
        subject=claim,
        moment=moment,
    )
    audit_record(
        action="claim.adjudicate",
        actor=user,
        subject=claim,
        after={
            "settlement": number,
            "outcome": decision.outcome,
            "scope": scope,
            "claimed": decision.claimed,
            "payable": decision.payable,
            "reasons": decision.reason_codes(),
        },
        now=moment,
    )
    return settlement


def _proposal_locked(settlement_id: int) -> tuple[Claim, Settlement]:
    claim_id = (
        Settlement.objects.filter(pk=settlement_id).values_list("claim_id", flat=True).first()
    )
    if claim_id is None:
        raise ClaimNotFound()
    claim = claim_locked(claim_id)
    settlement = Settlement.objects.select_for_update().get(pk=settlement_id)
    if settlement.status != SettlementStatus.PROPOSED:
        raise transition_refuse("claim", settlement.status, "approve the decision")
    return claim, settlement


@transaction.atomic
def settlement_approve(
    *,
    settlement_id: int,
    acting_user: User | None,
    note: str = "",
    now: datetime | None = None,
) -> Settlement:
    """Approve a proposed decision within one's approval authority (above it: someone with
    more authority; never the proposer). Covered, fully or partly: the claim is approved for the
    amount. Not covered: it is declined and the customer gets the reasons in writing (Insurance
    Law art. 24). Either way the decision clocks stop."""
    user = permission_require(acting_user, PERM_APPROVE)
    moment = moment_of(now)
    claim, settlement = _proposal_locked(settlement_id)
    if settlement.proposed_by_id == user.pk:
        raise OwnProposal()
    text = text_clean(note, field="note")
    declined = settlement.outcome == SettlementOutcome.NOT_COVERED
    target = ClaimStatus.DECLINED if declined else ClaimStatus.APPROVED
    targets("claim", claim.status, ClaimAction.DECLINE if declined else ClaimAction.APPROVE)
    if not declined:
        authority_require(user, AuthorityKind.APPROVAL, settlement.amount)
    before = claim_snapshot(claim)
    claim_move(
        claim,
        ClaimAction.DECLINE if declined else ClaimAction.APPROVE,
        target,
        user=user,
        moment=moment,
        note=text or f"#{settlement.number} {settlement.amount}",
    )
    claim.decided_at = moment
    claim.save()
    settlement.status = SettlementStatus.APPROVED
    settlement.approved_at, settlement.approved_by = moment, user
    settlement.save(update_fields=["status", "approved_at", "approved_by"])
    claim_clocks_stop(claim, DECISION_CLOCKS, user=user, moment=moment)
    reasons = [str(raw["code"]) for raw in settlement.calculation.get("reasons", [])]
    customer_notify(
        claim,
        template="claims_decided",
        context={
            "covered": not declined,
            "amount": f"{settlement.amount:,.2f}",
            "reasons": reasons,
        },
        moment=moment,
        dedupe=f"decided.{settlement.number}",
    )
    audit_record(
        action="claim.decline" if declined else "claim.approve",
        actor=user,
        subject=claim,
        before=before,
        after={
            **claim_snapshot(claim),
            "settlement": settlement.number,
            "amount": settlement.amount,
            "note": text,
        },
        now=moment,
    )
    return settlement


@transaction.atomic
def claim_settle(
    *,
    claim_id: int,
    agreement_note: str,
    acting_user: User | None,
    now: datetime | None = None,
) -> Claim:
    """The customer agreed the approved amount (settlement agreement): payment is due by the
    complexity's standard (1 / 3 / 5 WD; green channel 3 WD) and within 10 days by law
    (Insurance Law art. 23)."""
    user = permission_require(acting_user, PERM_HANDLE)
    moment = moment_of(now)
    claim = claim_locked(claim_id)
    targets("claim", claim.status, ClaimAction.SETTLE)
    text = text_clean(agreement_note, field="agreement_note", required=True)
    settlement = (
        Settlement.objects.select_for_update()
        .filter(claim=claim, status=SettlementStatus.APPROVED)
        .order_by("-number")
        .first()
    )
    if settlement is None:
        raise transition_refuse("claim", claim.status, ClaimAction.SETTLE)
    before = claim_snapshot(claim)
    claim_move(claim, ClaimAction.SETTLE, ClaimStatus.SETTLED, user=user, moment=moment, note=text)
    claim.settled_at = moment
    claim.save()
    settlement.status, settlement.agreed_at, settlement.agreement_note = (
        SettlementStatus.AGREED,
        moment,
        text,
    )
    settlement.save(update_fields=["status", "agreed_at", "agreement_note"])
    company = ClockPurpose.GREEN_PAYMENT if claim.green_channel else ClockPurpose.PAYMENT
    for purpose in (company, ClockPurpose.LEGAL_PAYMENT):
        claim_clock_start(claim, purpose, owner=claim.handler, user=user, moment=moment)
    audit_record(
        action="claim.settle",
        actor=user,
        subject=claim,
        before=before,
        after={**claim_snapshot(claim), "settlement": settlement.number, "note": text},
        now=moment,
    )
    return claim


# Payment -------------------------------------------------------------------------------------


def claim_paid_total(claim: Claim) -> Decimal:
    total = Payment.objects.filter(claim=claim).aggregate(total=Sum("amount"))["total"]
    return Decimal(total) if total is not None else ZERO


def _same_request(payment: Payment, claim_id: int, amount: Decimal | None) -> Payment:
    if payment.claim_id != claim_id or (amount is not None and payment.amount != amount):
        raise IdempotencyKeyReused(params={"key": payment.idempotency_key})
    return payment


@transaction.atomic
def _payment_write(
    *,
    claim_id: int,
    key: str,
    amount: Decimal,
    kind: str,
    payee_name: str,
    payee_account: str,
    reference: str,
    user: User,
    moment: datetime,
) -> Payment:
    claim = claim_locked(claim_id)  # one payment of a claim at a time
    seen = Payment.objects.filter(idempotency_key=key).first()
    if seen is not None:
        return _same_request(seen, claim_id, amount)
    if claim.status != ClaimStatus.SETTLED:
        raise transition_refuse("claim", claim.status, ClaimAction.PAY)
    settlement = (
        Settlement.objects.filter(claim=claim, status=SettlementStatus.AGREED)
        .order_by("-number")
        .first()
    )
    if settlement is None:
        raise transition_refuse("claim", claim.status, ClaimAction.PAY)
    remaining = settlement.amount - claim_paid_total(claim)
    if amount > remaining:
        raise ValidationFailed.for_field(
            "amount",
            "above_approved",
            _("At most {remaining} remains to pay of the {approved} agreed."),
            remaining=f"{remaining:,.2f}",
            approved=f"{settlement.amount:,.2f}",
        )
    if kind == PaymentKind.FINAL and amount != remaining:
        raise ValidationFailed.for_field(
            "amount",
            "final_pays_the_rest",
            _("A final payment pays what remains: {remaining}."),
            remaining=f"{remaining:,.2f}",
        )
    if kind != PaymentKind.FINAL and amount == remaining:
        raise ValidationFailed.for_field(
            "kind", "final", _("This pays all that remains: make it the final payment.")
        )
    before = claim_snapshot(claim)
    payment = Payment.objects.create(
        claim=claim,
        settlement=settlement,
        idempotency_key=key,
        kind=kind,
        amount=amount,
        payee_name=payee_name,
        payee_account=payee_account or None,
        reference=reference,
        paid_at=moment,
        paid_by=user,
    )
    final = kind == PaymentKind.FINAL
    claim_move(
        claim,
        ClaimAction.PAY,
        ClaimStatus.PAID if final else ClaimStatus.SETTLED,
        user=user,
        moment=moment,
        note=f"{kind} {amount}",
    )
    if final:
        claim.paid_at = moment
        claim_clocks_stop(claim, PAYMENT_CLOCKS, user=user, moment=moment)
    claim.save()
    customer_notify(
        claim,
        template="claims_paid",
        context={"amount": f"{amount:,.2f}", "final": final, "reference": reference},
        moment=moment,
        dedupe=f"paid.{payment.pk}",
    )
    audit_record(
        action="claim.pay",
        actor=user,
        subject=claim,
        before=before,
        after={
            **claim_snapshot(claim),
            "payment": key,
            "kind": kind,
            "amount": amount,
            "payee": payee_name,
            "reference": reference,
        },
        now=moment,
    )
    return payment


def payment_make(
    *,
    claim_id: int,
    idempotency_key: str,
    amount: Any,
    kind: str,
    payee_name: str,
    acting_user: User | None,
    payee_account: str = "",
    reference: str = "",
    now: datetime | None = None,
) -> Payment:
    """Pay on a settled claim, exactly once per payment request (`idempotency_key`): the same
    key again returns the payment it made (a different claim or amount under it is refused).
    Partial payments keep the claim settled; the final one pays what remains and makes it paid,
    stopping the payment clocks. Never more than the agreed amount."""
    user = permission_require(acting_user, PERM_PAY)
    moment = moment_of(now)
    key = text_clean(idempotency_key, field="idempotency_key", required=True, limit=100)
    value = money_clean(amount, field="amount")
    assert value is not None
    if value <= 0:
        raise ValidationFailed.for_field("amount", "min_value", _("A payment is above zero."))
    if kind not in PaymentKind.values or kind == PaymentKind.ADVANCE:
        raise ValidationFailed.for_field("kind", "choice", _("A payment is partial or final."))
    name = text_clean(payee_name, field="payee_name", required=True, limit=200)
    account = text_clean(payee_account, field="payee_account", limit=100)
    ref = text_clean(reference, field="reference", limit=100)
    seen = Payment.objects.filter(idempotency_key=key).first()
    if seen is not None:
        return _same_request(seen, claim_id, value)
    try:
        return _payment_write(
            claim_id=claim_id,
            key=key,
            amount=value,
            kind=kind,
            payee_name=name,
            payee_account=account,
            reference=ref,
            user=user,
            moment=moment,
        )
    except IntegrityError:
        # The key was taken meanwhile (by a request on another claim's lock).
        seen = Payment.objects.filter(idempotency_key=key).first()
        if seen is None:
            raise
        return _same_request(seen, claim_id, value)


# Recoveries, close, reopen ---------------------------------------------------------------------


@transaction.atomic
def recovery_record(
    *,
    claim_id: int,
    kind: str,
    amount: Any,
    counterparty: str,
    acting_user: User | None,
    note: str = "",
    now: datetime | None = None,
) -> Recovery:
    """Salvage sold or money recovered under subrogation: it reduces what the claim costs."""
    user = permission_require(acting_user, PERM_HANDLE)
    moment = moment_of(now)
    claim = claim_locked(claim_id)
    if claim.status in (ClaimStatus.WITHDRAWN, *CLAIM_BEFORE_DECISION):
        raise transition_refuse("claim", claim.status, "record a recovery")
    if kind not in RecoveryKind.values:
        raise ValidationFailed.for_field("kind", "choice", _("Salvage or subrogation."))
    value = money_clean(amount, field="amount")
    assert value is not None
    if value <= 0:
        raise ValidationFailed.for_field("amount", "min_value", _("A recovery is above zero."))
    recovery = Recovery.objects.create(
        claim=claim,
        kind=kind,
        amount=value,
        counterparty=text_clean(counterparty, field="counterparty", required=True, limit=200),
        note=text_clean(note, field="note"),
        recorded_at=moment,
        recorded_by=user,
    )
    audit_record(
        action="claim.recovery",
        actor=user,
        subject=claim,
        after={"kind": kind, "amount": value, "counterparty": recovery.counterparty},
        now=moment,
    )
    return recovery


def claim_incurred(claim: Claim) -> Decimal:
    """What the claim costs: paid, plus reserves not yet paid, less recoveries."""
    reserves = claim.reserves.aggregate(total=Sum("amount"))["total"] or ZERO
    recovered = claim.recoveries.aggregate(total=Sum("amount"))["total"] or ZERO
    return incurred(
        paid=claim_paid_total(claim), reserves=Decimal(reserves), recovered=Decimal(recovered)
    )


@transaction.atomic
def claim_withdraw(
    *, claim_id: int, reason: str, acting_user: User | None, now: datetime | None = None
) -> Claim:
    """The customer withdrew the claim before the decision; its clocks are cancelled."""
    user = permission_require(acting_user, PERM_HANDLE)
    moment = moment_of(now)
    claim = claim_locked(claim_id)
    text = text_clean(reason, field="reason", required=True)
    before = claim_snapshot(claim)
    claim_move(
        claim, ClaimAction.WITHDRAW, ClaimStatus.WITHDRAWN, user=user, moment=moment, note=text
    )
    claim.save()
    claim_clocks_cancel(claim, list(ClockPurpose.values), reason=text, user=user, moment=moment)
    audit_record(
        action="claim.withdraw",
        actor=user,
        subject=claim,
        before=before,
        after={**claim_snapshot(claim), "reason": text},
        now=moment,
    )
    return claim


@transaction.atomic
def claim_close(
    *, claim_id: int, note: str, acting_user: User | None, now: datetime | None = None
) -> Claim:
    """Close a paid, declined or withdrawn claim; clocks still open are cancelled."""
    user = permission_require(acting_user, PERM_HANDLE)
    moment = moment_of(now)
    claim = claim_locked(claim_id)
    text = text_clean(note, field="note", required=True)
    before = claim_snapshot(claim)
    claim_move(claim, ClaimAction.CLOSE, ClaimStatus.CLOSED, user=user, moment=moment, note=text)
    claim.closed_at = moment
    claim.save()
    claim_clocks_cancel(claim, list(ClockPurpose.values), reason=text, user=user, moment=moment)
    audit_record(
        action="claim.close",
        actor=user,
        subject=claim,
        before=before,
        after={**claim_snapshot(claim), "note": text},
        now=moment,
    )
    return claim


@transaction.atomic
def claim_reopen(
    *, claim_id: int, reason: str, acting_user: User | None, now: datetime | None = None
) -> Claim:
    """Reopen a closed claim with the reason (new facts, a late invoice): it is registered
    again and adjudication is due anew by its complexity."""
    user = permission_require(acting_user, PERM_HANDLE)
    moment = moment_of(now)
    claim = claim_locked(claim_id)
    text = text_clean(reason, field="reason", required=True)
    before = claim_snapshot(claim)
    claim_move(
        claim, ClaimAction.REOPEN, ClaimStatus.REGISTERED, user=user, moment=moment, note=text
    )
    claim.reopened += 1
    claim.closed_at = claim.assessed_at = claim.decided_at = None
    claim.settled_at = claim.paid_at = None
    claim.save()
    claim_clock_start(
        claim, ClockPurpose.ADJUDICATION, owner=claim.handler, user=user, moment=moment
    )
    audit_record(
        action="claim.reopen",
        actor=user,
        subject=claim,
        before=before,
        after={**claim_snapshot(claim), "reason": text, "reopened": claim.reopened},
        now=moment,
    )
    return claim
