import json
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection

from coverdesk.audit.models import AuditEntry
from coverdesk.core.exceptions import PermissionDenied, ValidationFailed
from coverdesk.policies.access.insured import InsuredObjectsPermissionDenied
from coverdesk.policies.models.insured import (
    Aircraft,
    AircraftChange,
    InsuredPerson,
    InsuredPersonChange,
)
from coverdesk.policies.selectors.insured import (
    AircraftNotFound,
    InsuredPersonNotFound,
    aircraft_changes,
    insured_person_changes,
    insured_person_list,
)
from coverdesk.policies.services.insured import (
    EquipmentItem,
    aircraft_register,
    aircraft_update,
    insured_person_add,
    insured_person_id_reveal,
    insured_person_update,
)
from coverdesk.policies.tests.insured_factories import (
    ID_CREW,
    ID_GROUND,
    ID_PILOT,
    NOW,
    make_aircraft,
    make_insured_clerk,
    make_insured_person,
    make_other_customer,
    make_police,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def clerk():
    return make_insured_clerk()


@pytest.fixture
def police():
    return make_police()


def rules(caught):
    return [(f.field, f.rule) for f in caught.value.fields]


def counts():
    return (
        Aircraft.objects.count(),
        AircraftChange.objects.count(),
        InsuredPerson.objects.count(),
        InsuredPersonChange.objects.count(),
        AuditEntry.objects.count(),
    )


def last_audit():
    return AuditEntry.objects.order_by("sequence").last()


def everything_written_text():
    """History and audit as one text, to look for plaintext ID numbers."""
    rows = [
        *AuditEntry.objects.values("before", "after"),
        *InsuredPersonChange.objects.values("before", "after"),
    ]
    return json.dumps(rows, ensure_ascii=False, default=str)


# --- aircraft ------------------------------------------------------------------------------


def test_aircraft_register_stores_normalised_values_history_and_audit(clerk, police):
    aircraft = aircraft_register(
        acting_user=clerk,
        customer_id=police.pk,
        model=" H175 ",
        manufacturer="Airbus Helicopters",
        registration_mark=" 4401 350701 ",
        serial_number="MSN 5023",
        agreed_value="70000000",
        purchase_year=2024,
        crew_seats=2,
        passenger_seats=16,
        ownership="owned",
        installed_equipment=[EquipmentItem("光电吊舱", Decimal("3500000"))],
        now=NOW,
    )

    aircraft.refresh_from_db()
    assert (aircraft.model, aircraft.registration_mark, aircraft.agreed_value) == (
        "H175",
        "4401350701",
        Decimal("70000000.00"),
    )
    assert (aircraft.crew_seats, aircraft.passenger_seats, aircraft.purchase_year) == (2, 16, 2024)
    assert aircraft.installed_equipment == [{"name": "光电吊舱", "sum_insured": "3500000"}]
    [change] = aircraft_changes(aircraft_id=aircraft.pk)
    assert (change.action, change.changed_by_id, change.changed_at, change.before) == (
        "created",
        clerk.pk,
        NOW,
        None,
    )
    assert change.after["registration_mark"] == "4401350701"
    entry = last_audit()
    assert (entry.action, entry.actor_id, entry.subject_type, entry.subject_id) == (
        "aircraft.register",
        clerk.pk,
        "policies.aircraft",
        str(aircraft.pk),
    )
    assert entry.after == change.after


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"agreed_value": Decimal("-70000000")}, [("agreed_value", "positive")]),
        ({"agreed_value": "0"}, [("agreed_value", "positive")]),
        ({"agreed_value": "七千万"}, [("agreed_value", "number")]),
        ({"agreed_value": "1.001"}, [("agreed_value", "money")]),
        ({"agreed_value": ""}, [("agreed_value", "required")]),
        ({"registration_mark": "4401120088"}, [("registration_mark", "unique")]),
        ({"registration_mark": "４４０１ １２００８８"}, [("registration_mark", "unique")]),
        ({"registration_mark": "B/7188"}, [("registration_mark", "registration_mark_format")]),
        ({"registration_mark": ""}, [("registration_mark", "required")]),
        ({"purchase_year": 2027}, [("purchase_year", "range")]),
        ({"purchase_year": 1899}, [("purchase_year", "range")]),
        ({"purchase_year": "twenty"}, [("purchase_year", "integer")]),
        ({"crew_seats": 0}, [("crew_seats", "range")]),
        ({"passenger_seats": -1}, [("passenger_seats", "range")]),
        ({"ownership": "rented"}, [("ownership", "choice")]),
        ({"model": "  "}, [("model", "required")]),
        ({"model": "H" * 51}, [("model", "max_length")]),
        (
            {"installed_equipment": [{"name": "吊舱", "sum_insured": "-1"}]},
            [("installed_equipment.1.sum_insured", "positive")],
        ),
        (
            {"agreed_value": "-1", "registration_mark": "4401120088", "ownership": "x"},
            [
                ("registration_mark", "unique"),
                ("agreed_value", "positive"),
                ("ownership", "choice"),
            ],
        ),
    ],
)
def test_aircraft_register_refuses_bad_input_and_changes_nothing(clerk, police, fields, expected):
    make_aircraft(clerk, police)
    before = counts()

    with pytest.raises(ValidationFailed) as caught:
        make_aircraft(clerk, police, **{"registration_mark": "4401220255", **fields})

    assert rules(caught) == expected
    assert counts() == before


