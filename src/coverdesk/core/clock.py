"""Time comes in from the outside: services take `now` so deadlines are testable."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone


def now() -> datetime:
    return timezone.now()


def ensure_aware(value: datetime, *, field: str = "now") -> datetime:
    if timezone.is_naive(value):
        raise ValueError(f"{field} must be timezone-aware")
    return value
