"""The sweep: yellow, red and escalation events, each once, with their notifications and
follow-up clocks."""

from datetime import timedelta

import pytest

from coverdesk.audit.models import AuditEntry
from coverdesk.notifications.models import Message
from coverdesk.sla.models import SlaClock, SlaEvent, SlaStandardVersion
from coverdesk.sla.services.clocks import sla_clock_pause, sla_clock_start
from coverdesk.sla.services.sweep import sla_sweep
from coverdesk.sla.tests.clock_factories import SUBJECT, at, make_team

pytestmark = pytest.mark.django_db

START = at(2026, 2, 13, 15)  # Friday; 3 WD -> due Wed 25 Feb 17:30, yellow 11:00
WARN = at(2026, 2, 25, 11)
DUE = at(2026, 2, 25, 17, 30)


@pytest.fixture
def team():
    return make_team()


def _start(team, code="claims.adjudication.simple", now=START, subject=SUBJECT):
    return sla_clock_start(
        subject=subject, standard_code=code, assignee=team.adjuster, acting_user=None, now=now
    )


def _events(clock=None):
    rows = SlaEvent.objects.order_by("id")
    if clock is not None:
        rows = rows.filter(clock=clock)
    return [(e.clock_id, e.kind, e.level, e.scheduled_at, e.fired_at) for e in rows]


def _messages(template):
    return sorted(
        (m.recipient.username, m.channel)
        for m in Message.objects.filter(template=template).select_related("recipient")
    )


def test_nothing_fires_before_the_yellow_instant(team):
    clock = _start(team)
    assert sla_sweep(now=WARN - timedelta(microseconds=1)) == 0
    assert _events() == []
    clock.refresh_from_db()
    assert (clock.stage, clock.next_event_at) == (0, WARN)


def test_yellow_fires_at_its_instant_and_tells_assignee_and_head(team):
    clock = _start(team)
    assert sla_sweep(now=WARN) == 1
    assert _events() == [(clock.pk, "yellow", 0, WARN, WARN)]
    assert _messages("sla_yellow") == [
        ("adjuster", "email"),
        ("adjuster", "in_app"),
        ("head", "email"),
        ("head", "in_app"),
    ]
    clock.refresh_from_db()
    # the red event waits for the moment after the deadline
    assert (clock.stage, clock.next_event_at, clock.breached_at) == (
        1,
        DUE + timedelta(microseconds=1),
        None,
    )
    # the follow-up: progress report to the head, due in 1 working day, assigned to the adjuster
    (report,) = SlaClock.objects.filter(parent=clock)
    assert (report.kind, report.assignee, report.department, report.state) == (
        "progress_report",
        team.adjuster,
        team.claims,
        "running",
    )
    assert report.standard_version.standard.code == "followup.progress_report"
    assert (report.subject_type, report.subject_id) == SUBJECT
    assert report.started_at == WARN
    assert report.due_at == at(2026, 2, 26, 17, 30)
    # the head reads English, the adjuster Chinese
    head_message = Message.objects.get(template="sla_yellow", recipient=team.head, channel="in_app")
    assert head_message.subject == (
        "Yellow warning: Adjudication: simple for claims.claim C-2026-001 is due 2026-02-25 17:30"
    )
    assert "report progress to the department head within 1 working day" in head_message.body
    entry = AuditEntry.objects.order_by("sequence").last()
    assert entry.action == "sla.sweep.fire"
    assert entry.after == {
        "events": [[SlaEvent.objects.get().pk, clock.pk, "yellow", 0]],
        "followups": [report.pk],
    }


def test_red_does_not_fire_at_the_deadline_but_the_moment_after(team):
    clock = _start(team)
    sla_sweep(now=WARN)
    assert sla_sweep(now=DUE) == 0
    assert sla_sweep(now=DUE + timedelta(microseconds=1)) == 1
    assert [e[1] for e in _events(clock)] == ["yellow", "red"]
    clock.refresh_from_db()
    assert (clock.state, clock.breached_at, clock.stage, clock.next_event_at) == (
        "running",
        DUE,
        2,
        None,
    )


def test_a_sweep_hours_late_fires_yellow_and_red_once_each_in_order(team):
    # given a clock whose yellow and red instants both passed while no sweep ran
    clock = _start(team)
    late = at(2026, 2, 27, 9, 0)
    # when the sweep finally runs, then runs again
    assert sla_sweep(now=late) == 2
    assert sla_sweep(now=late + timedelta(minutes=1)) == 0
    # then both fired once, yellow first, each remembering when it was due
    events = _events(clock)
    assert events == [
        (clock.pk, "yellow", 0, WARN, late),
        (clock.pk, "red", 0, DUE + timedelta(microseconds=1), late),
    ]
    assert (
        SlaEvent.objects.filter(clock=clock, kind="yellow").values_list("id", flat=True)[0]
        < (SlaEvent.objects.filter(clock=clock, kind="red").values_list("id", flat=True)[0])
    )
    # red tells the department head and management
    assert _messages("sla_red") == [
        ("head", "email"),
        ("head", "in_app"),
        ("manager", "email"),
        ("manager", "in_app"),
    ]
    assert len(_messages("sla_yellow")) == 4
    # both follow-ups exist once: the rectification report falls to the department head
    followups = {c.kind: c for c in SlaClock.objects.filter(parent=clock)}
    assert set(followups) == {"progress_report", "rectification_report"}
    rectification = followups["rectification_report"]
    assert (rectification.assignee, rectification.started_at) == (team.head, late)
    # 2 working days from Friday 27 Feb 09:00: Saturday 28 Feb (adjusted) and Monday 2 March
    assert rectification.due_at == at(2026, 3, 2, 17, 30)


