"""From assessment to payment: the adjudication stored so it re-runs, approval within authority
by someone other than the proposer, a refusal with reasons, the settlement agreement starting
the payment clocks, partial and final payments exactly once and never above the agreed amount,
recoveries, close and reopen with a reason."""

from datetime import timedelta
from decimal import Decimal as D

import pytest

from coverdesk.audit.models import AuditEntry
from coverdesk.claims.adjudication import adjudication_rerun
from coverdesk.claims.choices import ClaimStatus, ClockPurpose
from coverdesk.claims.exceptions import AuthorityExceeded, ClaimPermissionDenied
from coverdesk.claims.models import ClaimClock, Payment, Settlement
from coverdesk.claims.services.assessment import loss_item_add, reserve_set
from coverdesk.claims.services.handling import claim_exposures_set, claim_register
from coverdesk.claims.services.materials import material_receive
from coverdesk.claims.services.settlement import (
    IdempotencyKeyReused,
    OwnProposal,
    claim_adjudicate,
    claim_assess,
    claim_close,
    claim_incurred,
    claim_reopen,
    claim_settle,
    claim_withdraw,
    payment_make,
    recovery_record,
    settlement_approve,
)
from coverdesk.claims.tests.claim_factories import (
    HULL_PARTIAL,
    REPORT_AT,
    make_world,
    report,
)
from coverdesk.claims.transitions import TransitionNotAllowed
from coverdesk.core.exceptions import ValidationFailed
from coverdesk.notifications.models import Message
from coverdesk.sla.models import SlaClock

pytestmark = pytest.mark.django_db

DAY = timedelta(days=1)
HULL_REQUIRED = [
    "claim_form",
    "accident_report",
    "loss_photos",
    "flight_log",
    "crew_licences",
    "repair_quote",
    "repair_invoices",
]


@pytest.fixture
def world():
    return make_world()


def _clock(claim, purpose):
    row = ClaimClock.objects.filter(claim=claim, purpose=purpose).latest("id")
    return SlaClock.objects.get(pk=row.clock_id)


def assessed_claim(world, *, repair="800000.00", **facts):
    """A registered hull claim, a repair assessed at `repair`, the assessment complete."""
    adjuster = world.team.adjuster
    claim = report(world, aircraft_ids=[world.fleet[0].pk], handler_id=adjuster.pk)
    claim_exposures_set(
        claim_id=claim.pk,
        exposures=HULL_PARTIAL,
        estimated_amount=repair,
        acting_user=adjuster,
        now=REPORT_AT,
    )
    for code in HULL_REQUIRED:
        material_receive(claim_id=claim.pk, code=code, acting_user=adjuster, now=REPORT_AT + DAY)
    claim_register(
        claim_id=claim.pk, complexity="general", acting_user=adjuster, now=REPORT_AT + DAY
    )
    loss_item_add(
        claim_id=claim.pk,
        coverage_code="hull_all_risks",
        loss_type="hull_partial",
        kind="hull_repair",
        description="尾梁及尾桨修复",
        amount=repair,
        aircraft_id=world.fleet[0].pk,
        acting_user=adjuster,
        now=REPORT_AT + 2 * DAY,
    )
    return claim_assess(claim_id=claim.pk, acting_user=adjuster, now=REPORT_AT + 2 * DAY, **facts)


def approved_claim(world, **kwargs):
    claim = assessed_claim(world, **kwargs)
    settlement = claim_adjudicate(
        claim_id=claim.pk, acting_user=world.team.adjuster, now=REPORT_AT + 3 * DAY
    )
    settlement_approve(
        settlement_id=settlement.pk, acting_user=world.team.head, now=REPORT_AT + 3 * DAY
    )
    return claim, settlement


def settled_claim(world, **kwargs):
    claim, settlement = approved_claim(world, **kwargs)
    claim_settle(
        claim_id=claim.pk,
        agreement_note="客户签署赔付协议",
        acting_user=world.team.adjuster,
        now=REPORT_AT + 4 * DAY,
    )
    settlement.refresh_from_db()
    return claim, settlement


