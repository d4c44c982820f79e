"""Work lists by nearest deadline in one query; the return-visit planner."""

from datetime import date, timedelta

import pytest

from coverdesk.servicedesk.access.inquiries import inquiries_for_user
from coverdesk.servicedesk.selectors.queues import inquiry_queue, visit_planner
from coverdesk.servicedesk.services.inquiries import (
    inquiry_log_call,
    inquiry_receive_online,
)
from coverdesk.servicedesk.services.return_visits import return_visit_schedule
from coverdesk.servicedesk.tests.factories import (
    MONDAY,
    at,
    make_customer,
    make_desk,
    make_portal_user,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk():
    return make_desk()


def test_the_inquiry_queue_puts_the_nearest_deadline_first_in_one_query(
    desk, django_assert_max_num_queries
):
    customer = make_customer()
    portal = make_portal_user(customer)
    simple = inquiry_log_call(
        acting_user=desk.agent, subject="一般", question="q", classification="simple", now=MONDAY
    )  # due Tuesday 17:30
    complex_ = inquiry_log_call(
        acting_user=desk.agent, subject="复杂", question="q", classification="complex", now=MONDAY
    )  # due Thursday 17:30
    online = inquiry_receive_online(
        acting_user=portal, subject="在线", body="q", now=MONDAY + timedelta(minutes=5)
    )  # due 09:35
    for n in range(5):
        inquiry_receive_online(
            acting_user=portal, subject=f"在线{n}", body="q", now=MONDAY + timedelta(hours=n + 1)
        )
    done = inquiry_log_call(
        acting_user=desk.agent,
        subject="已解决",
        question="q",
        classification="simple",
        answer="a",
        resolved=True,
        now=MONDAY,
    )
    with django_assert_max_num_queries(2):
        rows = list(inquiry_queue(inquiries_for_user(user=desk.agent)))
        labels = [(row.subject, row.customer and row.customer.name, row.assignee) for row in rows]
    assert [row.pk for row in rows][:1] == [online.pk]
    assert [row.pk for row in rows][-2:] == [simple.pk, complex_.pk]
    assert done.pk not in {row.pk for row in rows}
    assert rows[0].next_due_at == MONDAY + timedelta(minutes=35)
    assert rows[-1].next_due_at == at(2026, 8, 27, 17, 30)
    assert len(labels) == 8


def test_the_visit_planner_lists_the_window_and_what_is_still_due(desk):
    customer = make_customer()
    old = return_visit_schedule(
        customer_id=customer.pk,
        planned_on=date(2026, 8, 3),
        script="s",
        acting_user=desk.agent,
        now=at(2026, 8, 3),
    )
    soon = return_visit_schedule(
        customer_id=customer.pk,
        planned_on=date(2026, 9, 15),
        script="s",
        acting_user=desk.agent,
        now=MONDAY,
    )
    later = return_visit_schedule(
        customer_id=customer.pk,
        planned_on=date(2026, 12, 1),
        script="s",
        acting_user=desk.agent,
        now=MONDAY,
    )
    rows = list(visit_planner(first=date(2026, 8, 24), last=date(2026, 9, 30)))
    assert [row.pk for row in rows] == [old.pk, soon.pk]
    assert rows[0].next_due_at == at(2026, 8, 10, 17, 30)
    assert rows[1].next_due_at is None
    assert later.pk not in [row.pk for row in rows]


def test_the_complaint_queue_and_the_call_backs_to_make(desk, django_assert_max_num_queries):
    from coverdesk.servicedesk.access.complaints import complaints_for_user
    from coverdesk.servicedesk.selectors.queues import callbacks_open, complaint_queue
    from coverdesk.servicedesk.services.callbacks import callback_record, missed_call_record
    from coverdesk.servicedesk.services.complaints import complaint_receive, complaint_resolve

    customer = make_customer()

    def complaint(when):
        return complaint_receive(
            acting_user=desk.agent,
            channel="phone",
            complainant_name="张三",
            subject="s",
            description="d",
            customer_id=customer.pk,
            now=when,
        )

    later, earlier, done = complaint(at(2026, 8, 25, 9)), complaint(MONDAY), complaint(MONDAY)
    complaint_resolve(complaint_id=done.pk, resolution="r", acting_user=desk.agent, now=MONDAY)
    with django_assert_max_num_queries(1):
        rows = [
            (c.pk, c.next_due_at, c.customer.name)
            for c in complaint_queue(complaints_for_user(user=desk.agent))
        ]
    # First contact within 1 WD is each one's nearest deadline.
    assert rows == [
        (earlier.pk, at(2026, 8, 25, 17, 30), customer.name),
        (later.pk, at(2026, 8, 26, 17, 30), customer.name),
    ]

    first = missed_call_record(caller_phone="13800000001", acting_user=desk.agent, now=MONDAY)
    second = missed_call_record(
        caller_phone="13800000002", acting_user=desk.agent, now=MONDAY + timedelta(minutes=1)
    )
    reached = missed_call_record(caller_phone="13800000003", acting_user=desk.agent, now=MONDAY)
    callback_record(task_id=reached.pk, reached=True, acting_user=desk.agent, now=MONDAY)
    callback_record(
        task_id=first.pk, reached=False, note="无人接听", acting_user=desk.agent, now=MONDAY
    )
    assert [(t.pk, t.status, t.next_due_at) for t in callbacks_open()] == [
        (first.pk, "not_reached", None),
        (second.pk, "open", MONDAY + timedelta(minutes=11)),
    ]
