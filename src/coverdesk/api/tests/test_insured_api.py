"""The insured-objects API: aircraft register and insured persons — lists, details, writes,
imports with a row-by-row report; ID numbers masked; who may do what."""

import csv
import io

import pytest
from django.test import Client

from coverdesk.audit.models import AuditEntry
from coverdesk.policies.models.insured import Aircraft, InsuredPerson
from coverdesk.policies.tests.insured_factories import (
    ID_PILOT,
    make_aircraft,
    make_insured_clerk,
    make_insured_person,
    make_other_customer,
    make_police,
)
from coverdesk.policies.tests.policy_factories import make_portal_user

pytestmark = pytest.mark.django_db

EN_HEADERS = [
    "Model",
    "Registration mark",
    "Agreed value",
    "Year of purchase",
    "Crew seats",
    "Passenger seats",
    "Ownership",
]


def _csv(rows):
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(EN_HEADERS)
    writer.writerows(rows)
    return text.getvalue().encode()


def _counts():
    return Aircraft.objects.count(), InsuredPerson.objects.count(), AuditEntry.objects.count()


@pytest.fixture
def police():
    return make_police()


def _aircraft_body(customer, **fields):
    return {
        "customer_id": customer.pk,
        "model": "H145",
        "registration_mark": "B-7188",
        "agreed_value": "70000000.00",
        "purchase_year": 2016,
        "crew_seats": 2,
        "passenger_seats": 6,
        "ownership": "owned",
        **fields,
    }


def test_aircraft_list_filters_and_authorization(api_client_for, police):
    clerk = make_insured_clerk()
    make_aircraft(clerk, police)
    make_aircraft(clerk, police, registration_mark="4401220255")
    client, _user = api_client_for("clerk")

    assert Client().get("/api/v1/aircraft").status_code == 401
    everything = client.get("/api/v1/aircraft").json()
    found = client.get("/api/v1/aircraft?q=2202").json()

    assert everything["count"] == 2
    assert [a["registration_mark"] for a in found["items"]] == ["4401220255"]


def test_aircraft_register_then_update(api_client_for, police):
    client, _user = api_client_for("clerk")

    created = client.post(
        "/api/v1/aircraft", _aircraft_body(police), content_type="application/json"
    )
    assert created.status_code == 201
    aircraft_id = created.json()["id"]
    changed = client.patch(
        f"/api/v1/aircraft/{aircraft_id}",
        {"passenger_seats": 5, "reason": "seat removed"},
        content_type="application/json",
    )
    detail = client.get(f"/api/v1/aircraft/{aircraft_id}").json()

    assert changed.status_code == 200
    assert detail["passenger_seats"] == 5
    assert detail["registration_mark"] == "B-7188"


def test_aircraft_register_wrong_role_is_403_and_writes_nothing(api_client_for, police):
    client, _user = api_client_for("agent")
    before = _counts()

    response = client.post(
        "/api/v1/aircraft", _aircraft_body(police), content_type="application/json"
    )

    assert response.status_code == 403
    assert _counts() == before


@pytest.mark.parametrize(
    ("fields", "field", "rule"),
    [
        ({"agreed_value": "-1"}, "agreed_value", None),
        ({"registration_mark": "4401120088"}, "registration_mark", "unique"),
    ],
)
def test_aircraft_register_bad_input_is_422(api_client_for, police, fields, field, rule):
    make_aircraft(make_insured_clerk(), police)
    client, _user = api_client_for("clerk")
    before = _counts()

    response = client.post(
        "/api/v1/aircraft", _aircraft_body(police, **fields), content_type="application/json"
    )

    assert response.status_code == 422
    names = {(f["field"], f["rule"]) for f in response.json()["fields"]}
    assert field in {name for name, _rule in names}
    if rule:
        assert (field, rule) in names
    assert _counts() == before


def test_customer_sees_only_their_own_aircraft(police):
    clerk = make_insured_clerk()
    own = make_aircraft(clerk, police)
    other = make_aircraft(clerk, make_other_customer(), registration_mark="B-0001")
    from coverdesk.accounts.services import api_token_create

    user = make_portal_user(police)
    token = api_token_create(user=user, name="t", acting_user=user).plaintext
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")

    assert [a["id"] for a in client.get("/api/v1/aircraft").json()["items"]] == [own.pk]
    assert client.get(f"/api/v1/aircraft/{other.pk}").status_code == 404


def test_aircraft_import_dry_run_reports_rows_and_writes_nothing(api_client_for, police):
    client, _user = api_client_for("clerk")
    content = _csv(
        [
            ["H145", "B-7188", "70,000,000.00", "2016", "2", "6", "leased"],
            ["H145", "", "70,000,000.00", "2016", "2", "6", "leased"],
        ]
    )
    before = _counts()

    response = client.post(
        "/api/v1/aircraft/import",
        {
            "file": _upload(content),
            "customer_id": police.pk,
            "dry_run": "true",
            "valid_rows_only": "true",
        },
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["total_rows"], body["valid_rows"], body["imported"]) == (2, 1, 0)
    assert [(i["row"], i["field"], i["rule"]) for i in body["issues"]] == [
        (3, "registration_mark", "required")
    ]
    assert _counts() == before


