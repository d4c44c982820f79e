import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from coverdesk.accounts.models import User
from coverdesk.audit.models import AuditEntry

SET_LANGUAGE = "/accounts/language/"


@pytest.mark.django_db
def test_switching_language_persists_on_the_user_and_changes_the_page(signed_in):
    # given
    client, user = signed_in("clerk")
    assert '<html lang="zh-hans">' in client.get(reverse("web:home")).content.decode()
    # when
    response = client.post(SET_LANGUAGE, {"language": "en", "next": "/accounts/tokens/"})
    # then
    assert response.status_code == 302
    assert response["Location"] == "/accounts/tokens/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert User.objects.get(pk=user.pk).language == "en"
    assert '<html lang="en">' in client.get(reverse("web:home")).content.decode()
    entry = AuditEntry.objects.get(action="user.language_set")
    assert (entry.actor_id, entry.before, entry.after) == (
        user.pk,
        {"language": "zh-hans"},
        {"language": "en"},
    )


@pytest.mark.django_db
def test_switching_back_to_chinese(signed_in):
    # given
    client, user = signed_in("clerk", language="en")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    # when
    client.post(SET_LANGUAGE, {"language": "zh-hans", "next": "/"})
    # then
    assert User.objects.get(pk=user.pk).language == "zh-hans"
    assert '<html lang="zh-hans">' in client.get(reverse("web:home")).content.decode()


@pytest.mark.django_db
def test_anonymous_visitor_switches_the_login_page_without_touching_users(role_user):
    # given
    existing = role_user("clerk")
    client = Client()
    # when
    response = client.post(SET_LANGUAGE, {"language": "en", "next": "/accounts/login/"})
    # then
    assert response["Location"] == "/accounts/login/"
    assert '<html lang="en">' in client.get("/accounts/login/").content.decode()
    assert User.objects.get(pk=existing.pk).language == "zh-hans"
    assert not AuditEntry.objects.filter(action="user.language_set").exists()


@pytest.mark.django_db
def test_unsupported_language_is_refused_and_changes_nothing(signed_in):
    # given
    client, user = signed_in("clerk")
    # when
    response = client.post(SET_LANGUAGE, {"language": "fr", "next": "/"})
    # then
    assert response.status_code == 400
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    assert User.objects.get(pk=user.pk).language == "zh-hans"
    assert not AuditEntry.objects.filter(action="user.language_set").exists()


@pytest.mark.django_db
def test_foreign_next_is_replaced_by_home(signed_in):
    # given
    client, _user = signed_in("clerk")
    # when
    response = client.post(SET_LANGUAGE, {"language": "en", "next": "https://evil.example/x"})
    # then
    assert response["Location"] == reverse("web:home")


@pytest.mark.django_db
def test_language_switch_is_post_only(signed_in):
    # given
    client, user = signed_in("clerk")
    # when
    response = client.get(SET_LANGUAGE, {"language": "en"})
    # then
    assert response.status_code == 405
    assert User.objects.get(pk=user.pk).language == "zh-hans"
