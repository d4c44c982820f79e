"""New business through the API beyond the main path: needs intakes listed and shown with
their consultation log, consultations logged (bad input named, nothing written), quotes listed,
shown and declined, an application withdrawn, and errors that name the field the caller sent
(product_code, customer_id, coverage_codes, quote_id) rather than a service's parameter."""

from datetime import datetime
from decimal import Decimal as D
from zoneinfo import ZoneInfo

import pytest

from coverdesk.audit.models import AuditEntry
from coverdesk.policies.models import Application, Consultation, NeedsIntake, Quote
from coverdesk.policies.tests.policy_factories import (
    AVIATION,
    GROUP,
    make_customer,
    make_fleet,
    make_person,
)

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
PRODUCT = "aviation-programme"


@pytest.fixture(autouse=True)
def frozen(monkeypatch):
    monkeypatch.setattr("coverdesk.core.clock.now", lambda: NOW)


@pytest.fixture
def customer():
    return make_customer()


@pytest.fixture
def fleet(customer):
    return make_fleet(customer)


@pytest.fixture
def broker(api_client_for):
    return api_client_for("broker")


def _post(client, path, body=None):
    return client.post(path, body or {}, content_type="application/json")


def _counts():
    return (
        NeedsIntake.objects.count(),
        Consultation.objects.count(),
        Quote.objects.count(),
        Application.objects.count(),
        AuditEntry.objects.count(),
        tuple(Quote.objects.values_list("pk", "status")),
        tuple(Application.objects.values_list("pk", "status")),
    )


def _intake(client, customer, **fields):
    body = {
        "customer_id": customer.pk,
        "insurance_type": "航空保险",
        "coverage_wanted": "机队机身险与第三者责任",
        "budget": "3000000.00",
        **fields,
    }
    response = _post(client, "/api/v1/needs-intakes", body)
    assert response.status_code == 201, response.content
    return response.json()


def _quote_body(customer, fleet, intake=None, **fields):
    return {
        **({"intake_id": intake["id"]} if intake else {"customer_id": customer.pk}),
        "product_code": PRODUCT,
        "period_start": "2027-01-01",
        "period_end": "2027-12-31",
        "coverage_codes": [AVIATION],
        "aircraft_ids": [a.pk for a in fleet],
        "label": "方案一",
        **fields,
    }


# Needs intakes and consultations --------------------------------------------------------------


def test_an_intake_with_its_consultation_log(broker, customer):
    client, user = broker
    intake = _intake(client, customer)

    logged = _post(
        client,
        f"/api/v1/needs-intakes/{intake['id']}/consultations",
        {
            "occurred_at": "2026-11-19T15:00:00+08:00",
            "channel": "meeting",
            "summary": "介绍机身一切险与第三者责任，客户关注警犬赔偿",
            "recommendation": "建议附加警犬条款",
        },
    )
    shown = client.get(f"/api/v1/needs-intakes/{intake['id']}").json()

    assert logged.status_code == 201
    assert shown == logged.json()
    assert (shown["customer_name"], shown["broker_id"], shown["status"]) == (
        customer.name,
        user.pk,
        "open",
    )
    assert D(shown["budget"]) == D("3000000.00")
    assert [
        (c["channel"], c["summary"], c["recommendation"], c["recorded_by_id"])
        for c in shown["consultations"]
    ] == [("meeting", "介绍机身一切险与第三者责任，客户关注警犬赔偿", "建议附加警犬条款", user.pk)]
    occurred = datetime.fromisoformat(shown["consultations"][0]["occurred_at"])
    assert occurred == datetime(2026, 11, 19, 15, 0, tzinfo=NOW.tzinfo)


