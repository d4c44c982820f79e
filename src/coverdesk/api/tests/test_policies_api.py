"""The policies API: list and filters without N+1, detail, versions, what was covered on a day,
previews that write nothing, endorsements and cancellations, and who may do what."""

from datetime import date
from decimal import Decimal as D

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from coverdesk.accounts.services import api_token_create
from coverdesk.audit.models import AuditEntry
from coverdesk.policies.models import Endorsement, Policy, PolicyVersion
from coverdesk.policies.tests.policy_factories import (
    AVIATION,
    issue_policy,
    make_customer,
    make_fleet,
    make_portal_user,
    make_team,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def team():
    return make_team()


@pytest.fixture
def customer():
    return make_customer()


@pytest.fixture
def fleet(customer):
    return make_fleet(customer)


@pytest.fixture
def policy(team, customer, fleet):
    return issue_policy(team, customer, coverage_codes=[AVIATION], aircraft=fleet)


def _client(user):
    issued = api_token_create(user=user, name="tests", acting_user=user)
    return Client(HTTP_AUTHORIZATION=f"Bearer {issued.plaintext}")


def _counts():
    return (
        Policy.objects.count(),
        PolicyVersion.objects.count(),
        Endorsement.objects.count(),
        AuditEntry.objects.count(),
    )


# List and detail -----------------------------------------------------------------------------


def test_list_anonymous_is_401(policy):
    assert Client().get("/api/v1/policies").status_code == 401


def test_list_filters_by_number_aircraft_product_and_day(api_client_for, policy, fleet):
    client, _user = api_client_for("clerk")

    everything = client.get("/api/v1/policies").json()
    by_aircraft = client.get(f"/api/v1/policies?aircraft={fleet[0].pk}").json()
    by_number = client.get(f"/api/v1/policies?number={policy.number[:6]}").json()
    other_product = client.get("/api/v1/policies?product=nothing").json()
    same_product = client.get("/api/v1/policies?product=aviation-programme").json()
    in_force = client.get("/api/v1/policies?in_force_on=2026-06-01").json()
    not_yet = client.get("/api/v1/policies?in_force_on=2025-01-01").json()

    assert everything["count"] == 1
    assert everything["items"][0]["number"] == policy.number
    assert everything["items"][0]["product_code"] == "aviation-programme"
    assert by_aircraft["count"] == 1
    assert by_number["count"] == 1
    assert other_product["count"] == 0
    assert same_product["count"] == 1
    assert in_force["count"] == 1
    assert not_yet["count"] == 0


def test_list_runs_the_same_queries_for_one_policy_or_three(api_client_for, team, customer, fleet):
    client, _user = api_client_for("clerk")
    issue_policy(team, customer, coverage_codes=[AVIATION], aircraft=fleet[:1])
    client.get("/api/v1/policies")  # the token's first use is recorded once
    with CaptureQueriesContext(connection) as one:
        assert client.get("/api/v1/policies").status_code == 200
    issue_policy(team, customer, coverage_codes=[AVIATION], aircraft=fleet[1:2])
    issue_policy(team, customer, coverage_codes=[AVIATION], aircraft=fleet[2:])
    with CaptureQueriesContext(connection) as three:
        body = client.get("/api/v1/policies").json()

    assert body["count"] == 3
    assert len(three.captured_queries) == len(one.captured_queries)


def test_customer_sees_only_their_own_policies(policy, customer):
    other = make_customer(name="另一家航空公司", credit_code="91110000100000000R")
    outsider = _client(make_portal_user(other))
    owner = _client(make_portal_user(customer))

    assert owner.get("/api/v1/policies").json()["count"] == 1
    assert owner.get(f"/api/v1/policies/{policy.pk}").status_code == 200
    assert outsider.get("/api/v1/policies").json()["count"] == 0
    response = outsider.get(f"/api/v1/policies/{policy.pk}")
    assert response.status_code == 404
    assert policy.number not in response.content.decode()
    assert outsider.get(f"/api/v1/policies/{policy.pk}/versions/1").status_code == 404
    assert outsider.get(f"/api/v1/policies/{policy.pk}/in-force?on=2026-01-01").status_code == 404


def test_detail_has_versions_and_a_version_by_number(api_client_for, policy):
    client, _user = api_client_for("clerk")

    detail = client.get(f"/api/v1/policies/{policy.pk}").json()
    version = client.get(f"/api/v1/policies/{policy.pk}/versions/1").json()
    missing = client.get(f"/api/v1/policies/{policy.pk}/versions/9")

    assert detail["number"] == policy.number
    assert [(v["number"], v["kind"]) for v in detail["versions"]] == [(1, "issue")]
    assert version["number"] == 1
    assert version["effective_from"] == "2025-12-22"
    assert version["effective_to"] == "2026-12-21"
    assert missing.status_code == 404
    assert missing.json()["code"] == "policy_version_not_found"


def test_in_force_tells_what_was_covered_on_a_day(api_client_for, policy):
    client, _user = api_client_for("clerk")

    covered = client.get(f"/api/v1/policies/{policy.pk}/in-force?on=2026-03-01").json()
    before = client.get(f"/api/v1/policies/{policy.pk}/in-force?on=2025-12-21").json()
    bad = client.get(f"/api/v1/policies/{policy.pk}/in-force?on=yesterday")

    assert (covered["covered"], covered["version"]["number"]) == (True, 1)
    assert (before["covered"], before["version"]) == (False, None)
    assert bad.status_code == 422
    assert bad.json()["fields"][0]["field"] == "on"
    assert bad.json()["fields"][0]["rule"] == "date"


# Previews ------------------------------------------------------------------------------------


def test_cancellation_preview_gives_the_refund_and_writes_nothing(api_client_for, policy):
    client, _user = api_client_for("clerk")
    before = _counts()

    response = client.post(
        f"/api/v1/policies/{policy.pk}/preview",
        {"kind": "cancellation", "cancel_on": "2026-06-22"},
        content_type="application/json",
    )

    assert response.status_code == 200
    body = response.json()
    # 2,666,000 × 183 / 365, pro rata (the shipped product's method)
    assert D(body["amount"]) == D("-1336652.05")
    assert body["lines"]
    assert _counts() == before


def test_endorsement_preview_gives_the_premium_change_and_writes_nothing(
    api_client_for, policy, fleet
):
    client, _user = api_client_for("clerk")
    before = _counts()

    response = client.post(
        f"/api/v1/policies/{policy.pk}/preview",
        {
            "kind": "endorsement",
            "type": "change_sum",
            "effective_on": "2026-06-22",
            "changes": [
                {"op": "set_agreed_value", "aircraft_id": fleet[0].pk, "agreed_value": "80000000"}
            ],
        },
        content_type="application/json",
    )

    assert response.status_code == 200
    body = response.json()
    assert D(body["amount"]) > 0
    assert body["out_of_sequence"] is False
    assert _counts() == before


def test_preview_refund_date_outside_the_period_is_422(api_client_for, policy):
    client, _user = api_client_for("clerk")

    response = client.post(
        f"/api/v1/policies/{policy.pk}/preview",
        {"kind": "cancellation", "cancel_on": "2027-06-22"},
        content_type="application/json",
    )

    assert response.status_code == 422
    assert response.json()["fields"][0]["field"] == "cancel_on"


def test_preview_without_its_date_names_the_field(api_client_for, policy):
    client, _user = api_client_for("clerk")

    response = client.post(
        f"/api/v1/policies/{policy.pk}/preview",
        {"kind": "cancellation"},
        content_type="application/json",
    )

    assert response.status_code == 422
    assert response.json()["fields"][0]["field"] == "cancel_on"
    assert response.json()["fields"][0]["rule"] == "required"


def test_preview_negative_agreed_value_is_422(api_client_for, policy, fleet):
    client, _user = api_client_for("clerk")

    response = client.post(
        f"/api/v1/policies/{policy.pk}/preview",
        {
            "kind": "endorsement",
            "type": "change_sum",
            "effective_on": "2026-06-22",
            "changes": [
                {"op": "set_agreed_value", "aircraft_id": fleet[0].pk, "agreed_value": "-5"}
            ],
        },
        content_type="application/json",
    )

    assert response.status_code == 422
    assert response.json()["fields"][0]["field"] == "changes"


# Actions -------------------------------------------------------------------------------------


def test_cancel_anonymous_401_agent_403_clerk_200(api_client_for, policy):
    agent, _user = api_client_for("agent")
    clerk, _clerk = api_client_for("clerk")
    before = _counts()
    body = {"cancel_on": "2026-06-22", "expected_refund": "1336652.05"}

    anonymous = Client().post(
        f"/api/v1/policies/{policy.pk}/cancel", body, content_type="application/json"
    )
    denied = agent.post(
        f"/api/v1/policies/{policy.pk}/cancel", body, content_type="application/json"
    )
    assert (anonymous.status_code, denied.status_code) == (401, 403)
    assert _counts() == before

    done = clerk.post(f"/api/v1/policies/{policy.pk}/cancel", body, content_type="application/json")

    assert done.status_code == 200
    assert D(done.json()["premium_change"]) == D("-1336652.05")
    policy.refresh_from_db()
    assert (policy.status, policy.cancelled_on) == ("cancelled", date(2026, 6, 22))


def test_cancel_with_a_different_expected_refund_changes_nothing(api_client_for, policy):
    clerk, _user = api_client_for("clerk")
    before = _counts()

    response = clerk.post(
        f"/api/v1/policies/{policy.pk}/cancel",
        {"cancel_on": "2026-06-22", "expected_refund": "1.00"},
        content_type="application/json",
    )

    assert response.status_code == 409
    assert _counts() == before


def test_customer_may_not_cancel(policy, customer):
    owner = _client(make_portal_user(customer))
    before = _counts()

    response = owner.post(
        f"/api/v1/policies/{policy.pk}/cancel",
        {"cancel_on": "2026-06-22"},
        content_type="application/json",
    )

    assert response.status_code == 403
    assert _counts() == before


def test_endorsement_writes_a_new_version(api_client_for, policy, fleet):
    agent, _agent = api_client_for("agent")
    clerk, _clerk = api_client_for("clerk")
    body = {
        "type": "change_sum",
        "effective_on": "2026-06-22",
        "changes": [
            {"op": "set_agreed_value", "aircraft_id": fleet[0].pk, "agreed_value": "80000000"}
        ],
    }
    before = _counts()
    denied = agent.post(
        f"/api/v1/policies/{policy.pk}/endorsements", body, content_type="application/json"
    )
    assert denied.status_code == 403
    assert _counts() == before

    response = clerk.post(
        f"/api/v1/policies/{policy.pk}/endorsements", body, content_type="application/json"
    )

    assert response.status_code == 201
    assert response.json()["sequence"] == 1
    assert D(response.json()["premium_change"]) > 0
    assert PolicyVersion.objects.filter(policy=policy).count() == 2
    in_force = clerk.get(f"/api/v1/policies/{policy.pk}/in-force?on=2026-07-01").json()
    assert in_force["version"]["number"] == 2


def test_list_filters_by_customer_person_and_status(api_client_for, team, customer, policy):
    from coverdesk.policies.tests.policy_factories import GROUP, make_person

    pilot = make_person(customer, "机长", "pilot", 1)
    group = issue_policy(team, customer, coverage_codes=[GROUP], persons=[pilot])
    other = make_customer(name="另一客户", credit_code="91110000100000000R")
    client, _user = api_client_for("clerk")

    by_person = client.get(f"/api/v1/policies?person={pilot.pk}").json()
    by_customer = client.get(f"/api/v1/policies?customer={customer.pk}").json()
    by_other = client.get(f"/api/v1/policies?customer={other.pk}").json()
    cancelled = client.get("/api/v1/policies?status=cancelled").json()
    bad_status = client.get("/api/v1/policies?status=lapsed")

    assert [p["id"] for p in by_person["items"]] == [group.pk]
    assert by_customer["count"] == 2
    assert by_other["count"] == 0
    assert cancelled["count"] == 0
    assert bad_status.status_code == 422
    assert bad_status.json()["fields"][0]["field"] == "status"
