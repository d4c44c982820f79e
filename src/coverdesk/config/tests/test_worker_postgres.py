"""Acceptance: two workers on PostgreSQL deliver 1,000 outbox messages, none lost, none twice."""

import re
from collections import Counter

import pytest
from django.db import connection, transaction

from coverdesk.accounts.models import User
from coverdesk.config.tests.processes import start_worker, wait_for, worker_env
from coverdesk.notifications.choices import Channel
from coverdesk.notifications.models import Message
from coverdesk.notifications.services import notification_send

MESSAGE_ID = re.compile(r"^Message-ID: <coverdesk\.outbox\.(\d+)@", re.MULTILINE)


def _waiting_for_the_outbox_table() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(DISTINCT pid) FROM pg_locks"
            " WHERE relation = 'notifications_message'::regclass AND NOT granted"
        )
        return cursor.fetchone()[0]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_deliver_1000_messages_none_lost_none_twice(tmp_path):
    # given 1,000 due emails (100 notices to 10 users)
    users = [
        User.objects.create(username=f"bulk{n}", email=f"bulk{n}@example.test", language="en")
        for n in range(10)
    ]
    for n in range(100):
        notification_send(
            recipients=users,
            template="notice",
            context={"subject": f"Notice {n}", "body": "Please read."},
            channels=[Channel.EMAIL],
        )
    expected_ids = set(Message.objects.values_list("id", flat=True))
    assert len(expected_ids) == 1000

    # when two workers, each writing mail to its own directory, start together: the table is
    # locked until both wait for it, so neither can finish before the other begins
    mail_dirs = [tmp_path / "mail-a", tmp_path / "mail-b"]
    logs = [tmp_path / "worker-a.log", tmp_path / "worker-b.log"]
    workers = []
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("LOCK TABLE notifications_message IN EXCLUSIVE MODE")
            for mail_dir, log in zip(mail_dirs, logs, strict=True):
                mail_dir.mkdir()
                env = worker_env(
                    EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
                    COVERDESK_TEST_MAIL_DIR=str(mail_dir),
                )
                workers.append(
                    start_worker(["--once", "--batch", "20", "--idle", "0"], env=env, log=log)
                )
            wait_for(
                lambda: _waiting_for_the_outbox_table() == 2,
                timeout=90,
                what="both workers to wait for the outbox",
                processes=workers,
                logs=logs,
            )
        returncodes = [worker.wait(timeout=300) for worker in workers]
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
                worker.wait()

    # then both exited cleanly, every message went out exactly once, and both did some
    output = "\n".join(log.read_text() for log in logs)
    assert returncodes == [0, 0], output
    delivered_by = []
    for mail_dir in mail_dirs:
        ids = [
            int(match)
            for mail_file in mail_dir.iterdir()
            for match in MESSAGE_ID.findall(mail_file.read_text(errors="replace"))
        ]
        delivered_by.append(ids)
    delivered = Counter(delivered_by[0] + delivered_by[1])
    assert sum(delivered.values()) == 1000
    assert set(delivered) == expected_ids
    assert [pk for pk, times in delivered.items() if times > 1] == []
    assert all(len(ids) > 0 for ids in delivered_by), [len(ids) for ids in delivered_by]
    assert Counter(Message.objects.values_list("status", "attempts")) == Counter(
        {("sent", 1): 1000}
    )