def test_aircraft_import_valid_rows_only_imports_the_good_rows(api_client_for, police):
    client, _user = api_client_for("clerk")
    content = _csv(
        [
            ["H145", "B-7188", "70,000,000.00", "2016", "2", "6", "leased"],
            ["H145", "", "70,000,000.00", "2016", "2", "6", "leased"],
        ]
    )

    response = client.post(
        "/api/v1/aircraft/import",
        {"file": _upload(content), "customer_id": police.pk, "valid_rows_only": "true"},
    )

    assert response.status_code == 200
    assert response.json()["imported"] == 1
    assert list(Aircraft.objects.values_list("registration_mark", flat=True)) == ["B-7188"]


def test_aircraft_import_wrong_role_is_403(api_client_for, police):
    client, _user = api_client_for("agent")
    before = _counts()

    response = client.post(
        "/api/v1/aircraft/import",
        {
            "file": _upload(_csv([["H145", "B-7188", "1", "2016", "2", "6", "owned"]])),
            "customer_id": police.pk,
        },
    )

    assert response.status_code == 403
    assert _counts() == before


def _upload(content, name="fleet.csv"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type="text/csv")


def test_person_list_masks_the_id_number(api_client_for, police):
    make_insured_person(make_insured_clerk(), police)
    client, _user = api_client_for("clerk")

    body = client.get("/api/v1/insured-persons").json()
    person_id = body["items"][0]["id"]
    detail = client.get(f"/api/v1/insured-persons/{person_id}")

    assert body["count"] == 1
    assert body["items"][0]["id_number"] != ID_PILOT
    assert ID_PILOT not in detail.content.decode()
    assert "*" in detail.json()["id_number"]
    assert Client().get("/api/v1/insured-persons").status_code == 401


def test_person_add_update_and_wrong_role(api_client_for, police):
    clerk, _user = api_client_for("clerk")
    agent, _agent = api_client_for("agent")
    body = {"customer_id": police.pk, "name": "林海", "id_number": ID_PILOT, "category": "pilot"}
    before = _counts()

    assert (
        agent.post("/api/v1/insured-persons", body, content_type="application/json").status_code
        == 403
    )
    assert _counts() == before
    created = clerk.post("/api/v1/insured-persons", body, content_type="application/json")
    assert created.status_code == 201
    assert ID_PILOT not in created.content.decode()
    person_id = created.json()["id"]
    changed = clerk.patch(
        f"/api/v1/insured-persons/{person_id}",
        {"department": "飞行大队"},
        content_type="application/json",
    )
    duplicate = clerk.post("/api/v1/insured-persons", body, content_type="application/json")

    assert changed.status_code == 200
    assert changed.json()["department"] == "飞行大队"
    assert duplicate.status_code == 422
    assert duplicate.json()["fields"][0]["field"] == "id_number"


def test_person_add_unknown_category_is_422(api_client_for, police):
    clerk, _user = api_client_for("clerk")

    response = clerk.post(
        "/api/v1/insured-persons",
        {"customer_id": police.pk, "name": "X", "id_number": ID_PILOT, "category": "captain"},
        content_type="application/json",
    )

    assert response.status_code == 422
    assert (response.json()["fields"][0]["field"], response.json()["fields"][0]["rule"]) == (
        "category",
        "choice",
    )


def test_aircraft_update_wrong_role_is_403_and_changes_nothing(api_client_for, police):
    aircraft = make_aircraft(make_insured_clerk(), police)
    agent, _user = api_client_for("agent")
    before = _counts()

    response = agent.patch(
        f"/api/v1/aircraft/{aircraft.pk}", {"passenger_seats": 1}, content_type="application/json"
    )

    assert response.status_code == 403
    aircraft.refresh_from_db()
    assert aircraft.passenger_seats == 6
    assert _counts() == before


def test_person_import_reports_rows_without_id_numbers(api_client_for, police):
    client, _user = api_client_for("clerk")
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(["Name", "ID number", "Category"])
    writer.writerow(["林海", ID_PILOT, "pilot"])
    writer.writerow(["无证", "123", "pilot"])

    response = client.post(
        "/api/v1/insured-persons/import",
        {
            "file": _upload(text.getvalue().encode(), "crew.csv"),
            "customer_id": police.pk,
            "valid_rows_only": "true",
        },
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["total_rows"], body["imported"]) == (2, 1)
    assert [(i["row"], i["field"]) for i in body["issues"]] == [(3, "id_number")]
    assert ID_PILOT not in response.content.decode()
    assert InsuredPerson.objects.get().name == "林海"
