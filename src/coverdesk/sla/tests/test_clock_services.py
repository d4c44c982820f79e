"""Clock services against the database, with frozen instants on cn-mainland around the 2026
Spring Festival (holidays 15-23 February; Saturday 14 and 28 February are working days)."""

from datetime import timedelta
from decimal import Decimal

import pytest

from coverdesk.audit.models import AuditEntry
from coverdesk.core.exceptions import ValidationFailed
from coverdesk.sla.models import SlaClock, SlaClockSegment
from coverdesk.sla.selectors.clocks import StandardNotFound, clock_progress, clocks_of_subject
from coverdesk.sla.services.clocks import (
    StandardInactive,
    sla_clock_cancel,
    sla_clock_pause,
    sla_clock_reassign,
    sla_clock_resume,
    sla_clock_start,
    sla_clock_stop,
)
from coverdesk.sla.tests.clock_factories import SUBJECT, at, audit_actions, make_team
from coverdesk.sla.transitions import ClockTransitionNotAllowed

pytestmark = pytest.mark.django_db

HOUR = 3600
WD = 27_000  # 08:30-12:00 and 13:30-17:30


@pytest.fixture
def team():
    return make_team()


FRIDAY_15 = at(2026, 2, 13, 15)


def _start(team, code="claims.adjudication.simple", now=FRIDAY_15, **kwargs):
    return sla_clock_start(
        subject=SUBJECT,
        standard_code=code,
        assignee=team.adjuster,
        acting_user=team.adjuster,
        now=now,
        **kwargs,
    )


def _segments(clock):
    return [
        (s.kind, s.started_at, s.ended_at, s.reason)
        for s in SlaClockSegment.objects.filter(clock=clock).order_by("started_at", "id")
    ]


def test_start_on_working_days_across_the_spring_festival(team):
    clock = _start(team)

    clock.refresh_from_db()
    # Fri 15:00-17:30, Sat 14th (adjusted working day), Tue 24th, Wed 25th to 17:30
    assert clock.due_at == at(2026, 2, 25, 17, 30)
    assert clock.allowed == 2.5 * HOUR + 3 * WD == 90_000
    # 80 % = 72,000 s: Fri 9,000 + Sat 27,000 + Tue 27,000, then 2.5 h on Wednesday
    assert clock.warn_at == at(2026, 2, 25, 11, 0)
    assert clock.next_event_at == clock.warn_at
    assert (clock.state, clock.stage, clock.consumed, clock.due_provisional) == (
        "running",
        0,
        0,
        False,
    )
    assert (clock.assignee, clock.department) == (team.adjuster, team.claims)
    assert clock.standard_version.standard.code == "claims.adjudication.simple"
    assert clock.standard_version.number == 1
    assert clock.calendar_version.calendar.code == "cn-mainland"
    assert (clock.subject_type, clock.subject_id, clock.kind) == (*SUBJECT, "primary")
    assert _segments(clock) == [("running", at(2026, 2, 13, 15), None, "")]
    entry = AuditEntry.objects.order_by("sequence").last()
    assert (entry.action, entry.actor_id, entry.subject_type, entry.subject_id) == (
        "sla.clock.start",
        team.adjuster.pk,
        "sla.slaclock",
        str(clock.pk),
    )
    assert entry.after["standard"] == "claims.adjudication.simple"
    assert entry.after["due_at"] == "2026-02-25T17:30:00+08:00"


