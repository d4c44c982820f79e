"""Return visits: programmes, the planning job (scheduled visits planned a month ahead, opened
with their clock on the day), visits after closed claims and completed servicing (sampled,
once per event), the outcome with problems becoming tracked issues."""

from datetime import date, timedelta

import pytest

from coverdesk.core.exceptions import ValidationFailed
from coverdesk.notifications.models import Message
from coverdesk.servicedesk.calculations import sampled
from coverdesk.servicedesk.exceptions import ServicedeskPermissionDenied
from coverdesk.servicedesk.models import ReturnVisit, ReturnVisitProgramme, ServiceIssue
from coverdesk.servicedesk.services.return_visits import (
    return_visit_after_event,
    return_visit_cancel,
    return_visit_programme_change,
    return_visit_programme_create,
    return_visit_record,
    return_visit_schedule,
    return_visits_plan,
)
from coverdesk.servicedesk.tests.factories import MONDAY, at, make_customer, make_desk
from coverdesk.servicedesk.tests.helpers import clocks_of, counts
from coverdesk.servicedesk.transitions import TransitionNotAllowed
from coverdesk.sla.models import SlaClock

pytestmark = pytest.mark.django_db

SCRIPT = "1. 近期服务是否满意？\n2. 理赔/保全办理是否顺利？\n3. 有何意见和建议？"


@pytest.fixture
def desk():
    return make_desk()


@pytest.fixture
def customer():
    return make_customer()


def programme(desk, customer, **kwargs):
    arguments = {
        "customer_id": customer.pk,
        "name": "警航队季度回访",
        "script": SCRIPT,
        "starts_on": date(2026, 8, 24),
        "assignee_id": desk.agent.pk,
        "acting_user": desk.agent,
        "now": MONDAY,
    }
    return return_visit_programme_create(**{**arguments, **kwargs})


def test_the_planner_plans_a_month_ahead_and_opens_todays_visit_with_its_clock(desk, customer):
    plan = programme(desk, customer, starts_on=date(2026, 8, 24))
    assert return_visits_plan(now=MONDAY) == 1  # 24 Aug (today); 24 Nov is beyond a month
    visit = ReturnVisit.objects.get()
    assert (visit.reason, visit.status, visit.planned_on, visit.assignee) == (
        "periodic",
        "due",
        date(2026, 8, 24),
        desk.agent,
    )
    assert visit.script == SCRIPT
    clock = clocks_of(visit)["service.return_visit.perform"]
    assert clock.due_at == at(2026, 8, 31, 17, 30)  # 5 WD
    assert Message.objects.filter(
        template="servicedesk_return_visit_due", recipient=desk.agent
    ).exists()
    plan.refresh_from_db()
    assert plan.next_visit_on == date(2026, 11, 24)
    # Running again plans nothing new.
    assert return_visits_plan(now=MONDAY + timedelta(hours=1)) == 0
    assert ReturnVisit.objects.count() == 1


def test_a_future_visit_is_planned_then_opened_on_its_day(desk, customer):
    programme(desk, customer, starts_on=date(2026, 9, 10), frequency="half_yearly")
    assert return_visits_plan(now=MONDAY) == 1
    visit = ReturnVisit.objects.get()
    assert (visit.status, visit.planned_on, visit.clock_id) == ("planned", date(2026, 9, 10), None)
    assert return_visits_plan(now=at(2026, 9, 9, 9)) == 0
    assert return_visits_plan(now=at(2026, 9, 10, 8)) == 1
    visit.refresh_from_db()
    assert visit.status == "due"
    assert clocks_of(visit)["service.return_visit.perform"].started_at == at(2026, 9, 10, 8)


def test_a_late_planner_catches_up_every_missed_date_once(desk, customer):
    programme(desk, customer, starts_on=date(2025, 8, 24))
    return_visits_plan(now=MONDAY)
    assert list(ReturnVisit.objects.values_list("planned_on", "status")) == [
        (date(2025, 8, 24), "due"),
        (date(2025, 11, 24), "due"),
        (date(2026, 2, 24), "due"),
        (date(2026, 5, 24), "due"),
        (date(2026, 8, 24), "due"),
    ]


