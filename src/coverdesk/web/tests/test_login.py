import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from coverdesk.accounts.tests.factories import make_user
from coverdesk.audit.models import AuditEntry
from coverdesk.web.tests.helpers import english

LOGIN = "/accounts/login/"
CSRF = re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]+"|("X-CSRFToken": ")[^"]+"')


def _normalised(response, username):
    """The page with the per-request CSRF token and the echoed username blanked out."""
    text = CSRF.sub(lambda m: (m.group(1) or m.group(2)) + 'TOKEN"', response.content.decode())
    return text.replace(username, "USERNAME")


def _login_entries():
    return list(
        AuditEntry.objects.filter(action="session.login")
        .order_by("sequence")
        .values_list("result", "actor_id", "after")
    )


def _signed_in_user_id(client):
    return client.session.get("_auth_user_id")


@pytest.mark.django_db
def test_right_credentials_sign_in_redirect_home_and_record_success(password):
    # given
    user = make_user("clerk", username="lin.clerk")
    client = english(Client())
    # when
    response = client.post(LOGIN, {"username": "lin.clerk", "password": password})
    # then
    assert response.status_code == 302
    assert response["Location"] == reverse("web:home")
    assert _signed_in_user_id(client) == str(user.pk)
    assert _login_entries() == [("success", user.pk, {"username": "lin.clerk"})]


@pytest.mark.django_db
def test_wrong_password_and_unknown_user_get_the_identical_page(password):
    # given
    make_user("clerk", username="lin.clerk")
    client = english(Client())
    # when
    wrong_password = client.post(LOGIN, {"username": "lin.clerk", "password": "not-the-password"})
    unknown_user = client.post(LOGIN, {"username": "nobody.here", "password": password})
    # then
    assert wrong_password.status_code == unknown_user.status_code == 200
    assert _normalised(wrong_password, "lin.clerk") == _normalised(unknown_user, "nobody.here")
    assert "The username or password is not correct." in wrong_password.content.decode()
    assert _signed_in_user_id(client) is None
    assert _login_entries() == [
        ("denied", None, {"username": "lin.clerk"}),
        ("denied", None, {"username": "nobody.here"}),
    ]


@pytest.mark.django_db
def test_inactive_user_gets_the_same_message_as_a_wrong_password(password):
    # given
    make_user("clerk", username="gone.clerk", is_active=False)
    client = english(Client())
    # when
    response = client.post(LOGIN, {"username": "gone.clerk", "password": password})
    # then
    assert response.status_code == 200
    assert "The username or password is not correct." in response.content.decode()
    assert _signed_in_user_id(client) is None


@pytest.mark.django_db
def test_five_failures_lock_the_username_even_for_the_right_password(password):
    # given
    user = make_user("clerk", username="lin.clerk")
    client = english(Client())
    for _attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        assert client.post(LOGIN, {"username": "lin.clerk", "password": "wrong"}).status_code == 200
    # when
    fifth = client.post(LOGIN, {"username": "lin.clerk", "password": "wrong"})
    right_after = client.post(LOGIN, {"username": "lin.clerk", "password": password})
    # then
    assert fifth.status_code == 429
    assert "web/accounts/locked_out.html" in [t.name for t in fifth.templates]
    assert right_after.status_code == 429
    assert _signed_in_user_id(client) is None
    assert [row[0] for row in _login_entries()] == ["denied"] * 6
    assert user.pk not in [row[1] for row in _login_entries()]


@pytest.mark.django_db
def test_lockout_of_one_username_leaves_another_username_free(password):
    # given
    make_user("clerk", username="lin.clerk")
    other = make_user("agent", username="wu.agent")
    client = english(Client())
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        client.post(LOGIN, {"username": "lin.clerk", "password": "wrong"})
    # when
    response = client.post(LOGIN, {"username": "wu.agent", "password": password})
    # then
    assert response.status_code == 302
    assert _signed_in_user_id(client) == str(other.pk)


@pytest.mark.django_db
def test_sign_in_follows_a_safe_next_and_ignores_a_foreign_one(password):
    # given
    make_user("admin", username="root.admin")
    # when
    inside = Client().post(
        f"{LOGIN}?next=/users/", {"username": "root.admin", "password": password}
    )
    outside = Client().post(
        LOGIN, {"username": "root.admin", "password": password, "next": "https://evil.example/"}
    )
    # then
    assert inside["Location"] == "/users/"
    assert outside["Location"] == reverse("web:home")


@pytest.mark.django_db
def test_sign_in_sets_the_language_cookie_from_the_users_preference(password):
    # given
    make_user("clerk", username="en.clerk", language="en")
    client = Client()
    # when
    response = client.post(LOGIN, {"username": "en.clerk", "password": password})
    home = client.get(reverse("web:home"))
    # then
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert '<html lang="en">' in home.content.decode()


@pytest.mark.django_db
def test_signed_in_user_opening_login_goes_home(signed_in):
    # given
    client, _user = signed_in("clerk")
    # when
    response = client.get(LOGIN)
    # then
    assert response.status_code == 302
    assert response["Location"] == reverse("web:home")


@pytest.mark.django_db
def test_logout_by_get_is_refused_and_keeps_the_session(signed_in):
    # given
    client, user = signed_in("clerk")
    # when
    response = client.get(reverse("web:logout"))
    # then
    assert response.status_code == 405
    assert _signed_in_user_id(client) == str(user.pk)


@pytest.mark.django_db
def test_logout_by_post_ends_the_session(signed_in):
    # given
    client, user = signed_in("clerk")
    # when
    response = client.post(reverse("web:logout"))
    # then
    assert response.status_code == 302
    assert response["Location"] == reverse("web:login")
    assert _signed_in_user_id(client) is None
    assert client.get(reverse("web:home")).status_code == 302
    assert AuditEntry.objects.filter(action="session.logout", actor=user).count() == 1


@pytest.mark.django_db
def test_sign_in_replaces_the_browsers_language_with_the_users_preference(password):
    # given: the login page was shown in English, the user prefers Chinese
    make_user("clerk", username="zh.clerk", language="zh-hans")
    client = english(Client())
    # when
    response = client.post(LOGIN, {"username": "zh.clerk", "password": password})
    home = client.get(reverse("web:home"))
    # then
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "zh-hans"
    assert '<html lang="zh-hans">' in home.content.decode()
