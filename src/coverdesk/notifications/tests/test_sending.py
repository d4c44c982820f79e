"""notification_send's cheaper paths: a rendering shared by the readers of one language, rows
kept in a batch and inserted together, duplicates skipped without a savepoint, and text that
reaches the table exactly as rendered."""

import threading
import time
from datetime import UTC, datetime

import pytest
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from coverdesk.notifications import services
from coverdesk.notifications.choices import Channel
from coverdesk.notifications.models import Message
from coverdesk.notifications.rendering import MessageTemplate, _registry
from coverdesk.notifications.services import notification_batch, notification_send

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
AWKWARD = 'Say "hi" \\ to {all}, NULL, tab\there,\nnew line, 中文 and an emoji 🙂'


def _notice(recipients, *, subject="Claim CL-7 approved", body="Pay in 3 days.", **kwargs):
    return notification_send(
        recipients=recipients,
        template="notice",
        context={"subject": subject, "body": body},
        channels=kwargs.pop("channels", [Channel.IN_APP]),
        now=NOW,
        **kwargs,
    )


@pytest.fixture
def renders(monkeypatch):
    """Counts the renderings notification_send asks for."""
    calls = []
    real = services.message_render

    def counting(**kwargs):
        calls.append(kwargs["language"])
        return real(**kwargs)

    monkeypatch.setattr(services, "message_render", counting)
    return calls


@pytest.fixture
def personal(settings, monkeypatch):
    """Registers the template code "personal" with the given subject source (body: fixed)."""

    def register(subject_source):
        settings.TEMPLATES = [
            {
                **settings.TEMPLATES[0],
                "APP_DIRS": False,
                "OPTIONS": {
                    **settings.TEMPLATES[0]["OPTIONS"],
                    "loaders": [
                        (
                            "django.template.loaders.locmem.Loader",
                            {"personal/subject.txt": subject_source, "personal/body.txt": "Body"},
                        )
                    ],
                },
            }
        ]
        template = MessageTemplate(
            code="personal",
            subject_template="personal/subject.txt",
            body_template="personal/body.txt",
        )
        monkeypatch.setitem(_registry, template.code, template)
        return template.code

    return register


@pytest.mark.django_db
def test_a_template_that_ignores_the_recipient_renders_once_per_language(make_recipient, renders):
    # given three readers of English and two of Chinese
    english = [make_recipient(language="en") for _ in range(3)]
    chinese = [make_recipient(language="zh-hans") for _ in range(2)]
    # when one notice goes to all of them
    rows = _notice([*english, *chinese])
    # then it was rendered once for each language, and everyone got the same text
    assert sorted(renders) == ["en", "zh-hans"]
    assert [(row.recipient, row.language) for row in rows] == [
        *[(user, "en") for user in english],
        *[(user, "zh-hans") for user in chinese],
    ]
    assert {(row.subject, row.body) for row in rows[:3]} == {
        ("Claim CL-7 approved", "Pay in 3 days.\n\nThis message was sent by Coverdesk.")
    }


@pytest.mark.django_db
def test_a_reader_alone_in_a_language_costs_one_rendering(make_recipient, renders):
    _notice([make_recipient(language="en")])
    assert renders == ["en"]


@pytest.mark.parametrize(
    "source",
    [
        "Dear {{ recipient.first_name }}",
        "Dear {{ recipient }}",
        "{% if recipient.is_staff %}Dear colleague{% else %}Dear {{ recipient.first_name }}"
        "{% endif %}",
        "{% with who=recipient.first_name %}Dear {{ who }}{% endwith %}",
        "Dear {{ recipient.first_name|default:recipient.username }}",
        '{% if recipient == "x" %}x{% else %}Dear {{ recipient.first_name }}{% endif %}',
    ],
)
@pytest.mark.django_db
def test_a_template_that_reads_the_recipient_renders_for_each(make_recipient, personal, source):
    # given a template that uses the recipient, and two readers of the same language
    code = personal(source)
    ann = make_recipient(language="en", first_name="Ann")
    bo = make_recipient(language="en", first_name="Bo")
    # when one call sends to both
    first, second = notification_send(
        recipients=[ann, bo], template=code, context={}, channels=[Channel.IN_APP], now=NOW
    )
    # then each reads their own
    assert (first.recipient, second.recipient) == (ann, bo)
    if "{{ recipient }}" in source:
        assert (first.subject, second.subject) == (f"Dear {ann}", f"Dear {bo}")
    else:
        assert (first.subject, second.subject) == ("Dear Ann", "Dear Bo")


@pytest.mark.django_db
def test_a_template_that_tests_the_recipient_renders_for_each(make_recipient, personal):
    code = personal("{% if recipient.is_staff %}Staff{% else %}Member{% endif %}")
    staff = make_recipient(language="en", is_staff=True)
    member = make_recipient(language="en")
    first, second = notification_send(
        recipients=[staff, member], template=code, context={}, channels=[Channel.IN_APP]
    )
    assert (first.subject, second.subject) == ("Staff", "Member")


@pytest.mark.django_db
def test_rows_queued_in_a_batch_are_inserted_when_it_ends(make_recipient):
    ann, bo = make_recipient(), make_recipient()
    with transaction.atomic():
        with notification_batch():
            first = _notice([ann], channels=[Channel.IN_APP, Channel.EMAIL])
            second = _notice([bo], body="Another")
            # nothing is written while the batch is open
            assert Message.objects.count() == 0
            assert [row.pk for row in [*first, *second]] == [None, None, None]
        # then all rows went in together, and the returned rows have their ids
        rows = [*first, *second]
        assert Message.objects.count() == 3
        assert all(row.pk is not None and not row._state.adding for row in rows)
        assert [
            (m.pk, m.recipient_id, m.channel, m.body)
            for m in Message.objects.filter(pk__in=[row.pk for row in rows]).order_by("pk")
        ] == [
            (rows[0].pk, ann.pk, "in_app", "Pay in 3 days.\n\nThis message was sent by Coverdesk."),
            (rows[1].pk, ann.pk, "email", "Pay in 3 days.\n\nThis message was sent by Coverdesk."),
            (rows[2].pk, bo.pk, "in_app", "Another\n\nThis message was sent by Coverdesk."),
        ]