def test_visits_after_events_follow_the_programme_and_its_sample(desk, customer):
    plan = programme(desk, customer, frequency="none", sample_percent=40, after_servicing=False)
    keys = [n for n in range(1, 40) if sampled(f"{plan.pk}:claims.claim:{n}", 40)]
    skipped = [n for n in range(1, 40) if n not in keys]
    visit = return_visit_after_event(
        customer_id=customer.pk,
        event="claim_closed",
        source=("claims.claim", keys[0]),
        reference="CLM-2026-0007",
        now=MONDAY,
    )
    assert (visit.reason, visit.status, visit.source_reference) == (
        "claim_closed",
        "due",
        "CLM-2026-0007",
    )
    assert clocks_of(visit)["service.return_visit.perform"].state == "running"
    again = return_visit_after_event(
        customer_id=customer.pk, event="claim_closed", source=("claims.claim", keys[0])
    )
    assert again.pk == visit.pk
    assert (
        return_visit_after_event(
            customer_id=customer.pk, event="claim_closed", source=("claims.claim", skipped[0])
        )
        is None
    )
    assert (
        return_visit_after_event(
            customer_id=customer.pk,
            event="servicing_completed",
            source=("policies.servicingrequest", 3),
        )
        is None
    )
    assert ReturnVisit.objects.count() == 1


def test_no_programme_no_visit_after_an_event(customer):
    assert (
        return_visit_after_event(
            customer_id=customer.pk, event="claim_closed", source=("claims.claim", 1)
        )
        is None
    )


def test_an_unknown_event_is_refused(customer):
    with pytest.raises(ValidationFailed) as caught:
        return_visit_after_event(customer_id=customer.pk, event="birthday", source=("x.y", 1))
    assert caught.value.fields[0].field == "event"


def test_the_outcome_with_problems_opens_an_issue_for_each(desk, customer):
    programme(desk, customer)
    return_visits_plan(now=MONDAY)
    visit = ReturnVisit.objects.get()
    return_visit_record(
        visit_id=visit.pk,
        outcome="problems",
        note="总体满意，但理赔材料清单不够清楚。",
        contact_person="郑海（机务科）",
        problems=["理赔材料清单不清楚", "夜间报案电话转接慢"],
        acting_user=desk.agent,
        now=at(2026, 8, 26, 10),
    )
    visit.refresh_from_db()
    assert (visit.status, visit.outcome, visit.performed_by) == ("done", "problems", desk.agent)
    assert clocks_of(visit)["service.return_visit.perform"].met is True
    issues = list(ServiceIssue.objects.order_by("pk"))
    assert [(i.source, i.status, i.description) for i in issues] == [
        ("return_visit", "open", "理赔材料清单不清楚"),
        ("return_visit", "open", "夜间报案电话转接慢"),
    ]
    assert all(i.return_visit == visit and i.customer == customer for i in issues)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"outcome": "problems", "note": "n"}, "problems"),
        ({"outcome": "satisfied", "problems": ["x"]}, "outcome"),
        ({"outcome": "not_reached"}, "note"),
        ({"outcome": "happy"}, "outcome"),
    ],
)
def test_an_inconsistent_outcome_changes_nothing(desk, customer, kwargs, field):
    programme(desk, customer)
    return_visits_plan(now=MONDAY)
    visit = ReturnVisit.objects.get()
    with pytest.raises(ValidationFailed) as caught:
        return_visit_record(visit_id=visit.pk, acting_user=desk.agent, **kwargs)
    assert caught.value.fields[0].field == field
    visit.refresh_from_db()
    assert (visit.status, ServiceIssue.objects.count()) == ("due", 0)
    assert clocks_of(visit)["service.return_visit.perform"].state == "running"


def test_a_visit_by_hand_and_its_cancellation(desk, customer):
    visit = return_visit_schedule(
        customer_id=customer.pk,
        planned_on=date(2026, 8, 24),
        script="事故后回访",
        acting_user=desk.agent,
        now=MONDAY,
    )
    assert (visit.reason, visit.status) == ("manual", "due")
    return_visit_cancel(
        visit_id=visit.pk, reason="客户要求改期", acting_user=desk.agent, now=MONDAY
    )
    visit.refresh_from_db()
    assert visit.status == "cancelled"
    assert clocks_of(visit)["service.return_visit.perform"].state == "cancelled"
    with pytest.raises(TransitionNotAllowed):
        return_visit_record(visit_id=visit.pk, outcome="satisfied", acting_user=desk.agent)


