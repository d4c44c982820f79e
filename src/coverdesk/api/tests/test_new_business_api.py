"""The new-business API: needs, quotes, an application through to an issued policy; who may
act; bad input names the field and the rule."""

from decimal import Decimal as D

import pytest
from django.test import Client

from coverdesk.accounts.services import api_token_create
from coverdesk.audit.models import AuditEntry
from coverdesk.policies.models import Application, Policy, Quote
from coverdesk.policies.tests.policy_factories import (
    AVIATION,
    make_customer,
    make_fleet,
    make_portal_user,
    make_team,
)

pytestmark = pytest.mark.django_db

PRODUCT = "aviation-programme"


@pytest.fixture
def team():
    return make_team()


@pytest.fixture
def customer():
    return make_customer()


@pytest.fixture
def fleet(customer):
    return make_fleet(customer)


def _client(user):
    issued = api_token_create(user=user, name="tests", acting_user=user)
    return Client(HTTP_AUTHORIZATION=f"Bearer {issued.plaintext}")


def _post(client, path, body=None):
    return client.post(path, body or {}, content_type="application/json")


def _quote_body(customer, fleet, **fields):
    return {
        "customer_id": customer.pk,
        "product_code": PRODUCT,
        "period_start": "2027-01-01",
        "period_end": "2027-12-31",
        "coverage_codes": [AVIATION],
        "aircraft_ids": [a.pk for a in fleet],
        "label": "方案一",
        **fields,
    }


def _counts():
    return (
        Quote.objects.count(),
        Application.objects.count(),
        Policy.objects.count(),
        AuditEntry.objects.count(),
    )


def test_from_needs_to_an_issued_policy(team, customer, fleet):
    broker, manager = _client(team.broker), _client(team.manager)

    intake = _post(
        broker,
        "/api/v1/needs-intakes",
        {"customer_id": customer.pk, "insurance_type": "航空保险", "coverage_wanted": "机队"},
    )
    assert intake.status_code == 201
    intake_id = intake.json()["id"]
    quote = _post(broker, "/api/v1/quotes", _quote_body(customer, fleet, intake_id=intake_id))
    assert quote.status_code == 201
    compared = broker.get(f"/api/v1/needs-intakes/{intake_id}/quotes").json()
    assert [q["id"] for q in compared] == [quote.json()["id"]]
    assert D(compared[0]["term_premium"]) > 0

    created = _post(
        broker, "/api/v1/applications", {"quote_id": quote.json()["id"], "complexity": "complex"}
    )
    assert created.status_code == 201
    aid = created.json()["id"]
    codes = [d["code"] for d in created.json()["documents"]]
    submitted = _post(broker, f"/api/v1/applications/{aid}/submit", {"received_documents": codes})
    assert submitted.json()["status"] == "underwriting"
    approved = _post(manager, f"/api/v1/applications/{aid}/approve")
    assert approved.json()["status"] == "approved"
    paid = _post(
        broker,
        f"/api/v1/applications/{aid}/payment",
        {
            "amount": quote.json()["term_premium"],
            "paid_on": "2026-11-20",
            "payment_reference": "PAY-1",
        },
    )
    assert paid.json()["status"] == "paid"
    issued = _post(broker, f"/api/v1/applications/{aid}/issue")

    assert issued.status_code == 201
    policy = Policy.objects.get()
    assert issued.json()["policy_number"] == policy.number
    assert broker.get(f"/api/v1/applications/{aid}").json()["status"] == "issued"


def test_quote_anonymous_401_wrong_role_403_nothing_written(team, customer, fleet, api_client_for):
    agent, _user = api_client_for("agent")
    before = _counts()

    anonymous = Client().post(
        "/api/v1/quotes", _quote_body(customer, fleet), content_type="application/json"
    )
    denied = _post(agent, "/api/v1/quotes", _quote_body(customer, fleet))

    assert (anonymous.status_code, denied.status_code) == (401, 403)
    assert _counts() == before


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"period_end": "2026-12-31"}, "period_end"),
        ({"product_code": "no-such-product"}, "product_code"),
    ],
)
def test_bad_quote_names_the_field(team, customer, fleet, fields, field):
    broker = _client(team.broker)
    before = _counts()

    response = _post(broker, "/api/v1/quotes", _quote_body(customer, fleet, **fields))

    assert response.status_code == 422
    assert field in [f["field"] for f in response.json()["fields"]]
    assert _counts() == before


def test_a_customer_sees_no_applications(team, customer, fleet):
    broker = _client(team.broker)
    quote_id = _post(broker, "/api/v1/quotes", _quote_body(customer, fleet)).json()["id"]
    aid = _post(
        broker, "/api/v1/applications", {"quote_id": quote_id, "complexity": "simple"}
    ).json()["id"]
    portal = _client(make_portal_user(customer))
    before = _counts()

    assert portal.get("/api/v1/applications").json()["count"] == 0
    assert portal.get(f"/api/v1/applications/{aid}").status_code == 404
    assert _post(portal, f"/api/v1/applications/{aid}/submit").status_code == 404
    assert _counts() == before
    assert broker.get("/api/v1/applications").json()["count"] == 1


def test_decline_needs_reasons(team, customer, fleet):
    broker, manager = _client(team.broker), _client(team.manager)
    quote_id = _post(broker, "/api/v1/quotes", _quote_body(customer, fleet)).json()["id"]
    created = _post(broker, "/api/v1/applications", {"quote_id": quote_id, "complexity": "simple"})
    aid = created.json()["id"]
    codes = [d["code"] for d in created.json()["documents"]]
    _post(broker, f"/api/v1/applications/{aid}/submit", {"received_documents": codes})

    missing = _post(manager, f"/api/v1/applications/{aid}/decline", {"reasons": []})
    declined = _post(manager, f"/api/v1/applications/{aid}/decline", {"reasons": ["风险过高"]})

    assert missing.status_code == 422
    assert missing.json()["fields"][0]["field"] == "reasons"
    assert declined.json()["status"] == "declined"


@pytest.mark.parametrize("action", ["submit", "documents", "approve", "payment", "issue"])
def test_an_agent_may_not_act_on_an_application(team, customer, fleet, api_client_for, action):
    broker = _client(team.broker)
    quote_id = _post(broker, "/api/v1/quotes", _quote_body(customer, fleet)).json()["id"]
    aid = _post(
        broker, "/api/v1/applications", {"quote_id": quote_id, "complexity": "simple"}
    ).json()["id"]
    agent, _user = api_client_for("agent")
    body = {"amount": "1.00", "paid_on": "2026-11-20", "payment_reference": "X"}
    before = (_counts(), Application.objects.get().status)

    response = _post(agent, f"/api/v1/applications/{aid}/{action}", body)

    assert response.status_code in (403, 404)
    assert (_counts(), Application.objects.get().status) == before


def test_an_application_referred_with_reasons(team, customer, fleet):
    broker = _client(team.broker)
    quote_id = _post(broker, "/api/v1/quotes", _quote_body(customer, fleet)).json()["id"]
    created = _post(broker, "/api/v1/applications", {"quote_id": quote_id, "complexity": "complex"})
    aid = created.json()["id"]
    codes = [d["code"] for d in created.json()["documents"]]
    _post(broker, f"/api/v1/applications/{aid}/submit", {"received_documents": codes})

    response = _post(broker, f"/api/v1/applications/{aid}/refer", {"reasons": ["超出核保权限"]})

    assert response.status_code == 200
    assert response.json()["status"] == "referred"
    assert response.json()["decision_reasons"] == ["超出核保权限"]