def test_a_paused_clock_fires_nothing(team):
    clock = _start(team)
    sla_clock_pause(clock_id=clock.pk, reason="Waiting", acting_user=None, now=at(2026, 2, 24, 9))
    assert sla_sweep(now=at(2026, 3, 31, 9)) == 0
    assert _events() == []


def test_an_event_already_recorded_fires_no_second_time(team):
    # given the yellow event of a clock is on record (fired by another worker) but the clock's
    # own stage was not moved
    clock = _start(team)
    SlaEvent.objects.create(clock=clock, kind="yellow", level=0, scheduled_at=WARN, fired_at=WARN)
    # when the sweep meets it
    assert sla_sweep(now=WARN + timedelta(minutes=5)) == 0
    # then nothing is sent twice and no follow-up is opened, but the clock moves on
    assert Message.objects.count() == 0
    assert SlaClock.objects.filter(parent=clock).count() == 0
    clock.refresh_from_db()
    assert clock.stage == 1


def test_escalation_steps_fire_after_red_in_order(team):
    # given a standard whose version adds escalation to management at 150 % and 200 %
    version = SlaStandardVersion.objects.get(standard__code="sales.phone_inquiry.answer")
    version.escalations = [
        {"ratio": "1.5", "notify": ["management"]},
        {"ratio": "2", "notify": ["management", "assignee"]},
    ]
    version.save()
    clock = _start(team, code="sales.phone_inquiry.answer", now=at(2026, 3, 2, 9, 0))
    # 10 business minutes: yellow 09:08, red after 09:10, 150 % at 09:15, 200 % at 09:20
    assert sla_sweep(now=at(2026, 3, 2, 9, 14, 59)) == 2
    clock.refresh_from_db()
    assert clock.next_event_at == at(2026, 3, 2, 9, 15)
    assert sla_sweep(now=at(2026, 3, 2, 9, 30)) == 2
    assert [(e[1], e[2], e[3]) for e in _events(clock)] == [
        ("yellow", 0, at(2026, 3, 2, 9, 8)),
        ("red", 0, at(2026, 3, 2, 9, 10) + timedelta(microseconds=1)),
        ("escalation", 1, at(2026, 3, 2, 9, 15)),
        ("escalation", 2, at(2026, 3, 2, 9, 20)),
    ]
    assert _messages("sla_escalation") == [
        ("adjuster", "email"),
        ("adjuster", "in_app"),
        ("manager", "email"),
        ("manager", "email"),
        ("manager", "in_app"),
        ("manager", "in_app"),
    ]
    clock.refresh_from_db()
    assert (clock.stage, clock.next_event_at) == (4, None)


def test_escalation_counts_business_time_across_lunch(team):
    version = SlaStandardVersion.objects.get(standard__code="sales.phone_inquiry.answer")
    version.escalations = [{"ratio": "1.5", "notify": ["management"]}]
    version.save()
    clock = _start(team, code="sales.phone_inquiry.answer", now=at(2026, 3, 2, 11, 50))
    sla_sweep(now=at(2026, 3, 2, 12, 1))
    clock.refresh_from_db()
    # 15 business minutes from 11:50: 10 before lunch, 5 after 13:30
    assert clock.next_event_at == at(2026, 3, 2, 13, 35)


def test_many_due_clocks_are_taken_batch_by_batch(team):
    clocks = [_start(team, subject=("claims.claim", f"C-{n}")) for n in range(7)]
    assert sla_sweep(now=WARN, batch_size=3) == 7
    assert sorted(e[0] for e in _events()) == sorted(c.pk for c in clocks)
    assert AuditEntry.objects.filter(action="sla.sweep.fire").count() == 3


def test_follow_up_clocks_warn_but_have_no_follow_ups_of_their_own(team):
    clock = _start(team)
    sla_sweep(now=WARN)
    report = SlaClock.objects.get(parent=clock)
    # the progress report is late too, together with its parent
    fired = sla_sweep(now=at(2026, 3, 3, 9))
    assert fired == 3  # the parent's red, the report's yellow and red
    assert [e[1] for e in _events(report)] == ["yellow", "red"]
    assert SlaClock.objects.filter(parent=report).count() == 0