@pytest.mark.django_db
def test_a_batch_left_by_an_error_inserts_nothing(make_recipient):
    user = make_recipient()
    with pytest.raises(RuntimeError), transaction.atomic(), notification_batch():
        _notice([user])
        raise RuntimeError("the business change failed")
    assert Message.objects.count() == 0
    # and the next call outside any batch inserts at once again
    (row,) = _notice([user])
    assert Message.objects.get().pk == row.pk


@pytest.mark.django_db
def test_a_batch_inside_a_batch_adds_to_the_outer_one(make_recipient):
    user = make_recipient()
    with transaction.atomic(), notification_batch():
        with notification_batch():
            _notice([user])
        assert Message.objects.count() == 0
        _notice([user])
    assert Message.objects.count() == 2


@pytest.mark.django_db
def test_a_dedupe_key_in_a_batch_is_queued_at_once(make_recipient):
    user = make_recipient()
    with transaction.atomic(), notification_batch():
        (row,) = _notice([user], dedupe_key="claim:7:approved")
        assert Message.objects.filter(pk=row.pk).count() == 1
        assert _notice([user], dedupe_key="claim:7:approved") == []
    assert Message.objects.count() == 1


@pytest.mark.django_db
def test_a_duplicate_costs_no_savepoint_and_leaves_the_transaction_usable(make_recipient):
    user = make_recipient()
    with transaction.atomic():
        _notice([user], dedupe_key="claim:7:approved")
        with CaptureQueriesContext(connection) as queries:
            again = _notice([user], dedupe_key="claim:7:approved")
            _notice([user])
        assert again == []
        assert Message.objects.count() == 2  # the transaction still works
    assert [q["sql"] for q in queries if "SAVEPOINT" in q["sql"].upper()] == []
    assert len(queries) == 2  # one insert per call


@pytest.mark.parametrize("batched", [False, True])
@pytest.mark.parametrize("dedupe_key", [None, "awkward"])
@pytest.mark.django_db
def test_text_reaches_the_table_exactly(make_recipient, batched, dedupe_key):
    # given text with quotes, a backslash, braces, commas, a tab, a newline and non-ASCII
    user = make_recipient(email='o"brien\\x@example.test')
    with transaction.atomic():
        if batched:
            with notification_batch():
                rows = _notice(
                    [user],
                    subject=AWKWARD,
                    body=AWKWARD,
                    channels=[Channel.IN_APP, Channel.EMAIL],
                    dedupe_key=dedupe_key,
                )
        else:
            rows = _notice(
                [user],
                subject=AWKWARD,
                body=AWKWARD,
                channels=[Channel.IN_APP, Channel.EMAIL],
                dedupe_key=dedupe_key,
            )
    # then what is read back is what was sent
    stored = {m.channel: m for m in Message.objects.filter(pk__in=[row.pk for row in rows])}
    assert set(stored) == {"in_app", "email"}
    email = stored["email"]
    assert email.subject == " ".join(AWKWARD.split())  # subjects are one line
    assert email.body == AWKWARD + "\n\nThis message was sent by Coverdesk."
    assert email.context == {"subject": AWKWARD, "body": AWKWARD}
    assert email.address == 'o"brien\\x@example.test'
    assert (email.sent_at, email.next_attempt_at, email.read_at) == (None, NOW, None)
    assert email.dedupe_key == (f"awkward:{user.pk}:email" if dedupe_key else None)
    assert (stored["in_app"].status, stored["in_app"].sent_at) == ("sent", NOW)


# A key queued by a transaction that has not committed yet -------------------------------


def _waiting_for_a_lock():
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
        return cursor.fetchone()[0]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_key_queued_by_a_concurrent_transaction_is_skipped_once_it_commits(make_recipient):
    # given another transaction has queued the message for a key and not committed yet
    user = make_recipient()
    queued, release = threading.Event(), threading.Event()
    outcome: dict[str, object] = {}

    def first():
        try:
            with transaction.atomic():
                outcome["first"] = len(_notice([user], dedupe_key="claim:7:approved"))
                queued.set()
                release.wait(timeout=60)
        finally:
            connections.close_all()

    def second():
        try:
            with transaction.atomic():
                outcome["second"] = _notice([user], dedupe_key="claim:7:approved")
                # the duplicate did not break this transaction
                outcome["second_then"] = len(_notice([user], body="Still working"))
        except BaseException as exc:  # reported by the test thread
            outcome["error"] = exc
        finally:
            connections.close_all()

    one = threading.Thread(target=first)
    one.start()
    assert queued.wait(timeout=60)
    # when this call queues the same key: it waits for the other transaction
    two = threading.Thread(target=second)
    two.start()
    deadline = time.monotonic() + 60
    while _waiting_for_a_lock() < 1:
        assert time.monotonic() < deadline, "the second call should wait for the first"
        time.sleep(0.02)
    release.set()
    one.join(timeout=60)
    two.join(timeout=60)
    # then, the other having committed, it queues nothing and goes on
    assert "error" not in outcome, outcome
    assert (outcome["first"], outcome["second"], outcome["second_then"]) == (1, [], 1)
    assert sorted(Message.objects.values_list("dedupe_key", flat=True), key=str) == [
        None,
        f"claim:7:approved:{user.pk}:in_app",
    ]
