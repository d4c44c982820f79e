import pytest
from django.contrib.auth.models import AnonymousUser

from coverdesk.parties.access import (
    customer_party_for_user,
    parties_for_user,
    party_access_for_user,
)
from coverdesk.parties.exceptions import PartyNotFound
from coverdesk.parties.services import customer_access_grant
from coverdesk.parties.tests.factories import CREDIT_OTHER, make_organisation, make_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(role_user):
    police = make_organisation()
    other = make_organisation(name="其他单位", credit_code=CREDIT_OTHER)
    person = make_person()
    customer = role_user("customer")
    customer_access_grant(user=customer, party=police, acting_user=None)
    return {"police": police, "other": other, "person": person, "customer": customer}


@pytest.mark.parametrize(
    "role",
    [
        "broker",
        "clerk",
        "agent",
        "adjuster",
        "surveyor",
        "backoffice",
        "head",
        "manager",
        "auditor",
        "admin",
    ],
)
def test_staff_with_view_party_reach_every_customer(world, role_user, role):
    user = role_user(role)

    reached = [
        party_access_for_user(user=user, party_id=p.pk)
        for p in (world["police"], world["other"], world["person"])
    ]

    assert reached == [world["police"], world["other"], world["person"]]
    assert list(parties_for_user(user=user)) == [world["other"], world["police"], world["person"]]
    assert customer_party_for_user(user=user) is None


def test_a_customer_reaches_only_their_own_organisation(world):
    customer = world["customer"]

    own = party_access_for_user(user=customer, party_id=world["police"].pk)

    assert own == world["police"]
    assert list(parties_for_user(user=customer)) == [world["police"]]
    assert list(parties_for_user(user=customer, query="其他")) == []
    assert customer_party_for_user(user=customer) == world["police"]
    for party in (world["other"], world["person"]):
        with pytest.raises(PartyNotFound):
            party_access_for_user(user=customer, party_id=party.pk)


def test_a_missing_customer_and_a_foreign_one_look_the_same(world):
    with pytest.raises(PartyNotFound) as foreign:
        party_access_for_user(user=world["customer"], party_id=world["other"].pk)
    with pytest.raises(PartyNotFound) as missing:
        party_access_for_user(user=world["customer"], party_id=999_999)

    assert (foreign.value.code, foreign.value.message) == (
        missing.value.code,
        missing.value.message,
    )
    assert foreign.value.status_code == 404


def test_a_customer_without_access_or_who_lost_the_role_reaches_nothing(world, role_user):
    stranger = role_user("customer")
    demoted = world["customer"]
    demoted.groups.clear()
    demoted._coverdesk_roles = None

    for user in (stranger, demoted):
        with pytest.raises(PartyNotFound):
            party_access_for_user(user=user, party_id=world["police"].pk)
        assert list(parties_for_user(user=user)) == []


def test_users_without_a_role_and_anonymous_users_reach_nothing(world, role_user):
    for user in (role_user(None), AnonymousUser()):
        with pytest.raises(PartyNotFound):
            party_access_for_user(user=user, party_id=world["police"].pk)
        assert list(parties_for_user(user=user)) == []
        assert customer_party_for_user(user=user) is None


def test_an_inactive_customer_reaches_nothing(world):
    customer = world["customer"]
    customer.is_active = False
    customer.save(update_fields=["is_active"])

    with pytest.raises(PartyNotFound):
        party_access_for_user(user=customer, party_id=world["police"].pk)
