"""Exactly once on PostgreSQL: two workers sweeping at the same time, and a worker killed with
SIGKILL in the middle of a batch. Every event fires once, with its messages and follow-ups
once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection, connections, transaction

from coverdesk.notifications.models import Message
from coverdesk.sla.models import SlaClock, SlaEvent
from coverdesk.sla.services.clocks import sla_clock_start
from coverdesk.sla.services.sweep import sla_sweep
from coverdesk.sla.tests.clock_factories import at, make_team

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]

START = at(2026, 2, 13, 15)
LATE = at(2026, 2, 27, 9)  # past yellow and red of every clock started at START
SRC_DIR = Path(__file__).resolve().parents[3]


def _clocks(team, count):
    for n in range(count):
        sla_clock_start(
            subject=("claims.claim", f"C-{n}"),
            standard_code="claims.adjudication.simple",
            assignee=team.adjuster,
            acting_user=None,
            now=START,
        )


def _assert_each_event_once(count):
    keys = Counter(SlaEvent.objects.values_list("clock_id", "kind", "level"))
    primaries = set(SlaClock.objects.filter(kind="primary").values_list("pk", flat=True))
    assert len(primaries) == count
    assert {key for key in keys if key[0] in primaries} == {
        (pk, kind, 0) for pk in primaries for kind in ("yellow", "red")
    }
    assert [key for key, times in keys.items() if times > 1] == []
    # each yellow told adjuster and head, each red head and manager, in-app and email
    messages = Counter(
        Message.objects.filter(subject_id__in=[str(pk) for pk in primaries]).values_list(
            "subject_id", "template"
        )
    )
    assert set(messages.values()) == {4}
    assert len(messages) == 2 * count
    followups = Counter(SlaClock.objects.exclude(kind="primary").values_list("parent_id", "kind"))
    assert set(followups.values()) == {1}
    assert len(followups) == 2 * count


def _waiting_for(table):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(DISTINCT pid) FROM pg_locks"
            " WHERE relation = %s::regclass AND NOT granted",
            [table],
        )
        return cursor.fetchone()[0]


def test_two_workers_fire_every_event_once():
    # given 300 clocks each past its yellow and red instant
    team = make_team()
    _clocks(team, 300)
    results: dict[str, int] = {}
    errors: list[BaseException] = []

    def worker(name):
        try:
            results[name] = sla_sweep(now=LATE, batch_size=20)
        except BaseException as exc:  # reported by the test thread
            errors.append(exc)
        finally:
            connections.close_all()

    # when two workers start together: the clock table is locked until both wait for it
    threads = [threading.Thread(target=worker, args=(name,)) for name in ("a", "b")]
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("LOCK TABLE sla_slaclock IN EXCLUSIVE MODE")
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 60
        while _waiting_for("sla_slaclock") < 2:
            assert time.monotonic() < deadline, "both workers should wait for the clock table"
            time.sleep(0.02)
    for thread in threads:
        thread.join(timeout=300)

    # then all 600 events fired once between them, and both did some of the work
    assert errors == []
    assert results["a"] + results["b"] == 600, results
    assert results["a"] > 0 and results["b"] > 0, results
    _assert_each_event_once(300)


def _database_url():
    db = connection.settings_dict
    credentials = quote(db["USER"] or "")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"])
    host = db["HOST"] or "127.0.0.1"
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgres://{credentials}@{host}{port}/{quote(db['NAME'])}"


# The child sweeps with a notification_send that stalls, after a few messages, inside the
# batch's transaction: the moment to kill it.
CHILD = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    import django
    django.setup()
    from coverdesk.sla.services import sweep
    from coverdesk.sla.tests.clock_factories import at

    flag = Path(sys.argv[1])
    real = sweep.notification_send
    calls = 0

    def stalling(**kwargs):
        global calls
        calls += 1
        result = real(**kwargs)
        if calls == 5:
            flag.write_text("in the middle of a batch")
            time.sleep(600)
        return result

    sweep.notification_send = stalling
    sweep.sla_sweep(now=at(2026, 2, 27, 9), batch_size=50)
    """
)


def test_a_worker_killed_mid_batch_leaves_its_events_to_the_next_sweep(tmp_path):
    # given 120 clocks past their yellow and red
    team = make_team()
    _clocks(team, 120)
    flag = tmp_path / "flag"
    env = dict(os.environ)
    env.update(
        DATABASE_URL=_database_url(),
        DJANGO_SETTINGS_MODULE="coverdesk.config.settings",
        COVERDESK_VAR_DIR=str(settings.VAR_DIR),
        PYTHONPATH=os.pathsep.join(filter(None, [str(SRC_DIR), env.get("PYTHONPATH", "")])),
    )
    log = tmp_path / "child.log"
    with log.open("wb") as out:
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, str(flag)], env=env, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        # when it is killed with SIGKILL while its first batch is half done
        deadline = time.monotonic() + 120
        while not flag.exists():
            assert child.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.05)
        os.kill(child.pid, signal.SIGKILL)
        assert child.wait(timeout=30) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()

    # then nothing of its batch was kept and its rows are free again
    assert SlaEvent.objects.count() == 0
    assert Message.objects.count() == 0
    deadline = time.monotonic() + 30
    while _backends_of_database() > 1:  # the server notices the dead connection
        assert time.monotonic() < deadline
        time.sleep(0.05)
    # and the next sweep fires every event once
    assert sla_sweep(now=LATE, batch_size=50) == 240
    _assert_each_event_once(120)


def _backends_of_database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()")
        return cursor.fetchone()[0]
