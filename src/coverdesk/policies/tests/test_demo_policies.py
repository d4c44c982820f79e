"""The demo policies: three issued policies of the aviation programme and servicing requests
in several states, loaded through the services, twice without change."""

from datetime import date
from decimal import Decimal as D

import pytest

from coverdesk.policies.demo import demo_policies_load
from coverdesk.policies.models import Policy, ServicingRequest
from coverdesk.policies.tests.policy_factories import at, make_customer, make_portal_user, make_team
from coverdesk.sla.models import SlaClock

pytestmark = pytest.mark.django_db

NOW = at(2026, 11, 23, 10)


def test_the_demo_loads_policies_and_servicing_in_several_states_once():
    team = make_team()
    customer = make_customer(name="广州市公安局指挥中心警务航空队")
    make_portal_user(customer)

    created = demo_policies_load(customer=customer, acting_user=team.admin, now=NOW)
    again = demo_policies_load(customer=customer, acting_user=team.admin, now=NOW)

    assert again == []
    assert len([c for c in created if c.startswith("policy ")]) == 3
    policies = Policy.objects.filter(customer=customer).order_by("number")
    assert [
        (p.number, p.period_start, p.period_end, p.term_premium, p.filed_at is not None)
        for p in policies
    ] == [
        ("CD2025000001", date(2025, 12, 22), date(2026, 12, 21), D("2666000.00"), True),
        # 4 × 9,000 + 4 × 6,000 + 3 × 1,200, less one ground crew member from 03-01
        ("CD2025000002", date(2025, 12, 22), date(2026, 12, 21), D("62400.00"), True),
        ("CD2025000003", date(2025, 12, 22), date(2026, 12, 21), D("32000.00"), True),
    ]
    requests = {r.kind: r for r in ServicingRequest.objects.all()}
    assert (requests["remove_persons"].status, requests["remove_persons"].amount) == (
        "archived",
        D("-973.15"),
    )
    assert requests["add_persons"].status == "waiting_for_documents"
    assert SlaClock.objects.get(pk=requests["add_persons"].clock_id).state == "paused"
    late = SlaClock.objects.get(pk=requests["change_sum"].clock_id)
    assert (requests["change_sum"].status, late.state) == ("in_review", "running")
    assert late.due_at < NOW
