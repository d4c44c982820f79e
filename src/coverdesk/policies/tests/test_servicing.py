"""Servicing (保全): intake with identity verification, documents with a one-time notice and the
clock waiting, stored fee calculations, renewed confirmation after a recalculation, approval
within the authority, failures that leave nothing half-applied, cancellation with refund."""

from datetime import date
from decimal import Decimal as D

import pytest

from coverdesk.audit.models import AuditEntry
from coverdesk.core.exceptions import ValidationFailed
from coverdesk.notifications.models import Message
from coverdesk.policies.calculations import calculation_rerun
from coverdesk.policies.exceptions import (
    AuthorityExceeded,
    ConfirmationMissing,
    FeeChanged,
    PolicyPermissionDenied,
    ServicingNotFound,
)
from coverdesk.policies.models import (
    Endorsement,
    Policy,
    PolicyVersion,
    ServicingCalculation,
    ServicingDocument,
    ServicingRequest,
    ServicingStatusChange,
)
from coverdesk.policies.selectors.policies import policy_version_in_force, version_items
from coverdesk.policies.selectors.servicing import servicing_preview
from coverdesk.policies.services import policies as policy_services
from coverdesk.policies.services.servicing import (
    servicing_customer_confirm,
    servicing_documents_review,
    servicing_fee_calculate,
    servicing_request_approve,
    servicing_request_archive,
    servicing_request_receive,
    servicing_request_reject,
    servicing_request_withdraw,
)
from coverdesk.policies.tests.policy_factories import (
    AVIATION,
    GROUP,
    at,
    issue_policy,
    make_customer,
    make_fleet,
    make_person,
    make_portal_user,
    make_team,
)
from coverdesk.policies.transitions import TransitionNotAllowed
from coverdesk.sla.models import SlaClock

pytestmark = pytest.mark.django_db

MONDAY = at(2026, 8, 24, 9)  # Monday 2026-08-24 09:00
ALL_ADD_PERSON_DOCUMENTS = ["servicing_application", "applicant_identity", "persons_added"]


@pytest.fixture
def team():
    return make_team()


@pytest.fixture
def customer():
    return make_customer()


@pytest.fixture
def portal(customer):
    return make_portal_user(customer)


@pytest.fixture
def group(team, customer):
    pilots = [make_person(customer, f"机长{n}", "pilot", n) for n in (1, 2)]
    return issue_policy(team, customer, coverage_codes=[GROUP], persons=pilots)


@pytest.fixture
def newcomer(customer):
    return make_person(customer, "新机务", "ground_crew", 9)


def receive(team, policy, person, *, received=ALL_ADD_PERSON_DOCUMENTS, now=MONDAY, **kwargs):
    arguments = {
        "policy_id": policy.pk,
        "kind": "add_persons",
        "channel": "counter",
        "requester_name": "郑海",
        "identity_method": "authorisation",
        "identity_reference": "44010219800101999X",
        "effective_on": date(2026, 9, 1),
        "changes": [{"op": "add_person", "person_id": person.pk}],
        "received_documents": received,
        "acting_user": team.clerk,
        "now": now,
        **kwargs,
    }
    return servicing_request_receive(**arguments)


def clock_of(request):
    return SlaClock.objects.get(pk=request.clock_id)


def history(request):
    return list(
        ServicingStatusChange.objects.filter(request=request)
        .order_by("id")
        .values_list("action", "to_status")
    )