def test_a_visit_by_hand_without_programme_needs_a_script(desk, customer):
    with pytest.raises(ValidationFailed) as caught:
        return_visit_schedule(
            customer_id=customer.pk, planned_on=date(2026, 9, 1), acting_user=desk.agent
        )
    assert caught.value.fields[0].field == "script"
    assert counts(ReturnVisit, SlaClock) == (0, 0)


def test_one_active_programme_per_customer_and_a_clear_error(desk, customer):
    programme(desk, customer)
    with pytest.raises(ValidationFailed) as caught:
        programme(desk, customer)
    assert (caught.value.fields[0].field, caught.value.fields[0].rule) == (
        "customer_id",
        "programme_exists",
    )
    assert ReturnVisitProgramme.objects.count() == 1


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"sample_percent": 120}, "sample_percent"),
        ({"frequency": "weekly"}, "frequency"),
        ({"customer_id": 999999}, "customer_id"),
        ({"script": ""}, "script"),
    ],
)
def test_bad_programme_input_changes_nothing(desk, customer, kwargs, field):
    with pytest.raises(ValidationFailed) as caught:
        programme(desk, customer, **kwargs)
    assert caught.value.fields[0].field == field
    assert ReturnVisitProgramme.objects.count() == 0


def test_changing_the_frequency_plans_the_next_visit_on_the_new_rhythm(desk, customer):
    plan = programme(desk, customer, starts_on=date(2026, 8, 24))
    return_visits_plan(now=MONDAY)
    return_visit_programme_change(
        programme_id=plan.pk, frequency="half_yearly", acting_user=desk.agent, now=MONDAY
    )
    plan.refresh_from_db()
    assert plan.next_visit_on == date(2027, 2, 24)


def test_only_those_who_manage_visits_plan_them(desk, customer):
    with pytest.raises(ServicedeskPermissionDenied):
        programme(desk, customer, acting_user=desk.outsider)
    assert ReturnVisitProgramme.objects.count() == 0


def test_completed_servicing_requests_get_their_visit_from_the_job(desk):
    from coverdesk.policies.models import ServicingRequest
    from coverdesk.policies.tests.policy_factories import (
        GROUP,
        issue_policy,
        make_person,
        make_team,
    )
    from coverdesk.policies.tests.policy_factories import make_customer as make_policy_customer
    from coverdesk.servicedesk.services.return_visits import (
        return_visits_after_servicing,
        return_visits_job,
    )

    team = make_team()
    customer = make_policy_customer()
    policy = issue_policy(
        team, customer, coverage_codes=[GROUP], persons=[make_person(customer, "机长", "pilot", 1)]
    )
    programme(desk, customer, frequency="none", sample_percent=100, after_claims=False)

    def request(completed_at, status="completed"):
        return ServicingRequest.objects.create(
            policy=policy,
            kind="change_details",
            status=status,
            channel="counter",
            received_at=completed_at,
            handler=team.clerk,
            requester_name="郑海",
            identity_method="callback",
            identity_verified_at=completed_at,
            effective_on=date(2026, 8, 20),
            completed_at=completed_at if status == "completed" else None,
        )

    recent = request(MONDAY - timedelta(days=2))
    request(MONDAY - timedelta(days=30))  # before the look-back
    request(MONDAY, status="in_review")  # not completed
    assert return_visits_after_servicing(now=MONDAY) == 1
    visit = ReturnVisit.objects.get()
    assert (visit.reason, visit.source_type, visit.source_id, visit.status) == (
        "servicing_completed",
        "policies.servicingrequest",
        str(recent.pk),
        "due",
    )
    assert visit.source_reference == f"{policy.number} / {recent.pk}"
    assert return_visits_job(MONDAY + timedelta(hours=1)) == 0
    assert ReturnVisit.objects.count() == 1
