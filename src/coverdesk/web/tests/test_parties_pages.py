import pytest
from django.urls import reverse

from coverdesk.audit.models import AuditEntry
from coverdesk.parties.tests.factories import (
    EMAIL_ZHANG,
    ID_ZHANG,
    PHONE_LI,
    PHONE_ZHANG,
    make_contact,
    make_organisation,
    make_person,
)

PLAIN = [ID_ZHANG, PHONE_ZHANG, EMAIL_ZHANG]


@pytest.mark.django_db
def test_customer_list_shows_masked_personal_data_only(signed_in):
    # given
    client, _user = signed_in("broker")
    make_person()
    # when
    html = client.get(reverse("web:party_list")).content.decode()
    # then
    assert "张三" in html
    assert "4401**********123X" in html
    assert "138****5678" in html
    assert [value for value in PLAIN if value in html] == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("张", ["张三"]),
        (ID_ZHANG, ["张三"]),
        (PHONE_ZHANG, ["张三"]),
        (PHONE_LI, ["市公安局警务航空队"]),  # a contact's phone finds its organisation
        ("4401", []),  # ID numbers match exactly, never by a fragment
        ("nobody", []),
    ],
)
def test_customer_search_by_name_or_exact_identifier(signed_in, query, expected):
    # given
    client, _user = signed_in("agent")
    make_person()
    make_contact(make_organisation())
    # when
    response = client.post(reverse("web:party_list"), {"q": query})
    # then
    assert [row["name"] for row in response.context["rows"]] == expected
    # only what the user typed comes back in plain text, in the search box
    html = response.content.decode().replace(f'value="{query}"', "")
    assert [value for value in PLAIN if value in html] == []


@pytest.mark.django_db
def test_customer_detail_shows_contacts_masked_and_offers_reveal_to_pii_holders(signed_in):
    # given
    client, _user = signed_in("clerk")
    organisation = make_organisation()
    make_contact(organisation, title="Duty officer")
    # when
    html = client.get(reverse("web:party_detail", args=[organisation.pk])).content.decode()
    # then
    assert "李四" in html and "Duty officer" in html
    assert "139****4321" in html
    assert PHONE_LI not in html
    assert reverse("web:party_reveal", args=[organisation.pk]) in html


@pytest.mark.django_db
def test_reveal_button_is_absent_for_users_without_pii_permission(signed_in):
    # given
    client, _user = signed_in("agent")
    party = make_person()
    # when
    html = client.get(reverse("web:party_detail", args=[party.pk])).content.decode()
    # then
    assert reverse("web:party_reveal", args=[party.pk]) not in html


@pytest.mark.django_db
def test_reveal_by_htmx_shows_the_plain_values_and_is_audited(signed_in):
    # given
    client, user = signed_in("adjuster")
    party = make_person()
    make_contact(party, name="王五", phone=PHONE_LI, email="wang@example.com")
    # when
    response = client.post(
        reverse("web:party_reveal", args=[party.pk]), headers={"HX-Request": "true"}
    )
    # then
    html = response.content.decode()
    assert "<html" not in html
    assert 'data-revealed="true"' in html
    assert [value for value in [*PLAIN, PHONE_LI, "wang@example.com"] if value not in html] == []
    entry = AuditEntry.objects.get(action="party.pii_reveal")
    assert (entry.actor_id, entry.result, entry.subject_id) == (user.pk, "success", str(party.pk))


@pytest.mark.django_db
def test_reveal_refused_without_pii_permission_shows_nothing_and_is_audited(signed_in):
    # given
    client, user = signed_in("surveyor")
    party = make_person()
    # when
    response = client.post(reverse("web:party_reveal", args=[party.pk]))
    # then
    assert response.status_code == 403
    assert [value for value in PLAIN if value in response.content.decode()] == []
    entry = AuditEntry.objects.get(action="party.pii_reveal")
    assert (entry.actor_id, entry.result) == (user.pk, "denied")


@pytest.mark.django_db
def test_unknown_customer_is_404_for_detail_and_reveal(signed_in):
    # given
    client, _user = signed_in("clerk")
    # when
    detail = client.get(reverse("web:party_detail", args=[999999]))
    reveal = client.post(reverse("web:party_reveal", args=[999999]))
    # then
    assert (detail.status_code, reveal.status_code) == (404, 404)
    assert not AuditEntry.objects.filter(action="party.pii_reveal").exists()


@pytest.mark.django_db
def test_search_pages_are_posted_with_the_query_never_put_in_a_link(signed_in):
    # given: 51 matches, one more than a page
    client, _user = signed_in("clerk")
    for index in range(51):
        make_organisation(name=f"航空队{index:02d}", credit_code="")
    # when
    first = client.post(reverse("web:party_list"), {"q": "航空队"})
    second = client.post(reverse("web:party_list"), {"q": "航空队", "page": "2"})
    # then
    assert [row["name"] for row in second.context["rows"]] == ["航空队50"]
    html = first.content.decode()
    assert 'form="party-search" name="page" value="2"' in html
    assert "q=" not in html


@pytest.mark.django_db
def test_the_response_with_plain_personal_data_is_never_cached(signed_in):
    # given
    client, _user = signed_in("clerk")
    party = make_person()
    # when
    response = client.post(reverse("web:party_reveal", args=[party.pk]))
    # then
    assert "no-store" in response["Cache-Control"]
