"""Pure arithmetic: visit schedules with month-end clamping, reproducible sampling, scores."""

from datetime import date
from decimal import Decimal

import pytest

from coverdesk.policies.calculations import add_months
from coverdesk.servicedesk.calculations import (
    average_score,
    low_scores,
    mean_score,
    next_visit_on,
    sample_bucket,
    sampled,
    visit_dates,
)


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 1, 15), 3, date(2026, 4, 15)),
        (date(2026, 11, 30), 3, date(2027, 2, 28)),
        (date(2027, 11, 30), 3, date(2028, 2, 29)),  # leap year
        (date(2026, 8, 31), 6, date(2027, 2, 28)),
        (date(2026, 10, 31), 3, date(2027, 1, 31)),
        (date(2026, 12, 1), 1, date(2027, 1, 1)),
        (date(2026, 3, 31), -1, date(2026, 2, 28)),
    ],
)
def test_months_add(day, months, expected):
    assert add_months(day, months) == expected


def test_quarterly_dates_count_from_the_start_and_do_not_drift():
    start = date(2026, 8, 31)
    assert visit_dates(start, "quarterly", first=start, last=date(2027, 9, 1)) == [
        date(2026, 8, 31),
        date(2026, 11, 30),
        date(2027, 2, 28),
        date(2027, 5, 31),
        date(2027, 8, 31),
    ]


def test_half_yearly_dates_within_a_window():
    assert visit_dates(
        date(2026, 1, 10), "half_yearly", first=date(2026, 3, 1), last=date(2027, 7, 10)
    ) == [date(2026, 7, 10), date(2027, 1, 10), date(2027, 7, 10)]


def test_a_programme_without_schedule_has_no_dates():
    first, last = date(2026, 1, 1), date(2027, 1, 1)
    assert visit_dates(date(2026, 1, 1), "none", first=first, last=last) == []
    assert next_visit_on(date(2026, 1, 1), "none", date(2026, 5, 1)) is None


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        (date(2025, 12, 31), date(2026, 1, 31)),  # before the start: the start
        (date(2026, 1, 31), date(2026, 4, 30)),
        (date(2026, 4, 29), date(2026, 4, 30)),
        (date(2026, 4, 30), date(2026, 7, 31)),
    ],
)
def test_next_visit_on(after, expected):
    assert next_visit_on(date(2026, 1, 31), "quarterly", after) == expected


def test_sampling_is_reproducible_and_close_to_the_share():
    keys = [f"7:claims.claim:{n}" for n in range(2000)]
    chosen = [key for key in keys if sampled(key, 30)]
    assert chosen == [key for key in keys if sampled(key, 30)]
    assert 540 <= len(chosen) <= 660  # 30 % of 2000 = 600
    assert all(sampled(key, 100) for key in keys)
    assert not any(sampled(key, 0) for key in keys)
    # A larger share keeps everything a smaller share chose.
    assert set(chosen) <= {key for key in keys if sampled(key, 50)}
    assert sample_bucket("7:claims.claim:1") == sample_bucket("7:claims.claim:1")


@pytest.mark.parametrize("percent", [-1, 101])
def test_a_share_outside_zero_to_one_hundred_is_an_error(percent):
    with pytest.raises(ValueError):
        sampled("x", percent)


@pytest.mark.parametrize(
    ("scores", "expected"),
    [
        ([5, 4, 4], Decimal("4.33")),
        ([1, 2], Decimal("1.50")),
        ([5, 5, 4], Decimal("4.67")),  # 4.666… half-up
        ([3, 4, 4, 4, 4, 4, 4, 4], Decimal("3.88")),  # 3.875 half-up
        ([], None),
    ],
)
def test_average_score(scores, expected):
    assert average_score(scores) == expected


@pytest.mark.parametrize(
    ("total", "count", "expected"),
    [
        (Decimal(31), 8, Decimal("3.88")),  # the database's sum and count: 3.875 half-up
        (14, 3, Decimal("4.67")),  # 4.666…
        (None, 0, None),  # no scored answer: the database's sum is NULL
        (0, 0, None),
    ],
)
def test_mean_score_from_a_sum_and_a_count(total, count, expected):
    assert mean_score(total, count) == expected


def test_low_scores():
    assert low_scores([5, 2, 3, 1]) == [2, 1]
