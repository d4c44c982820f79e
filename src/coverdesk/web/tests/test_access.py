"""Each role reaches exactly its pages: one row per page, one column per role."""

import pytest
from django.test import Client
from django.urls import reverse

from coverdesk.accounts.models import ApiToken
from coverdesk.audit.models import AuditEntry
from coverdesk.parties.tests.factories import make_person
from coverdesk.web.context_processors import menu_for

ROLES = (
    "admin",
    "broker",
    "clerk",
    "agent",
    "adjuster",
    "surveyor",
    "backoffice",
    "head",
    "manager",
    "auditor",
    "customer",
)

# GET pages     admin broker clerk agent adjuster surveyor backoffice head manager auditor customer
PAGES = {
    "web:home":         (200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    "web:party_list":   (200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 403),
    "web:party_detail": (200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 403),
    "web:user_list":    (200, 403, 403, 403, 403, 403, 403, 200, 200, 200, 403),
    "web:audit_list":   (200, 403, 403, 403, 403, 403, 403, 403, 403, 200, 403),
    "web:token_list":   (200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 403),
    # timeliness (sla); the rest of its pages and actions: test_sla_access.py
    "web:sla_tasks":     (200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 403),
    "web:sla_followups": (200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 403),
    "web:sla_warnings":  (200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 403),
    "web:sla_board":     (403, 403, 403, 403, 403, 403, 403, 200, 200, 200, 403),
    "web:sla_kpis":      (200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 403),
    "web:sla_standards": (200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 403),
    "web:sla_calendars": (200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 403),
    # policies, new business, servicing and registers; their other pages and actions have their
    # own tables (test_policies_pages.py, test_new_business_pages.py, test_servicing_pages.py, ...)
    "web:nb_worklist":         (403, 200, 403, 403, 403, 403, 403, 200, 200, 403, 403),
    "web:nb_followups":        (403, 200, 403, 403, 403, 403, 403, 403, 403, 403, 403),
    "web:policy_list":         (200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    "web:servicing_queue":     (403, 403, 200, 403, 403, 403, 403, 200, 200, 403, 403),
    "web:policy_expiring":     (200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 403),
    "web:policy_statistics":   (200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 403),
    "web:aircraft_list":       (200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 403),
    "web:insured_person_list": (200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 403),
    "web:product_list":        (200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 403),
}  # fmt: skip

# POST actions  admin broker clerk agent adjuster surveyor backoffice head manager auditor customer
ACTIONS = {
    "web:party_list":     (200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 403),
    "web:party_reveal":   (403, 200, 200, 403, 200, 403, 200, 403, 403, 403, 403),
    "web:audit_verify":   (200, 403, 403, 403, 403, 403, 403, 403, 403, 200, 403),
    "web:token_create":   (200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 403),
    "web:inbox_read_all": (302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302),
}  # fmt: skip

NEEDS_PARTY = {"web:party_detail", "web:party_reveal"}


def _cells(table):
    return [(name, role, table[name][i]) for name in table for i, role in enumerate(ROLES)]


@pytest.fixture
def url_of(db):
    party = make_person()

    def url(name):
        return reverse(name, args=[party.pk]) if name in NEEDS_PARTY else reverse(name)

    return url


@pytest.mark.django_db
@pytest.mark.parametrize(("page", "role", "expected"), _cells(PAGES))
def test_role_gets_exactly_the_expected_status_for_each_page(
    signed_in, url_of, page, role, expected
):
    # given
    client, _user = signed_in(role)
    # when
    response = client.get(url_of(page))
    # then
    assert response.status_code == expected


@pytest.mark.django_db
@pytest.mark.parametrize(("action", "role", "expected"), _cells(ACTIONS))
def test_role_gets_exactly_the_expected_status_for_each_action(
    signed_in, url_of, action, role, expected
):
    # given
    client, user = signed_in(role)
    # when
    response = client.post(url_of(action), {"name": "integration"})
    # then
    assert response.status_code == expected
    if action == "web:token_create":
        assert ApiToken.objects.filter(user=user).count() == (1 if expected == 200 else 0)
    if action == "web:party_reveal" and role != "customer":
        # the service records the reading, or the refusal to read
        entry = AuditEntry.objects.filter(action="party.pii_reveal").get()
        assert entry.result == ("success" if expected == 200 else "denied")


@pytest.mark.django_db
@pytest.mark.parametrize("page", [*PAGES, *ACTIONS])
def test_anonymous_visitor_is_sent_to_login_for_every_page_and_action(url_of, page):
    # given
    client = Client()
    # when
    response = client.post(url_of(page)) if page in ACTIONS else client.get(url_of(page))
    # then
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('web:login')}?next={url_of(page)}"
    assert ApiToken.objects.count() == 0
    assert not AuditEntry.objects.filter(action="party.pii_reveal").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_menu_lists_exactly_the_pages_the_role_may_open(role_user, role):
    # given
    user = role_user(role)
    allowed = {
        reverse(page)
        for page, row in PAGES.items()
        if page not in NEEDS_PARTY and row[ROLES.index(role)] == 200
    }
    # when
    menu = menu_for(user, current="home")
    # then
    assert {item.url for item in menu} == allowed
    assert [item.url for item in menu if item.active] == [reverse("web:home")]


@pytest.mark.django_db
def test_the_menu_of_a_page_marks_that_page_active(signed_in):
    # given
    client, _user = signed_in("admin")
    # when
    response = client.get(reverse("web:user_list"))
    # then
    active = [item.url for item in response.context["nav_menu"] if item.active]
    assert active == [reverse("web:user_list")]
    assert f'href="{reverse("web:user_list")}" aria-current="page"' in response.content.decode()


@pytest.mark.django_db
def test_denied_page_renders_the_403_template(signed_in):
    # given
    client, _user = signed_in("customer")
    # when
    response = client.get(reverse("web:audit_list"))
    # then
    assert response.status_code == 403
    assert "403.html" in [t.name for t in response.templates]


@pytest.mark.django_db
def test_unknown_address_renders_the_404_template(signed_in):
    # given
    client, _user = signed_in("clerk")
    # when
    response = client.get("/no-such-page/")
    # then
    assert response.status_code == 404
    assert "404.html" in [t.name for t in response.templates]


def test_500_template_renders_without_a_request():
    # given: Django's server_error handler renders 500.html with an empty context
    from django.template import loader

    # when
    html = loader.get_template("500.html").render()
    # then
    assert "<html lang=" in html
    assert "500" in html


@pytest.mark.django_db
def test_htmx_request_after_the_session_ended_redirects_the_whole_page_to_login():
    # given: a fragment request from a page whose session has expired
    client = Client()
    # when
    response = client.post(reverse("web:inbox_read_all"), headers={"HX-Request": "true"})
    # then
    assert response.status_code == 200
    assert response["HX-Redirect"] == reverse("web:login")
