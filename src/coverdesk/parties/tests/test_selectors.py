import pytest

from coverdesk.parties.exceptions import PartyNotFound
from coverdesk.parties.presentation import party_masked
from coverdesk.parties.selectors import contact_list, party_get, party_list
from coverdesk.parties.tests.factories import (
    CREDIT_OTHER,
    CREDIT_POLICE,
    ID_LI,
    ID_ZHANG,
    make_contact,
    make_organisation,
    make_person,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def parties():
    zhang = make_person()
    li = make_person(
        name="李四", name_en="Li Si", id_number=ID_LI, phone="13900001111", email="li@example.com"
    )
    police = make_organisation(name_en="Police Aviation Unit", phone="020-87654321")
    other = make_organisation(name="其他单位", credit_code=CREDIT_OTHER)
    make_contact(police, name="王五", phone="13700002222", email="wang.wu@gaj.example.cn")
    return {"zhang": zhang, "li": li, "police": police, "other": other}


def names(queryset):
    return [party.name for party in queryset]


def test_party_list_without_query_lists_everyone_by_name(parties):
    assert names(party_list()) == ["其他单位", "市公安局警务航空队", "张三", "李四"]
    assert names(party_list(kind="person")) == ["张三", "李四"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("张", ["张三"]),
        ("警务", ["市公安局警务航空队"]),
        ("aviation", ["市公安局警务航空队"]),
        (CREDIT_POLICE.lower(), ["市公安局警务航空队"]),
        (ID_ZHANG, ["张三"]),
        (ID_ZHANG.lower(), ["张三"]),
        ("440102 19900101 123X", ["张三"]),
        ("13812345678", ["张三"]),
        ("+86 138-1234-5678", ["张三"]),
        ("ZHANG.SAN@example.com", ["张三"]),
        ("020 87654321", ["市公安局警务航空队"]),
        ("13700002222", ["市公安局警务航空队"]),  # the contact's phone
        ("wang.wu@gaj.example.cn", ["市公安局警务航空队"]),  # the contact's email
        ("1381234567", []),  # a partial number finds nothing: the search is exact
        ("4401", []),
        ("nobody@example.com", []),
    ],
)
def test_party_list_matches_names_by_substring_and_identifiers_exactly(parties, query, expected):
    assert names(party_list(query=query)) == expected


def test_party_list_with_masking_costs_one_query(parties, django_assert_num_queries):
    with django_assert_num_queries(1):
        rows = [party_masked(p) for p in party_list(query="13700002222")]
    with django_assert_num_queries(1):
        everyone = [party_masked(p) for p in party_list()]

    assert [row["name"] for row in rows] == ["市公安局警务航空队"]
    assert [row["phone"] for row in everyone] == ["", "020*****4321", "138****5678", "139****1111"]


def test_party_get_prefetches_contacts(parties, django_assert_num_queries):
    with django_assert_num_queries(2):
        party = party_get(party_id=parties["police"].pk)
        contacts = [c.name for c in party.contacts.all()]

    assert contacts == ["王五"]
    assert [c.name for c in contact_list(party_id=parties["police"].pk)] == ["王五"]


def test_party_get_of_a_missing_party_is_not_found(parties):
    with pytest.raises(PartyNotFound):
        party_get(party_id=999_999)


def test_party_masked_hides_personal_data(parties):
    assert party_masked(parties["zhang"]) == {
        "id": parties["zhang"].pk,
        "kind": "person",
        "name": "张三",
        "name_en": "",
        "credit_code": "",
        "id_number": "4401**********123X",
        "phone": "138****5678",
        "email": "z********@example.com",
        "address": "",
        "notes": "",
        "is_active": True,
    }
