"""The servicing API: a request from intake to archive through the endpoints, one service call
each; who may act; customers see only their own requests."""

from decimal import Decimal as D

import pytest
from django.test import Client

from coverdesk.accounts.services import api_token_create
from coverdesk.audit.models import AuditEntry
from coverdesk.policies.models import PolicyVersion, ServicingRequest
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


@pytest.fixture
def newcomer(customer):
    return make_person(customer, "新机务", "ground_crew", 9)


def _client(user):
    issued = api_token_create(user=user, name="tests", acting_user=user)
    return Client(HTTP_AUTHORIZATION=f"Bearer {issued.plaintext}")


def _body(policy, person, received=("servicing_application",)):
    return {
        "policy_id": policy.pk,
        "kind": "add_persons",
        "channel": "counter",
        "requester_name": "郑海",
        "identity_method": "authorisation",
        "identity_reference": "44010219800101999X",
        "effective_on": "2026-12-01",
        "changes": [{"op": "add_person", "person_id": person.pk}],
        "received_documents": list(received),
    }


def _counts():
    return ServicingRequest.objects.count(), AuditEntry.objects.count()


def _post(client, path, body=None):
    return client.post(path, body or {}, content_type="application/json")


def test_a_request_from_intake_to_archive(team, group, newcomer):
    clerk = _client(team.clerk)

    received = _post(clerk, "/api/v1/servicing-requests", _body(group, newcomer))
    assert received.status_code == 201
    rid = received.json()["id"]
    assert received.json()["status"] == "waiting_for_documents"
    assert received.json()["identity_reference"] == "4401**********999X"

    reviewed = _post(
        clerk,
        f"/api/v1/servicing-requests/{rid}/documents",
        {"received": ["applicant_identity", "persons_added"]},
    )
    assert reviewed.json()["status"] == "in_review"
    calculated = _post(clerk, f"/api/v1/servicing-requests/{rid}/calculate")
    assert calculated.json()["status"] == "calculated"
    assert D(calculated.json()["amount"]) > 0
    approved = _post(clerk, f"/api/v1/servicing-requests/{rid}/approve")
    assert approved.json()["status"] == "completed"
    assert PolicyVersion.objects.filter(policy=group).count() == 2
    archived = _post(
        clerk, f"/api/v1/servicing-requests/{rid}/archive", {"outcome_note": "客户已确认批单"}
    )

    assert archived.status_code == 200
    assert archived.json()["status"] == "archived"
    listed = clerk.get(f"/api/v1/servicing-requests?policy={group.pk}").json()
    assert [(r["id"], r["status"]) for r in listed["items"]] == [(rid, "archived")]


def test_receive_anonymous_401_agent_403_nothing_written(team, group, newcomer, api_client_for):
    agent, _user = api_client_for("agent")
    before = _counts()

    anonymous = Client().post(
        "/api/v1/servicing-requests", _body(group, newcomer), content_type="application/json"
    )
    denied = _post(agent, "/api/v1/servicing-requests", _body(group, newcomer))

    assert (anonymous.status_code, denied.status_code) == (401, 403)
    assert _counts() == before


def test_another_customer_sees_nothing_and_cannot_act(team, group, newcomer):
    clerk = _client(team.clerk)
    rid = _post(clerk, "/api/v1/servicing-requests", _body(group, newcomer)).json()["id"]
    other = make_customer(name="另一客户", credit_code="91110000100000000R")
    outsider = _client(make_portal_user(other))
    owner = _client(make_portal_user(group.customer))
    before = _counts()

    assert outsider.get("/api/v1/servicing-requests").json()["count"] == 0
    assert outsider.get(f"/api/v1/servicing-requests/{rid}").status_code == 404
    assert (
        _post(outsider, f"/api/v1/servicing-requests/{rid}/withdraw", {"reason": "x"}).status_code
        == 404
    )
    assert owner.get("/api/v1/servicing-requests").json()["count"] == 1
    assert _counts() == before
    assert ServicingRequest.objects.get().status == "waiting_for_documents"


def test_reject_needs_a_reason_and_then_stops(team, group, newcomer):
    clerk = _client(team.clerk)
    rid = _post(clerk, "/api/v1/servicing-requests", _body(group, newcomer)).json()["id"]

    missing = _post(clerk, f"/api/v1/servicing-requests/{rid}/reject", {})
    rejected = _post(clerk, f"/api/v1/servicing-requests/{rid}/reject", {"reason": "资料不实"})

    assert missing.status_code == 422
    assert (missing.json()["fields"][0]["field"], missing.json()["fields"][0]["rule"]) == (
        "reason",
        "required",
    )
    assert rejected.json()["status"] == "rejected"


def test_receive_with_an_unknown_kind_names_the_field(team, group, newcomer):
    clerk = _client(team.clerk)
    before = _counts()

    response = _post(
        clerk, "/api/v1/servicing-requests", {**_body(group, newcomer), "kind": "upgrade"}
    )

    assert response.status_code == 422
    assert (response.json()["fields"][0]["field"], response.json()["fields"][0]["rule"]) == (
        "kind",
        "choice",
    )
    assert _counts() == before


def test_a_fee_confirmed_by_the_customer_in_the_portal(team, group, newcomer):
    clerk = _client(team.clerk)
    portal = _client(make_portal_user(group.customer))
    rid = _post(
        clerk, "/api/v1/servicing-requests", _body(group, newcomer, received=DOCUMENTS)
    ).json()["id"]

    calculated = _post(
        clerk, f"/api/v1/servicing-requests/{rid}/calculate", {"confirm_with_customer": True}
    )
    assert calculated.json()["status"] == "awaiting_confirmation"
    confirmed = _post(
        portal, f"/api/v1/servicing-requests/{rid}/confirm", {"calculation_number": 1}
    )

    assert confirmed.status_code == 200
    assert confirmed.json()["status"] == "confirmed"


@pytest.mark.parametrize("action", ["documents", "calculate", "approve", "archive"])
def test_an_agent_may_not_act_on_a_request(team, group, newcomer, api_client_for, action):
    clerk = _client(team.clerk)
    agent, _user = api_client_for("agent")
    rid = _post(clerk, "/api/v1/servicing-requests", _body(group, newcomer)).json()["id"]
    before = (_counts(), ServicingRequest.objects.get().status)

    response = _post(agent, f"/api/v1/servicing-requests/{rid}/{action}")

    assert response.status_code == 403
    assert (_counts(), ServicingRequest.objects.get().status) == before


def test_a_withdrawn_request_is_withdrawn(team, group, newcomer):
    clerk = _client(team.clerk)
    rid = _post(clerk, "/api/v1/servicing-requests", _body(group, newcomer)).json()["id"]

    response = _post(clerk, f"/api/v1/servicing-requests/{rid}/withdraw", {"reason": "客户撤回"})

    assert response.json()["status"] == "withdrawn"
