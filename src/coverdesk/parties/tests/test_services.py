import json

import pytest

from coverdesk.audit.models import AuditEntry
from coverdesk.core.exceptions import ValidationFailed
from coverdesk.parties.choices import PartyKind
from coverdesk.parties.exceptions import PartyNotFound
from coverdesk.parties.models import Contact, CustomerAccess, Party
from coverdesk.parties.services import (
    contact_add,
    customer_access_grant,
    party_create,
    party_update,
)
from coverdesk.parties.tests.factories import (
    CREDIT_OTHER,
    CREDIT_POLICE,
    EMAIL_ZHANG,
    ID_LI,
    ID_ZHANG,
    PHONE_DESK,
    PHONE_ZHANG,
    make_contact,
    make_organisation,
    make_person,
)

pytestmark = pytest.mark.django_db


def last_audit():
    return AuditEntry.objects.order_by("sequence").last()


def all_audit_text():
    return json.dumps(list(AuditEntry.objects.values("before", "after")), ensure_ascii=False)


def test_party_create_person_stores_normalised_values_indexes_and_audits_masked(role_user):
    clerk = role_user("clerk")

    party = party_create(
        acting_user=clerk,
        kind=PartyKind.PERSON,
        name=" 张三 ",
        name_en="Zhang San",
        id_number="440102 19900101 123x",
        phone="+86 138 1234 5678",
        email="zhang.san@Example.com",
        address="广州市越秀区",
        notes="VIP",
    )

    party.refresh_from_db()
    assert (party.kind, party.name, party.name_en) == (PartyKind.PERSON, "张三", "Zhang San")
    assert (party.id_number, party.phone, party.email) == (ID_ZHANG, PHONE_ZHANG, EMAIL_ZHANG)
    assert (party.address, party.notes, party.is_active) == ("广州市越秀区", "VIP", True)
    assert len(party.id_number_index) == len(party.phone_index) == len(party.email_index) == 64
    entry = last_audit()
    assert (entry.action, entry.actor_id, entry.subject_type, entry.subject_id) == (
        "party.create",
        clerk.pk,
        "parties.party",
        str(party.pk),
    )
    assert entry.before is None
    assert entry.after == {
        "kind": "person",
        "name": "张三",
        "name_en": "Zhang San",
        "credit_code": "",
        "id_number": "4401**********123X",
        "phone": "138****5678",
        "email": "z********@example.com",
        "address": "广州市越秀区",
        "notes": "VIP",
        "is_active": True,
    }


def test_party_create_organisation_without_personal_data_stores_nulls():
    party = make_organisation(phone=PHONE_DESK)

    party.refresh_from_db()
    assert (party.kind, party.credit_code, party.phone) == (
        "organisation",
        CREDIT_POLICE,
        PHONE_DESK,
    )
    assert (party.id_number, party.email) == (None, None)
    assert (party.id_number_index, party.email_index) == (None, None)
    assert Party.objects.filter(id_number__isnull=True, email__isnull=True).count() == 1


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"kind": "person", "name": ""}, [("name", "required")]),
        ({"kind": "robot", "name": "X"}, [("kind", "choice")]),
        ({"kind": "person", "name": "X" * 201}, [("name", "max_length")]),
        (
            {"kind": "person", "name": "X", "id_number": "440102199001011234"},
            [("id_number", "id_number_checksum")],
        ),
        ({"kind": "person", "name": "X", "phone": "1381234567"}, [("phone", "mobile_format")]),
        ({"kind": "person", "name": "X", "email": "zhang"}, [("email", "email_format")]),
        (
            {"kind": "person", "name": "X", "credit_code": CREDIT_OTHER},
            [("credit_code", "organisation_only")],
        ),
        ({"kind": "organisation", "name": "X", "id_number": ID_LI}, [("id_number", "person_only")]),
        (
            {"kind": "organisation", "name": "X", "credit_code": "91440101MA5CXXXXX3"},
            [("credit_code", "credit_code_checksum")],
        ),
        (
            {"kind": "person", "name": "", "phone": "abc", "email": "zhang", "id_number": "1"},
            [
                ("name", "required"),
                ("id_number", "id_number_format"),
                ("phone", "phone_format"),
                ("email", "email_format"),
            ],
        ),
    ],
)
def test_party_create_with_bad_input_names_every_field_and_writes_nothing(fields, errors):
    audit_before = AuditEntry.objects.count()

    with pytest.raises(ValidationFailed) as caught:
        party_create(acting_user=None, **fields)

    assert [(e.field, e.rule) for e in caught.value.fields] == errors
    assert caught.value.status_code == 422
    assert Party.objects.count() == 0
    assert AuditEntry.objects.count() == audit_before