def pay(world, claim, key, amount, kind, **kwargs):
    return payment_make(
        claim_id=claim.pk,
        idempotency_key=key,
        amount=amount,
        kind=kind,
        payee_name="市公安局警务航空队",
        payee_account="6222 0200 1234 5678",
        acting_user=world.team.manager,
        now=kwargs.pop("now", REPORT_AT + 5 * DAY),
        **kwargs,
    )


def test_the_adjudication_is_stored_line_by_line_and_reruns_to_the_same_amount(world):
    claim = assessed_claim(world)

    settlement = claim_adjudicate(
        claim_id=claim.pk, acting_user=world.team.adjuster, now=REPORT_AT + 3 * DAY
    )

    # 5 % of 800,000 is 40,000, below the 100,000 minimum: the deductible is 100,000
    assert (settlement.outcome, settlement.status, settlement.amount) == (
        "covered",
        "proposed",
        D("700000.00"),
    )
    lines = {line["code"]: line for line in settlement.calculation["lines"]}
    assert D(lines["total_payable"]["amount"]) == D("700000.00")
    assert adjudication_rerun(settlement.calculation).payable == settlement.amount
    assert Message.objects.filter(
        template="claims_settlement_proposed", recipient=world.team.head
    ).exists()
    # a second adjudication supersedes the first
    again = claim_adjudicate(claim_id=claim.pk, acting_user=world.team.adjuster)
    settlement.refresh_from_db()
    assert (settlement.status, again.number, again.status) == ("superseded", 2, "proposed")


def test_approval_within_authority_by_someone_other_than_the_proposer(world):
    claim = assessed_claim(world)
    settlement = claim_adjudicate(claim_id=claim.pk, acting_user=world.team.adjuster)

    with pytest.raises(OwnProposal):
        settlement_approve(settlement_id=settlement.pk, acting_user=world.team.adjuster)
    with pytest.raises(AuthorityExceeded):  # the second adjuster may approve up to 200,000
        settlement_approve(settlement_id=settlement.pk, acting_user=world.team.adjuster2)
    with pytest.raises(ClaimPermissionDenied):
        settlement_approve(settlement_id=settlement.pk, acting_user=world.team.surveyor)
    claim.refresh_from_db()
    settlement.refresh_from_db()
    assert (claim.status, settlement.status) == (ClaimStatus.ASSESSED, "proposed")

    settlement_approve(
        settlement_id=settlement.pk, acting_user=world.team.head, now=REPORT_AT + 3 * DAY
    )

    claim.refresh_from_db()
    assert (claim.status, claim.decided_at) == (ClaimStatus.APPROVED, REPORT_AT + 3 * DAY)
    assert _clock(claim, ClockPurpose.ADJUDICATION).state == "met"
    assert _clock(claim, ClockPurpose.DECISION).state == "met"
    message = Message.objects.get(
        template="claims_decided", recipient=world.portal, channel="in_app"
    )
    assert message.context["covered"] is True and message.context["amount"] == "700,000.00"


def test_an_unauthorised_pilot_is_declined_with_reasons_in_writing(world):
    claim = assessed_claim(world, pilot_licensed=True, pilot_authorised=False)
    settlement = claim_adjudicate(claim_id=claim.pk, acting_user=world.team.adjuster)
    assert (settlement.outcome, settlement.amount) == ("not_covered", D("0.00"))

    settlement_approve(settlement_id=settlement.pk, acting_user=world.team.head)

    claim.refresh_from_db()
    assert claim.status == ClaimStatus.DECLINED
    message = Message.objects.get(
        template="claims_decided", recipient=world.portal, channel="in_app"
    )
    assert message.context["reasons"] == ["unauthorised_pilot"]
    assert "unauthorised_pilot" in message.body
    claim_close(claim_id=claim.pk, note="拒赔通知已送达", acting_user=world.team.adjuster)
    assert type(claim).objects.get(pk=claim.pk).status == ClaimStatus.CLOSED