def test_a_request_goes_from_intake_to_a_new_version_with_the_clock_waiting_for_documents(
    team, group, newcomer, portal
):
    # given a request with only the application form handed in
    request = receive(team, group, newcomer, received=["servicing_application"])

    # then the customer is told of both missing documents at once and the clock waits
    assert request.status == "waiting_for_documents"
    assert request.identity_reference == "4401**********999X"
    notices = Message.objects.filter(template="policies_documents_missing", channel="in_app")
    assert sorted(notices.values_list("recipient_id", flat=True)) == [team.clerk.pk, portal.pk]
    body = notices.get(recipient=portal).body
    assert "申请人身份证明或授权书" in body and "新增被保险人员清单及身份证明" in body
    assert "保全申请书" not in body
    clock = clock_of(request)
    assert (clock.standard_version.standard.code, clock.state) == (
        "servicing.request.process",
        "paused",
    )

    # when the rest comes in the next morning
    request = servicing_documents_review(
        request_id=request.pk,
        received=["applicant_identity", "persons_added"],
        acting_user=team.clerk,
        now=at(2026, 8, 25, 9),
    )
    assert request.status == "in_review"
    assert clock_of(request).state == "running"

    # and the fee is calculated: 1,200 a head × 112 / 365 days from 09-01 = 368.22
    request = servicing_fee_calculate(
        request_id=request.pk, acting_user=team.clerk, now=at(2026, 8, 25, 10)
    )
    assert (request.status, request.amount, request.calculation_number) == (
        "calculated",
        D("368.22"),
        1,
    )
    stored = ServicingCalculation.objects.get(request=request)
    assert stored.amount == D("368.22")
    assert calculation_rerun(stored.calculation["own"]).result == D("368.22")

    # and approved by the clerk within the servicing authority
    request = servicing_request_approve(
        request_id=request.pk, acting_user=team.clerk, now=at(2026, 8, 25, 11)
    )

    # then the policy has a new version from 09-01 with the person, the customer is told
    assert request.status == "completed"
    version = policy_version_in_force(policy=group, on=date(2026, 9, 1))
    assert f"person:{newcomer.pk}" in {i.key for i in version_items(version)}
    assert policy_version_in_force(policy=group, on=date(2026, 8, 31)).number == 1
    group.refresh_from_db()
    assert (group.term_premium, group.premium_written) == (D("19200.00"), D("18368.22"))
    assert Endorsement.objects.get().servicing_request_id == request.pk
    completed = Message.objects.filter(template="policies_servicing_completed", channel="in_app")
    assert list(completed.values_list("recipient_id", flat=True)) == [portal.pk]
    assert clock_of(request).state == "met"

    # and archived after the customer's confirmation, the broker told
    request = servicing_request_archive(
        request_id=request.pk,
        outcome_note="客户已确认批单",
        acting_user=team.clerk,
        now=at(2026, 8, 26, 9),
    )
    assert request.status == "archived"
    assert Message.objects.filter(
        template="policies_servicing_feedback", recipient=team.broker
    ).exists()
    assert history(request) == [
        ("receive", "received"),
        ("documents_missing", "waiting_for_documents"),
        ("documents_complete", "in_review"),
        ("calculate", "calculated"),
        ("approve", "completed"),
        ("archive", "archived"),
    ]
    assert list(
        AuditEntry.objects.filter(action__startswith="servicing.")
        .order_by("sequence")
        .values_list("action", flat=True)
    ) == [
        "servicing.receive",
        "servicing.documents",
        "servicing.calculate",
        "servicing.approve",
        "servicing.archive",
    ]


def test_a_refused_document_goes_back_to_the_customer_with_the_reason(team, group, newcomer):
    request = receive(team, group, newcomer)
    assert request.status == "in_review"

    request = servicing_documents_review(
        request_id=request.pk,
        rejected={"persons_added": "身份证复印件不清晰"},
        acting_user=team.clerk,
        now=at(2026, 8, 24, 11),
    )

    assert request.status == "waiting_for_documents"
    assert clock_of(request).state == "paused"
    body = (
        Message.objects.filter(template="policies_documents_missing", recipient=team.clerk)
        .last()
        .body
    )
    assert "身份证复印件不清晰" in body
    assert ServicingDocument.objects.get(request=request, code="persons_added").status == (
        "rejected"
    )


