"""Complaints: three clocks (first contact 1 WD, resolution 5/10 WD with daily updates, the
regulatory 15-day decision with a recorded extension), cause and responsibility, resolution,
the customer's acceptance, reopening — and refusals that change nothing."""

from datetime import timedelta

import pytest

from coverdesk.core.exceptions import ValidationFailed
from coverdesk.notifications.models import Message
from coverdesk.servicedesk.exceptions import (
    ComplaintNotFound,
    ExtensionNotAllowed,
    ServicedeskPermissionDenied,
)
from coverdesk.servicedesk.models import Complaint, ComplaintContact, ComplaintStatusChange
from coverdesk.servicedesk.services.complaints import (
    complaint_accept,
    complaint_assign,
    complaint_classify,
    complaint_contact,
    complaint_determine_responsibility,
    complaint_extend,
    complaint_receive,
    complaint_reopen,
    complaint_resolve,
    complaint_update,
)
from coverdesk.servicedesk.tests.factories import (
    MONDAY,
    at,
    make_customer,
    make_desk,
    make_other_customer,
    make_portal_user,
)
from coverdesk.servicedesk.tests.helpers import audit_actions, clocks_of, counts
from coverdesk.servicedesk.transitions import TransitionNotAllowed
from coverdesk.sla.models import SlaClock
from coverdesk.sla.services.followups import NotYourReport

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk():
    return make_desk()


@pytest.fixture
def customer():
    return make_customer()


@pytest.fixture
def portal(customer):
    return make_portal_user(customer)


def receive(desk, customer, **kwargs):
    arguments = {
        "acting_user": desk.agent,
        "channel": "phone",
        "complainant_name": "郑海",
        "subject": "理赔拖延",
        "description": "报案已两周，仍未收到定损结论。",
        "customer_id": customer.pk,
        "complainant_phone": "13912345678",
        "now": MONDAY,
    }
    return complaint_receive(**{**arguments, **kwargs})


def test_a_complaint_starts_its_three_clocks(desk, customer, portal):
    complaint = receive(desk, customer)
    assert (complaint.status, complaint.classification, complaint.assignee) == (
        "received",
        "simple",
        desk.agent,
    )
    clocks = clocks_of(complaint)
    assert set(clocks) == {
        "service.complaint.first_contact",
        "service.complaint.resolve.simple",
        "regulation.complaint.decision",
    }
    assert clocks["service.complaint.first_contact"].due_at == at(2026, 8, 25, 17, 30)
    assert clocks["service.complaint.resolve.simple"].due_at == at(2026, 8, 31, 17, 30)
    # 15 natural days: the start day is not counted; the period ends at 24:00 of 8 September.
    assert clocks["regulation.complaint.decision"].due_at == at(2026, 9, 9, 0, 0)
    resolve = clocks["service.complaint.resolve.simple"]
    update = SlaClock.objects.get(parent=resolve)
    assert (update.kind, update.assignee, update.due_at) == (
        "customer_update",
        desk.agent,
        at(2026, 8, 25, 17, 30),
    )
    assert (
        Message.objects.filter(template="servicedesk_complaint_received", recipient=portal).count()
        == 2
    )
    assert audit_actions() == ["servicedesk.complaint.receive"]


def test_a_complex_complaint_has_ten_working_days(desk, customer):
    complaint = receive(desk, customer, classification="complex")
    assert clocks_of(complaint)["service.complaint.resolve.complex"].due_at == at(
        2026, 9, 7, 17, 30
    )