def test_pause_and_resume_exclude_the_waiting_time(team):
    # given a 3-WD clock started Friday 13th 15:00
    clock = _start(team)
    # when it waits for the customer's materials from Saturday 10:00 to Tuesday 24th 09:00
    sla_clock_pause(
        clock_id=clock.pk,
        reason="Waiting for the customer's materials",
        acting_user=team.adjuster,
        now=at(2026, 2, 14, 10),
    )
    paused = SlaClock.objects.get(pk=clock.pk)
    assert (paused.state, paused.consumed, paused.next_event_at, paused.paused_at) == (
        "paused",
        14_400,  # Fri 2.5 h + Sat 1.5 h
        None,
        at(2026, 2, 14, 10),
    )
    sla_clock_resume(clock_id=clock.pk, acting_user=team.adjuster, now=at(2026, 2, 24, 9))

    # then the 75,600 s left count from Tuesday 09:00: Tue 7 h, Wed 7.5 h, Thu 6.5 h
    clock.refresh_from_db()
    assert clock.state == "running"
    assert clock.due_at == at(2026, 2, 26, 16, 30)
    # yellow: 57,600 s left to 80 %: Tue 7 h, Wed 7.5 h, Thu 1.5 h
    assert clock.warn_at == at(2026, 2, 26, 10, 0)
    assert clock.next_event_at == clock.warn_at
    assert _segments(clock) == [
        ("running", at(2026, 2, 13, 15), at(2026, 2, 14, 10), ""),
        ("paused", at(2026, 2, 14, 10), at(2026, 2, 24, 9), "Waiting for the customer's materials"),
        ("running", at(2026, 2, 24, 9), None, ""),
    ]
    assert audit_actions()[-3:] == ["sla.clock.start", "sla.clock.pause", "sla.clock.resume"]

    # and stopping exactly at the new deadline is met, with all the time used
    sla_clock_stop(clock_id=clock.pk, acting_user=team.adjuster, now=at(2026, 2, 26, 16, 30))
    clock.refresh_from_db()
    assert (clock.state, clock.met, clock.used, clock.share_used, clock.breached_at) == (
        "met",
        True,
        90_000,
        Decimal("1.0000"),
        None,
    )
    assert clock.stopped_at == at(2026, 2, 26, 16, 30)
    assert clock.next_event_at is None
    assert _segments(clock)[-1] == ("running", at(2026, 2, 24, 9), at(2026, 2, 26, 16, 30), "")


def test_one_microsecond_after_the_deadline_is_breached(team):
    clock = _start(team)
    sla_clock_stop(clock_id=clock.pk, acting_user=team.adjuster, now=at(2026, 2, 25, 17, 30, 0, 1))
    clock.refresh_from_db()
    assert (clock.state, clock.met, clock.breached_at) == (
        "breached",
        False,
        at(2026, 2, 25, 17, 30),
    )
    assert clock.used == 90_000  # no business time after 17:30
    assert clock.share_used == Decimal("1.0000")


def test_natural_days_clock_pauses_and_resumes(team):
    # given the 10-natural-day legal payment deadline from Tuesday 10 February 10:00: day 10 is
    # the 20th, a holiday, so it ends at 24:00 of the next working day, Tuesday the 24th
    clock = _start(team, code="law.insurance_23.payment", now=at(2026, 2, 10, 10))
    assert clock.due_at == at(2026, 2, 25, 0, 0)
    assert clock.allowed == 14 * 86_400 + 14 * HOUR == 1_260_000
    # yellow at 80 % of the elapsed time (an instant, no end-of-day rule)
    assert clock.warn_at == at(2026, 2, 22, 2, 0)

    # when it pauses for two whole days
    sla_clock_pause(
        clock_id=clock.pk, reason="Supplement", acting_user=team.adjuster, now=at(2026, 2, 11, 10)
    )
    clock.refresh_from_db()
    assert clock.consumed == 86_400
    sla_clock_resume(clock_id=clock.pk, acting_user=team.adjuster, now=at(2026, 2, 13, 10))

    # then the deadline moves two days, to 24:00 of Thursday the 26th (a working day)
    clock.refresh_from_db()
    assert clock.due_at == at(2026, 2, 27, 0, 0)
    assert clock.warn_at == at(2026, 2, 24, 2, 0)


def test_a_task_due_at_noon_done_in_the_lunch_break_is_late(team):
    # 10 business minutes from Monday 2 March 11:50: due 12:00
    clock = _start(team, code="sales.phone_inquiry.answer", now=at(2026, 3, 2, 11, 50))
    assert clock.due_at == at(2026, 3, 2, 12, 0)
    sla_clock_stop(clock_id=clock.pk, acting_user=team.adjuster, now=at(2026, 3, 2, 12, 30))
    clock.refresh_from_db()
    assert (clock.state, clock.met, clock.used, clock.share_used) == (
        "breached",
        False,
        600,
        Decimal("1.0000"),
    )