def test_a_recalculation_needs_the_customers_renewed_confirmation(team, group, newcomer, portal):
    request = receive(team, group, newcomer)
    request = servicing_fee_calculate(
        request_id=request.pk,
        confirm_with_customer=True,
        acting_user=team.clerk,
        now=at(2026, 8, 24, 10),
    )
    assert (request.status, clock_of(request).state) == ("awaiting_confirmation", "paused")
    asked = Message.objects.filter(template="policies_fee_confirmation", channel="in_app")
    assert "368.22" in asked.get().body
    request = servicing_customer_confirm(
        request_id=request.pk, calculation_number=1, acting_user=portal, now=at(2026, 8, 24, 11)
    )
    assert (request.status, request.confirmation_note, clock_of(request).state) == (
        "confirmed",
        "portal",
        "running",
    )

    # a recalculation names its reason
    with pytest.raises(ValidationFailed) as raised:
        servicing_fee_calculate(
            request_id=request.pk, acting_user=team.clerk, now=at(2026, 8, 24, 12)
        )
    assert [(f.field, f.rule) for f in raised.value.fields] == [("reason", "required")]

    # when the fee is calculated again
    request = servicing_fee_calculate(
        request_id=request.pk,
        reason="生效日期核对后重新计算",
        acting_user=team.clerk,
        now=at(2026, 8, 24, 13),
    )

    # then the earlier confirmation no longer counts: approving waits for a new one
    assert (request.status, request.calculation_number, request.confirmed_calculation) == (
        "awaiting_confirmation",
        2,
        None,
    )
    assert clock_of(request).state == "paused"
    assert asked.count() == 2
    with pytest.raises(TransitionNotAllowed):
        servicing_request_approve(
            request_id=request.pk, acting_user=team.clerk, now=at(2026, 8, 24, 14)
        )
    with pytest.raises(ConfirmationMissing):
        servicing_customer_confirm(
            request_id=request.pk, calculation_number=1, acting_user=portal, now=at(2026, 8, 24, 14)
        )
    assert Endorsement.objects.count() == 0

    # and a clerk records how the customer confirmed the new one
    with pytest.raises(ValidationFailed):
        servicing_customer_confirm(
            request_id=request.pk,
            calculation_number=2,
            acting_user=team.clerk,
            now=at(2026, 8, 24, 15),
        )
    request = servicing_customer_confirm(
        request_id=request.pk,
        calculation_number=2,
        note="电话确认，郑海",
        acting_user=team.clerk,
        now=at(2026, 8, 24, 15),
    )
    request = servicing_request_approve(
        request_id=request.pk, acting_user=team.clerk, now=at(2026, 8, 24, 16)
    )
    assert request.status == "completed"
    assert list(
        ServicingCalculation.objects.filter(request=request).values_list("number", "reason")
    ) == [
        (1, ""),
        (2, "生效日期核对后重新计算"),
    ]


def test_a_failure_while_applying_leaves_nothing_half_applied_and_is_reported(
    team, group, newcomer, monkeypatch
):
    request = receive(team, group, newcomer)
    request = servicing_fee_calculate(request_id=request.pk, acting_user=team.clerk, now=MONDAY)
    versions_before = list(PolicyVersion.objects.values_list("pk", "effective_to", "replaced_at"))

    def broken(version, items):
        raise RuntimeError("disk full")

    # given the system fails after the endorsement and versions were written
    monkeypatch.setattr(policy_services, "_objects_index", broken)

    with pytest.raises(RuntimeError, match="disk full"):
        servicing_request_approve(
            request_id=request.pk, acting_user=team.clerk, now=at(2026, 8, 24, 10)
        )

    # then nothing of it stays, the failure is recorded and the department head told
    assert Endorsement.objects.count() == 0
    assert list(PolicyVersion.objects.values_list("pk", "effective_to", "replaced_at")) == (
        versions_before
    )
    group.refresh_from_db()
    assert group.premium_written == D("18000.00")
    request.refresh_from_db()
    assert (request.status, request.failures) == ("calculated", 1)
    assert history(request)[-1] == ("fail", "calculated")
    failure = AuditEntry.objects.filter(action="servicing.approve").get()
    assert (failure.result, failure.after["error"]) == ("failure", "RuntimeError")
    assert Message.objects.filter(
        template="policies_servicing_failed", recipient=team.head
    ).exists()
    assert clock_of(request).state == "running"

    # and once the fault is gone it applies
    monkeypatch.undo()
    request = servicing_request_approve(
        request_id=request.pk, acting_user=team.clerk, now=at(2026, 8, 24, 11)
    )
    assert request.status == "completed"


