from datetime import UTC, datetime, timedelta

import pytest

from coverdesk.notifications.channels import (
    LoggingSmsAdapter,
    mask_phone,
    outbox_message_id,
    sms_adapter_load,
)
from coverdesk.notifications.choices import Channel, MessageStatus
from coverdesk.notifications.models import Message
from coverdesk.notifications.selectors import outbox_due_count
from coverdesk.notifications.services import notification_send, outbox_deliver_batch
from coverdesk.notifications.tests import adapters

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
ADAPTERS = "coverdesk.notifications.tests.adapters"


def _send(recipients, channels, *, now=NOW, **kwargs):
    return notification_send(
        recipients=recipients,
        template="notice",
        context={"subject": "Renewal due", "body": "Policy P-1 renews on 1 April."},
        channels=channels,
        now=now,
        **kwargs,
    )


@pytest.mark.django_db
def test_email_is_delivered_through_the_mail_backend_with_the_outbox_id(make_recipient, mailoutbox):
    # given
    user = make_recipient(email="wang.fang@example.test")
    (message,) = _send([user], [Channel.EMAIL])
    # when
    handled = outbox_deliver_batch(now=NOW, batch_size=10)
    # then
    assert handled == 1
    assert len(mailoutbox) == 1
    email = mailoutbox[0]
    assert email.to == ["wang.fang@example.test"]
    assert email.subject == "Renewal due"
    assert email.body == "Policy P-1 renews on 1 April.\n\nThis message was sent by Coverdesk."
    assert email.extra_headers["Message-ID"] == f"<coverdesk.outbox.{message.pk}@coverdesk.invalid>"
    assert email.message()["Message-ID"] == outbox_message_id(message.pk)
    assert email.alternatives[0][1] == "text/html"
    message.refresh_from_db()
    assert (message.status, message.attempts, message.sent_at, message.last_error) == (
        "sent",
        1,
        NOW,
        "",
    )
    # and a second run sends nothing again
    assert outbox_deliver_batch(now=NOW + timedelta(hours=1), batch_size=10) == 0
    assert len(mailoutbox) == 1


@pytest.mark.django_db
def test_messages_not_yet_due_wait(make_recipient, mailoutbox):
    user = make_recipient()
    _send([user], [Channel.EMAIL], now=NOW)
    assert outbox_deliver_batch(now=NOW - timedelta(seconds=1), batch_size=10) == 0
    assert mailoutbox == []
    assert outbox_due_count(now=NOW) == 1


@pytest.mark.django_db
def test_a_batch_takes_at_most_batch_size_oldest_first(make_recipient, mailoutbox):
    users = [make_recipient() for _ in range(5)]
    for i, user in enumerate(users):
        _send([user], [Channel.EMAIL], now=NOW - timedelta(minutes=i))
    assert outbox_deliver_batch(now=NOW, batch_size=2) == 2
    assert [m.to[0] for m in mailoutbox] == [users[4].email, users[3].email]
    assert Message.objects.filter(status=MessageStatus.PENDING).count() == 3


@pytest.mark.django_db
def test_in_app_and_failed_rows_are_not_delivered(make_recipient, mailoutbox):
    user = make_recipient(email="")
    _send([user], [Channel.IN_APP, Channel.EMAIL])
    assert outbox_deliver_batch(now=NOW, batch_size=10) == 0
    assert mailoutbox == []


@pytest.mark.django_db
def test_sms_goes_through_the_configured_adapter(make_recipient, settings):
    settings.COVERDESK_SMS_ADAPTER = f"{ADAPTERS}.RecordingSmsAdapter"
    adapters.sent_sms.clear()
    user = make_recipient()
    (message,) = _send([user], [Channel.SMS], phone_numbers={user.pk: "13800001234"})
    assert outbox_deliver_batch(now=NOW, batch_size=10) == 1
    assert adapters.sent_sms == [
        {
            "to": "13800001234",
            "body": "Policy P-1 renews on 1 April.\n\nThis message was sent by Coverdesk.",
            "reference": str(message.pk),
        }
    ]
    message.refresh_from_db()
    assert message.status == "sent"


@pytest.mark.django_db
def test_logging_adapter_logs_a_masked_number_only(make_recipient, caplog):
    user = make_recipient()
    (message,) = _send([user], [Channel.SMS], phone_numbers={user.pk: "13800001234"})
    with caplog.at_level("INFO", logger="coverdesk.notifications"):
        assert outbox_deliver_batch(now=NOW, batch_size=10) == 1
    assert f"sms {message.pk} to *******1234" in caplog.text
    assert "13800001234" not in caplog.text


def test_mask_phone_keeps_the_last_four_digits():
    assert mask_phone("13800001234") == "*******1234"
    assert mask_phone("123") == "***"


def test_the_default_sms_adapter_is_the_logging_one(settings):
    settings.COVERDESK_SMS_ADAPTER = "coverdesk.notifications.channels.LoggingSmsAdapter"
    assert isinstance(sms_adapter_load(), LoggingSmsAdapter)


