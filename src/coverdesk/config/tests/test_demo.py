import pytest
from django.apps import apps
from django.test import Client

from coverdesk.accounts.models import Department, User
from coverdesk.config.demo import CUSTOMER_NAME, DEMO_PASSWORD, DEMO_USERS, demo_load
from coverdesk.parties.access import customer_party_for_user


def _row_counts():
    return {
        model._meta.label: model.objects.count()
        for model in apps.get_models()
        if model._meta.app_label
        in {"accounts", "audit", "notifications", "parties", "auth", "sla", "catalog", "policies"}
    }


@pytest.mark.django_db
def test_loading_the_demo_twice_changes_nothing():
    demo_load()
    first = _row_counts()
    report = demo_load()
    assert report.created == []
    assert _row_counts() == first


@pytest.mark.django_db
def test_every_demo_login_works_with_its_role():
    demo_load()
    client = Client()
    for username, role, _name in DEMO_USERS:
        user = User.objects.get(username=username)
        assert user.check_password(DEMO_PASSWORD), username
        assert list(user.groups.values_list("name", flat=True)) == [role]
        response = client.post(
            "/accounts/login/", {"username": username, "password": DEMO_PASSWORD}
        )
        assert response.status_code == 302, username
        client.post("/accounts/logout/")


@pytest.mark.django_db
def test_the_customer_user_belongs_to_the_police_aviation_unit():
    demo_load()
    customer = User.objects.get(username="customer")
    party = customer_party_for_user(user=customer)
    assert party is not None
    assert party.name == CUSTOMER_NAME
    assert Department.objects.get(code="claims").head.username == "head"
    assert User.objects.get(username="adjuster").manager.username == "head"
