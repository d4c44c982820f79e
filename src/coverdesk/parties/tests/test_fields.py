"""EncryptedTextField and BlindIndexField against the database, through the Party model."""

import pytest
from django.core.exceptions import FieldError
from django.db import connection

from coverdesk.core import crypto
from coverdesk.core.crypto import DecryptionError
from coverdesk.core.fields import (
    blind_index_value,
    blind_indexes_refresh,
    encrypted_columns,
)
from coverdesk.parties.models import Contact, Party
from coverdesk.parties.tests.factories import (
    EMAIL_ZHANG,
    ID_ZHANG,
    PHONE_ZHANG,
    make_contact,
    make_organisation,
    make_person,
)

pytestmark = pytest.mark.django_db


def stored(table, pk, *columns):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(columns)} FROM {table} WHERE id = %s", [pk])
        return cursor.fetchone()


def test_values_are_stored_as_ciphertext_bound_to_their_column_and_read_back_plain():
    party = make_person()

    id_number, phone, email = stored("parties_party", party.pk, "id_number", "phone", "email")

    active = crypto.key_ring().active
    for value in (id_number, phone, email):
        assert value.startswith(f"v1:{active}:")
    assert ID_ZHANG not in id_number
    assert crypto.decrypt(id_number, context="parties.party.id_number") == ID_ZHANG
    assert crypto.decrypt(phone, context="parties.party.phone") == PHONE_ZHANG
    assert Party.objects.values_list("email", flat=True).get() == EMAIL_ZHANG


def test_empty_values_are_stored_as_null():
    party = make_organisation()

    assert stored("parties_party", party.pk, "id_number", "phone", "email") == (None, None, None)


def test_a_ciphertext_moved_to_another_column_fails_to_read():
    party = make_person()
    (phone,) = stored("parties_party", party.pk, "phone")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE parties_party SET email = %s WHERE id = %s", [phone, party.pk])

    with pytest.raises(DecryptionError, match=r"parties\.party\.email"):
        Party.objects.get(pk=party.pk)


@pytest.mark.parametrize(
    "lookup",
    ["phone", "phone__exact", "phone__icontains", "phone__startswith", "phone__in", "phone__lower"],
)
def test_encrypted_fields_refuse_every_lookup_but_isnull(lookup):
    make_person()
    value = [PHONE_ZHANG] if lookup.endswith("__in") else PHONE_ZHANG

    with pytest.raises(FieldError):
        list(Party.objects.filter(**{lookup: value}))
    assert Party.objects.filter(phone__isnull=False).count() == 1
    assert Party.objects.filter(id_number__isnull=True).count() == 0


def test_the_lookup_error_points_to_the_blind_index():
    with pytest.raises(FieldError, match=r"parties\.party\.phone is encrypted.*blind index"):
        Party.objects.filter(phone=PHONE_ZHANG).exists()


def test_blind_indexes_refresh_sets_each_index_from_its_source():
    party = Party(kind="person", name="X", phone="13812345678", email=None, id_number=ID_ZHANG)

    names = blind_indexes_refresh(party)

    assert names == ["id_number_index", "phone_index", "email_index"]
    assert party.phone_index == blind_index_value("138 1234 5678", "phone")
    assert party.id_number_index == crypto.blind_index(ID_ZHANG, "id_number")
    assert party.email_index is None


def test_a_phone_on_a_party_and_on_a_contact_share_one_index():
    party = make_person()
    contact = make_contact(make_organisation(), phone=PHONE_ZHANG)

    assert party.phone_index == contact.phone_index
    assert Contact.objects.filter(phone_index=party.phone_index).get() == contact


def test_encrypted_columns_are_discovered_through_the_app_registry():
    labels = [column.label for column in encrypted_columns()]

    for label in [
        "parties.contact.email",
        "parties.contact.phone",
        "parties.party.email",
        "parties.party.id_number",
        "parties.party.phone",
    ]:
        assert label in labels
    contexts = {column.label: column.field.context for column in encrypted_columns()}
    assert contexts["parties.party.id_number"] == "parties.party.id_number"
