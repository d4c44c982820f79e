"""Test customers made through the services, with identifiers that pass the national checks."""

from coverdesk.parties.choices import PartyKind
from coverdesk.parties.services import contact_add, party_create

# Valid GB 11643 ID numbers (checked in test_validation) and GB 32100 credit codes.
ID_ZHANG = "44010219900101123X"
ID_LI = "440304198506150015"
ID_WANG = "11010519491231002X"
CREDIT_POLICE = "91440101MA5CXXXXX2"
CREDIT_OTHER = "91110000100000000R"
PHONE_ZHANG = "13812345678"
PHONE_LI = "13987654321"
PHONE_DESK = "020-87654321"
EMAIL_ZHANG = "zhang.san@example.com"


def make_person(
    *,
    name="张三",
    id_number=ID_ZHANG,
    phone=PHONE_ZHANG,
    email=EMAIL_ZHANG,
    acting_user=None,
    **fields,
):
    return party_create(
        acting_user=acting_user,
        kind=PartyKind.PERSON,
        name=name,
        id_number=id_number,
        phone=phone,
        email=email,
        **fields,
    )


def make_organisation(
    *, name="市公安局警务航空队", credit_code=CREDIT_POLICE, acting_user=None, **fields
):
    return party_create(
        acting_user=acting_user,
        kind=PartyKind.ORGANISATION,
        name=name,
        credit_code=credit_code,
        **fields,
    )


def make_contact(
    party, *, name="李四", phone=PHONE_LI, email="li.si@example.com", acting_user=None, **fields
):
    return contact_add(
        party_id=party.pk, acting_user=acting_user, name=name, phone=phone, email=email, **fields
    )
