"""Property tests: the engine against the slow reference over random instants, amounts and units
across 2025-2026 (deadlines reach into the provisional 2027), with zero differences; and the
inverse laws between adding time and measuring it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from coverdesk.sla.engine import (
    Unit,
    business_seconds_between,
    business_seconds_between_many,
    deadline_compute,
    deadlines_compute,
    deadlines_provisional,
    instant_after,
    measure_between,
)
from coverdesk.sla.tests.test_engine_reference import (
    TZ,
    cn_compiled,
    ref_add_business_exact,
    ref_add_business_minutes,
    ref_business_between_exact,
    ref_business_minutes_between,
    ref_natural_days,
    ref_provisional,
    ref_working_days,
)

SPAN_START = datetime(2025, 1, 1, tzinfo=TZ)
SPAN_MINUTES = 2 * 365 * 1440  # 2025 and 2026
EXAMPLES = settings(max_examples=300, deadline=None)

minute_instants = st.integers(0, SPAN_MINUTES - 1).map(lambda m: SPAN_START + timedelta(minutes=m))
second_instants = st.integers(0, SPAN_MINUTES * 60 - 1).map(
    lambda s: SPAN_START + timedelta(seconds=s)
)
micro_instants = st.tuples(second_instants, st.integers(0, 999_999)).map(
    lambda pair: pair[0] + timedelta(microseconds=pair[1])
)
# Half of the instants fall on the grid points where the rules bite: window edges and midnight.
edge_instants = st.tuples(
    st.integers(0, 2 * 365 - 1), st.sampled_from([0, 510, 720, 810, 1050, 1439])
).map(lambda pair: SPAN_START + timedelta(days=pair[0], minutes=pair[1]))
instants = st.one_of(minute_instants, edge_instants)


@EXAMPLES
@given(start=instants, minutes=st.integers(0, 3000))
def test_business_minutes_match_minute_stepping(start, minutes):
    deadline = deadline_compute(cn_compiled(), start=start, amount=minutes, unit="business_minutes")
    expected = ref_add_business_minutes(start, minutes)
    assert deadline.at == expected
    assert deadline.provisional == ref_provisional(expected)


@EXAMPLES
@given(start=instants, hours=st.integers(0, 60))
def test_business_hours_match_minute_stepping(start, hours):
    deadline = deadline_compute(cn_compiled(), start=start, amount=hours, unit=Unit.BUSINESS_HOURS)
    assert deadline.at == ref_add_business_minutes(start, hours * 60)


@EXAMPLES
@given(start=st.one_of(second_instants, edge_instants), days=st.integers(0, 40))
def test_working_days_match_day_walking(start, days):
    deadline = deadline_compute(cn_compiled(), start=start, amount=days, unit=Unit.WORKING_DAYS)
    expected = ref_working_days(start, days)
    assert deadline.at == expected
    assert deadline.provisional == (days > 0 and ref_provisional(expected))


@EXAMPLES
@given(start=st.one_of(second_instants, edge_instants), days=st.integers(0, 90))
def test_natural_days_match_day_walking(start, days):
    deadline = deadline_compute(cn_compiled(), start=start, amount=days, unit=Unit.NATURAL_DAYS)
    expected = ref_natural_days(start, days)
    assert deadline.at == expected
    assert deadline.provisional == ref_provisional(expected)


@EXAMPLES
@given(
    start=micro_instants,
    amount=st.integers(0, 10_000),
    unit=st.sampled_from([Unit.NATURAL_MINUTES, Unit.NATURAL_HOURS]),
)
def test_natural_time_is_elapsed_time_and_never_provisional(start, amount, unit):
    step = 60 if unit is Unit.NATURAL_MINUTES else 3600
    deadline = deadline_compute(cn_compiled(), start=start, amount=amount, unit=unit)
    assert deadline.at == start + timedelta(seconds=amount * step)
    assert deadline.provisional is False


@EXAMPLES
@given(start=micro_instants, seconds=st.integers(0, 40 * 3600))
def test_business_time_is_exact_to_the_microsecond(start, seconds):
    compiled = cn_compiled()
    after = instant_after(compiled, unit=Unit.BUSINESS_MINUTES, start=start, measure=seconds)
    assert after == ref_add_business_exact(start, seconds)


@EXAMPLES
@given(a=instants, b=instants)
def test_business_time_between_matches_minute_counting(a, b):
    assert business_seconds_between(cn_compiled(), a, b) == 60 * ref_business_minutes_between(a, b)


@EXAMPLES
@given(a=micro_instants, b=micro_instants)
def test_business_time_between_is_exact_and_antisymmetric(a, b):
    start, end = min(a, b), max(a, b)
    compiled = cn_compiled()
    expected = ref_business_between_exact(start, end) // timedelta(seconds=1)
    assert business_seconds_between(compiled, start, end) == expected
    assert business_seconds_between(compiled, end, start) == -expected


@EXAMPLES
@given(start=micro_instants, seconds=st.integers(0, 200 * 3600))
def test_between_is_the_inverse_of_adding_business_time(start, seconds):
    compiled = cn_compiled()
    due = instant_after(compiled, unit=Unit.BUSINESS_HOURS, start=start, measure=seconds)
    assert business_seconds_between(compiled, start, due) == seconds
    # ... and the earliest such instant: one microsecond earlier is not enough.
    if seconds:
        assert business_seconds_between(compiled, start, due - timedelta(microseconds=1)) < seconds


@EXAMPLES
@given(
    start=st.one_of(second_instants, edge_instants),
    amount=st.integers(1, 30),
    unit=st.sampled_from(list(Unit)),
)
def test_instant_after_the_measure_to_a_deadline_is_that_deadline(start, amount, unit):
    """What a clock does on resume with nothing paused: measure start→due, add it back."""
    compiled = cn_compiled()
    due = deadline_compute(compiled, start=start, amount=amount, unit=unit).at
    measure = measure_between(compiled, unit=unit, start=start, end=due)
    assert instant_after(compiled, unit=unit, start=start, measure=measure) == due


@EXAMPLES
@given(start=st.one_of(second_instants, edge_instants), amount=st.integers(0, 30))
def test_results_do_not_depend_on_the_time_zone_of_the_input(start, amount):
    compiled = cn_compiled()
    for unit in Unit:
        local = deadline_compute(compiled, start=start, amount=amount, unit=unit)
        utc = deadline_compute(compiled, start=start.astimezone(UTC), amount=amount, unit=unit)
        assert local == utc
        assert utc.at.tzinfo is TZ


@settings(max_examples=40, deadline=None)
@given(
    seeds=st.integers(0, 2**32 - 1),
    unit=st.sampled_from(list(Unit)),
    scalar_amount=st.booleans(),
)
def test_vectorised_deadlines_equal_scalar_ones(seeds, unit, scalar_amount):
    rng = np.random.default_rng(seeds)
    compiled = cn_compiled()
    lo = int(SPAN_START.timestamp())
    starts = rng.integers(lo, lo + SPAN_MINUTES * 60, 200, dtype=np.int64)
    starts[:40] -= starts[:40] % 1800  # plenty on window edges and midnights
    amounts = int(rng.integers(0, 30)) if scalar_amount else rng.integers(0, 30, 200)
    result = deadlines_compute(compiled, starts=starts, amounts=amounts, unit=unit)
    provisional = deadlines_provisional(compiled, result, unit)
    for index, start in enumerate(starts):
        amount = amounts if scalar_amount else int(amounts[index])
        scalar = deadline_compute(
            compiled,
            start=datetime.fromtimestamp(int(start), TZ),
            amount=amount,
            unit=unit,
        )
        assert int(result[index]) == int(scalar.at.timestamp())
        assert bool(provisional[index]) == scalar.provisional


@settings(max_examples=40, deadline=None)
@given(seeds=st.integers(0, 2**32 - 1))
def test_vectorised_between_equals_scalar(seeds):
    rng = np.random.default_rng(seeds)
    compiled = cn_compiled()
    lo = int(SPAN_START.timestamp())
    a = rng.integers(lo, lo + SPAN_MINUTES * 60, 200, dtype=np.int64)
    b = rng.integers(lo, lo + SPAN_MINUTES * 60, 200, dtype=np.int64)
    result = business_seconds_between_many(compiled, a, b)
    for x, y, got in zip(a, b, result, strict=True):
        expected = business_seconds_between(
            compiled, datetime.fromtimestamp(int(x), TZ), datetime.fromtimestamp(int(y), TZ)
        )
        assert int(got) == expected
