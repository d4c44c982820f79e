"""On PostgreSQL, with real row locks and constraints: concurrent API reports with the same
caller report id make one claim and all get it back; concurrent different reports take
distinct, consecutive numbers; fifty concurrent attempts to pay the same approved amount make
one payment, whether they share the payment request's key or not."""

from __future__ import annotations

import threading
from decimal import Decimal as D

import pytest
from django.db import connections

from coverdesk.audit.models import AuditEntry
from coverdesk.claims.models import Claim, ClaimNumberCounter, Incident, Payment
from coverdesk.claims.services.reports import claim_report
from coverdesk.claims.services.settlement import payment_make
from coverdesk.claims.tests.claim_factories import LOSS_DAY, REPORT_AT, make_world
from coverdesk.claims.tests.test_settlement import settled_claim
from coverdesk.claims.transitions import TransitionNotAllowed

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]

THREADS = 16
PAYERS = 50


def _run_together(work, threads_count=THREADS):
    barrier = threading.Barrier(threads_count)
    errors: list[BaseException] = []
    results: dict[int, object] = {}

    def run(n):
        try:
            barrier.wait(timeout=30)
            results[n] = work(n)
        except BaseException as exc:  # reported by the test thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results, errors


def _api_report(world, report_id):
    return claim_report(
        policy_id=world.policy.pk,
        channel="api",
        source="command-centre",
        caller_report_id=report_id,
        loss_at=LOSS_DAY,
        loss_place="白云机场",
        description="硬着陆",
        reporter_name="调度员",
        reporter_phone="020-12345678",
        aircraft_ids=[world.fleet[0].pk],
        acting_user=world.portal,
        now=REPORT_AT,
    )


@pytest.fixture
def world():
    return make_world(coverage_codes=("aviation_comprehensive",))


def test_concurrent_reports_with_one_caller_id_make_one_claim(world):
    results, errors = _run_together(lambda n: _api_report(world, "CC-0001"))

    assert errors == []
    claims = list(Claim.objects.all())
    assert len(claims) == 1
    assert {result.claim.pk for result in results.values()} == {claims[0].pk}
    assert sum(1 for result in results.values() if result.created) == 1
    # the losers' numbers went back with their rollback: no gap
    assert claims[0].number == "CL2026000001"
    assert ClaimNumberCounter.objects.get(sequence__code="claim").last_number == 1
    assert Incident.objects.count() == 1


def test_concurrent_different_reports_take_consecutive_numbers(world):
    results, errors = _run_together(lambda n: _api_report(world, f"CC-{n:04d}"))

    assert errors == []
    numbers = sorted(Claim.objects.values_list("number", flat=True))
    assert numbers == [f"CL2026{n:06d}" for n in range(1, THREADS + 1)]
    assert all(result.created for result in results.values())


def _pay(world, claim, key):
    return payment_make(
        claim_id=claim.pk,
        idempotency_key=key,
        amount="700000.00",
        kind="final",
        payee_name="市公安局警务航空队",
        acting_user=world.team.manager,
    )


@pytest.fixture
def settled(world):
    claim, _settlement = settled_claim(world)
    return claim


def test_fifty_concurrent_payments_under_one_key_pay_once(world, settled):
    results, errors = _run_together(lambda n: _pay(world, settled, "PAY-REQ-1"), PAYERS)

    assert errors == []
    payments = list(Payment.objects.filter(claim=settled))
    assert len(payments) == 1
    assert payments[0].amount == D("700000.00")
    assert {payment.pk for payment in results.values()} == {payments[0].pk}
    assert AuditEntry.objects.filter(action="claim.pay").count() == 1
    assert Claim.objects.get(pk=settled.pk).status == "paid"


def test_fifty_concurrent_payments_under_different_keys_pay_once(world, settled):
    results, errors = _run_together(lambda n: _pay(world, settled, f"PAY-REQ-{n}"), PAYERS)

    payments = list(Payment.objects.filter(claim=settled))
    assert len(payments) == 1
    assert len(results) == 1
    assert len(errors) == PAYERS - 1
    assert all(isinstance(error, TransitionNotAllowed) for error in errors)
    assert sum(p.amount for p in payments) == D("700000.00")