def test_the_agreement_starts_the_company_and_legal_payment_clocks(world):
    claim, settlement = settled_claim(world)

    claim.refresh_from_db()
    assert (claim.status, claim.settled_at) == (ClaimStatus.SETTLED, REPORT_AT + 4 * DAY)
    assert settlement.status == "agreed"
    assert _clock(claim, ClockPurpose.PAYMENT).standard_version.standard.code == (
        "claims.payment.general"
    )
    legal = _clock(claim, ClockPurpose.LEGAL_PAYMENT)
    assert legal.standard_version.standard.code == "law.insurance_23.payment"


def test_partial_then_final_payment_and_the_clocks_stop(world):
    claim, _settlement = settled_claim(world)

    first = pay(world, claim, "PAY-1", "300000.00", "partial")
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.SETTLED
    final = pay(world, claim, "PAY-2", "400000.00", "final", reference="BANK-778")

    claim.refresh_from_db()
    assert (claim.status, claim.paid_at) == (ClaimStatus.PAID, REPORT_AT + 5 * DAY)
    assert [p.amount for p in Payment.objects.filter(claim=claim).order_by("id")] == [
        D("300000.00"),
        D("400000.00"),
    ]
    assert (first.kind, final.kind) == ("partial", "final")
    assert _clock(claim, ClockPurpose.PAYMENT).met is True
    assert _clock(claim, ClockPurpose.LEGAL_PAYMENT).met is True
    assert Payment.objects.get(pk=final.pk).payee_account == "6222 0200 1234 5678"
    assert (
        Message.objects.filter(
            template="claims_paid", recipient=world.portal, channel="in_app"
        ).count()
        == 2
    )


def test_the_same_payment_request_pays_once(world):
    claim, _settlement = settled_claim(world)
    first = pay(world, claim, "PAY-1", "300000.00", "partial")
    audits = AuditEntry.objects.filter(action="claim.pay").count()

    again = pay(world, claim, "PAY-1", "300000.00", "partial")

    assert again.pk == first.pk
    assert Payment.objects.count() == 1
    assert AuditEntry.objects.filter(action="claim.pay").count() == audits
    with pytest.raises(IdempotencyKeyReused):
        pay(world, claim, "PAY-1", "310000.00", "partial")


@pytest.mark.parametrize(
    ("amount", "kind", "field", "rule"),
    [
        ("700000.01", "final", "amount", "above_approved"),
        ("800000.00", "partial", "amount", "above_approved"),
        ("100.00", "final", "amount", "final_pays_the_rest"),
        ("700000.00", "partial", "kind", "final"),
        ("0.00", "partial", "amount", "min_value"),
        ("-5.00", "partial", "amount", "min_value"),
        ("10.001", "partial", "amount", "decimal_places"),
        ("100.00", "advance", "kind", "choice"),
    ],
)
def test_bad_payments_are_refused_and_pay_nothing(world, amount, kind, field, rule):
    claim, _settlement = settled_claim(world)
    with pytest.raises(ValidationFailed) as error:
        pay(world, claim, "PAY-X", amount, kind)
    assert (error.value.fields[0].field, error.value.fields[0].rule) == (field, rule)
    assert Payment.objects.count() == 0
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.SETTLED


def test_no_payment_before_the_settlement_agreement(world):
    claim, _settlement = approved_claim(world)
    with pytest.raises(TransitionNotAllowed):
        pay(world, claim, "PAY-1", "700000.00", "final")
    assert Payment.objects.count() == 0


