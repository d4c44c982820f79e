import pytest
from django.urls import reverse

from coverdesk.audit.models import AuditEntry
from coverdesk.notifications.choices import Channel
from coverdesk.notifications.models import Message
from coverdesk.notifications.services import notification_send


def _notify(user, subject, body="Details follow."):
    (message,) = notification_send(
        recipients=[user],
        template="notice",
        context={"subject": subject, "body": body},
        channels=[Channel.IN_APP],
    )
    return message


def _unread(user):
    return Message.objects.filter(recipient=user, read_at__isnull=True).count()


@pytest.mark.django_db
def test_home_lists_own_messages_newest_first_with_the_unread_count(signed_in, role_user):
    # given
    client, user = signed_in("adjuster")
    _notify(user, "Claim CL-1 registered")
    _notify(user, "Claim CL-2 registered")
    _notify(role_user("clerk"), "Someone else's news")
    # when
    response = client.get(reverse("web:home"))
    # then
    assert [m.subject for m in response.context["inbox_page"]] == [
        "Claim CL-2 registered",
        "Claim CL-1 registered",
    ]
    assert response.context["unread_count"] == 2
    html = response.content.decode()
    assert "Someone else&#x27;s news" not in html and "Someone else's news" not in html


@pytest.mark.django_db
def test_marking_a_message_read_by_htmx_returns_the_row_and_the_new_count(signed_in):
    # given
    client, user = signed_in("adjuster")
    first = _notify(user, "First")
    _notify(user, "Second")
    # when
    response = client.post(
        reverse("web:message_read", args=[first.pk]), headers={"HX-Request": "true"}
    )
    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert f'id="message-{first.pk}"' in html
    assert 'hx-swap-oob="true">1</span>' in html
    first.refresh_from_db()
    assert first.read_at is not None
    assert _unread(user) == 1
    assert AuditEntry.objects.filter(action="notification.read", actor=user).count() == 1


@pytest.mark.django_db
def test_marking_a_message_read_without_htmx_returns_home(signed_in):
    # given
    client, user = signed_in("adjuster")
    message = _notify(user, "First")
    # when
    response = client.post(reverse("web:message_read", args=[message.pk]))
    # then
    assert response.status_code == 302
    assert response["Location"] == reverse("web:home")
    assert _unread(user) == 0


@pytest.mark.django_db
def test_marking_someone_elses_message_is_404_and_changes_nothing(signed_in, role_user):
    # given
    client, _user = signed_in("adjuster")
    owner = role_user("clerk")
    message = _notify(owner, "Private")
    entries_before = AuditEntry.objects.count()
    # when
    response = client.post(reverse("web:message_read", args=[message.pk]))
    # then
    assert response.status_code == 404
    message.refresh_from_db()
    assert message.read_at is None
    assert AuditEntry.objects.count() == entries_before


@pytest.mark.django_db
def test_mark_all_read_clears_only_own_unread_messages(signed_in, role_user):
    # given
    client, user = signed_in("customer")
    other = role_user("clerk")
    _notify(user, "One")
    _notify(user, "Two")
    _notify(other, "Theirs")
    # when
    response = client.post(reverse("web:inbox_read_all"), headers={"HX-Request": "true"})
    # then
    assert response.status_code == 200
    assert response.context["unread_count"] == 0
    assert _unread(user) == 0
    assert _unread(other) == 1


@pytest.mark.django_db
def test_mark_read_is_post_only(signed_in):
    # given
    client, user = signed_in("adjuster")
    message = _notify(user, "First")
    # when
    response = client.get(reverse("web:message_read", args=[message.pk]))
    # then
    assert response.status_code == 405
    assert _unread(user) == 1