def test_a_negative_agreed_value_gets_a_clear_message(clerk, police):
    with pytest.raises(ValidationFailed) as caught:
        make_aircraft(clerk, police, agreed_value="-5")
    assert caught.value.message == "agreed_value: The amount must be more than zero."


def test_the_registration_mark_is_unique_across_customers(clerk, police):
    make_aircraft(clerk, police)
    with pytest.raises(ValidationFailed) as caught:
        make_aircraft(clerk, make_other_customer(), registration_mark="4401120088")
    assert rules(caught) == [("registration_mark", "unique")]
    assert caught.value.message == (
        "registration_mark: Another aircraft already has the registration mark 4401120088."
    )


def test_aircraft_register_refuses_an_unknown_customer(clerk):
    before = counts()
    with pytest.raises(ValidationFailed) as caught:
        aircraft_register(
            acting_user=clerk,
            customer_id=999999,
            model="H145",
            registration_mark="B-7001",
            agreed_value="1",
            purchase_year=2020,
            crew_seats=2,
            passenger_seats=6,
            ownership="owned",
        )
    assert rules(caught) == [("customer", "unknown")]
    assert counts() == before


@pytest.mark.parametrize("role", [None, "agent", "adjuster", "auditor", "customer"])
def test_registering_needs_the_add_permission(role_user, police, role):
    user = role_user(role) if role else None
    before = counts()

    with pytest.raises(InsuredObjectsPermissionDenied):
        make_aircraft(user, police)
    with pytest.raises(InsuredObjectsPermissionDenied):
        make_insured_person(user, police)

    assert counts() == before


def test_aircraft_update_records_the_changed_fields_with_the_reason(clerk, police):
    aircraft = make_aircraft(clerk, police)

    aircraft_update(
        acting_user=clerk,
        aircraft_id=aircraft.pk,
        agreed_value=Decimal("65000000"),
        installed_equipment=[{"name": "搜索灯", "sum_insured": "800000.00"}],
        model="H145",  # unchanged
        reason="年度重估",
        now=NOW,
    )

    aircraft.refresh_from_db()
    assert aircraft.agreed_value == Decimal("65000000.00")
    changes = list(aircraft_changes(aircraft_id=aircraft.pk))
    assert [c.action for c in changes] == ["created", "updated"]
    assert changes[1].before == {"agreed_value": "70000000.00", "installed_equipment": []}
    assert changes[1].after == {
        "agreed_value": "65000000",
        "installed_equipment": [{"name": "搜索灯", "sum_insured": "800000.00"}],
    }
    assert changes[1].reason == "年度重估"
    entry = last_audit()
    assert (entry.action, entry.before) == ("aircraft.update", changes[1].before)
    assert entry.after == {**changes[1].after, "reason": "年度重估"}