def test_an_adapter_without_send_is_refused():
    with pytest.raises(TypeError, match="has no send"):
        sms_adapter_load(f"{ADAPTERS}.NotAnAdapter")


@pytest.mark.django_db
def test_failed_sms_is_retried_with_backoff_then_failed_after_max_attempts(
    make_recipient, settings
):
    # given an SMS provider that refuses everything, and three attempts allowed
    settings.COVERDESK_SMS_ADAPTER = f"{ADAPTERS}.RefusingSmsAdapter"
    settings.COVERDESK_OUTBOX_MAX_ATTEMPTS = 3
    user = make_recipient()
    (message,) = _send([user], [Channel.SMS], phone_numbers={user.pk: "13800001234"})

    # when the first attempt fails: retried after 30 s plus up to 25 % jitter
    assert outbox_deliver_batch(now=NOW, batch_size=10) == 1
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("pending", 1)
    assert message.last_error == "SmsDeliveryError: provider said no"
    assert NOW + timedelta(seconds=30) <= message.next_attempt_at <= NOW + timedelta(seconds=37.5)
    # not before it is due
    assert (
        outbox_deliver_batch(now=message.next_attempt_at - timedelta(seconds=1), batch_size=10) == 0
    )

    # when the second attempt fails: 60 s plus jitter
    second_at = message.next_attempt_at
    assert outbox_deliver_batch(now=second_at, batch_size=10) == 1
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("pending", 2)
    assert second_at + timedelta(seconds=60) <= message.next_attempt_at
    assert message.next_attempt_at <= second_at + timedelta(seconds=75)

    # when the third attempt fails: no more tries
    third_at = message.next_attempt_at
    assert outbox_deliver_batch(now=third_at, batch_size=10) == 1
    message.refresh_from_db()
    assert (message.status, message.attempts, message.sent_at) == ("failed", 3, None)
    assert message.last_error == "SmsDeliveryError: provider said no"
    assert outbox_deliver_batch(now=third_at + timedelta(days=1), batch_size=10) == 0


@pytest.mark.parametrize(
    ("backend", "error"),
    [
        ("UnreachableEmailBackend", "ConnectionRefusedError: [Errno 111] Connection refused"),
        (
            "RejectingEmailBackend",
            "SMTPRecipientsRefused: {'x@example.test': (550, b'no such user')}",
        ),
    ],
)
@pytest.mark.django_db
def test_mail_server_failures_are_recorded_and_retried(make_recipient, settings, backend, error):
    settings.EMAIL_BACKEND = f"{ADAPTERS}.{backend}"
    user = make_recipient()
    (message,) = _send([user], [Channel.EMAIL])
    assert outbox_deliver_batch(now=NOW, batch_size=10) == 1
    message.refresh_from_db()
    assert (message.status, message.attempts, message.last_error) == ("pending", 1, error)
    assert message.next_attempt_at > NOW


@pytest.mark.django_db
def test_a_bug_in_a_channel_propagates_after_keeping_what_was_sent(
    make_recipient, settings, mailoutbox
):
    # given an email due first and an SMS whose adapter has a bug
    settings.COVERDESK_SMS_ADAPTER = f"{ADAPTERS}.BrokenSmsAdapter"
    user = make_recipient()
    (email,) = _send([user], [Channel.EMAIL], now=NOW - timedelta(minutes=1))
    (sms,) = _send([user], [Channel.SMS], phone_numbers={user.pk: "13800001234"})
    # when
    with pytest.raises(KeyError):
        outbox_deliver_batch(now=NOW, batch_size=10)
    # then the email stays sent (not sent twice later) and the SMS backs off with the error
    email.refresh_from_db()
    sms.refresh_from_db()
    assert (email.status, len(mailoutbox)) == ("sent", 1)
    assert (sms.status, sms.attempts, sms.last_error) == (
        "pending",
        1,
        "KeyError: 'provider_config'",
    )
    assert sms.next_attempt_at > NOW


@pytest.mark.django_db
def test_after_a_broken_mail_connection_the_next_message_gets_a_fresh_one(make_recipient, settings):
    # given a mail server that drops the first connection
    settings.EMAIL_BACKEND = f"{ADAPTERS}.FlakyEmailBackend"
    adapters.FlakyEmailBackend.connections = 0
    adapters.FlakyEmailBackend.delivered = []
    first_user, second_user = make_recipient(), make_recipient()
    (first,) = _send([first_user], [Channel.EMAIL], now=NOW - timedelta(minutes=1))
    (second,) = _send([second_user], [Channel.EMAIL])
    # when one batch delivers both
    assert outbox_deliver_batch(now=NOW, batch_size=10) == 2
    # then the first is retried later and the second went out over a new connection
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.last_error) == (
        "pending",
        "SMTPServerDisconnected: Connection unexpectedly closed",
    )
    assert second.status == "sent"
    assert adapters.FlakyEmailBackend.delivered == [second_user.email]
    assert adapters.FlakyEmailBackend.connections == 2
