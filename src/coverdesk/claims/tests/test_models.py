"""The database keeps the claims invariants even against a write that bypasses the services:
one claim per caller report id, one current handler, a reason for a second material request,
one idempotency key per payment, positive payments, dispatches that name their resource, files
tied to what they belong to. Run on SQLite and PostgreSQL."""

from decimal import Decimal as D

import pytest
from django.db import IntegrityError, transaction

from coverdesk.claims.models import (
    Claim,
    ClaimFile,
    ClaimMaterial,
    HandlerAssignment,
    Incident,
    IncidentDispatch,
    MaterialRequest,
    Payment,
    Reserve,
)
from coverdesk.claims.tests.claim_factories import LOSS_DAY, REPORT_AT, make_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return make_world(coverage_codes=("aviation_comprehensive",))


@pytest.fixture
def claim(world):
    incident = Incident.objects.create(
        number="IN1",
        customer=world.customer,
        reported_at=REPORT_AT,
        occurred_at=LOSS_DAY,
        place="x",
        summary="x",
        response_level=4,
    )
    return Claim.objects.create(
        number="CL1",
        policy=world.policy,
        customer=world.customer,
        incident=incident,
        channel="hotline",
        reported_at=REPORT_AT,
        loss_at=LOSS_DAY,
        loss_place="x",
        description="x",
        reporter_name="x",
    )


def refused(make):
    with pytest.raises(IntegrityError), transaction.atomic():
        make()


def _copy(claim, **fields):
    values = {
        "number": "X1",
        "policy": claim.policy,
        "customer": claim.customer,
        "channel": "api",
        "source": "dispatch",
        "caller_report_id": "R-1",
        "reported_at": REPORT_AT,
        "loss_at": claim.loss_at,
        "loss_place": "x",
        "description": "x",
        "reporter_name": "x",
    }
    values.update(fields)
    return Claim.objects.create(**values)


def test_a_caller_report_id_is_used_once_per_customer_channel_and_source(claim):
    _copy(claim)
    refused(lambda: _copy(claim, number="X2"))
    _copy(claim, number="X3", source="other-system")
    _copy(claim, number="X4", channel="portal")
    # reports without an id never collide
    _copy(claim, number="X5", caller_report_id="")
    _copy(claim, number="X6", caller_report_id="")


def test_loss_cannot_be_after_the_report(claim):
    refused(lambda: _copy(claim, loss_at=REPORT_AT.replace(hour=11)))


def test_one_current_handler(world, claim):
    HandlerAssignment.objects.create(
        claim=claim, handler=world.team.adjuster, assigned_at=REPORT_AT
    )
    refused(
        lambda: HandlerAssignment.objects.create(
            claim=claim, handler=world.team.adjuster2, assigned_at=REPORT_AT
        )
    )
    HandlerAssignment.objects.filter(claim=claim).update(ended_at=REPORT_AT)
    HandlerAssignment.objects.create(
        claim=claim, handler=world.team.adjuster2, assigned_at=REPORT_AT
    )


def test_a_second_material_request_needs_its_reason(claim):
    MaterialRequest.objects.create(claim=claim, sequence=1, items=[], sent_at=REPORT_AT)
    refused(
        lambda: MaterialRequest.objects.create(claim=claim, sequence=2, items=[], sent_at=REPORT_AT)
    )
    refused(
        lambda: MaterialRequest.objects.create(
            claim=claim, sequence=1, items=[], reason="again", sent_at=REPORT_AT
        )
    )
    MaterialRequest.objects.create(
        claim=claim, sequence=2, items=[], reason="调查报告新增要求", sent_at=REPORT_AT
    )


def test_a_payment_key_pays_once_and_payments_are_positive(claim):
    def pay(key, amount=D("100.00")):
        return Payment.objects.create(
            claim=claim,
            idempotency_key=key,
            kind="final",
            amount=amount,
            payee_name="市公安局",
            paid_at=REPORT_AT,
        )

    pay("K-1")
    refused(lambda: pay("K-1"))
    refused(lambda: pay("K-2", D("0.00")))
    refused(lambda: pay("K-3", D("-5.00")))


def test_reserves_are_one_per_coverage_and_not_negative(claim):
    Reserve.objects.create(
        claim=claim, coverage_code="hull_all_risks", amount=D("1.00"), updated_at=REPORT_AT
    )
    refused(
        lambda: Reserve.objects.create(
            claim=claim, coverage_code="hull_all_risks", amount=D("2.00"), updated_at=REPORT_AT
        )
    )
    refused(
        lambda: Reserve.objects.create(
            claim=claim, coverage_code="spare", amount=D("-1.00"), updated_at=REPORT_AT
        )
    )


def test_a_dispatch_names_its_person_or_describes_the_vehicle(world, claim):
    incident = claim.incident

    def send(**fields):
        return IncidentDispatch.objects.create(incident=incident, dispatched_at=REPORT_AT, **fields)

    send(kind="handler", person=world.team.adjuster)
    send(kind="vehicle", description="粤A·12345 查勘车")
    refused(lambda: send(kind="expert"))
    refused(lambda: send(kind="equipment", description=""))


def test_a_file_belongs_to_what_its_purpose_says(world, claim):
    material = ClaimMaterial.objects.create(
        claim=claim,
        code="claim_form",
        name="索赔申请书",
        name_en="Claim form",
        coverage_code="hull_all_risks",
        loss_type="hull_partial",
    )

    def store(n, **fields):
        return ClaimFile.objects.create(
            claim=claim,
            path=f"claims/{claim.pk}/{n}.pdf",
            original_name="a.pdf",
            content_type="application/pdf",
            size=1,
            sha256="0" * 64,
            uploaded_at=REPORT_AT,
            **fields,
        )

    store(1, purpose="material", material=material)
    store(2, purpose="report")
    refused(lambda: store(3, purpose="material"))
    refused(lambda: store(4, purpose="report", material=material))
    refused(lambda: store(1, purpose="report"))  # one stored path, one row


def test_a_received_material_has_its_time(claim):
    refused(
        lambda: ClaimMaterial.objects.create(
            claim=claim,
            code="x",
            name="x",
            name_en="x",
            coverage_code="hull_all_risks",
            loss_type="hull_partial",
            status="received",
        )
    )