def test_party_create_refuses_a_second_customer_with_the_same_id_number_or_credit_code():
    make_person()
    make_organisation()
    counts = (Party.objects.count(), AuditEntry.objects.count())

    with pytest.raises(ValidationFailed) as by_id:
        make_person(name="张三丰", id_number=ID_ZHANG.lower())
    with pytest.raises(ValidationFailed) as by_code:
        make_organisation(name="另一个单位")

    assert [(e.field, e.rule) for e in by_id.value.fields] == [("id_number", "unique")]
    assert [(e.field, e.rule) for e in by_code.value.fields] == [("credit_code", "unique")]
    assert (Party.objects.count(), AuditEntry.objects.count()) == counts


def test_party_update_changes_given_fields_refreshes_indexes_and_audits_masked_diff(role_user):
    clerk = role_user("clerk")
    party = make_person()
    old_phone_index = party.phone_index

    party_update(
        party_id=party.pk,
        acting_user=clerk,
        phone="13987654321",
        name_en="Zhang San",
        is_active=False,
    )

    party.refresh_from_db()
    assert (party.phone, party.name_en, party.is_active) == ("13987654321", "Zhang San", False)
    assert (party.name, party.id_number, party.email) == ("张三", ID_ZHANG, EMAIL_ZHANG)
    assert party.phone_index != old_phone_index
    assert Party.objects.filter(phone_index=old_phone_index).count() == 0
    entry = last_audit()
    assert (entry.action, entry.actor_id) == ("party.update", clerk.pk)
    assert entry.before == {"name_en": "", "phone": "138****5678", "is_active": True}
    assert entry.after == {"name_en": "Zhang San", "phone": "139****4321", "is_active": False}


def test_party_update_with_empty_string_clears_personal_data_and_its_index():
    party = make_person()

    party_update(party_id=party.pk, acting_user=None, email="", phone="")

    party.refresh_from_db()
    assert (party.email, party.email_index, party.phone, party.phone_index) == (None,) * 4
    assert party.id_number == ID_ZHANG


def test_party_update_without_change_writes_no_audit_entry():
    party = make_person()
    count = AuditEntry.objects.count()

    party_update(party_id=party.pk, acting_user=None, name="张三", phone="138 1234 5678")

    assert AuditEntry.objects.count() == count


def test_party_update_with_bad_input_changes_nothing():
    party = make_person()
    count = AuditEntry.objects.count()

    with pytest.raises(ValidationFailed) as caught:
        party_update(party_id=party.pk, acting_user=None, name="新名字", phone="12345")

    assert [(e.field, e.rule) for e in caught.value.fields] == [("phone", "mobile_format")]
    party.refresh_from_db()
    assert (party.name, party.phone) == ("张三", PHONE_ZHANG)
    assert AuditEntry.objects.count() == count


def test_party_update_of_a_missing_party_is_not_found():
    with pytest.raises(PartyNotFound):
        party_update(party_id=404, acting_user=None, name="X")


