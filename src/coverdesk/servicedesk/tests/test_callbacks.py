"""Missed calls: a call-back task due in 10 business minutes, met by the first call-back; a
call-back that reaches the caller is logged as the inquiry."""

from datetime import timedelta

import pytest

from coverdesk.core.exceptions import ValidationFailed
from coverdesk.parties.tests.factories import make_contact
from coverdesk.servicedesk.exceptions import ServicedeskPermissionDenied
from coverdesk.servicedesk.models import CallbackTask
from coverdesk.servicedesk.services.callbacks import (
    callback_cancel,
    callback_record,
    missed_call_record,
)
from coverdesk.servicedesk.services.inquiries import inquiry_log_call
from coverdesk.servicedesk.tests.factories import MONDAY, at, make_customer, make_desk
from coverdesk.servicedesk.tests.helpers import audit_actions, clocks_of
from coverdesk.servicedesk.transitions import TransitionNotAllowed
from coverdesk.sla.models import SlaClock

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk():
    return make_desk()


@pytest.fixture
def customer():
    party = make_customer()
    make_contact(party, name="郑海", phone="13912345678")
    return party


def test_a_missed_call_is_a_call_back_task_due_in_ten_minutes(desk, customer):
    task = missed_call_record(caller_phone="+86 139 1234 5678", acting_user=desk.agent, now=MONDAY)
    assert (task.status, task.caller_phone, task.customer) == ("open", "13912345678", customer)
    assert task.department.code == "customer_service"
    clock = clocks_of(task)["sales.phone_inquiry.answer"]
    assert (clock.state, clock.due_at, clock.assignee) == (
        "running",
        MONDAY + timedelta(minutes=10),
        None,
    )
    assert audit_actions() == ["servicedesk.callback.create"]


def test_a_call_missed_in_the_lunch_break_is_due_ten_minutes_into_the_afternoon(desk):
    task = missed_call_record(
        caller_phone="13800000000",
        missed_at=at(2026, 8, 24, 12, 5),
        acting_user=desk.agent,
        now=at(2026, 8, 24, 12, 6),
    )
    assert task.customer is None
    assert clocks_of(task)["sales.phone_inquiry.answer"].due_at == at(2026, 8, 24, 13, 40)


def test_a_call_back_that_misses_the_caller_still_returns_the_call_in_time(desk):
    task = missed_call_record(caller_phone="13800000000", acting_user=desk.agent, now=MONDAY)
    callback_record(
        task_id=task.pk,
        reached=False,
        note="无人接听，稍后再拨。",
        acting_user=desk.agent2,
        now=MONDAY + timedelta(minutes=8),
    )
    task.refresh_from_db()
    assert (task.status, task.attempts, task.assignee) == ("not_reached", 1, desk.agent2)
    clock = clocks_of(task)["sales.phone_inquiry.answer"]
    assert (clock.state, clock.met) == ("met", True)


def test_a_call_back_too_late_breaches(desk):
    task = missed_call_record(caller_phone="13800000000", acting_user=desk.agent, now=MONDAY)
    callback_record(
        task_id=task.pk,
        reached=False,
        note="无人接听",
        acting_user=desk.agent,
        now=MONDAY + timedelta(minutes=11),
    )
    assert clocks_of(task)["sales.phone_inquiry.answer"].state == "breached"


def test_a_call_back_that_reaches_the_caller_is_logged_as_the_inquiry(desk, customer):
    task = missed_call_record(caller_phone="13912345678", acting_user=desk.agent, now=MONDAY)
    inquiry = inquiry_log_call(
        acting_user=desk.agent,
        subject="续保",
        question="保单到期后如何续保？",
        classification="simple",
        customer_id=customer.pk,
        answer="到期前30天会发送续保通知。",
        resolved=True,
        callback_task_id=task.pk,
        now=MONDAY + timedelta(minutes=5),
    )
    task.refresh_from_db()
    assert (task.status, task.inquiry, task.attempts) == ("reached", inquiry, 1)
    assert clocks_of(task)["sales.phone_inquiry.answer"].met is True
    with pytest.raises(TransitionNotAllowed):
        callback_record(task_id=task.pk, reached=True, acting_user=desk.agent)


def test_a_not_reached_call_back_needs_a_note(desk):
    task = missed_call_record(caller_phone="13800000000", acting_user=desk.agent, now=MONDAY)
    with pytest.raises(ValidationFailed) as caught:
        callback_record(task_id=task.pk, reached=False, note="", acting_user=desk.agent)
    assert caught.value.fields[0].field == "note"
    task.refresh_from_db()
    assert (task.status, task.attempts) == ("open", 0)
    assert clocks_of(task)["sales.phone_inquiry.answer"].state == "running"


def test_a_cancelled_call_back_cancels_its_clock(desk):
    task = missed_call_record(caller_phone="13800000000", acting_user=desk.agent, now=MONDAY)
    callback_cancel(
        task_id=task.pk, reason="客户已再次来电并接通。", acting_user=desk.agent, now=MONDAY
    )
    task.refresh_from_db()
    assert task.status == "cancelled"
    assert clocks_of(task)["sales.phone_inquiry.answer"].state == "cancelled"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"caller_phone": "abc"}, "caller_phone"),
        ({"caller_phone": "13800000000", "missed_at": MONDAY + timedelta(minutes=1)}, "missed_at"),
    ],
)
def test_bad_missed_call_input_changes_nothing(desk, kwargs, field):
    with pytest.raises(ValidationFailed) as caught:
        missed_call_record(acting_user=desk.agent, now=MONDAY, **kwargs)
    assert caught.value.fields[0].field == field
    assert (CallbackTask.objects.count(), SlaClock.objects.count()) == (0, 0)


def test_only_desk_staff_record_missed_calls(desk):
    with pytest.raises(ServicedeskPermissionDenied):
        missed_call_record(caller_phone="13800000000", acting_user=desk.outsider)
    with pytest.raises(ServicedeskPermissionDenied):
        missed_call_record(caller_phone="13800000000", acting_user=None)
    assert CallbackTask.objects.count() == 0
