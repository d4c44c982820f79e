"""Re-planning open clocks after a calendar edit: time used stays, the rest counts on the new
version, old and new deadlines are recorded, a late clock is flagged and never un-breached."""

from datetime import date

import pytest

from coverdesk.accounts.tests.factories import make_user
from coverdesk.sla.models import SlaClock, SlaClockReplan
from coverdesk.sla.selectors.calendars import calendar_version_current
from coverdesk.sla.services.calendars import calendar_day_set
from coverdesk.sla.services.clocks import sla_clock_pause, sla_clock_resume, sla_clock_start
from coverdesk.sla.services.replan import sla_clocks_replan_for_calendars
from coverdesk.sla.services.sweep import sla_sweep
from coverdesk.sla.tests.clock_factories import at, make_team

pytestmark = pytest.mark.django_db

MONDAY = at(2026, 3, 2, 9)


@pytest.fixture
def team():
    return make_team()


def _start(team, subject_id, code="claims.adjudication.simple", now=MONDAY):
    return sla_clock_start(
        subject=("claims.claim", subject_id),
        standard_code=code,
        assignee=team.adjuster,
        acting_user=None,
        now=now,
    )


def _close_wednesday():
    admin = make_user("admin", is_superuser=True)
    return calendar_day_set(
        calendar_code="cn-mainland",
        day=date(2026, 3, 4),
        kind="closure",
        note="Office closed",
        acting_user=admin,
        now=at(2026, 3, 3, 9),
    )


def test_a_running_clock_keeps_its_time_used_and_counts_the_rest_on_the_new_version(team):
    # given 3 WD from Monday 09:00, due Thursday 17:30
    clock = _start(team, "C-1")
    assert clock.due_at == at(2026, 3, 5, 17, 30)
    old_version = clock.calendar_version
    # when Wednesday becomes a closure and the job runs on Tuesday 10:00
    new_version = _close_wednesday()
    assert sla_clocks_replan_for_calendars(now=at(2026, 3, 3, 10)) == 1
    # then the 30,600 s used (Monday from 09:00, Tuesday to 10:00) stay, and the 75,600 s left
    # count from Tuesday 10:00 without Wednesday: Friday 17:30
    clock.refresh_from_db()
    assert clock.calendar_version == new_version
    assert (clock.consumed, clock.allowed) == (30_600, 106_200)
    assert clock.due_at == at(2026, 3, 6, 17, 30)
    assert clock.review_needed is False
    row = SlaClockReplan.objects.get(clock=clock)
    assert (row.reason, row.old_calendar_version, row.new_calendar_version) == (
        "calendar",
        old_version,
        new_version,
    )
    assert (row.old_due_at, row.new_due_at, row.consumed, row.flagged) == (
        at(2026, 3, 5, 17, 30),
        at(2026, 3, 6, 17, 30),
        30_600,
        False,
    )
    # and the job is idempotent
    assert sla_clocks_replan_for_calendars(now=at(2026, 3, 3, 10, 5)) == 0
    assert SlaClockReplan.objects.count() == 1


def test_a_breached_clock_is_flagged_and_stays_breached(team):
    late = _start(team, "C-2", code="sales.phone_inquiry.answer")  # due Monday 09:10
    _close_wednesday()
    sla_clocks_replan_for_calendars(now=at(2026, 3, 3, 10))
    late.refresh_from_db()
    assert (late.due_at, late.breached_at, late.review_needed) == (
        at(2026, 3, 2, 9, 10),
        at(2026, 3, 2, 9, 10),
        True,
    )
    assert SlaClockReplan.objects.get(clock=late).flagged is True
    # the red warning still fires, once
    assert sla_sweep(now=at(2026, 3, 3, 10, 1)) == 2  # its yellow and red


def test_a_paused_clock_moves_to_the_new_version_and_plans_on_it_at_resume(team):
    clock = _start(team, "C-3")
    sla_clock_pause(clock_id=clock.pk, reason="Waiting", acting_user=None, now=at(2026, 3, 2, 10))
    new_version = _close_wednesday()
    assert sla_clocks_replan_for_calendars(now=at(2026, 3, 3, 10)) == 1
    clock.refresh_from_db()
    assert (clock.state, clock.calendar_version, clock.consumed) == ("paused", new_version, 3600)
    # resumed Tuesday 08:30: 102,600 s left = Tue, Thu, Fri (Wednesday closed), then 6 h of
    # Monday 9 March
    sla_clock_resume(clock_id=clock.pk, acting_user=None, now=at(2026, 3, 3, 8, 30))
    clock.refresh_from_db()
    assert clock.due_at == at(2026, 3, 9, 16, 0)


def test_clocks_on_other_calendars_and_closed_clocks_are_left_alone(team):
    other = _start(team, "C-4", code="aviation.accident.contact_reporter")
    _close_wednesday()
    assert sla_clocks_replan_for_calendars(now=at(2026, 3, 3, 10)) == 0
    other.refresh_from_db()
    assert other.calendar_version == calendar_version_current(code="7x24")
    assert SlaClock.objects.filter(review_needed=True).count() == 0
