import pytest
from django.contrib.auth.models import AnonymousUser

from coverdesk.audit.models import AuditEntry
from coverdesk.core.exceptions import PermissionDenied
from coverdesk.parties.exceptions import PartyNotFound
from coverdesk.parties.services import party_pii_reveal
from coverdesk.parties.tests.factories import (
    EMAIL_ZHANG,
    ID_ZHANG,
    PHONE_ZHANG,
    make_contact,
    make_organisation,
    make_person,
)

pytestmark = pytest.mark.django_db

ALLOWED = ["broker", "clerk", "adjuster", "backoffice"]
DENIED = ["agent", "surveyor", "head", "manager", "auditor", "admin", "customer"]


@pytest.mark.parametrize("role", ALLOWED)
def test_roles_with_view_pii_see_the_plain_values_and_the_reading_is_audited(role_user, role):
    user = role_user(role)
    party = make_person()

    revealed = party_pii_reveal(party_id=party.pk, acting_user=user)

    assert revealed == {
        "id": party.pk,
        "id_number": ID_ZHANG,
        "phone": PHONE_ZHANG,
        "email": EMAIL_ZHANG,
        "contacts": [],
    }
    entry = AuditEntry.objects.order_by("sequence").last()
    assert (entry.action, entry.result, entry.actor_id, entry.subject_id) == (
        "party.pii_reveal",
        "success",
        user.pk,
        str(party.pk),
    )
    assert entry.after == {"fields": ["id_number", "phone", "email"], "contacts": []}


def test_reveal_includes_the_contacts_personal_data(role_user):
    party = make_organisation(phone="020-87654321")
    contact = make_contact(party)

    revealed = party_pii_reveal(party_id=party.pk, acting_user=role_user("clerk"))

    assert revealed == {
        "id": party.pk,
        "id_number": "",
        "phone": "020-87654321",
        "email": "",
        "contacts": [
            {"id": contact.pk, "name": "李四", "phone": "13987654321", "email": "li.si@example.com"}
        ],
    }
    assert AuditEntry.objects.order_by("sequence").last().after == {
        "fields": ["phone"],
        "contacts": [contact.pk],
    }


@pytest.mark.parametrize("role", DENIED)
def test_roles_without_view_pii_are_denied_audited_and_shown_nothing(role_user, role):
    user = role_user(role)
    party = make_person()
    count = AuditEntry.objects.count()

    with pytest.raises(PermissionDenied) as caught:
        party_pii_reveal(party_id=party.pk, acting_user=user)

    assert caught.value.status_code == 403
    for plaintext in [ID_ZHANG, PHONE_ZHANG, EMAIL_ZHANG]:
        assert plaintext not in str(caught.value)
    assert AuditEntry.objects.count() == count + 1
    entry = AuditEntry.objects.order_by("sequence").last()
    assert (entry.action, entry.result, entry.actor_id, entry.subject_type, entry.subject_id) == (
        "party.pii_reveal",
        "denied",
        user.pk,
        "parties.party",
        str(party.pk),
    )
    assert (entry.before, entry.after) == (None, None)


def test_a_denied_user_cannot_tell_a_missing_customer_from_an_existing_one(role_user):
    agent = role_user("agent")

    with pytest.raises(PermissionDenied):
        party_pii_reveal(party_id=404, acting_user=agent)

    entry = AuditEntry.objects.order_by("sequence").last()
    assert (entry.result, entry.subject_id) == ("denied", "404")


def test_anonymous_users_are_denied_and_audited_without_actor():
    party = make_person()

    with pytest.raises(PermissionDenied):
        party_pii_reveal(party_id=party.pk, acting_user=AnonymousUser())

    entry = AuditEntry.objects.order_by("sequence").last()
    assert (entry.action, entry.result, entry.actor_id) == ("party.pii_reveal", "denied", None)


def test_an_inactive_user_loses_the_permission(role_user):
    clerk = role_user("clerk", is_active=False)
    party = make_person()

    with pytest.raises(PermissionDenied):
        party_pii_reveal(party_id=party.pk, acting_user=clerk)


def test_revealing_a_missing_customer_is_not_found_and_not_audited_as_success(role_user):
    clerk = role_user("clerk")
    count = AuditEntry.objects.count()

    with pytest.raises(PartyNotFound):
        party_pii_reveal(party_id=404, acting_user=clerk)

    assert AuditEntry.objects.count() == count
