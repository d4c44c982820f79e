"""`coverdesk worker`: runs the registered periodic jobs and delivers the notification outbox.

Several workers may run against one PostgreSQL (rows are claimed with SKIP LOCKED); on SQLite
run one. SIGTERM or SIGINT lets the current batch commit, then the worker exits 0.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from dataclasses import dataclass
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections

from coverdesk.core import clock
from coverdesk.core.jobs import JobSchedule
from coverdesk.notifications.services import outbox_deliver_batch

logger = logging.getLogger("coverdesk.worker")

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


@dataclass
class WorkerStats:
    cycles: int = 0
    delivered: int = 0  # outbox messages attempted
    job_items: int = 0
    failures: int = 0


class Worker:
    def __init__(self, *, batch_size: int, idle_seconds: float) -> None:
        self.batch_size = batch_size
        self.idle_seconds = idle_seconds
        self.stop_requested = threading.Event()
        self.schedule = JobSchedule()
        self.stats = WorkerStats()

    def request_stop(self, signum: int, frame: FrameType | None) -> None:
        # Only a flag: the batch in progress commits, and the loop ends after it.
        logger.info(
            "worker %s: %s received, stopping after the current batch",
            os.getpid(),
            signal.Signals(signum).name,
        )
        self.stop_requested.set()

    def run(self, *, once: bool) -> WorkerStats:
        """Work until stopped; with `once`, until a cycle finds nothing due."""
        while not self.stop_requested.is_set():
            handled, failed = self.cycle()
            if once and (handled == 0 or failed):
                break
            if handled == 0 or failed:
                self.stop_requested.wait(self.idle_seconds)
        return self.stats

    def cycle(self) -> tuple[int, bool]:
        """Due periodic jobs, then one outbox batch. Returns (items handled, anything failed)."""
        self.stats.cycles += 1
        _close_stale_connections()
        handled, failed = 0, False
        for job in self.schedule.due(clock.now()):
            if self.stop_requested.is_set():
                return handled, failed
            started = clock.now()
            try:
                count = job.run(started)
            except Exception:
                # The worker is the supervisor: a broken job is reported with its traceback and
                # retried at its next interval, and does not stop the outbox or other jobs.
                logger.exception("worker %s: job %s failed", os.getpid(), job.name)
                self.stats.failures += 1
                failed = True
            else:
                handled += count
                self.stats.job_items += count
                if count:
                    logger.info("worker %s: job %s handled %d", os.getpid(), job.name, count)
            self.schedule.ran(job, started)
        if self.stop_requested.is_set():
            return handled, failed
        try:
            delivered = outbox_deliver_batch(now=clock.now(), batch_size=self.batch_size)
        except Exception:
            # Same boundary: logged with its traceback, the batch's transaction rolled back or
            # committed as the service decided; the next cycle tries again after the idle pause.
            logger.exception("worker %s: outbox delivery failed", os.getpid())
            self.stats.failures += 1
            return handled, True
        self.stats.delivered += delivered
        return handled + delivered, failed


def _close_stale_connections() -> None:
    # A long-running process must drop connections the database closed or that outlived
    # CONN_MAX_AGE; never one inside a transaction (as in an in-process test).
    for connection in connections.all(initialized_only=True):
        if not connection.in_atomic_block:
            connection.close_if_unusable_or_obsolete()


class Command(BaseCommand):
    help = (
        "Run the periodic jobs and deliver the notification outbox until SIGTERM/SIGINT. "
        "Several workers may share one PostgreSQL database; on SQLite run one."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--once",
            action="store_true",
            help="Work until nothing is due (due jobs, outbox batches), then exit.",
        )
        parser.add_argument(
            "--batch",
            type=int,
            default=settings.COVERDESK_OUTBOX_BATCH,
            help="Outbox messages per batch (transaction). Default: COVERDESK_OUTBOX_BATCH.",
        )
        parser.add_argument(
            "--idle",
            type=float,
            default=settings.COVERDESK_WORKER_IDLE_SECONDS,
            help="Seconds to sleep when nothing was due. Default: COVERDESK_WORKER_IDLE_SECONDS.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        batch_size, idle_seconds = options["batch"], options["idle"]
        if batch_size < 1:
            raise CommandError("--batch must be at least 1")
        if idle_seconds < 0:
            raise CommandError("--idle must not be negative")
        worker = Worker(batch_size=batch_size, idle_seconds=idle_seconds)
        previous = {signum: signal.signal(signum, worker.request_stop) for signum in STOP_SIGNALS}
        logger.info(
            "worker %s started: batch %d, idle %.1f s, database %s",
            os.getpid(),
            batch_size,
            idle_seconds,
            connections["default"].vendor,
        )
        try:
            stats = worker.run(once=options["once"])
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
        logger.info(
            "worker %s stopped: %d cycles, %d messages attempted, %d job items, %d failures",
            os.getpid(),
            stats.cycles,
            stats.delivered,
            stats.job_items,
            stats.failures,
        )
        if options["once"] and stats.failures:
            raise CommandError(f"{stats.failures} failures; see the log above", returncode=1)