@pytest.mark.parametrize(
    ("body", "field", "rule"),
    [
        ({"occurred_at": "2026-11-21T09:00:00+08:00"}, "occurred_at", "future"),
        ({"channel": "pigeon"}, "channel", "choice"),
        ({"summary": ""}, "summary", "min_length"),
        ({"summary": "   "}, "summary", "required"),
        ({"occurred_at": "yesterday"}, "occurred_at", "datetime"),
    ],
)
def test_a_bad_consultation_names_the_field_and_writes_nothing(broker, customer, body, field, rule):
    client, _user = broker
    intake = _intake(client, customer)
    before = _counts()

    response = _post(
        client,
        f"/api/v1/needs-intakes/{intake['id']}/consultations",
        {"occurred_at": "2026-11-19T15:00:00+08:00", "channel": "phone", "summary": "电话沟通"}
        | body,
    )

    assert response.status_code == 422
    assert [(f["field"], f["rule"]) for f in response.json()["fields"]] == [(field, rule)]
    assert _counts() == before


def test_intakes_listed_by_status_customer_and_broker(broker, api_client_for, customer):
    client, user = broker
    other = make_customer(name="通用航空公司", credit_code="91110000100000000R")
    first = _intake(client, customer)
    second = _intake(client, other)
    auditor, _auditor = api_client_for("auditor")

    everything = auditor.get("/api/v1/needs-intakes").json()
    by_customer = auditor.get(f"/api/v1/needs-intakes?customer={customer.pk}").json()
    by_broker = auditor.get(f"/api/v1/needs-intakes?broker={user.pk}").json()
    quoted = auditor.get("/api/v1/needs-intakes?status=quoted").json()
    bad = auditor.get("/api/v1/needs-intakes?status=maybe")

    assert [i["id"] for i in everything["items"]] == [second["id"], first["id"]]
    assert [i["id"] for i in by_customer["items"]] == [first["id"]]
    assert by_broker["count"] == 2
    assert quoted["count"] == 0
    assert (bad.status_code, bad.json()["fields"][0]["field"]) == (422, "status")


def test_an_unknown_customer_is_named_as_sent(broker):
    client, _user = broker
    before = _counts()

    response = _post(
        client,
        "/api/v1/needs-intakes",
        {"customer_id": 999999, "insurance_type": "航空保险", "coverage_wanted": "机身险"},
    )

    assert response.status_code == 422
    assert [(f["field"], f["rule"]) for f in response.json()["fields"]] == [
        ("customer_id", "unknown")
    ]
    assert response.json()["message"].startswith("customer_id:")
    assert _counts() == before


# Quotes -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "field", "rule"),
    [
        ({"product_code": "no-such-product"}, "product_code", "unknown_product"),
        ({"coverage_codes": ["no_such_coverage"]}, "coverage_codes", "unknown_coverage"),
        ({"aircraft_ids": [999999]}, "aircraft_ids", "unknown_aircraft"),
        ({"period_end": "2026-12-31"}, "period_end", "after_start"),
        ({"coverage_codes": []}, "coverage_codes", "min_items"),
    ],
)
def test_a_bad_quote_names_the_body_field_and_writes_nothing(
    broker, customer, fleet, fields, field, rule
):
    client, _user = broker
    before = _counts()

    response = _post(client, "/api/v1/quotes", _quote_body(customer, fleet, **fields))

    assert response.status_code == 422
    assert [(f["field"], f["rule"]) for f in response.json()["fields"]] == [(field, rule)]
    assert _counts() == before


def test_an_unknown_customer_on_a_quote_is_named_as_sent(broker, fleet):
    client, _user = broker

    response = _post(
        client,
        "/api/v1/quotes",
        {**_quote_body(None, fleet, intake={"id": 0}), "intake_id": None, "customer_id": 999999},
    )

    assert response.status_code == 422
    assert [f["field"] for f in response.json()["fields"]] == ["customer_id"]


