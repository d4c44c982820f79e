"""Registry of periodic jobs that `coverdesk worker` runs. Apps register in AppConfig.ready();
the worker knows no domain. A job must be safe to run on several workers at once."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime


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
