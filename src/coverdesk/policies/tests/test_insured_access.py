"""Who sees which insured objects, and the reads behind the screens."""

import pytest
from django.contrib.auth.models import AnonymousUser

from coverdesk.catalog.tests.factories import grant
from coverdesk.parties.services import customer_access_grant
from coverdesk.policies.access.insured import (
    aircraft_for_user,
    aircraft_for_user_list,
    insured_person_for_user,
    insured_persons_for_user,
)
from coverdesk.policies.selectors.insured import (
    AircraftNotFound,
    InsuredPersonNotFound,
    aircraft_by_registration,
    aircraft_list,
    insured_heads_by_category,
    insured_person_list,
    insured_person_masked,
)
from coverdesk.policies.services.insured import insured_person_update
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
def world(role_user):
    clerk = make_insured_clerk()
    police, other = make_police(), make_other_customer()
    own_aircraft = make_aircraft(clerk, police)
    other_aircraft = make_aircraft(clerk, other, registration_mark="B-7001", model="AW139")
    own_person = make_insured_person(clerk, police)
    other_person = make_insured_person(clerk, other, id_number=ID_CREW, name="外单位人员")
    customer = role_user("customer")
    customer_access_grant(user=customer, party=police, acting_user=None)
    return {
        "police": police,
        "other": other,
        "own_aircraft": own_aircraft,
        "other_aircraft": other_aircraft,
        "own_person": own_person,
        "other_person": other_person,
        "customer": customer,
    }


def test_staff_with_view_permissions_see_every_customer_s_objects(world, role_user):
    surveyor = grant(role_user("surveyor"), "policies.view_aircraft", "policies.view_insuredperson")

    assert set(aircraft_for_user_list(user=surveyor)) == {
        world["own_aircraft"],
        world["other_aircraft"],
    }
    assert list(aircraft_for_user_list(user=surveyor, customer_id=world["other"].pk)) == [
        world["other_aircraft"]
    ]
    assert (
        insured_person_for_user(user=surveyor, person_id=world["other_person"].pk)
        == (world["other_person"])
    )


def test_a_customer_user_sees_only_their_own_organisation_s_objects(world):
    customer = world["customer"]

    assert list(aircraft_for_user_list(user=customer)) == [world["own_aircraft"]]
    assert list(insured_persons_for_user(user=customer)) == [world["own_person"]]
    assert (
        aircraft_for_user(user=customer, aircraft_id=world["own_aircraft"].pk)
        == (world["own_aircraft"])
    )
    with pytest.raises(AircraftNotFound):
        aircraft_for_user(user=customer, aircraft_id=world["other_aircraft"].pk)
    with pytest.raises(InsuredPersonNotFound):
        insured_person_for_user(user=customer, person_id=world["other_person"].pk)
    assert list(aircraft_for_user_list(user=customer, customer_id=world["other"].pk)) == []
    assert list(insured_persons_for_user(user=customer, customer_id=world["other"].pk)) == []


def test_users_without_the_view_permission_or_inactive_see_nothing(world, role_user):
    inactive = make_insured_clerk()
    inactive.is_active = False
    inactive.save()
    for user in (role_user(None), inactive):
        assert list(aircraft_for_user_list(user=user)) == []
        assert list(insured_persons_for_user(user=user)) == []
        with pytest.raises(AircraftNotFound):
            aircraft_for_user(user=user, aircraft_id=world["own_aircraft"].pk)


def test_anonymous_sees_nothing(world):
    anonymous = AnonymousUser()
    assert list(aircraft_for_user_list(user=anonymous)) == []
    with pytest.raises(InsuredPersonNotFound):
        insured_person_for_user(user=anonymous, person_id=world["own_person"].pk)


def test_searches(world):
    assert list(aircraft_list(query="1200")) == [world["own_aircraft"]]
    assert list(aircraft_list(query="aw139")) == [world["other_aircraft"]]
    assert aircraft_by_registration(registration_mark=" b-7001 ") == world["other_aircraft"]
    with pytest.raises(AircraftNotFound):
        aircraft_by_registration(registration_mark="B-0000")
    assert list(insured_person_list(query="林海")) == [world["own_person"]]
    assert list(insured_person_list(query=ID_CREW.lower())) == [world["other_person"]]
    assert list(insured_person_list(query=ID_PILOT, customer_id=world["other"].pk)) == []


def test_heads_by_category_count_active_persons(world):
    clerk = make_insured_clerk()
    police = world["police"]
    make_insured_person(clerk, police, id_number=ID_CREW, category="aircrew", name="周明（演示）")
    leaver = make_insured_person(
        clerk, police, id_number=ID_GROUND, category="ground_crew", name="马力（演示）"
    )
    assert insured_heads_by_category(customer_id=police.pk) == {
        "aircrew": 1,
        "ground_crew": 1,
        "pilot": 1,
    }

    insured_person_update(acting_user=clerk, person_id=leaver.pk, status="left", now=NOW)

    assert insured_heads_by_category(customer_id=police.pk) == {"aircrew": 1, "pilot": 1}


def test_the_masked_view_of_a_person(world):
    data = insured_person_masked(world["own_person"])
    assert data["id_number"] == f"{ID_PILOT[:4]}**********{ID_PILOT[-4:]}"
    assert (data["name"], data["category"], data["status"]) == ("林海（演示）", "pilot", "active")
