"""Direct actions on a clock: who may take them, and report tasks that only a report ends."""

import pytest

from coverdesk.audit.models import AuditEntry
from coverdesk.core.exceptions import PermissionDenied
from coverdesk.sla.access import clock_access_for_action, clock_may_act
from coverdesk.sla.models import SlaClock
from coverdesk.sla.selectors.clocks import ClockNotFound
from coverdesk.sla.services.clocks import ReportRequired, sla_clock_start, sla_clock_stop
from coverdesk.sla.services.sweep import sla_sweep
from coverdesk.sla.tests.clock_factories import SUBJECT, at, make_team

pytestmark = pytest.mark.django_db


@pytest.fixture
def team():
    return make_team()


def _work(team):
    return sla_clock_start(
        subject=SUBJECT,
        standard_code="claims.adjudication.simple",
        assignee=team.adjuster,
        acting_user=team.adjuster,
        now=at(2026, 2, 13, 15),
    )


def test_the_assignee_and_the_department_head_may_act_and_nobody_else(team):
    clock = _work(team)
    assert clock_may_act(team.adjuster, clock)
    assert clock_may_act(team.head, clock)
    assert not clock_may_act(team.stranger, clock)
    assert not clock_may_act(team.manager, clock)
    assert clock_access_for_action(user=team.head, clock_id=clock.pk) == clock
    with pytest.raises(PermissionDenied):
        clock_access_for_action(user=team.stranger, clock_id=clock.pk)
    with pytest.raises(ClockNotFound):
        clock_access_for_action(user=team.head, clock_id=clock.pk + 1000)


def test_a_report_task_cannot_be_marked_done_without_its_report(team):
    # given a yellow warning has opened the progress-report task
    parent = _work(team)
    sla_sweep(now=at(2026, 2, 25, 11))
    followup = SlaClock.objects.get(parent=parent, kind="progress_report")
    entries = AuditEntry.objects.count()
    # when someone tries to stop it by hand
    with pytest.raises(ReportRequired):
        sla_clock_stop(clock_id=followup.pk, acting_user=team.adjuster, now=at(2026, 2, 26, 9))
    # then nothing changed
    followup.refresh_from_db()
    assert (followup.state, followup.stopped_at) == ("running", None)
    assert AuditEntry.objects.count() == entries
