"""What keeps the sweep cheap without changing what it does: a batch costs the same statements
for two clocks as for many, and instants are read to the microsecond."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from coverdesk.notifications.models import Message
from coverdesk.sla.models import SlaClock, SlaEvent
from coverdesk.sla.services.clocks import sla_clock_start
from coverdesk.sla.services.sweep import sla_sweep
from coverdesk.sla.tests.clock_factories import at, make_team

pytestmark = pytest.mark.django_db

START = at(2026, 2, 13, 15)  # 3 working days: yellow Wed 25 Feb 11:00, due 17:30
WARN = at(2026, 2, 25, 11)
LATE = at(2026, 2, 27, 9)  # past yellow and red


@pytest.fixture
def team():
    return make_team()


def _start(team, count, *, first=0):
    return [
        sla_clock_start(
            subject=("claims.claim", f"C-{n}"),
            standard_code="claims.adjudication.simple",
            assignee=team.adjuster,
            acting_user=None,
            now=START,
        )
        for n in range(first, first + count)
    ]


def _statements_of_a_sweep(now):
    with CaptureQueriesContext(connection) as queries:
        fired = sla_sweep(now=now)
    return fired, len(queries)


def test_a_batch_costs_the_same_statements_for_two_clocks_as_for_twelve(team):
    # given two clocks past yellow and red, swept with their messages and follow-ups
    _start(team, 2)
    few = _statements_of_a_sweep(LATE)
    # when twelve other clocks are swept the same way
    _start(team, 12, first=2)
    many = _statements_of_a_sweep(LATE)
    # then the second sweep did six times the work in as many statements
    assert (few[0], many[0]) == (4, 24)
    assert many[1] == few[1]
    assert Message.objects.count() == 4 * 2 * 14  # yellow and red, two people, two channels
    assert SlaClock.objects.exclude(kind="primary").count() == 2 * 14


def test_an_instant_with_microseconds_fires_at_it_and_not_before(team):
    # given a clock whose yellow instant has microseconds
    (clock,) = _start(team, 1)
    warn = WARN + timedelta(microseconds=123_457)
    SlaClock.objects.filter(pk=clock.pk).update(warn_at=warn, next_event_at=warn)
    # when the sweep runs a microsecond early, then on the instant
    assert sla_sweep(now=warn - timedelta(microseconds=1)) == 0
    assert sla_sweep(now=warn) == 1
    # then the event remembers the instant exactly, and the clock waits for the red one
    assert list(SlaEvent.objects.values_list("kind", "scheduled_at", "fired_at")) == [
        ("yellow", warn, warn)
    ]
    clock.refresh_from_db()
    assert (clock.stage, clock.next_event_at, clock.updated_at) == (
        1,
        clock.due_at + timedelta(microseconds=1),
        warn,
    )
