import hashlib
import re
from datetime import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from coverdesk.accounts.models import ApiToken
from coverdesk.accounts.services import api_token_create
from coverdesk.audit.models import AuditEntry
from coverdesk.web.tests.helpers import english

PLAINTEXT = re.compile(r"cdk_[0-9a-f]{8}_[A-Za-z0-9_-]{20,}")


@pytest.mark.django_db
def test_created_token_is_shown_once_and_not_on_reload(signed_in):
    # given
    client, user = signed_in("broker")
    # when
    created = client.post(reverse("web:token_create"), {"name": "dispatch system"})
    reloaded = client.get(reverse("web:token_list"))
    # then
    assert created.status_code == 200
    shown = PLAINTEXT.findall(created.content.decode())
    assert len(shown) == 1
    token = ApiToken.objects.get(user=user)
    assert token.name == "dispatch system"
    assert token.token_hash == hashlib.sha256(shown[0].encode()).hexdigest()
    assert PLAINTEXT.findall(reloaded.content.decode()) == []
    assert "dispatch system" in reloaded.content.decode()


@pytest.mark.django_db
def test_created_token_expires_at_the_end_of_the_chosen_day(signed_in):
    # given
    client, user = signed_in("broker")
    tomorrow = timezone.localdate() + timezone.timedelta(days=1)
    # when
    client.post(reverse("web:token_create"), {"name": "ci", "expires_at": tomorrow.isoformat()})
    # then
    token = ApiToken.objects.get(user=user)
    expected = timezone.make_aware(
        datetime.combine(tomorrow + timezone.timedelta(days=1), datetime.min.time())
    )
    assert token.expires_at == expected


@pytest.mark.django_db
def test_htmx_create_returns_only_the_panel(signed_in):
    # given
    client, _user = signed_in("broker")
    # when
    response = client.post(
        reverse("web:token_create"), {"name": "ci"}, headers={"HX-Request": "true"}
    )
    # then
    html = response.content.decode()
    assert "<html" not in html
    assert len(PLAINTEXT.findall(html)) == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "  "}, "Give the token a name."),
        ({"name": "x" * 101}, "At most 100 characters."),
        ({"name": "old", "expires_at": "2001-01-01"}, "The expiry must lie in the future."),
        ({"name": "bad date", "expires_at": "31/02/2030"}, "Enter a valid date."),
    ],
)
def test_invalid_token_form_shows_the_error_and_creates_nothing(signed_in, data, message):
    # given
    client, _user = signed_in("broker")
    english(client)
    # when
    response = client.post(reverse("web:token_create"), data)
    # then
    assert response.status_code == 422
    assert message in response.content.decode()
    assert PLAINTEXT.findall(response.content.decode()) == []
    assert ApiToken.objects.count() == 0
    assert not AuditEntry.objects.filter(action="api_token.create").exists()


@pytest.mark.django_db
def test_revoking_own_token_marks_it_revoked(signed_in):
    # given
    client, user = signed_in("adjuster")
    issued = api_token_create(user=user, name="ci", acting_user=user)
    # when
    response = client.post(reverse("web:token_revoke", args=[issued.token.pk]))
    # then
    assert response.status_code == 302
    assert response["Location"] == reverse("web:token_list")
    issued.token.refresh_from_db()
    assert issued.token.revoked_at is not None
    assert AuditEntry.objects.filter(action="api_token.revoke", actor=user).count() == 1
    assert 'data-status="revoked"' in client.get(reverse("web:token_list")).content.decode()


@pytest.mark.django_db
def test_revoking_someone_elses_token_is_404_and_changes_nothing(signed_in, role_user):
    # given
    client, _user = signed_in("adjuster")
    owner = role_user("clerk")
    issued = api_token_create(user=owner, name="theirs", acting_user=owner)
    entries_before = AuditEntry.objects.count()
    # when
    response = client.post(reverse("web:token_revoke", args=[issued.token.pk]))
    # then
    assert response.status_code == 404
    issued.token.refresh_from_db()
    assert issued.token.revoked_at is None
    assert AuditEntry.objects.count() == entries_before


@pytest.mark.django_db
def test_token_list_shows_only_own_tokens(signed_in, role_user):
    # given
    client, user = signed_in("agent")
    other = role_user("clerk")
    api_token_create(user=user, name="mine-token", acting_user=user)
    api_token_create(user=other, name="their-token", acting_user=other)
    # when
    html = client.get(reverse("web:token_list")).content.decode()
    # then
    assert "mine-token" in html
    assert "their-token" not in html


@pytest.mark.django_db
def test_revoke_by_get_is_refused(signed_in):
    # given
    client, user = signed_in("agent")
    issued = api_token_create(user=user, name="ci", acting_user=user)
    # when
    response = client.get(reverse("web:token_revoke", args=[issued.token.pk]))
    # then
    assert response.status_code == 405
    issued.token.refresh_from_db()
    assert issued.token.revoked_at is None


@pytest.mark.django_db
def test_the_response_carrying_the_token_is_never_cached(signed_in):
    # given
    client, _user = signed_in("broker")
    # when
    response = client.post(reverse("web:token_create"), {"name": "ci"})
    # then
    assert "no-store" in response["Cache-Control"]
