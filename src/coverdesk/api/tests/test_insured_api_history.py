"""The change history of an aircraft and of an insured person through the API: every change
with who, when, why, before and after — ID numbers masked — for staff and for the customer
owning the object; another customer learns nothing."""

from decimal import Decimal as D

import pytest

from coverdesk.api.tests.sla_world import client_for
from coverdesk.policies.services.insured import aircraft_update, insured_person_update
from coverdesk.policies.tests.insured_factories import (
    ID_CREW,
    ID_PILOT,
    make_aircraft,
    make_insured_clerk,
    make_insured_person,
    make_other_customer,
    make_police,
)
from coverdesk.policies.tests.policy_factories import make_portal_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def police():
    return make_police()


@pytest.fixture
def clerk():
    return make_insured_clerk()


def test_an_aircraft_history_oldest_first(api_client_for, police, clerk):
    aircraft = make_aircraft(clerk, police)
    aircraft_update(
        acting_user=clerk, aircraft_id=aircraft.pk, agreed_value="75000000", reason="重新评估"
    )
    client, _user = api_client_for("auditor")

    response = client.get(f"/api/v1/aircraft/{aircraft.pk}/changes")

    assert response.status_code == 200
    changes = response.json()
    assert [(c["action"], c["changed_by_id"], c["reason"]) for c in changes] == [
        ("created", clerk.pk, ""),
        ("updated", clerk.pk, "重新评估"),
    ]
    assert list(changes[1]["before"]) == list(changes[1]["after"]) == ["agreed_value"]
    assert D(changes[1]["before"]["agreed_value"]) == D("70000000")
    assert D(changes[1]["after"]["agreed_value"]) == D("75000000")


def test_a_persons_history_shows_id_numbers_masked(api_client_for, police, clerk):
    person = make_insured_person(clerk, police)
    insured_person_update(acting_user=clerk, person_id=person.pk, id_number=ID_CREW)
    client, _user = api_client_for("auditor")

    response = client.get(f"/api/v1/insured-persons/{person.pk}/changes")

    assert response.status_code == 200
    changes = response.json()
    assert [c["action"] for c in changes] == ["created", "updated"]
    assert set(changes[1]["after"]) >= {"id_number"}
    text = response.content.decode()
    assert ID_PILOT not in text
    assert ID_CREW not in text
    assert changes[1]["after"]["id_number"].startswith(ID_CREW[:4])
    assert "*" in changes[1]["after"]["id_number"]


def test_the_owner_sees_the_history_another_customer_does_not(police, clerk):
    aircraft = make_aircraft(clerk, police)
    person = make_insured_person(clerk, police)
    owner = client_for(make_portal_user(police))
    outsider = client_for(make_portal_user(make_other_customer()))

    assert owner.get(f"/api/v1/aircraft/{aircraft.pk}/changes").status_code == 200
    assert owner.get(f"/api/v1/insured-persons/{person.pk}/changes").status_code == 200
    hidden = [
        outsider.get(f"/api/v1/aircraft/{aircraft.pk}/changes"),
        outsider.get(f"/api/v1/insured-persons/{person.pk}/changes"),
    ]
    assert [r.status_code for r in hidden] == [404, 404]
    assert aircraft.registration_mark not in hidden[0].content.decode()


def test_the_id_number_unmasked_is_audited_and_refused_without_the_permission(police, clerk):
    from coverdesk.audit.models import AuditEntry

    person = make_insured_person(clerk, police)
    staff = client_for(clerk)
    owner = client_for(make_portal_user(police))
    outsider = client_for(make_portal_user(make_other_customer()))
    before = AuditEntry.objects.count()

    shown = staff.get(f"/api/v1/insured-persons/{person.pk}/id-number")
    refused = owner.get(f"/api/v1/insured-persons/{person.pk}/id-number")
    hidden = outsider.get(f"/api/v1/insured-persons/{person.pk}/id-number")

    assert (shown.status_code, shown.json()) == (200, {"id_number": ID_PILOT})
    assert refused.status_code == 403
    assert ID_PILOT not in refused.content.decode()
    assert hidden.status_code == 404
    entries = AuditEntry.objects.filter(action="insured_person.id_reveal").order_by("pk")
    assert [e.result for e in entries] == ["success", "denied"]
    assert AuditEntry.objects.count() == before + 2