def test_the_whole_path_contact_update_cause_responsibility_resolve_accept(desk, customer, portal):
    complaint = receive(desk, customer)
    complaint_contact(
        complaint_id=complaint.pk,
        note="已致电郑先生，说明定损进度。",
        acting_user=desk.agent,
        now=MONDAY + timedelta(hours=2),
    )
    complaint_update(
        complaint_id=complaint.pk,
        note="查勘报告已提交核赔。",
        acting_user=desk.agent,
        now=at(2026, 8, 25, 10),
    )
    complaint_classify(
        complaint_id=complaint.pk,
        cause="timeliness",
        cause_note="定损超过承诺时限",
        acting_user=desk.agent,
        now=at(2026, 8, 25, 11),
    )
    complaint_determine_responsibility(
        complaint_id=complaint.pk,
        department_id=desk.claims_agent.department_id,
        person_id=desk.claims_agent.pk,
        error="delay",
        note="查勘报告晚提交三个工作日。",
        acting_user=desk.head,
        now=at(2026, 8, 26, 9),
    )
    complaint_resolve(
        complaint_id=complaint.pk,
        resolution="已加急核赔，赔款于8月28日支付。",
        acting_user=desk.agent,
        now=at(2026, 8, 27, 15),
    )
    complaint_accept(
        complaint_id=complaint.pk, accepted=True, acting_user=portal, now=at(2026, 8, 28, 9)
    )
    complaint.refresh_from_db()
    assert complaint.status == "closed"
    assert (complaint.cause, complaint.cause_note) == ("timeliness", "定损超过承诺时限")
    assert (
        complaint.responsible_department,
        complaint.responsible_person,
        complaint.responsibility_error,
    ) == (desk.claims_agent.department, desk.claims_agent, "delay")
    assert complaint.customer_accepted is True
    clocks = clocks_of(complaint)
    assert {code: (c.state, c.met) for code, c in clocks.items()} == {
        "service.complaint.first_contact": ("met", True),
        "service.complaint.resolve.simple": ("met", True),
        "regulation.complaint.decision": ("met", True),
    }
    updates = SlaClock.objects.filter(parent=clocks["service.complaint.resolve.simple"]).order_by(
        "id"
    )
    # Monday's update given Tuesday 10:00 (met), Tuesday's missed by Wednesday 17:30 was
    # still open at the resolution and ended with it.
    assert [(u.state, u.met) for u in updates] == [("met", True), ("cancelled", None)]
    assert list(ComplaintContact.objects.values_list("kind", flat=True)) == [
        "contact",
        "update",
        "resolution",
        "acceptance",
    ]
    assert list(ComplaintStatusChange.objects.values_list("action", flat=True)) == [
        "receive",
        "contact",
        "update",
        "classify",
        "determine",
        "resolve",
        "accept",
    ]
    assert (
        Message.objects.filter(
            template="servicedesk_complaint_update", recipient=portal, channel="in_app"
        ).count()
        == 1
    )


def test_the_extension_is_recorded_once_with_its_reason_and_told_to_the_customer(
    desk, customer, portal
):
    complaint = receive(desk, customer, classification="complex")
    complaint_extend(
        complaint_id=complaint.pk,
        reason="需等待发动机制造商的检测报告。",
        acting_user=desk.agent,
        now=at(2026, 9, 4, 10),
    )
    complaint.refresh_from_db()
    assert (complaint.extended_at, complaint.extension_reason) == (
        at(2026, 9, 4, 10),
        "需等待发动机制造商的检测报告。",
    )
    decision_clocks = SlaClock.objects.filter(
        subject_type="servicedesk.complaint", subject_id=str(complaint.pk)
    ).filter(standard_version__standard__code__startswith="regulation.")
    assert [
        (c.standard_version.standard.code, c.state) for c in decision_clocks.order_by("id")
    ] == [
        ("regulation.complaint.decision", "cancelled"),
        ("regulation.complaint.decision.extension", "running"),
    ]
    extension = SlaClock.objects.get(pk=complaint.decision_clock_id)
    # 15 natural days from 4 September: the 15th day, 19 September, is a Saturday, so the
    # period runs to 24:00 of the next working day, Sunday 20 September (worked in lieu in
    # 2026) — within the 30 days from receipt (24:00 on 23 September) the regulation allows.
    assert extension.due_at == at(2026, 9, 21, 0, 0)
    assert extension.due_at <= at(2026, 9, 24, 0, 0)
    message = Message.objects.get(
        template="servicedesk_complaint_extended", recipient=portal, channel="in_app"
    )
    assert "需等待发动机制造商的检测报告" in message.body
    # the customer reads it in their language (Chinese by default)
    assert "将于 2026-09-20 前告知您处理决定" in message.body
    with pytest.raises(ExtensionNotAllowed):
        complaint_extend(complaint_id=complaint.pk, reason="再延", acting_user=desk.agent)


