"""Follow-up tasks: progress and rectification reports stop their clocks; only the person
responsible or the department head may submit; customer updates re-arm until the work ends."""

from datetime import date

import pytest

from coverdesk.audit.models import AuditEntry
from coverdesk.core.exceptions import ValidationFailed
from coverdesk.sla.models import ProgressReport, RectificationReport, SlaClock
from coverdesk.sla.services.clocks import sla_clock_start, sla_clock_stop
from coverdesk.sla.services.followups import (
    NotManagement,
    NotYourReport,
    ReportAlreadySubmitted,
    WrongFollowUp,
    customer_update_record,
    progress_report_submit,
    rectification_report_review,
    rectification_report_submit,
)
from coverdesk.sla.services.sweep import sla_sweep
from coverdesk.sla.tests.clock_factories import SUBJECT, at, audit_actions, make_team

pytestmark = pytest.mark.django_db

START = at(2026, 2, 13, 15)
WARN = at(2026, 2, 25, 11)
LATE = at(2026, 2, 27, 9)  # after both yellow and red


@pytest.fixture
def team():
    return make_team()


def _work(team, code="claims.adjudication.simple", now=START, **kwargs):
    return sla_clock_start(
        subject=SUBJECT,
        standard_code=code,
        assignee=team.adjuster,
        acting_user=team.adjuster,
        now=now,
        **kwargs,
    )


def _followup(parent, kind):
    return SlaClock.objects.get(parent=parent, kind=kind)


def test_the_progress_report_stops_its_clock_in_time(team):
    parent = _work(team)
    sla_sweep(now=WARN)
    followup = _followup(parent, "progress_report")

    report = progress_report_submit(
        clock_id=followup.pk,
        text="Survey report arrives Thursday; decision Friday.",
        acting_user=team.adjuster,
        now=at(2026, 2, 26, 9),
    )

    followup.refresh_from_db()
    assert (followup.state, followup.met, followup.stopped_at) == ("met", True, at(2026, 2, 26, 9))
    assert (report.clock, report.submitted_by, report.text) == (
        followup,
        team.adjuster,
        "Survey report arrives Thursday; decision Friday.",
    )
    assert audit_actions()[-1] == "sla.progress_report.submit"
    parent.refresh_from_db()
    assert parent.state == "running"  # the work itself goes on


def test_a_late_progress_report_is_recorded_as_missed(team):
    parent = _work(team)
    sla_sweep(now=WARN)
    followup = _followup(parent, "progress_report")
    progress_report_submit(
        clock_id=followup.pk, text="Late.", acting_user=team.head, now=at(2026, 2, 27, 9)
    )
    followup.refresh_from_db()
    assert (followup.state, followup.met) == ("breached", False)


def test_someone_else_cannot_submit_the_progress_report_and_nothing_changes(team):
    parent = _work(team)
    sla_sweep(now=WARN)
    followup = _followup(parent, "progress_report")
    entries = AuditEntry.objects.count()

    with pytest.raises(NotYourReport) as caught:
        progress_report_submit(
            clock_id=followup.pk, text="Not mine.", acting_user=team.stranger, now=WARN
        )

    assert caught.value.status_code == 403
    followup.refresh_from_db()
    assert (followup.state, followup.stopped_at) == ("running", None)
    assert ProgressReport.objects.count() == 0
    assert AuditEntry.objects.count() == entries


def test_a_report_on_the_wrong_kind_of_clock_is_refused(team):
    parent = _work(team)
    with pytest.raises(WrongFollowUp):
        progress_report_submit(clock_id=parent.pk, text="x", acting_user=team.adjuster, now=WARN)
    parent.refresh_from_db()
    assert parent.state == "running"


def test_an_empty_progress_report_names_the_field(team):
    parent = _work(team)
    sla_sweep(now=WARN)
    followup = _followup(parent, "progress_report")
    with pytest.raises(ValidationFailed) as caught:
        progress_report_submit(clock_id=followup.pk, text=" ", acting_user=team.adjuster, now=WARN)
    assert [(f.field, f.rule) for f in caught.value.fields] == [("text", "required")]
    followup.refresh_from_db()
    assert followup.state == "running"


