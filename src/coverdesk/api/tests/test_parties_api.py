import json

import pytest

from coverdesk.audit.models import AuditEntry
from coverdesk.parties.models import Contact, Party
from coverdesk.parties.services import contact_add, customer_access_grant, party_create

ID_NUMBER = "11010519491231002X"
PHONE = "13812345678"


@pytest.fixture
def police_unit(db):
    party = party_create(
        acting_user=None,
        kind="organisation",
        name="警务航空队",
        phone="020-83115110",
        email="unit@example.test",
    )
    contact_add(
        party_id=party.pk,
        acting_user=None,
        name="郑联络员",
        phone=PHONE,
        email="zheng@example.test",
    )
    return party


@pytest.fixture
def pilot(db):
    return party_create(
        acting_user=None, kind="person", name="王飞", id_number=ID_NUMBER, phone="13900001111"
    )


def _json(client, method, path, body):
    return getattr(client, method)(path, data=json.dumps(body), content_type="application/json")


STAFF_READERS = {
    "admin",
    "broker",
    "clerk",
    "agent",
    "adjuster",
    "surveyor",
    "backoffice",
    "head",
    "manager",
    "auditor",
}
WRITERS = {"admin", "broker", "clerk", "agent"}
PII_READERS = {"broker", "clerk", "adjuster", "backoffice"}
ROLES = sorted(STAFF_READERS | {"customer"})


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_customer_endpoints_per_role(api_client_for, role, pilot):
    client, _user = api_client_for(role)
    parties_before = Party.objects.count()
    listed = client.get("/api/v1/customers")
    detail = client.get(f"/api/v1/customers/{pilot.pk}")
    reveal = client.get(f"/api/v1/customers/{pilot.pk}/personal-data")
    created = _json(client, "post", "/api/v1/customers", {"kind": "organisation", "name": "新客户"})
    expected_read = 200 if role in STAFF_READERS else 404
    assert listed.status_code == 200
    assert listed.json()["count"] == (1 if role in STAFF_READERS else 0)
    assert detail.status_code == expected_read
    if role in PII_READERS:
        assert (reveal.status_code, reveal.json()["id_number"]) == (200, ID_NUMBER)
    else:
        assert reveal.status_code == (403 if role in STAFF_READERS else 404)
        assert ID_NUMBER not in reveal.content.decode()
    assert created.status_code == (201 if role in WRITERS else 403)
    assert Party.objects.count() == parties_before + (1 if role in WRITERS else 0)


@pytest.mark.django_db
def test_lists_and_details_show_personal_data_masked(api_client_for, pilot):
    client, _user = api_client_for("clerk")
    item = client.get("/api/v1/customers").json()["items"][0]
    assert item["id_number"] == "1101**********002X"
    assert item["phone"] == "139****1111"
    assert ID_NUMBER not in client.get(f"/api/v1/customers/{pilot.pk}").content.decode()


@pytest.mark.django_db
def test_exact_search_by_id_number_goes_through_the_blind_index(api_client_for, pilot, police_unit):
    client, _user = api_client_for("clerk")
    found = client.get(f"/api/v1/customers?q={ID_NUMBER}").json()
    assert [c["id"] for c in found["items"]] == [pilot.pk]
    assert client.get("/api/v1/customers?q=警务").json()["items"][0]["id"] == police_unit.pk


@pytest.mark.django_db
def test_revealing_personal_data_is_audited(api_client_for, police_unit):
    client, user = api_client_for("clerk")
    body = client.get(f"/api/v1/customers/{police_unit.pk}/personal-data").json()
    assert body["contacts"][0]["phone"] == PHONE
    entry = AuditEntry.objects.filter(action="party.pii_reveal").get()
    assert (entry.actor_id, entry.subject_id, entry.result) == (
        user.pk,
        str(police_unit.pk),
        "success",
    )
    assert PHONE not in json.dumps(entry.after)


@pytest.mark.django_db
def test_a_customer_sees_only_their_own_organisation(api_client_for, police_unit, pilot):
    client, user = api_client_for("customer")
    customer_access_grant(user=user, party=police_unit, acting_user=None)
    assert [c["id"] for c in client.get("/api/v1/customers").json()["items"]] == [police_unit.pk]
    assert client.get(f"/api/v1/customers/{police_unit.pk}").status_code == 200
    other = client.get(f"/api/v1/customers/{pilot.pk}")
    assert other.status_code == 404
    assert "王飞" not in other.content.decode()


@pytest.mark.django_db
def test_bad_customer_input_names_the_field_and_rule_and_writes_nothing(api_client_for):
    client, _user = api_client_for("broker")
    audit_before = AuditEntry.objects.count()
    response = _json(
        client,
        "post",
        "/api/v1/customers",
        {"kind": "person", "name": "李四", "id_number": "110105194912310021"},
    )
    assert response.status_code == 422
    assert [(f["field"], f["rule"]) for f in response.json()["fields"]] == [
        ("id_number", "id_number_checksum")
    ]
    schema_error = _json(client, "post", "/api/v1/customers", {"kind": "robot", "name": ""})
    assert {(f["field"], f["rule"]) for f in schema_error.json()["fields"]} == {
        ("kind", "choice"),
        ("name", "min_length"),
    }
    assert Party.objects.count() == 0
    assert AuditEntry.objects.count() == audit_before


@pytest.mark.django_db
def test_update_and_add_contact(api_client_for, police_unit):
    client, _user = api_client_for("agent")
    changed = _json(client, "patch", f"/api/v1/customers/{police_unit.pk}", {"address": "广州"})
    assert (changed.status_code, changed.json()["address"]) == (200, "广州")
    added = _json(
        client,
        "post",
        f"/api/v1/customers/{police_unit.pk}/contacts",
        {"name": "值班室", "phone": "13700001234"},
    )
    assert (added.status_code, added.json()["phone"]) == (201, "137****1234")
    assert Contact.objects.filter(party=police_unit).count() == 2


@pytest.mark.django_db
def test_customer_list_query_count_does_not_grow_with_rows(
    api_client_for, django_assert_max_num_queries
):
    client, _user = api_client_for("clerk")
    for i in range(30):
        party_create(acting_user=None, kind="organisation", name=f"客户{i}")
    with django_assert_max_num_queries(6):
        body = client.get("/api/v1/customers?page=1").json()
    assert (body["count"], len(body["items"])) == (30, 30)