def test_a_fee_that_changed_meanwhile_is_refused_and_recalculated(team, customer, portal):
    # one pilot: 9,000 raised to the 10,000 minimum premium
    policy = issue_policy(
        team, customer, coverage_codes=[GROUP], persons=[make_person(customer, "机长", "pilot", 1)]
    )
    ground = make_person(customer, "机务", "ground_crew", 2)
    aircrew = make_person(customer, "空乘", "aircrew", 3)
    first = receive(team, policy, ground)
    first = servicing_fee_calculate(request_id=first.pk, acting_user=team.clerk, now=MONDAY)
    assert first.amount == D("61.37")  # 10,000 → 10,200: 200 × 112 / 365
    # meanwhile another request adds aircrew from 03-01 (10,000 → 15,000)
    second = receive(
        team,
        policy,
        aircrew,
        effective_on=date(2026, 3, 1),
        changes=[{"op": "add_person", "person_id": aircrew.pk}],
    )
    second = servicing_fee_calculate(request_id=second.pk, acting_user=team.clerk, now=MONDAY)
    servicing_request_approve(request_id=second.pk, acting_user=team.clerk, now=at(2026, 8, 24, 10))

    # when the first is approved on its old amount
    with pytest.raises(FeeChanged):
        servicing_request_approve(
            request_id=first.pk, acting_user=team.clerk, now=at(2026, 8, 24, 11)
        )

    # then it is refused and recorded; recalculated (15,000 → 16,200: 368.22) and confirmed again
    first.refresh_from_db()
    assert (first.status, first.failures) == ("calculated", 1)
    first = servicing_fee_calculate(
        request_id=first.pk,
        reason="保单已有其他批改，保费重算",
        acting_user=team.clerk,
        now=at(2026, 8, 24, 12),
    )
    assert (first.status, first.amount) == ("awaiting_confirmation", D("368.22"))
    servicing_customer_confirm(
        request_id=first.pk, calculation_number=2, acting_user=portal, now=at(2026, 8, 24, 13)
    )
    first = servicing_request_approve(
        request_id=first.pk, acting_user=team.clerk, now=at(2026, 8, 24, 14)
    )
    assert first.status == "completed"


def test_cancellation_with_refund_above_the_clerks_authority_goes_to_the_manager(team, customer):
    aviation = issue_policy(
        team, customer, coverage_codes=[AVIATION], aircraft=make_fleet(customer)
    )
    request = servicing_request_receive(
        policy_id=aviation.pk,
        kind="cancellation",
        channel="email",
        requester_name="郑海",
        identity_method="callback",
        effective_on=date(2026, 6, 22),
        received_documents=[
            "servicing_application",
            "applicant_identity",
            "original_policy",
            "refund_account",
        ],
        acting_user=team.clerk,
        now=at(2026, 6, 15, 9),
    )
    request = servicing_fee_calculate(
        request_id=request.pk, acting_user=team.clerk, now=at(2026, 6, 15, 10)
    )
    # pro rata: 2,666,000 × 183 / 365
    assert request.amount == D("-1336652.05")
    assert [line["code"] for line in request.calculation["lines"]][-2:] == ["fee", "refund"]

    with pytest.raises(AuthorityExceeded):
        servicing_request_approve(
            request_id=request.pk, acting_user=team.clerk, now=at(2026, 6, 15, 11)
        )
    assert Policy.objects.get(pk=aviation.pk).status == "active"
    assert ServicingRequest.objects.get(pk=request.pk).failures == 0

    request = servicing_request_approve(
        request_id=request.pk, acting_user=team.manager, now=at(2026, 6, 15, 11)
    )
    aviation.refresh_from_db()
    assert (request.status, aviation.status, aviation.cancelled_on) == (
        "completed",
        "cancelled",
        date(2026, 6, 22),
    )
    assert Endorsement.objects.get().premium_change == D("-1336652.05")


def test_a_request_handled_after_its_deadline_breaches_its_clock(team, group, newcomer):
    # received complete on Monday 09:00: three working days, due Thursday 17:30
    request = receive(team, group, newcomer)
    request = servicing_fee_calculate(request_id=request.pk, acting_user=team.clerk, now=MONDAY)

    request = servicing_request_approve(
        request_id=request.pk, acting_user=team.clerk, now=at(2026, 8, 28, 9)
    )

    clock = clock_of(request)
    assert (clock.state, clock.met) == ("breached", False)
    assert clock.due_at == at(2026, 8, 27, 17, 30)


def test_reject_stops_and_withdraw_cancels_the_clock(team, group, newcomer):
    rejected = receive(team, group, newcomer)
    withdrawn = receive(team, group, newcomer)

    servicing_request_reject(
        request_id=rejected.pk, reason="材料不真实", acting_user=team.clerk, now=at(2026, 8, 24, 10)
    )
    servicing_request_withdraw(
        request_id=withdrawn.pk, reason="客户撤回", acting_user=team.clerk, now=at(2026, 8, 24, 10)
    )

    assert clock_of(ServicingRequest.objects.get(pk=rejected.pk)).state == "met"
    assert clock_of(ServicingRequest.objects.get(pk=withdrawn.pk)).state == "cancelled"
    with pytest.raises(TransitionNotAllowed):
        servicing_fee_calculate(
            request_id=rejected.pk, acting_user=team.clerk, now=at(2026, 8, 24, 11)
        )


