from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection, transaction
from django.utils import translation
from django.utils.translation import gettext

from coverdesk.audit.models import AuditEntry
from coverdesk.core.exceptions import NotFound, ValidationFailed
from coverdesk.notifications.choices import Channel, MessageStatus
from coverdesk.notifications.models import Message
from coverdesk.notifications.rendering import MessageTemplate, _registry
from coverdesk.notifications.selectors import inbox_list, inbox_unread_count
from coverdesk.notifications.services import (
    NO_EMAIL_ADDRESS,
    NO_PHONE_NUMBER,
    inbox_mark_all_read,
    message_mark_read,
    notification_send,
)

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


class BusinessRuleBroken(Exception):
    pass


def _notice(recipients, *, channels=(Channel.IN_APP,), now=NOW, **kwargs):
    return notification_send(
        recipients=recipients,
        template="notice",
        context={"subject": "Claim CL-7 approved", "body": "Payment follows in 3 days."},
        channels=channels,
        now=now,
        **kwargs,
    )


@pytest.mark.django_db
def test_nothing_is_queued_when_the_callers_business_change_fails(make_recipient):
    # given a recipient
    user = make_recipient()
    # when the business change queues messages and then fails in the same transaction
    with pytest.raises(BusinessRuleBroken), transaction.atomic():
        _notice([user], channels=[Channel.IN_APP, Channel.EMAIL])
        assert Message.objects.count() == 2  # queued inside the transaction...
        raise BusinessRuleBroken
    # then ...and gone with it
    assert Message.objects.count() == 0


@pytest.mark.django_db
def test_in_app_message_is_in_the_inbox_at_once_and_email_waits_for_the_worker(make_recipient):
    user = make_recipient(email="li.na@example.test")
    # when
    in_app, email = _notice([user], channels=[Channel.IN_APP, Channel.EMAIL])
    # then
    assert (in_app.channel, in_app.status, in_app.sent_at, in_app.address) == (
        "in_app",
        "sent",
        NOW,
        "",
    )
    assert (email.channel, email.status, email.sent_at, email.next_attempt_at) == (
        "email",
        "pending",
        None,
        NOW,
    )
    email.refresh_from_db()
    assert email.address == "li.na@example.test"
    assert email.subject == "Claim CL-7 approved"
    assert email.body == "Payment follows in 3 days.\n\nThis message was sent by Coverdesk."
    assert email.context == {"subject": "Claim CL-7 approved", "body": "Payment follows in 3 days."}
    assert list(inbox_list(user=user)) == [in_app]
    assert inbox_unread_count(user=user) == 1


@pytest.mark.django_db
def test_subject_reference_is_stored_as_type_and_id(make_recipient):
    user = make_recipient()
    (message,) = _notice([user], subject=("claims.claim", 42))
    assert (message.subject_type, message.subject_id) == ("claims.claim", "42")


@pytest.mark.django_db
def test_phone_numbers_are_encrypted_at_rest(make_recipient):
    user = make_recipient()
    (message,) = _notice([user], channels=[Channel.SMS], phone_numbers={user.pk: "13800001234"})
    with connection.cursor() as cursor:
        cursor.execute("SELECT address FROM notifications_message WHERE id = %s", [message.pk])
        (column,) = cursor.fetchone()
    assert "13800001234" not in column
    assert column.startswith("v1:")
    assert Message.objects.get(pk=message.pk).address == "13800001234"


@pytest.mark.django_db
def test_a_recipient_without_an_address_gets_a_failed_row_that_says_why(make_recipient):
    # given a user without email and no phone number for them
    user = make_recipient(email="")
    # when
    email, sms = _notice([user], channels=[Channel.EMAIL, Channel.SMS])
    # then nothing waits for delivery, and each row says why
    assert (email.status, email.last_error, email.attempts) == ("failed", NO_EMAIL_ADDRESS, 0)
    assert (sms.status, sms.last_error, sms.attempts) == ("failed", NO_PHONE_NUMBER, 0)
    assert Message.objects.filter(status=MessageStatus.PENDING).count() == 0


@pytest.mark.django_db
def test_sms_goes_only_to_recipients_with_a_number(make_recipient):
    with_phone, without_phone = make_recipient(), make_recipient()
    first, second = _notice(
        [with_phone, without_phone],
        channels=[Channel.SMS],
        phone_numbers={with_phone.pk: "+86 138 0000 1234"},
    )
    assert (first.recipient, first.status, first.address) == (
        with_phone,
        "pending",
        "+86 138 0000 1234",
    )
    assert (second.recipient, second.status) == (without_phone, "failed")