def test_aircraft_update_without_change_writes_nothing(clerk, police):
    aircraft = make_aircraft(clerk, police)
    before = counts()

    aircraft_update(
        acting_user=clerk, aircraft_id=aircraft.pk, registration_mark="4401 120088", now=NOW
    )

    assert counts() == before


def test_aircraft_update_refuses_a_taken_mark_and_a_negative_value(clerk, police):
    first = make_aircraft(clerk, police)
    make_aircraft(clerk, police, registration_mark="4401220255")
    before = counts()

    with pytest.raises(ValidationFailed) as caught:
        aircraft_update(
            acting_user=clerk,
            aircraft_id=first.pk,
            registration_mark="4401220255",
            agreed_value="-1",
        )

    assert rules(caught) == [("registration_mark", "unique"), ("agreed_value", "positive")]
    assert counts() == before
    first.refresh_from_db()
    assert (first.registration_mark, first.agreed_value) == ("4401120088", Decimal("70000000"))


def test_aircraft_update_out_of_service_and_unknown(clerk, police):
    aircraft = make_aircraft(clerk, police)
    aircraft_update(acting_user=clerk, aircraft_id=aircraft.pk, is_active=False, now=NOW)
    aircraft.refresh_from_db()
    assert aircraft.is_active is False
    with pytest.raises(AircraftNotFound):
        aircraft_update(acting_user=clerk, aircraft_id=999999, model="H135")


def test_changing_needs_the_change_permission(police, role_user):
    adder = make_insured_clerk()
    aircraft = make_aircraft(adder, police)
    person = make_insured_person(adder, police)
    viewer = role_user("agent")  # sees the registers, may not change them
    before = counts()

    with pytest.raises(InsuredObjectsPermissionDenied):
        aircraft_update(acting_user=viewer, aircraft_id=aircraft.pk, model="H135")
    with pytest.raises(InsuredObjectsPermissionDenied):
        insured_person_update(acting_user=viewer, person_id=person.pk, name="改名")

    assert counts() == before


# --- insured persons -----------------------------------------------------------------------


def test_insured_person_add_encrypts_indexes_and_masks_everywhere(clerk, police):
    person = insured_person_add(
        acting_user=clerk,
        customer_id=police.pk,
        name=" 林海（演示） ",
        id_number=ID_PILOT.lower(),
        category="pilot",
        occupation="机长",
        department="飞行大队",
        now=NOW,
    )

    person.refresh_from_db()
    assert (person.name, person.id_number, person.category) == ("林海（演示）", ID_PILOT, "pilot")
    assert person.birth_date == date(1980, 3, 14)
    assert person.id_number_masked == f"{ID_PILOT[:4]}**********{ID_PILOT[-4:]}"
    assert len(person.id_number_index) == 64
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number FROM policies_insuredperson WHERE id = %s", [person.pk])
        stored = cursor.fetchone()[0]
    assert stored.startswith("v1:") and ID_PILOT not in stored
    [change] = insured_person_changes(person_id=person.pk)
    assert change.after["id_number"] == person.id_number_masked
    entry = last_audit()
    assert (entry.action, entry.after["id_number"]) == (
        "insured_person.add",
        person.id_number_masked,
    )
    assert ID_PILOT not in everything_written_text()


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        (
            {"id_number": ID_PILOT[:-1] + ("0" if ID_PILOT[-1] != "0" else "1")},
            [("id_number", "id_number_checksum")],
        ),
        ({"id_number": "12345"}, [("id_number", "id_number_format")]),
        ({"id_number": "440199" + "19801340" + "0114"}, [("id_number", "id_number_birth_date")]),
        ({"id_number": ""}, [("id_number", "required")]),
        ({"id_number": ID_PILOT}, [("id_number", "unique")]),
        ({"category": "cook"}, [("category", "choice")]),
        ({"category": ""}, [("category", "required")]),
        ({"name": ""}, [("name", "required")]),
        ({"department": "部" * 101}, [("department", "max_length")]),
    ],
)
def test_insured_person_add_refuses_bad_input_and_changes_nothing(clerk, police, fields, expected):
    make_insured_person(clerk, police)
    before = counts()

    with pytest.raises(ValidationFailed) as caught:
        make_insured_person(clerk, police, **{"id_number": ID_CREW, **fields})

    assert rules(caught) == expected
    assert counts() == before