def test_an_extension_after_the_fifteen_days_is_refused_and_changes_nothing(desk, customer):
    complaint = receive(desk, customer)
    with pytest.raises(ExtensionNotAllowed) as caught:
        complaint_extend(
            complaint_id=complaint.pk,
            reason="太晚了",
            acting_user=desk.agent,
            now=at(2026, 9, 9, 9),
        )
    assert "The 15 days ran out at 2026-09-09 00:00" in caught.value.message
    complaint.refresh_from_db()
    assert complaint.extended_at is None
    assert clocks_of(complaint)["regulation.complaint.decision"].state == "running"


def test_a_customer_who_does_not_accept_may_have_the_complaint_reopened(desk, customer, portal):
    complaint = receive(desk, customer)
    complaint_resolve(
        complaint_id=complaint.pk, resolution="按条款不予赔付。", acting_user=desk.agent, now=MONDAY
    )
    complaint.refresh_from_db()
    assert complaint.contacted_at == MONDAY  # the resolution was the contact
    complaint_accept(
        complaint_id=complaint.pk,
        accepted=False,
        note="不认可条款解释。",
        acting_user=desk.agent,
        now=MONDAY + timedelta(hours=3),
    )
    complaint.refresh_from_db()
    assert (complaint.status, complaint.customer_accepted) == ("resolved", False)
    complaint_reopen(
        complaint_id=complaint.pk,
        reason="客户提供了新的维修记录。",
        acting_user=desk.agent,
        now=at(2026, 8, 25, 9),
    )
    complaint.refresh_from_db()
    assert (complaint.status, complaint.reopen_count) == ("in_progress", 1)
    resolve_clocks = SlaClock.objects.filter(
        subject_type="servicedesk.complaint",
        subject_id=str(complaint.pk),
        standard_version__standard__code="service.complaint.resolve.simple",
    ).order_by("id")
    assert [c.state for c in resolve_clocks] == ["met", "running"]
    assert resolve_clocks.last().due_at == at(2026, 9, 1, 17, 30)
    assert (
        ComplaintStatusChange.objects.filter(action="reopen").get().note
        == "客户提供了新的维修记录。"
    )


def test_not_accepting_needs_what_the_customer_said(desk, customer):
    complaint = receive(desk, customer)
    complaint_resolve(complaint_id=complaint.pk, resolution="r", acting_user=desk.agent)
    with pytest.raises(ValidationFailed) as caught:
        complaint_accept(complaint_id=complaint.pk, accepted=False, acting_user=desk.agent)
    assert caught.value.fields[0].field == "note"
    complaint.refresh_from_db()
    assert complaint.customer_accepted is None


def test_reclassifying_restarts_the_resolution_clock_from_now(desk, customer):
    complaint = receive(desk, customer)
    complaint_classify(
        complaint_id=complaint.pk,
        classification="complex",
        acting_user=desk.agent,
        now=MONDAY + timedelta(hours=1),
    )
    clocks = clocks_of(complaint)
    assert clocks["service.complaint.resolve.simple"].state == "cancelled"
    assert clocks["service.complaint.resolve.complex"].state == "running"
    assert (
        SlaClock.objects.filter(
            parent=clocks["service.complaint.resolve.simple"], state="running"
        ).count()
        == 0
    )
    assert (
        SlaClock.objects.filter(
            parent=clocks["service.complaint.resolve.complex"], kind="customer_update"
        ).count()
        == 1
    )