@pytest.mark.django_db
def test_same_dedupe_key_never_queues_twice(make_recipient):
    # given a message queued for an event
    alice, bob = make_recipient(), make_recipient()
    first = _notice(
        [alice], channels=[Channel.IN_APP, Channel.EMAIL], dedupe_key="claim:7:approved"
    )
    # when the same event is notified again, now also to bob
    second = _notice(
        [alice, bob], channels=[Channel.IN_APP, Channel.EMAIL], dedupe_key="claim:7:approved"
    )
    # then alice's messages are not repeated; bob's are queued
    assert len(first) == 2
    assert [(m.recipient, m.channel) for m in second] == [(bob, "in_app"), (bob, "email")]
    assert Message.objects.filter(recipient=alice).count() == 2
    assert Message.objects.count() == 4
    assert sorted(Message.objects.values_list("dedupe_key", flat=True)) == [
        f"claim:7:approved:{alice.pk}:email",
        f"claim:7:approved:{alice.pk}:in_app",
        f"claim:7:approved:{bob.pk}:email",
        f"claim:7:approved:{bob.pk}:in_app",
    ]


@pytest.mark.django_db
def test_without_dedupe_key_the_same_notice_queues_again(make_recipient):
    user = make_recipient()
    _notice([user])
    _notice([user])
    assert Message.objects.count() == 2


@pytest.mark.django_db
def test_a_recipient_listed_twice_gets_one_message(make_recipient):
    user = make_recipient()
    assert len(_notice([user, user])) == 1


@pytest.mark.parametrize(
    ("kwargs", "field", "rule"),
    [
        ({"template": "no-such-template"}, "template", "unknown"),
        ({"channels": ["fax"]}, "channels", "choice"),
        ({"channels": []}, "channels", "required"),
        ({"dedupe_key": "x" * 201}, "dedupe_key", "length"),
        ({"context": {"when": object()}}, "context", "json"),
        ({"context": {"recipient": "someone"}}, "context", "reserved"),
        ({"phone_numbers": {1: "call me"}}, "phone_numbers", "phone"),
    ],
)
@pytest.mark.django_db
def test_bad_input_names_the_field_and_queues_nothing(make_recipient, kwargs, field, rule):
    user = make_recipient()
    arguments = {
        "recipients": [user],
        "template": "notice",
        "context": {"subject": "s", "body": "b"},
        "channels": [Channel.IN_APP],
        **kwargs,
    }
    with pytest.raises(ValidationFailed) as caught:
        notification_send(**arguments)
    assert [(f.field, f.rule) for f in caught.value.fields] == [(field, rule)]
    assert Message.objects.count() == 0


@pytest.mark.django_db
def test_welcome_renders_in_english_for_an_english_user(make_recipient):
    user = make_recipient(language="en", first_name="Ann", last_name="Lee")
    (message,) = notification_send(
        recipients=[user], template="welcome", context={}, channels=[Channel.IN_APP], now=NOW
    )
    assert message.language == "en"
    assert message.subject == "Welcome to Coverdesk"
    assert message.body == (
        "Hello Ann Lee,\n\n"
        f'your Coverdesk account "{user.username}" is ready. Sign in with your user name to see'
        " your work and your messages.\n\nThis message was sent by Coverdesk."
    )


@pytest.mark.django_db
def test_welcome_renders_in_the_recipients_language_not_the_senders(make_recipient):
    # given the sender works in English and the recipient reads Simplified Chinese
    user = make_recipient(language="zh-hans")
    with translation.override("en"):
        (message,) = notification_send(
            recipients=[user], template="welcome", context={}, channels=[Channel.IN_APP]
        )
    # then it was rendered under zh-hans (equal to English until the catalogue has the text)
    with translation.override("zh-hans"):
        expected_subject = gettext("Welcome to Coverdesk")
    assert message.language == "zh-hans"
    assert message.subject == expected_subject


@pytest.mark.django_db
def test_templates_render_under_each_recipients_language(
    make_recipient, test_templates, monkeypatch
):
    # given a template that prints the language active while it renders
    probe = MessageTemplate(
        code="language-probe",
        subject_template="notifications_test/language.txt",
        body_template="notifications_test/body.txt",
    )
    monkeypatch.setitem(_registry, probe.code, probe)
    english, chinese = make_recipient(language="en"), make_recipient(language="zh-hans")
    # when one call sends to both
    with translation.override("en"):
        first, second = notification_send(
            recipients=[english, chinese],
            template="language-probe",
            context={},
            channels=[Channel.IN_APP],
        )
    # then each was rendered in its recipient's language
    assert (first.subject, first.language) == ("en", "en")
    assert first.body == "Welcome to Coverdesk [en]"
    assert (second.subject, second.language) == ("zh-hans", "zh-hans")
    assert second.body.endswith("[zh-hans]")