@pytest.mark.parametrize(
    ("override", "field", "rule"),
    [
        ({"identity_method": ""}, "identity_method", "required"),
        ({"identity_reference": ""}, "identity_reference", "required"),
        ({"requester_name": " "}, "requester_name", "required"),
        ({"kind": "upgrade"}, "kind", "choice"),
        ({"effective_on": date(2026, 12, 22)}, "effective_on", "outside_period"),
        ({"changes": []}, "changes", "required"),
        ({"changes": [{"op": "add_aircraft", "aircraft_id": 1}]}, "changes", "op"),
        ({"changes": [{"op": "add_person", "person_id": 999999}]}, "changes", "unknown_person"),
        (
            {
                "kind": "change_sum",
                "changes": [{"op": "set_agreed_value", "aircraft_id": 1, "agreed_value": "-5"}],
            },
            "changes",
            "min_value",
        ),
        (
            {"kind": "cancellation", "changes": [{"op": "add_person", "person_id": 1}]},
            "changes",
            "not_allowed",
        ),
        ({"received_documents": ["passport"]}, "received", "unknown_document"),
    ],
)
def test_bad_input_at_intake_names_the_field_and_changes_nothing(
    team, group, newcomer, override, field, rule
):
    with pytest.raises(ValidationFailed) as raised:
        receive(team, group, newcomer, **override)

    assert [(f.field, f.rule) for f in raised.value.fields] == [(field, rule)]
    assert ServicingRequest.objects.count() == 0
    assert SlaClock.objects.filter(subject_type="policies.servicingrequest").count() == 0


def test_a_person_of_another_customer_cannot_be_added(team, group):
    stranger = make_person(
        make_customer(name="他人", credit_code="91110000100000000R"), "外人", "pilot", 7
    )

    with pytest.raises(ValidationFailed) as raised:
        receive(team, group, stranger)

    assert [(f.field, f.rule) for f in raised.value.fields] == [("changes", "unknown_person")]


def test_only_servicing_staff_receive_requests(team, group, newcomer):
    with pytest.raises(PolicyPermissionDenied):
        receive(team, group, newcomer, acting_user=team.broker)

    assert ServicingRequest.objects.count() == 0


def test_another_customers_user_cannot_confirm(team, group, newcomer):
    request = receive(team, group, newcomer)
    request = servicing_fee_calculate(
        request_id=request.pk, confirm_with_customer=True, acting_user=team.clerk, now=MONDAY
    )
    outsider = make_portal_user(make_customer(name="他人", credit_code="91110000100000000R"))

    with pytest.raises(ServicingNotFound):
        servicing_customer_confirm(
            request_id=request.pk, calculation_number=1, acting_user=outsider, now=MONDAY
        )

    assert ServicingRequest.objects.get(pk=request.pk).status == "awaiting_confirmation"


def test_a_cancelled_policy_takes_no_servicing_request(team, group, newcomer):
    Policy.objects.filter(pk=group.pk).update(status="cancelled", cancelled_on=date(2026, 6, 1))

    with pytest.raises(TransitionNotAllowed):
        receive(team, group, newcomer)
    assert ServicingRequest.objects.count() == 0


def test_a_preview_computes_the_fee_and_the_refund_and_writes_nothing(team, group, newcomer):
    entries = AuditEntry.objects.count()

    added = servicing_preview(
        policy=group,
        kind="add_persons",
        effective_on=date(2026, 9, 1),
        changes=[{"op": "add_person", "person_id": newcomer.pk}],
    )
    cancelled = servicing_preview(
        policy=group, kind="cancellation", effective_on=date(2026, 9, 1), changes=[]
    )

    assert (added.amount, added.out_of_sequence) == (D("368.22"), False)
    assert cancelled.amount == D("-5523.29")  # 18,000 × 112 / 365 = 5,523.2876…
    assert AuditEntry.objects.count() == entries
    assert (Endorsement.objects.count(), PolicyVersion.objects.filter(policy=group).count()) == (
        0,
        1,
    )
