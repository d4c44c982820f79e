"""The mark the database computes for lists agrees with the engine's own `clock_progress`, and
times read in the words of their unit."""

from datetime import timedelta

import pytest
from django.utils import translation

from coverdesk.sla.models import Calendar
from coverdesk.sla.selectors.calendars import calendar_version_current
from coverdesk.sla.selectors.clocks import clock_progress
from coverdesk.sla.tests.clock_factories import at
from coverdesk.web.sla.presentation import (
    clock_view,
    duration_text,
    target_text,
    working_day_seconds,
)
from coverdesk.web.sla.queries import tasks_of_user
from coverdesk.web.tests.sla_scenarios import NOW, build, start

H = 3600
DAY = int(7.5 * H)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def _listed(scenario, moment):
    """Every open clock as the lists show it (the adjuster's and the head's)."""
    return [
        *tasks_of_user(user=scenario.team.adjuster, now=moment),
        *tasks_of_user(user=scenario.team.head, now=moment),
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "moment",
    [
        NOW,
        at(2026, 3, 5, 17, 30),  # yellow's deadline, to the microsecond
        at(2026, 3, 5, 17, 30, 0, 1),  # the moment after: breached
        at(2026, 3, 6, 12, 45),  # lunch break
        at(2026, 3, 11, 8),
    ],
)
def test_a_rows_mark_and_time_agree_with_clock_progress(moment):
    # given: clocks in every open state, with their follow-ups, and two short ones
    scenario = build()
    start(scenario.team, "aviation.accident.contact_reporter", NOW, "AC-1")  # 15 natural min
    start(scenario.team, "back_office.tech_support.response", NOW, "TS-1")  # 2 business h
    # when
    views = [clock_view(clock, now=moment) for clock in _listed(scenario, moment)]
    # then: 4 + 2 work items, 2 progress reports, 1 rectification report
    assert len(views) == 9
    for view in views:
        progress = clock_progress(view.clock, now=moment)
        assert view.mark == progress.colour, view.clock
        assert view.overdue == (progress.colour == "red"), view.clock
        assert view.share_percent == int(progress.share * 100), view.clock


@pytest.mark.parametrize(
    ("seconds", "unit", "text"),
    [
        (0, "working_days", "under a minute"),
        (59, "business_minutes", "under a minute"),
        (60, "business_minutes", "1 min"),
        (3 * H + 20 * 60, "business_hours", "3 h 20 min"),
        (2 * H, "natural_minutes", "2 h"),
        (DAY - 1, "working_days", "7 h 29 min"),
        (DAY, "working_days", "1 working day"),
        (DAY + 3 * H + 59 * 60, "working_days", "1 working day 3 h"),
        (3 * DAY + 6 * H, "working_days", "3 working days 6 h"),
        (86400 * 2 + 5 * H, "natural_days", "2 days 5 h"),
        (86400, "natural_days", "1 day"),
        (30 * H, "business_hours", "30 h"),
        (-5, "natural_minutes", "under a minute"),
    ],
)
def test_durations_read_in_the_words_of_their_unit(seconds, unit, text):
    assert duration_text(seconds, unit, day_seconds=DAY) == text


def test_a_duration_reads_in_chinese():
    with translation.override("zh-hans"):
        text = duration_text(DAY + 3 * H, "working_days", day_seconds=DAY)
    # English until the catalogue is filled; never a raw format string
    assert "%" not in text
    assert "1" in text and "3" in text


@pytest.mark.parametrize(
    ("amount", "unit", "text"),
    [
        (1, "working_days", "1 working day"),
        (3, "working_days", "3 working days"),
        (30, "natural_minutes", "30 natural minutes"),
        (2, "business_hours", "2 business hours"),
        (10, "business_minutes", "10 business minutes"),
        (1, "natural_hours", "1 natural hour"),
        (30, "natural_days", "30 natural days"),
    ],
)
def test_a_standards_target_reads_with_the_right_plural(amount, unit, text):
    assert target_text(amount, unit) == text


@pytest.mark.django_db
def test_a_working_day_is_seven_and_a_half_hours_on_cn_mainland_and_a_day_on_7x24():
    mainland = calendar_version_current(code="cn-mainland")
    always = calendar_version_current(code="7x24")
    assert working_day_seconds(mainland) == DAY
    assert working_day_seconds(always) == 86400
    assert Calendar.objects.count() == 2


@pytest.mark.django_db
def test_a_running_clock_past_its_deadline_at_night_reads_overdue_without_a_time():
    # given: red was due Mon 2 Mar 17:30; 22:00 the same evening no business time has passed
    scenario = build()
    evening = at(2026, 3, 2, 22)
    clock = next(c for c in _listed(scenario, evening) if c.pk == scenario.red.pk)
    # when
    view = clock_view(clock, now=evening)
    # then
    assert (view.mark, view.time_text) == ("red", "overdue")
    assert clock.due_at + timedelta(hours=4, minutes=30) == evening
