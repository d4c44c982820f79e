"""KPI figures: the share of complaints caused by timeliness per department and month (the hook
the sla KPI table leaves to the service desk), and satisfaction per department and month."""

from decimal import Decimal

import pytest

from coverdesk.servicedesk.selectors.kpis import (
    complaints_timeliness_share,
    desk_figures,
    desk_figures_for_user,
    kpi_table_with_complaints,
)
from coverdesk.servicedesk.services.complaints import (
    complaint_classify,
    complaint_determine_responsibility,
    complaint_receive,
    complaint_resolve,
)
from coverdesk.servicedesk.services.surveys import survey_answer, survey_create, survey_send
from coverdesk.servicedesk.tests.factories import (
    MONDAY,
    at,
    make_customer,
    make_desk,
    make_other_customer,
    make_portal_user,
)
from coverdesk.sla.selectors.kpis import KpiPeriod, KpisNotAllowed, kpi_table

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk():
    return make_desk()


def _complaint(desk, customer, *, cause, when, department=None):
    complaint = complaint_receive(
        acting_user=desk.agent,
        channel="phone",
        complainant_name="张三",
        subject="s",
        description="d",
        customer_id=customer.pk,
        now=when,
    )
    if cause:
        complaint_classify(complaint_id=complaint.pk, cause=cause, acting_user=desk.agent, now=when)
    if department is not None:
        complaint_determine_responsibility(
            complaint_id=complaint.pk,
            department_id=department.pk,
            error="delay",
            note="n",
            acting_user=desk.head,
            now=when,
        )
    return complaint


def test_the_share_of_complaints_caused_by_timeliness_per_department_and_month(desk):
    customer = make_customer()
    claims = desk.claims_agent.department
    service = desk.agent.department
    august, september = MONDAY, at(2026, 9, 14)
    _complaint(desk, customer, cause="timeliness", when=august, department=claims)
    _complaint(desk, customer, cause="timeliness", when=august, department=claims)
    _complaint(desk, customer, cause="claim_amount", when=august, department=claims)
    resolved = _complaint(desk, customer, cause="service_attitude", when=august)
    complaint_resolve(complaint_id=resolved.pk, resolution="r", acting_user=desk.agent, now=august)
    _complaint(desk, customer, cause="", when=august)  # no cause yet: not rated
    _complaint(desk, customer, cause="timeliness", when=september)

    period = KpiPeriod(2026, 8)
    assert complaints_timeliness_share(period=period) == Decimal("0.5000")  # 2 of 4
    assert complaints_timeliness_share(period=period, department_id=claims.pk) == Decimal("0.6667")
    assert complaints_timeliness_share(period=period, department_id=service.pk) == Decimal("0")
    assert complaints_timeliness_share(period=KpiPeriod(2026, 10)) is None
    assert complaints_timeliness_share(period=KpiPeriod(2026)) == Decimal("0.6000")

    rows = {(r.department_code, r.month): r for r in desk_figures(year=2026)}
    claims_august = rows[("claims", 8)]
    assert (
        claims_august.complaints,
        claims_august.classified,
        claims_august.caused_by_timeliness,
        claims_august.timeliness_share,
    ) == (3, 3, 2, Decimal("0.6667"))
    service_august = rows[("customer_service", 8)]
    assert (
        service_august.complaints,
        service_august.classified,
        service_august.timeliness_share,
        service_august.resolved,
        service_august.resolved_in_time,
    ) == (2, 1, Decimal("0"), 1, 1)
    assert rows[("customer_service", 9)].caused_by_timeliness == 1

    table = kpi_table_with_complaints(kpi_table(period=period, group_by="department"))
    assert table.complaints_share == Decimal("0.5000")


def test_satisfaction_per_department_and_month(desk):
    customers = [make_customer(), make_other_customer()]
    for customer in customers:
        make_portal_user(customer)
    survey = survey_create(
        title="满意度",
        questions=[{"text": "总体", "kind": "score"}, {"text": "速度", "kind": "score"}],
        department_id=desk.claims_agent.department_id,
        acting_user=desk.manager,
        now=MONDAY,
    )
    sent = survey_send(
        survey_id=survey.pk,
        customer_ids=[c.pk for c in customers],
        channel="portal",
        acting_user=desk.manager,
        now=MONDAY,
    )
    first, second = [q.pk for q in survey.questions.order_by("position")]
    survey_answer(
        token=sent[0].token, answers={first: 5, second: 4}, acting_user=None, now=MONDAY
    )  # 4.50
    survey_answer(
        token=sent[1].token, answers={first: 3, second: 2}, acting_user=None, now=MONDAY
    )  # 2.50
    (row,) = [r for r in desk_figures(year=2026) if r.responses]
    assert (row.department_code, row.month, row.responses, row.satisfied) == ("claims", 8, 2, 1)
    assert (row.average_score, row.satisfied_share) == (Decimal("3.50"), Decimal("0.5000"))


def test_figures_are_for_kpi_readers_and_a_head_sees_their_own_department(desk):
    with pytest.raises(KpisNotAllowed):
        desk_figures_for_user(user=desk.agent, year=2026)
    head = desk.head  # the head role reads its own department's KPIs
    with pytest.raises(KpisNotAllowed):
        desk_figures_for_user(user=head, year=2026, department_id=desk.claims_agent.department_id)
    assert desk_figures_for_user(user=head, year=2026) == []


def test_a_complaint_just_after_midnight_shanghai_counts_in_the_new_month(desk):
    customer = make_customer()
    _complaint(desk, customer, cause="timeliness", when=at(2026, 9, 1, 0, 30))  # 31 Aug UTC
    assert complaints_timeliness_share(period=KpiPeriod(2026, 8)) is None
    assert complaints_timeliness_share(period=KpiPeriod(2026, 9)) == Decimal("1.0000")
    assert [(r.month, r.complaints) for r in desk_figures(year=2026)] == [(9, 1)]
