"""Pure arithmetic of the service desk: visit schedules, reproducible sampling, scores.
No ORM. Whole months are added as policies.calculations.add_months does (a day the target
month lacks becomes its last day)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from coverdesk.policies.calculations import add_months

MONTHS_BETWEEN_VISITS: dict[str, int] = {"quarterly": 3, "half_yearly": 6}
SCORE_PLACES = Decimal("0.01")
LOW_SCORE = 2  # a score at or below this is a problem to follow up


def next_visit_on(start: date, frequency: str, after: date) -> date | None:
    """The first scheduled date of a programme starting on `start` that is later than
    `after` (None for a programme without scheduled visits). Dates count from the start, so
    month-end clamping never drifts: 31 Aug → 30 Nov → 28 Feb → 31 May."""
    months = MONTHS_BETWEEN_VISITS.get(frequency)
    if months is None:
        return None
    if start > after:
        return start
    step = 0
    while True:
        step += 1
        candidate = add_months(start, months * step)
        if candidate > after:
            return candidate


def visit_dates(start: date, frequency: str, *, first: date, last: date) -> list[date]:
    """Every scheduled date of the programme from `first` to `last`, both included."""
    months = MONTHS_BETWEEN_VISITS.get(frequency)
    if months is None or last < first:
        return []
    dates: list[date] = []
    step = 0
    while True:
        candidate = add_months(start, months * step)
        if candidate > last:
            return dates
        if candidate >= first:
            dates.append(candidate)
        step += 1


def sample_bucket(key: str) -> int:
    """A number 0–99 fixed by `key` (SHA-256), so the same event is always in or out."""
    return int.from_bytes(hashlib.sha256(key.encode("utf-8")).digest()[:8], "big") % 100


def sampled(key: str, percent: int) -> bool:
    """Whether the event named by `key` is among the `percent` % visited."""
    if not 0 <= percent <= 100:
        raise ValueError("percent must lie in 0..100")
    return sample_bucket(key) < percent


def average_score(scores: Iterable[int]) -> Decimal | None:
    """Mean of the scores half-up to two places; None without any."""
    values = list(scores)
    return mean_score(sum(values), len(values))


def mean_score(total: int | Decimal | None, count: int) -> Decimal | None:
    """Mean of `count` scores adding up to `total`, half-up to two places; None without any
    (the database's sum and count of the answers)."""
    if not count or total is None:
        return None
    return (Decimal(total) / Decimal(count)).quantize(SCORE_PLACES, rounding=ROUND_HALF_UP)


def low_scores(scores: Iterable[int], *, threshold: int = LOW_SCORE) -> list[int]:
    return [score for score in scores if score <= threshold]
