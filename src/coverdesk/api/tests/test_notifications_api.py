import pytest
from django.db import transaction

from coverdesk.notifications.models import Message
from coverdesk.notifications.services import notification_send


def _notify(user, n=1):
    with transaction.atomic():
        for i in range(n):
            notification_send(
                recipients=[user],
                template="notice",
                context={"subject": f"通知 {i}", "body": "正文"},
                channels=["in_app"],
            )


@pytest.mark.django_db
def test_inbox_lists_only_my_messages_and_marks_them_read(api_client_for, role_user):
    client, user = api_client_for("adjuster")
    other = role_user("agent")
    _notify(user, 2)
    _notify(other, 1)
    body = client.get("/api/v1/notifications").json()
    assert body["count"] == 2
    assert client.get("/api/v1/notifications/unread-count").json() == {"unread": 2}
    first = body["items"][0]["id"]
    assert client.post(f"/api/v1/notifications/{first}/read").json()["read_at"] is not None
    assert client.get("/api/v1/notifications?unread_only=true").json()["count"] == 1
    assert client.post("/api/v1/notifications/read-all").json() == {"unread": 0}


@pytest.mark.django_db
def test_another_users_message_is_not_found_and_stays_unread(api_client_for, role_user):
    client, _user = api_client_for("adjuster")
    other = role_user("agent")
    _notify(other)
    message = Message.objects.get(recipient=other)
    response = client.post(f"/api/v1/notifications/{message.pk}/read")
    assert (response.status_code, response.json()["code"]) == (404, "message_not_found")
    message.refresh_from_db()
    assert message.read_at is None