def test_contact_add_first_contact_becomes_primary_and_a_new_primary_replaces_it(role_user):
    agent = role_user("agent")
    party = make_organisation()

    first = make_contact(party, acting_user=agent)
    second = make_contact(party, name="王五", phone="13700001111", email="")
    third = make_contact(party, name="赵六", phone="", email="zhao@example.com", is_primary=True)

    assert [(c.name, c.is_primary) for c in party.contacts.all()] == [
        ("赵六", True),
        ("李四", False),
        ("王五", False),
    ]
    first.refresh_from_db()
    assert (first.phone, first.email, first.title) == ("13987654321", "li.si@example.com", "")
    assert (second.email, second.email_index) == (None, None)
    assert third.phone is None
    entry = AuditEntry.objects.filter(action="contact.add").order_by("sequence").first()
    assert (entry.actor_id, entry.subject_type, entry.subject_id) == (
        agent.pk,
        "parties.contact",
        str(first.pk),
    )
    assert entry.after == {
        "party": party.pk,
        "name": "李四",
        "title": "",
        "phone": "139****4321",
        "email": "l****@example.com",
        "is_primary": True,
    }


def test_contact_add_with_bad_input_writes_nothing():
    party = make_organisation()
    count = AuditEntry.objects.count()

    with pytest.raises(ValidationFailed) as caught:
        contact_add(party_id=party.pk, acting_user=None, name=" ", phone="1", email="x@")

    assert [(e.field, e.rule) for e in caught.value.fields] == [
        ("name", "required"),
        ("phone", "mobile_format"),
        ("email", "email_format"),
    ]
    assert Contact.objects.count() == 0
    assert AuditEntry.objects.count() == count


def test_contact_add_to_a_missing_party_is_not_found():
    with pytest.raises(PartyNotFound):
        contact_add(party_id=404, acting_user=None, name="李四")


def test_customer_access_grant_links_a_customer_user_and_moving_it_is_audited(role_user):
    admin = role_user("admin")
    customer = role_user("customer")
    police = make_organisation()
    other = make_organisation(name="其他单位", credit_code=CREDIT_OTHER)

    access = customer_access_grant(user=customer, party=police, acting_user=admin)
    again = customer_access_grant(user=customer, party=police, acting_user=admin)
    moved = customer_access_grant(user=customer, party=other, acting_user=admin)

    assert access.pk == again.pk == moved.pk
    assert CustomerAccess.objects.get(user=customer).party == other
    entries = list(
        AuditEntry.objects.filter(action="customer_access.grant")
        .order_by("sequence")
        .values_list("before", "after")
    )
    assert entries == [
        (None, {"user": customer.pk, "party": police.pk}),
        ({"party": police.pk}, {"user": customer.pk, "party": other.pk}),
    ]


def test_customer_access_grant_refuses_staff_users_and_persons(role_user):
    clerk = role_user("clerk")
    customer = role_user("customer")
    person = make_person()
    count = AuditEntry.objects.count()

    with pytest.raises(ValidationFailed) as staff:
        customer_access_grant(user=clerk, party=make_organisation(), acting_user=None)
    with pytest.raises(ValidationFailed) as to_person:
        customer_access_grant(user=customer, party=person, acting_user=None)

    assert [(e.field, e.rule) for e in staff.value.fields] == [("user", "customer_role")]
    assert [(e.field, e.rule) for e in to_person.value.fields] == [("party", "organisation_only")]
    assert CustomerAccess.objects.count() == 0
    assert AuditEntry.objects.count() == count + 1  # only the organisation's creation


def test_no_personal_data_reaches_the_audit_trail_in_plaintext():
    party = make_person()
    make_contact(make_organisation())
    party_update(party_id=party.pk, acting_user=None, phone="13700001111", email="wang@example.com")

    text = all_audit_text()

    for plaintext in [
        ID_ZHANG,
        PHONE_ZHANG,
        EMAIL_ZHANG,
        "13987654321",
        "li.si@example.com",
        "13700001111",
        "wang@example.com",
    ]:
        assert plaintext not in text
    assert "4401**********123X" in text