def test_quotes_listed_shown_with_premium_by_coverage_and_declined(broker, customer, fleet):
    client, _user = broker
    crew = [make_person(customer, f"机长{n}", "pilot", n) for n in (1, 2)]
    intake = _intake(client, customer)
    hull = _post(client, "/api/v1/quotes", _quote_body(customer, fleet, intake)).json()
    both = _post(
        client,
        "/api/v1/quotes",
        _quote_body(
            customer,
            fleet,
            intake,
            label="方案二",
            coverage_codes=[AVIATION, GROUP],
            person_ids=[p.pk for p in crew],
        ),
    ).json()

    listed = client.get(f"/api/v1/quotes?intake={intake['id']}").json()
    shown = client.get(f"/api/v1/quotes/{both['id']}").json()
    declined = _post(client, f"/api/v1/quotes/{hull['id']}/decline")
    offered = client.get(f"/api/v1/quotes?intake={intake['id']}&status=offered").json()
    again = _post(client, f"/api/v1/quotes/{hull['id']}/decline")

    assert [q["id"] for q in listed["items"]] == [both["id"], hull["id"]]
    assert sorted(shown["premium_by_coverage"]) == [AVIATION, GROUP]
    assert sum(D(v) for v in shown["premium_by_coverage"].values()) == D(shown["term_premium"])
    assert (shown["product_code"], shown["product_version"], shown["intake_id"]) == (
        PRODUCT,
        1,
        intake["id"],
    )
    assert declined.status_code == 200
    assert declined.json()["status"] == "declined"
    assert [q["id"] for q in offered["items"]] == [both["id"]]
    assert again.status_code == 409
    compared = client.get(f"/api/v1/needs-intakes/{intake['id']}/quotes").json()
    assert [(q["id"], q["status"]) for q in compared] == [
        (hull["id"], "declined"),
        (both["id"], "offered"),
    ]


# Applications -------------------------------------------------------------------------------


def test_an_application_withdrawn_with_a_reason(broker, customer, fleet):
    client, _user = broker
    quote = _post(client, "/api/v1/quotes", _quote_body(customer, fleet)).json()
    created = _post(
        client, "/api/v1/applications", {"quote_id": quote["id"], "complexity": "simple"}
    )
    aid = created.json()["id"]
    before = _counts()

    missing = _post(client, f"/api/v1/applications/{aid}/withdraw", {"reason": ""})
    assert missing.status_code == 422
    assert [(f["field"], f["rule"]) for f in missing.json()["fields"]] == [("reason", "min_length")]
    assert _counts() == before

    withdrawn = _post(client, f"/api/v1/applications/{aid}/withdraw", {"reason": "客户另有安排"})

    assert withdrawn.status_code == 200
    assert withdrawn.json()["status"] == "withdrawn"
    assert client.get("/api/v1/applications?status=withdrawn").json()["count"] == 1


def test_filing_a_declined_quote_is_refused_and_names_nothing_internal(broker, customer, fleet):
    client, _user = broker
    quote = _post(client, "/api/v1/quotes", _quote_body(customer, fleet)).json()
    _post(client, f"/api/v1/quotes/{quote['id']}/decline")
    before = _counts()

    refused = _post(
        client, "/api/v1/applications", {"quote_id": quote["id"], "complexity": "simple"}
    )
    unknown = _post(client, "/api/v1/applications", {"quote_id": 999999, "complexity": "simple"})

    assert refused.status_code == 409
    assert unknown.status_code == 404
    assert unknown.json()["code"] == "policies_quote_not_found"
    assert _counts() == before


def test_an_expired_quote_is_named_as_sent(broker, customer, fleet, monkeypatch):
    client, _user = broker
    quote = _post(
        client, "/api/v1/quotes", _quote_body(customer, fleet, valid_until="2026-11-20")
    ).json()
    monkeypatch.setattr(
        "coverdesk.core.clock.now", lambda: datetime(2026, 11, 21, 9, 0, tzinfo=NOW.tzinfo)
    )
    before = _counts()

    response = _post(
        client, "/api/v1/applications", {"quote_id": quote["id"], "complexity": "simple"}
    )

    assert response.status_code == 422
    assert [(f["field"], f["rule"]) for f in response.json()["fields"]] == [("quote_id", "expired")]
    assert _counts() == before
