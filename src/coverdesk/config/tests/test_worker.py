import logging
import signal
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import CommandError, call_command

from coverdesk.accounts.models import User
from coverdesk.config.tests.processes import start_worker, wait_for, worker_env
from coverdesk.core import jobs
from coverdesk.core.jobs import JobSchedule, PeriodicJob
from coverdesk.notifications.choices import Channel, MessageStatus
from coverdesk.notifications.models import Message
from coverdesk.notifications.services import notification_send

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


def _user(n: int, **fields) -> User:
    return User.objects.create(
        username=f"worker-test-{n}", email=f"w{n}@example.test", language="en", **fields
    )


def _queue(recipients, channels, **kwargs):
    return notification_send(
        recipients=recipients,
        template="notice",
        context={"subject": "Survey booked", "body": "The surveyor comes on Monday."},
        channels=channels,
        **kwargs,
    )


# The job schedule (pure)


def test_a_job_is_due_at_start_then_after_its_interval(monkeypatch):
    job = PeriodicJob(name="sweep", interval_seconds=60, run=lambda now: 0)
    monkeypatch.setattr(jobs, "_registry", {"sweep": job})
    schedule = JobSchedule()
    assert schedule.due(NOW) == [job]
    schedule.ran(job, NOW)
    assert schedule.due(NOW + timedelta(seconds=59)) == []
    assert schedule.due(NOW + timedelta(seconds=60)) == [job]


# The command, in process


@pytest.mark.django_db
def test_worker_once_runs_due_jobs_and_delivers_the_outbox_then_exits(monkeypatch, mailoutbox):
    # given a registered job and two due emails
    runs: list[datetime] = []

    def sweep(now: datetime) -> int:
        runs.append(now)
        return 3

    monkeypatch.setattr(jobs, "_registry", {})
    jobs.register(PeriodicJob(name="test.sweep", interval_seconds=3600, run=sweep))
    _queue([_user(1), _user(2)], [Channel.EMAIL])
    # when
    call_command("worker", "--once", "--batch", "1", "--idle", "0")
    # then the job ran once, and both emails went out in two batches
    assert len(runs) == 1
    assert sorted(m.to[0] for m in mailoutbox) == ["w1@example.test", "w2@example.test"]
    assert set(Message.objects.values_list("status", flat=True)) == {MessageStatus.SENT}


@pytest.mark.django_db
def test_a_failing_job_is_logged_does_not_stop_delivery_and_fails_a_once_run(
    monkeypatch, mailoutbox, caplog
):
    def broken(now: datetime) -> int:
        raise RuntimeError("sweep is broken")

    monkeypatch.setattr(jobs, "_registry", {})
    jobs.register(PeriodicJob(name="test.broken", interval_seconds=60, run=broken))
    _queue([_user(1)], [Channel.EMAIL])
    with (
        caplog.at_level(logging.ERROR, logger="coverdesk.worker"),
        pytest.raises(CommandError) as caught,
    ):
        call_command("worker", "--once", "--idle", "0")
    assert caught.value.returncode == 1
    assert "job test.broken failed" in caplog.text
    assert "RuntimeError: sweep is broken" in caplog.text
    assert len(mailoutbox) == 1


@pytest.mark.django_db
def test_worker_restores_the_signal_handlers_it_replaced(monkeypatch):
    monkeypatch.setattr(jobs, "_registry", {})
    before = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)
    call_command("worker", "--once", "--idle", "0")
    assert (signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)) == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--batch", "0"], "--batch must be at least 1"),
        (["--idle", "-1"], "--idle must not be negative"),
    ],
)
def test_worker_refuses_bad_options(args, message):
    with pytest.raises(CommandError, match=message):
        call_command("worker", "--once", *args)


# The command as a real process: stopping on a signal


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
@pytest.mark.django_db(transaction=True)
def test_idle_worker_stops_on_signal_with_exit_code_0(tmp_path, signum):
    # given a worker sleeping between cycles for longer than the test waits
    log = tmp_path / "worker.log"
    worker = start_worker(["--idle", "600"], env=worker_env(), log=log)
    try:
        wait_for(
            lambda: "started" in log.read_text(),
            timeout=60,
            what="the worker to start",
            processes=[worker],
            logs=[log],
        )
        # when
        worker.send_signal(signum)
        returncode = worker.wait(timeout=30)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
    # then it stopped at once and cleanly
    output = log.read_text()
    assert returncode == 0, output
    assert f"{signal.Signals(signum).name} received" in output
    assert "stopped: " in output


@pytest.mark.django_db(transaction=True)
def test_sigterm_mid_batch_lets_the_batch_commit_then_stops(tmp_path):
    # given ten due SMS, delivered five per batch by a slow provider
    marker = tmp_path / "batch-started"
    users = [_user(n) for n in range(10)]
    _queue(users, [Channel.SMS], phone_numbers={u.pk: f"1380000{u.pk:04d}" for u in users})
    log = tmp_path / "worker.log"
    env = worker_env(
        COVERDESK_SMS_ADAPTER="coverdesk.config.tests.adapters.SlowSmsAdapter",
        COVERDESK_TEST_MARKER=str(marker),
    )
    worker = start_worker(["--batch", "5", "--idle", "600"], env=env, log=log)
    try:
        wait_for(marker.exists, timeout=60, what="the first batch", processes=[worker], logs=[log])
        # when SIGTERM arrives while the first batch is sending
        worker.send_signal(signal.SIGTERM)
        returncode = worker.wait(timeout=30)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
    # then the batch finished and committed, and no further batch started
    output = log.read_text()
    assert returncode == 0, output
    statuses = list(Message.objects.order_by("id").values_list("status", "attempts"))
    assert statuses == [("sent", 1)] * 5 + [("pending", 0)] * 5, output
    assert "outbox batch: 5 claimed, 5 sent, 0 to retry, 0 failed" in output
    assert "stopped: " in output
