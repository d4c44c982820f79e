"""The shipped calendars as a freshly migrated database has them, and the counting rules
through the database (selectors, compiled cache)."""

from __future__ import annotations

from datetime import date, time

import holidays
import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from coverdesk.sla.engine import DayKind, Deadline, Unit, deadline_compute
from coverdesk.sla.models import Calendar, CalendarDay
from coverdesk.sla.selectors.calendars import (
    CalendarNotFound,
    calendar_compiled,
    calendar_compiled_for,
    calendar_days,
    calendar_deadline,
    calendar_elapsed,
    calendar_spec,
    calendar_version_current,
)
from coverdesk.sla.tests.test_engine_reference import at, cn_spec

pytestmark = pytest.mark.django_db

STANDARD = [["08:30", "12:00"], ["13:30", "17:30"]]


def test_cn_mainland_is_seeded_with_its_week_and_published_through():
    version = calendar_version_current(code="cn-mainland")
    assert version.number == 1
    assert version.calendar.timezone == "Asia/Shanghai"
    assert version.timezone == "Asia/Shanghai"
    assert version.weekly_windows == [STANDARD] * 5 + [[], []]
    assert version.published_through == date(2026, 12, 31)
    assert version.calendar.always_open is False
    assert f"holidays package {holidays.__version__}" in version.note


def test_cn_mainland_2026_days_are_the_holidays_package_public_data():
    version = calendar_version_current(code="cn-mainland")
    china = holidays.China(years=2026, categories=("public",))
    seeded = {d.date: d.kind for d in calendar_days(version_id=version.pk, year=2026)}
    expected = dict.fromkeys(china, "holiday")
    expected |= {d: "adjusted_working_day" for d in china.weekend_workdays if d.year == 2026}
    assert seeded == expected
    assert CalendarDay.objects.get(version=version, date=date(2026, 2, 17)).note == "春节"


def test_cn_mainland_carries_every_official_year_and_nothing_after_published_through():
    version = calendar_version_current(code="cn-mainland")
    days = CalendarDay.objects.filter(version=version)
    adjusted_years = set(
        days.filter(kind="adjusted_working_day").values_list("date__year", flat=True)
    )
    assert adjusted_years == set(range(2001, 2027))
    assert not days.filter(date__gt=date(2026, 12, 31)).exists()
    assert not days.filter(date__lt=date(2001, 1, 1)).exists()
    # The whole seeded range equals the pure reference spec, day for day.
    assert calendar_spec(version=version) == cn_spec()


def test_the_7x24_calendar_is_always_open():
    version = calendar_version_current(code="7x24")
    assert version.calendar.always_open is True
    assert version.weekly_windows == [[["00:00", "24:00"]]] * 7
    assert not CalendarDay.objects.filter(version=version).exists()
    deadline = calendar_deadline(
        code="7x24", start=at(2026, 2, 16, 23, 50), amount=15, unit=Unit.NATURAL_MINUTES
    )
    assert deadline == Deadline(at(2026, 2, 17, 0, 5), False)
    assert calendar_deadline(
        code="7x24", start=at(2026, 2, 16, 23, 50), amount=1, unit=Unit.BUSINESS_HOURS
    ) == Deadline(at(2026, 2, 17, 0, 50), False)


@pytest.mark.parametrize(
    ("start", "amount", "unit", "expected"),
    [
        (at(2026, 3, 2, 8, 30), 210, Unit.BUSINESS_MINUTES, Deadline(at(2026, 3, 2, 12), False)),
        (at(2026, 2, 13, 15), 1, Unit.WORKING_DAYS, Deadline(at(2026, 2, 14, 17, 30), False)),
        (at(2026, 2, 13, 15), 3, Unit.WORKING_DAYS, Deadline(at(2026, 2, 25, 17, 30), False)),
        (at(2026, 2, 10, 10), 10, Unit.NATURAL_DAYS, Deadline(at(2026, 2, 25), False)),
        (at(2026, 12, 31, 15), 3, Unit.BUSINESS_HOURS, Deadline(at(2027, 1, 1, 9), True)),
    ],
)
def test_the_worked_examples_on_the_seeded_calendar(start, amount, unit, expected):
    assert calendar_deadline(code="cn-mainland", start=start, amount=amount, unit=unit) == expected


def test_elapsed_business_time_on_the_seeded_calendar():
    assert (
        calendar_elapsed(code="cn-mainland", start=at(2026, 2, 13, 15), end=at(2026, 2, 25, 17, 30))
        == 25 * 3600
    )


def test_an_unknown_calendar_is_not_found():
    with pytest.raises(CalendarNotFound) as caught:
        calendar_version_current(code="atlantis")
    assert caught.value.code == "calendar_not_found"
    assert "atlantis" in caught.value.message


def test_a_version_is_compiled_once_and_served_from_the_cache(django_assert_num_queries):
    version = calendar_version_current(code="cn-mainland")
    first = calendar_compiled(version_id=version.pk)
    with django_assert_num_queries(1):  # which content the id names; no days are read again
        assert calendar_compiled(version_id=version.pk) is first
    with django_assert_num_queries(0):
        assert calendar_compiled_for(version=version) is first
    assert deadline_compute(
        first, start=at(2026, 2, 13, 15), amount=3, unit="working_days"
    ).at == at(2026, 2, 25, 17, 30)


def test_an_unknown_version_id_is_not_found():
    with pytest.raises(CalendarNotFound):
        calendar_compiled(version_id=987654321)


@pytest.mark.django_db(transaction=True)
def test_the_calendar_migrations_can_be_reversed_and_applied_again():
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes("sla")
    executor.migrate([("sla", "0001_calendars")])
    assert not Calendar.objects.exists()
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(latest)
    assert set(Calendar.objects.values_list("code", flat=True)) == {"cn-mainland", "7x24"}
    assert calendar_spec(version=calendar_version_current(code="cn-mainland")) == cn_spec()


def test_override_kinds_in_the_database_are_the_engine_kinds():
    from coverdesk.sla.choices import DayKindChoices, UnitChoices

    assert [c.value for c in DayKindChoices] == [k.value for k in DayKind]
    assert [c.value for c in UnitChoices] == [u.value for u in Unit]
    assert time(0) == time.min  # "24:00" is stored as text and read back as midnight