def test_the_same_person_may_be_insured_by_two_customers(clerk, police):
    make_insured_person(clerk, police)
    other = make_insured_person(clerk, make_other_customer())
    assert other.id_number_index == InsuredPerson.objects.first().id_number_index


def test_a_person_leaves_and_comes_back(clerk, police):
    person = make_insured_person(clerk, police)

    insured_person_update(
        acting_user=clerk, person_id=person.pk, status="left", reason="调离", now=NOW
    )
    person.refresh_from_db()
    assert (person.status, person.left_on) == ("left", date(2026, 3, 2))

    insured_person_update(acting_user=clerk, person_id=person.pk, status="active", now=NOW)
    person.refresh_from_db()
    assert (person.status, person.left_on) == ("active", None)

    changes = list(insured_person_changes(person_id=person.pk))
    assert [(c.action, c.before, c.after, c.reason) for c in changes[1:]] == [
        (
            "updated",
            {"status": "active", "left_on": None},
            {"status": "left", "left_on": "2026-03-02"},
            "调离",
        ),
        (
            "updated",
            {"status": "left", "left_on": "2026-03-02"},
            {"status": "active", "left_on": None},
            "",
        ),
    ]


def test_a_leaving_date_needs_the_left_status(clerk, police):
    person = make_insured_person(clerk, police)
    before = counts()
    with pytest.raises(ValidationFailed) as caught:
        insured_person_update(acting_user=clerk, person_id=person.pk, left_on=date(2026, 1, 1))
    assert rules(caught) == [("left_on", "status_left")]
    with pytest.raises(ValidationFailed) as caught:
        insured_person_update(acting_user=clerk, person_id=person.pk, status="retired")
    assert rules(caught) == [("status", "choice")]
    assert counts() == before


def test_changing_the_id_number_updates_the_index_and_keeps_it_masked(clerk, police):
    person = make_insured_person(clerk, police)

    insured_person_update(
        acting_user=clerk, person_id=person.pk, id_number=ID_GROUND, category="ground_crew", now=NOW
    )

    assert list(insured_person_list(query=ID_GROUND)) == [person]
    assert list(insured_person_list(query=ID_PILOT)) == []
    change = insured_person_changes(person_id=person.pk).last()
    assert change.before["id_number"] == f"{ID_PILOT[:4]}**********{ID_PILOT[-4:]}"
    assert change.after["id_number"] == f"{ID_GROUND[:4]}**********{ID_GROUND[-4:]}"
    assert change.after["birth_date"] == "1995-10-04"
    text = everything_written_text()
    assert ID_PILOT not in text and ID_GROUND not in text


def test_insured_person_update_unknown(clerk):
    with pytest.raises(InsuredPersonNotFound):
        insured_person_update(acting_user=clerk, person_id=999999, name="x")


def test_id_reveal_needs_the_pii_permission_and_is_audited_either_way(police):
    holder = make_insured_clerk("clerk", "parties.view_pii")
    other = make_insured_clerk("agent")
    person = make_insured_person(holder, police)

    assert insured_person_id_reveal(acting_user=holder, person_id=person.pk) == ID_PILOT
    entry = last_audit()
    assert (entry.action, entry.result, entry.after) == (
        "insured_person.id_reveal",
        "success",
        {"fields": ["id_number"]},
    )

    with pytest.raises(PermissionDenied):
        insured_person_id_reveal(acting_user=other, person_id=person.pk)
    entry = last_audit()
    assert (entry.action, entry.result, entry.actor_id) == (
        "insured_person.id_reveal",
        "denied",
        other.pk,
    )