@pytest.mark.django_db
def test_notice_context_is_not_html_escaped(make_recipient):
    user = make_recipient()
    (message,) = notification_send(
        recipients=[user],
        template="notice",
        context={"subject": "R&D <urgent>", "body": 'Tom & Jerry\'s "claim"'},
        channels=[Channel.IN_APP],
    )
    assert message.subject == "R&D <urgent>"
    assert message.body.startswith('Tom & Jerry\'s "claim"\n')


# The inbox: only one's own messages


@pytest.mark.django_db
def test_mark_read_sets_read_at_once_and_audits_it(make_recipient):
    user = make_recipient()
    (message,) = _notice([user])
    # when read twice
    read = message_mark_read(message_id=message.pk, acting_user=user, now=NOW)
    again = message_mark_read(message_id=message.pk, acting_user=user, now=NOW + timedelta(hours=1))
    # then the first reading counts
    assert read.read_at == NOW
    assert again.read_at == NOW
    message.refresh_from_db()
    assert message.read_at == NOW
    assert inbox_unread_count(user=user) == 0
    entry = AuditEntry.objects.get(action="notification.read")
    assert (entry.actor_id, entry.subject_type, entry.subject_id) == (
        user.pk,
        "notifications.message",
        str(message.pk),
    )


@pytest.mark.django_db
def test_another_users_message_is_not_found_and_stays_unread(make_recipient):
    owner, intruder = make_recipient(), make_recipient()
    (message,) = _notice([owner])
    audit_before = AuditEntry.objects.count()
    # when
    with pytest.raises(NotFound) as caught:
        message_mark_read(message_id=message.pk, acting_user=intruder, now=NOW)
    # then nothing changed
    assert caught.value.code == "message_not_found"
    message.refresh_from_db()
    assert message.read_at is None
    assert AuditEntry.objects.count() == audit_before


@pytest.mark.django_db
def test_own_email_message_is_not_an_inbox_message(make_recipient):
    user = make_recipient()
    (email,) = _notice([user], channels=[Channel.EMAIL])
    with pytest.raises(NotFound):
        message_mark_read(message_id=email.pk, acting_user=user, now=NOW)
    email.refresh_from_db()
    assert email.read_at is None


@pytest.mark.django_db
def test_unknown_message_id_is_not_found(make_recipient):
    user = make_recipient()
    with pytest.raises(NotFound):
        message_mark_read(message_id=999_999, acting_user=user, now=NOW)


@pytest.mark.django_db
def test_mark_all_read_touches_only_the_users_unread_in_app_messages(make_recipient):
    # given
    user, other = make_recipient(), make_recipient()
    earlier = NOW - timedelta(days=1)
    (already_read,) = _notice([user])
    message_mark_read(message_id=already_read.pk, acting_user=user, now=earlier)
    unread = [_notice([user])[0], _notice([user])[0]]
    (email,) = _notice([user], channels=[Channel.EMAIL])
    (others,) = _notice([other])
    # when
    count = inbox_mark_all_read(acting_user=user, now=NOW)
    # then
    assert count == 2
    assert {m.pk: m.read_at for m in Message.objects.all()} == {
        already_read.pk: earlier,
        unread[0].pk: NOW,
        unread[1].pk: NOW,
        email.pk: None,
        others.pk: None,
    }
    assert inbox_unread_count(user=other) == 1
    entry = AuditEntry.objects.get(action="notification.read_all")
    assert entry.after == {"marked_read": 2}
    # and with nothing unread, nothing is written
    assert inbox_mark_all_read(acting_user=user, now=NOW) == 0
    assert AuditEntry.objects.filter(action="notification.read_all").count() == 1


@pytest.mark.django_db
def test_inbox_lists_own_in_app_messages_newest_first(make_recipient):
    user, other = make_recipient(), make_recipient()
    first = _notice([user])[0]
    _notice([user], channels=[Channel.EMAIL])
    _notice([other])
    second = _notice([user])[0]
    assert list(inbox_list(user=user)) == [second, first]
    assert inbox_unread_count(user=user) == 2