def test_the_rectification_report_stops_its_clock_and_management_reviews_it(team):
    parent = _work(team)
    sla_sweep(now=LATE)
    followup = _followup(parent, "rectification_report")
    assert followup.assignee == team.head

    report = rectification_report_submit(
        clock_id=followup.pk,
        cause_analysis="Survey booked late over the holiday.",
        measures="Book surveys on the day of registration.",
        owner=team.adjuster,
        completion_date=date(2026, 3, 31),
        acting_user=team.head,
        now=at(2026, 3, 2, 10),
    )

    followup.refresh_from_db()
    assert (followup.state, followup.met) == ("met", True)
    assert (report.owner, report.completion_date, report.submitted_by, report.reviewed_at) == (
        team.adjuster,
        date(2026, 3, 31),
        team.head,
        None,
    )
    entry = AuditEntry.objects.order_by("sequence").last()
    assert entry.action == "sla.rectification_report.submit"
    assert entry.after["measures"] == "Book surveys on the day of registration."

    with pytest.raises(NotManagement):
        rectification_report_review(report_id=report.pk, acting_user=team.head)
    report.refresh_from_db()
    assert report.reviewed_at is None

    rectification_report_review(
        report_id=report.pk, note="Agreed.", acting_user=team.manager, now=at(2026, 3, 3, 9)
    )
    report.refresh_from_db()
    assert (report.reviewed_by, report.reviewed_at, report.review_note) == (
        team.manager,
        at(2026, 3, 3, 9),
        "Agreed.",
    )


def test_the_assignee_who_is_not_head_cannot_submit_the_rectification_report(team):
    parent = _work(team)
    sla_sweep(now=LATE)
    followup = _followup(parent, "rectification_report")
    entries = AuditEntry.objects.count()
    with pytest.raises(NotYourReport):
        rectification_report_submit(
            clock_id=followup.pk,
            cause_analysis="c",
            measures="m",
            owner=team.adjuster,
            completion_date=date(2026, 3, 31),
            acting_user=team.adjuster,
            now=at(2026, 3, 2, 10),
        )
    followup.refresh_from_db()
    assert followup.state == "running"
    assert RectificationReport.objects.count() == 0
    assert AuditEntry.objects.count() == entries


def test_a_bad_rectification_report_names_every_field_and_changes_nothing(team):
    parent = _work(team)
    sla_sweep(now=LATE)
    followup = _followup(parent, "rectification_report")
    with pytest.raises(ValidationFailed) as caught:
        rectification_report_submit(
            clock_id=followup.pk,
            cause_analysis="",
            measures="  ",
            owner=None,
            completion_date=date(2026, 3, 1),
            acting_user=team.head,
            now=at(2026, 3, 2, 10),
        )
    assert [(f.field, f.rule) for f in caught.value.fields] == [
        ("cause_analysis", "required"),
        ("measures", "required"),
        ("owner", "required"),
        ("completion_date", "past"),
    ]
    followup.refresh_from_db()
    assert followup.state == "running"


def test_a_report_is_submitted_once(team):
    parent = _work(team)
    sla_sweep(now=WARN)
    followup = _followup(parent, "progress_report")
    progress_report_submit(clock_id=followup.pk, text="a", acting_user=team.adjuster, now=WARN)
    with pytest.raises(ReportAlreadySubmitted):
        progress_report_submit(clock_id=followup.pk, text="b", acting_user=team.adjuster, now=WARN)
    assert ProgressReport.objects.count() == 1


def test_customer_updates_re_arm_until_the_work_stops(team):
    # given complex work that carries the daily progress update to the customer
    parent = _work(team, code="sales.application.complex", now=at(2026, 3, 2, 9))
    first = _followup(parent, "customer_update")
    assert (first.assignee, first.due_at) == (team.adjuster, at(2026, 3, 3, 17, 30))

    # when the customer is told on Tuesday, the next update is due a working day later
    second = customer_update_record(
        clock_id=first.pk,
        note="Told the broker the underwriter needs the fleet list.",
        acting_user=team.adjuster,
        now=at(2026, 3, 3, 16),
    )
    first.refresh_from_db()
    assert (first.state, first.met) == ("met", True)
    assert (second.kind, second.parent, second.state, second.due_at) == (
        "customer_update",
        parent,
        "running",
        at(2026, 3, 4, 17, 30),
    )

    # and when the work is done the open update obligation ends with it
    sla_clock_stop(clock_id=parent.pk, acting_user=team.adjuster, now=at(2026, 3, 4, 10))
    second.refresh_from_db()
    assert (second.state, second.stopped_at) == ("cancelled", at(2026, 3, 4, 10))
    assert (
        SlaClock.objects.filter(parent=parent, kind="customer_update", state="running").count() == 0
    )


def test_customer_updates_can_be_asked_for_on_any_clock(team):
    parent = _work(team, code="claims.adjudication.complex", customer_updates=True)
    assert parent.customer_updates is True
    assert SlaClock.objects.filter(parent=parent, kind="customer_update").count() == 1
    plain = _work(team, code="sales.application.complex", customer_updates=False)
    assert SlaClock.objects.filter(parent=plain).count() == 0
