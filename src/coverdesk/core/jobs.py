"""Registry of periodic jobs that `coverdesk worker` runs. Apps register in AppConfig.ready();
the worker knows no domain. A job must be safe to run on several workers at once."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    interval_seconds: float
    run: Callable[[datetime], int]  # takes `now`, returns how many items it handled


_registry: dict[str, PeriodicJob] = {}


def register(job: PeriodicJob) -> None:
    _registry[job.name] = job


def registered() -> list[PeriodicJob]:
    return sorted(_registry.values(), key=lambda job: job.name)


class JobSchedule:
    """When each registered job is next due, for one worker process. A job is due at start,
    then `interval_seconds` after it last ran. The caller passes the time."""

    def __init__(self) -> None:
        self._next_due: dict[str, datetime] = {}

    def due(self, now: datetime) -> list[PeriodicJob]:
        return [job for job in registered() if self._next_due.get(job.name, now) <= now]

    def ran(self, job: PeriodicJob, now: datetime) -> None:
        self._next_due[job.name] = now + timedelta(seconds=job.interval_seconds)
