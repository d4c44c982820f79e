"""A servicing request approved through the API names the endorsement it wrote, whose document
the customer can then fetch; requests are filtered by customer."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from coverdesk.api.tests.sla_world import client_for
from coverdesk.policies.models import Endorsement
from coverdesk.policies.tests.policy_factories import (
    GROUP,
    issue_policy,
    make_customer,
    make_person,
    make_portal_user,
    make_team,
)

pytestmark = pytest.mark.django_db

DOCUMENTS = ["servicing_application", "applicant_identity", "persons_added"]
NOW = datetime(2026, 11, 20, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(autouse=True)
def frozen(monkeypatch):
    monkeypatch.setattr("coverdesk.core.clock.now", lambda: NOW)


def _post(client, path, body=None):
    return client.post(path, body or {}, content_type="application/json")


@pytest.fixture
def team():
    return make_team()


@pytest.fixture
def customer():
    return make_customer()


@pytest.fixture
def group(team, customer):
    pilots = [make_person(customer, f"机长{n}", "pilot", n) for n in (1, 2)]
    return issue_policy(team, customer, coverage_codes=[GROUP], persons=pilots)


def _receive(clerk, group, person):
    return _post(
        clerk,
        "/api/v1/servicing-requests",
        {
            "policy_id": group.pk,
            "kind": "add_persons",
            "channel": "counter",
            "requester_name": "郑海",
            "identity_method": "authorisation",
            "identity_reference": "44010219800101999X",
            "effective_on": "2026-12-01",
            "changes": [{"op": "add_person", "person_id": person.pk}],
            "received_documents": DOCUMENTS,
        },
    ).json()


def test_the_approved_request_names_its_endorsement(team, customer, group):
    clerk = client_for(team.clerk)
    request = _receive(clerk, group, make_person(customer, "新机务", "ground_crew", 9))
    assert request["endorsement_sequence"] is None
    _post(clerk, f"/api/v1/servicing-requests/{request['id']}/calculate")

    approved = _post(clerk, f"/api/v1/servicing-requests/{request['id']}/approve").json()

    endorsement = Endorsement.objects.get(servicing_request_id=request["id"])
    assert approved["status"] == "completed"
    assert approved["endorsement_sequence"] == endorsement.sequence == 1
    portal = client_for(make_portal_user(customer))
    shown = portal.get(f"/api/v1/policies/{group.pk}/endorsements/1").json()
    assert (shown["servicing_request_id"], shown["premium_change"]) == (
        request["id"],
        approved["amount"],
    )


def test_requests_filtered_by_customer(team, customer, group):
    clerk = client_for(team.clerk)
    other = make_customer(name="另一客户", credit_code="91110000100000000R")
    request = _receive(clerk, group, make_person(customer, "新机务", "ground_crew", 9))

    mine = clerk.get(f"/api/v1/servicing-requests?customer={customer.pk}").json()
    theirs = clerk.get(f"/api/v1/servicing-requests?customer={other.pk}").json()

    assert [r["id"] for r in mine["items"]] == [request["id"]]
    assert theirs["count"] == 0