def test_done_at_noon_exactly_is_met(team):
    clock = _start(team, code="sales.phone_inquiry.answer", now=at(2026, 3, 2, 11, 50))
    sla_clock_stop(clock_id=clock.pk, acting_user=team.adjuster, now=at(2026, 3, 2, 12, 0))
    clock.refresh_from_db()
    assert (clock.state, clock.met, clock.used) == ("met", True, 600)


def test_a_pause_in_the_lunch_break_after_the_deadline_stays_breached(team):
    clock = _start(team, code="sales.phone_inquiry.answer", now=at(2026, 3, 2, 11, 50))
    sla_clock_pause(
        clock_id=clock.pk,
        reason="Customer asked",
        acting_user=team.adjuster,
        now=at(2026, 3, 2, 12, 30),
    )
    clock.refresh_from_db()
    assert (clock.consumed, clock.allowed, clock.breached_at) == (600, 600, at(2026, 3, 2, 12))
    sla_clock_resume(clock_id=clock.pk, acting_user=team.adjuster, now=at(2026, 3, 2, 14))
    clock.refresh_from_db()
    assert clock.due_at == at(2026, 3, 2, 12, 0)  # never moved forward: not un-breached
    sla_clock_stop(clock_id=clock.pk, acting_user=team.adjuster, now=at(2026, 3, 2, 14, 1))
    clock.refresh_from_db()
    assert (clock.state, clock.met) == ("breached", False)


def test_a_stopped_paused_clock_is_met_when_it_paused_in_time(team):
    clock = _start(team)
    sla_clock_pause(
        clock_id=clock.pk, reason="Waiting", acting_user=team.adjuster, now=at(2026, 2, 14, 10)
    )
    sla_clock_stop(clock_id=clock.pk, acting_user=team.adjuster, now=at(2026, 3, 30, 10))
    clock.refresh_from_db()
    assert (clock.state, clock.met, clock.used, clock.share_used) == (
        "met",
        True,
        14_400,
        Decimal("0.1600"),
    )


def test_seven_by_twenty_four_clock_counts_natural_minutes_on_a_holiday(team):
    clock = _start(team, code="aviation.accident.contact_reporter", now=at(2026, 2, 17, 3, 0))
    assert clock.due_at == at(2026, 2, 17, 3, 15)
    assert clock.warn_at == at(2026, 2, 17, 3, 12)
    assert clock.calendar_version.calendar.code == "7x24"
    assert clock.due_provisional is False


def test_several_clocks_on_one_subject_are_tracked_separately(team):
    legal = _start(team, code="law.insurance_23.decision", now=at(2026, 3, 2, 9))
    company = _start(team, code="claims.adjudication.complex", now=at(2026, 3, 2, 9))
    sla_clock_stop(clock_id=company.pk, acting_user=team.adjuster, now=at(2026, 3, 10, 9))

    clocks = list(clocks_of_subject(subject_type=SUBJECT[0], subject_id=SUBJECT[1]))
    assert [c.pk for c in clocks] == [legal.pk, company.pk]
    assert [(c.standard_version.standard.code, c.state) for c in clocks] == [
        ("law.insurance_23.decision", "running"),
        ("claims.adjudication.complex", "met"),
    ]
    # 30 natural days from 2 March: the 30th day is 1 April, a working day: 24:00 of it
    assert clocks[0].due_at == at(2026, 4, 2, 0, 0)
    # 10 working days from Monday 2 March: Monday 16 March 17:30
    assert clocks[1].due_at == at(2026, 3, 16, 17, 30)