def test_a_portal_complaint_waits_unassigned_and_its_handler_takes_the_clocks(
    desk, customer, portal
):
    complaint = complaint_receive(
        acting_user=portal,
        channel="online",
        complainant_name="郑海",
        subject="客服态度",
        description="电话客服态度冷淡。",
        customer_id=make_other_customer().pk,  # ignored: a customer files for themselves
        now=MONDAY,
    )
    assert (complaint.customer, complaint.assignee, complaint.department.code) == (
        customer,
        None,
        "customer_service",
    )
    complaint_assign(
        complaint_id=complaint.pk, assignee_id=desk.agent2.pk, acting_user=desk.head, now=MONDAY
    )
    for clock in SlaClock.objects.filter(
        subject_type="servicedesk.complaint", subject_id=str(complaint.pk)
    ):
        assert clock.assignee == desk.agent2
    # The progress update is the handler's (or the department head's) to give.
    with pytest.raises(NotYourReport):
        complaint_update(complaint_id=complaint.pk, note="进展", acting_user=desk.agent)
    assert ComplaintContact.objects.count() == 0
    complaint_update(complaint_id=complaint.pk, note="进展", acting_user=desk.agent2)
    assert ComplaintContact.objects.count() == 1


def test_a_customer_cannot_file_through_the_hotline_channel(portal):
    with pytest.raises(ValidationFailed) as caught:
        complaint_receive(
            acting_user=portal,
            channel="regulator",
            complainant_name="x",
            subject="s",
            description="d",
        )
    assert caught.value.fields[0].field == "channel"


@pytest.mark.parametrize(
    ("kwargs", "field", "rule"),
    [
        ({"description": ""}, "description", "required"),
        ({"complainant_name": " "}, "complainant_name", "required"),
        ({"customer_id": 424242}, "customer_id", "unknown"),
        ({"classification": "severe"}, "classification", "choice"),
        ({"channel": "fax"}, "channel", "choice"),
        ({"complainant_email": "not-an-email"}, "complainant_email", "email_format"),
    ],
)
def test_bad_complaint_input_changes_nothing(desk, customer, kwargs, field, rule):
    with pytest.raises(ValidationFailed) as caught:
        receive(desk, customer, **kwargs)
    assert (caught.value.fields[0].field, caught.value.fields[0].rule) == (field, rule)
    assert counts(Complaint, SlaClock, ComplaintStatusChange) == (0, 0, 0)
    assert not Message.objects.exists()


def test_responsibility_is_for_heads_and_names_a_person_of_that_department(desk, customer):
    complaint = receive(desk, customer)
    with pytest.raises(ServicedeskPermissionDenied):
        complaint_determine_responsibility(
            complaint_id=complaint.pk,
            department_id=desk.agent.department_id,
            error="attitude",
            note="n",
            acting_user=desk.agent,
        )
    with pytest.raises(ValidationFailed) as caught:
        complaint_determine_responsibility(
            complaint_id=complaint.pk,
            department_id=desk.claims_agent.department_id,
            person_id=desk.agent.pk,
            error="attitude",
            note="n",
            acting_user=desk.head,
        )
    assert caught.value.fields[0].rule == "department"
    complaint.refresh_from_db()
    assert complaint.responsible_department is None


def test_a_closed_complaint_is_not_resolved_again(desk, customer):
    complaint = receive(desk, customer)
    complaint_resolve(complaint_id=complaint.pk, resolution="r", acting_user=desk.agent)
    complaint_accept(complaint_id=complaint.pk, accepted=True, acting_user=desk.agent)
    with pytest.raises(TransitionNotAllowed):
        complaint_resolve(complaint_id=complaint.pk, resolution="r2", acting_user=desk.agent)


def test_another_customer_cannot_accept_and_learns_nothing(desk, customer):
    complaint = receive(desk, customer)
    complaint_resolve(complaint_id=complaint.pk, resolution="r", acting_user=desk.agent)
    stranger = make_portal_user(make_other_customer())
    with pytest.raises(ComplaintNotFound):
        complaint_accept(complaint_id=complaint.pk, accepted=True, acting_user=stranger)
    complaint.refresh_from_db()
    assert (complaint.status, complaint.customer_accepted) == ("resolved", None)