def test_only_payers_pay(world):
    claim, _settlement = settled_claim(world)
    with pytest.raises(ClaimPermissionDenied):
        payment_make(
            claim_id=claim.pk,
            idempotency_key="PAY-1",
            amount="700000.00",
            kind="final",
            payee_name="x",
            acting_user=world.team.adjuster,
        )
    assert Payment.objects.count() == 0


def test_recoveries_reduce_what_the_claim_costs(world):
    claim, _settlement = settled_claim(world)
    reserve_set(
        claim_id=claim.pk,
        coverage_code="hull_all_risks",
        amount="700000.00",
        reason="核赔金额",
        acting_user=world.team.adjuster,
    )
    pay(world, claim, "PAY-1", "700000.00", "final")
    recovery_record(
        claim_id=claim.pk,
        kind="subrogation",
        amount="50000.00",
        counterparty="障碍物所有人的责任保险人",
        acting_user=world.team.adjuster,
    )
    # paid 700,000 + unpaid reserve max(700,000 − 700,000, 0) − recovered 50,000
    assert claim_incurred(claim) == D("650000.00")
    with pytest.raises(ValidationFailed) as error:
        recovery_record(
            claim_id=claim.pk,
            kind="gift",
            amount="1.00",
            counterparty="x",
            acting_user=world.team.adjuster,
        )
    assert (error.value.fields[0].field, error.value.fields[0].rule) == ("kind", "choice")
    assert claim.recoveries.count() == 1


def test_close_and_reopen_with_a_reason(world):
    claim, _settlement = settled_claim(world)
    pay(world, claim, "PAY-1", "700000.00", "final")
    claim_close(
        claim_id=claim.pk,
        note="赔款已支付",
        acting_user=world.team.adjuster,
        now=REPORT_AT + 6 * DAY,
    )
    claim.refresh_from_db()
    assert (claim.status, claim.closed_at) == (ClaimStatus.CLOSED, REPORT_AT + 6 * DAY)

    with pytest.raises(ValidationFailed) as error:
        claim_reopen(claim_id=claim.pk, reason=" ", acting_user=world.team.adjuster)
    assert error.value.fields[0].field == "reason"
    claim_reopen(
        claim_id=claim.pk,
        reason="维修厂补开发动机检测费发票",
        acting_user=world.team.adjuster,
        now=REPORT_AT + 10 * DAY,
    )

    claim.refresh_from_db()
    assert (claim.status, claim.reopened, claim.closed_at) == (ClaimStatus.REGISTERED, 1, None)
    adjudication = _clock(claim, ClockPurpose.ADJUDICATION)
    assert (adjudication.state, adjudication.started_at) == ("running", REPORT_AT + 10 * DAY)
    history = list(claim.status_changes.values_list("action", flat=True))
    assert history[-2:] == ["close", "reopen"]


def test_a_claim_withdrawn_before_the_decision_cancels_its_clocks(world):
    claim = assessed_claim(world)
    claim_withdraw(
        claim_id=claim.pk, reason="客户自行修复，撤回索赔", acting_user=world.team.adjuster
    )
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.WITHDRAWN
    assert _clock(claim, ClockPurpose.DECISION).state == "cancelled"
    with pytest.raises(TransitionNotAllowed):
        claim_adjudicate(claim_id=claim.pk, acting_user=world.team.adjuster)
    assert Settlement.objects.count() == 0


def test_assessment_needs_loss_items(world):
    adjuster = world.team.adjuster
    claim = report(world, handler_id=adjuster.pk)
    claim_exposures_set(
        claim_id=claim.pk,
        exposures=HULL_PARTIAL,
        estimated_amount="500000.00",
        acting_user=adjuster,
    )
    for code in HULL_REQUIRED:
        material_receive(claim_id=claim.pk, code=code, acting_user=adjuster)
    claim_register(claim_id=claim.pk, acting_user=adjuster)
    with pytest.raises(ValidationFailed) as error:
        claim_assess(claim_id=claim.pk, acting_user=adjuster)
    assert error.value.fields[0].field == "loss_items"
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.REGISTERED