def test_a_refused_transition_changes_nothing(team):
    clock = _start(team)
    sla_clock_stop(clock_id=clock.pk, acting_user=team.adjuster, now=at(2026, 2, 24, 9))
    entries = AuditEntry.objects.count()
    segments = _segments(clock)
    for call in (
        lambda: sla_clock_stop(
            clock_id=clock.pk, acting_user=team.adjuster, now=at(2026, 2, 24, 10)
        ),
        lambda: sla_clock_pause(
            clock_id=clock.pk, reason="x", acting_user=team.adjuster, now=at(2026, 2, 24, 10)
        ),
        lambda: sla_clock_resume(
            clock_id=clock.pk, acting_user=team.adjuster, now=at(2026, 2, 24, 10)
        ),
        lambda: sla_clock_cancel(
            clock_id=clock.pk, reason="x", acting_user=team.adjuster, now=at(2026, 2, 24, 10)
        ),
    ):
        with pytest.raises(ClockTransitionNotAllowed):
            call()
    clock.refresh_from_db()
    assert (clock.state, clock.stopped_at) == ("met", at(2026, 2, 24, 9))
    assert AuditEntry.objects.count() == entries
    assert _segments(clock) == segments


def test_resuming_a_running_clock_is_refused(team):
    clock = _start(team)
    with pytest.raises(ClockTransitionNotAllowed):
        sla_clock_resume(clock_id=clock.pk, acting_user=team.adjuster, now=at(2026, 2, 14, 9))


def test_a_pause_needs_a_reason_and_changes_nothing_without_one(team):
    clock = _start(team)
    entries = AuditEntry.objects.count()
    with pytest.raises(ValidationFailed) as caught:
        sla_clock_pause(
            clock_id=clock.pk, reason="  ", acting_user=team.adjuster, now=at(2026, 2, 14, 9)
        )
    assert caught.value.fields[0].field == "reason"
    clock.refresh_from_db()
    assert (clock.state, clock.consumed) == ("running", 0)
    assert AuditEntry.objects.count() == entries


def test_cancel_ends_the_clock_without_an_outcome(team):
    clock = _start(team)
    sla_clock_cancel(
        clock_id=clock.pk,
        reason="Claim withdrawn",
        acting_user=team.adjuster,
        now=at(2026, 2, 14, 9),
    )
    clock.refresh_from_db()
    assert (clock.state, clock.met, clock.used, clock.next_event_at) == (
        "cancelled",
        None,
        None,
        None,
    )
    assert audit_actions()[-1] == "sla.clock.cancel"
    assert AuditEntry.objects.order_by("sequence").last().after["reason"] == "Claim withdrawn"


def test_reassign_moves_the_clock_to_the_new_assignee_and_department(team, role_user):
    clerk = role_user("clerk")
    clock = _start(team)
    sla_clock_reassign(
        clock_id=clock.pk, assignee=clerk, acting_user=team.head, now=at(2026, 2, 14, 9)
    )
    clock.refresh_from_db()
    assert (clock.assignee, clock.department.code) == (clerk, "customer_service")
    assert clock.due_at == at(2026, 2, 25, 17, 30)
    entry = AuditEntry.objects.order_by("sequence").last()
    assert (entry.action, entry.before["assignee"], entry.after["assignee"]) == (
        "sla.clock.reassign",
        team.adjuster.pk,
        clerk.pk,
    )


def test_an_unknown_standard_starts_nothing(team):
    with pytest.raises(StandardNotFound):
        _start(team, code="claims.no_such_thing")
    assert SlaClock.objects.count() == 0


def test_an_inactive_standard_starts_nothing(team):
    from coverdesk.sla.models import SlaStandard

    SlaStandard.objects.filter(code="claims.registration").update(is_active=False)
    with pytest.raises(StandardInactive):
        _start(team, code="claims.registration")
    assert SlaClock.objects.count() == 0


def test_progress_colours(team):
    clock = _start(team)
    assert clock_progress(clock, now=at(2026, 2, 24, 9)).colour == "green"
    yellow = clock_progress(clock, now=at(2026, 2, 25, 11))
    assert (yellow.colour, yellow.used, yellow.remaining) == ("yellow", 72_000, 18_000)
    red = clock_progress(clock, now=at(2026, 2, 25, 17, 30) + timedelta(seconds=1))
    assert (red.colour, red.remaining, red.share) == ("red", 0, Decimal("1.0000"))
