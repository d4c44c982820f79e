"""Clock lists for people: the mark computed by the database agrees with clock_progress, the
time left per row, one query per list, visibility by permission, follow-ups to write and
reports to review."""

from datetime import date

import pytest
from django.contrib.auth.models import Permission

from coverdesk.sla.models import ClockKind, SlaClock
from coverdesk.sla.selectors.clocks import clock_progress
from coverdesk.sla.selectors.worklists import (
    MARK_NAMES,
    clock_time,
    clock_times,
    clocks_of_department_open,
    clocks_of_subject_for_user,
    clocks_of_user_open,
    followups_to_write,
    rectification_reports_to_review,
)
from coverdesk.sla.services.clocks import sla_clock_pause, sla_clock_start
from coverdesk.sla.services.followups import rectification_report_submit
from coverdesk.sla.services.sweep import sla_sweep
from coverdesk.sla.tests.clock_factories import SUBJECT, at, make_team

pytestmark = pytest.mark.django_db

PHONE = "sales.phone_inquiry.answer"  # 10 business minutes, yellow at 8
NOW = at(2026, 11, 3, 10)


def grant(user, codename):
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="sla", codename=codename)
    )
    return type(user).objects.get(pk=user.pk)


@pytest.fixture
def team():
    return make_team()


def _start(team, code, when, subject="S-1", assignee=None):
    who = assignee or team.adjuster
    return sla_clock_start(
        subject=("claims.claim", subject),
        standard_code=code,
        assignee=who,
        acting_user=who,
        now=when,
    )


def _pause(team, clock, when):
    sla_clock_pause(clock_id=clock.pk, reason="waiting", acting_user=team.adjuster, now=when)


@pytest.fixture
def board(team):
    """Six open clocks of the adjuster, one per mark and state, seen at NOW (Tue 10:00)."""
    clocks = {
        "running green": _start(team, "claims.registration", at(2026, 11, 2, 9), "g"),
        "running yellow": _start(team, PHONE, at(2026, 11, 3, 9, 51), "y"),  # warns 09:59
        "running red": _start(team, PHONE, at(2026, 11, 3, 9), "r"),  # due 09:10
        "paused green": _start(team, PHONE, at(2026, 11, 3, 9, 40), "pg"),
        "paused yellow": _start(team, PHONE, at(2026, 11, 3, 9, 40), "py"),
        "paused red": _start(team, PHONE, at(2026, 11, 3, 9), "pr"),
    }
    _pause(team, clocks["paused green"], at(2026, 11, 3, 9, 42))
    _pause(team, clocks["paused yellow"], at(2026, 11, 3, 9, 49))  # 9 of 10 minutes used
    _pause(team, clocks["paused red"], at(2026, 11, 3, 9, 20))  # paused after its deadline
    return clocks


def test_the_database_mark_agrees_with_clock_progress(board, team):
    listed = {clock.subject_id: clock for clock in clocks_of_user_open(user=team.adjuster, now=NOW)}

    for name, clock in board.items():
        row = listed[clock.subject_id]
        expected = name.split()[1]
        assert (name, MARK_NAMES[row.mark_rank]) == (name, expected)
        assert clock_progress(row, now=NOW).colour == expected


def test_time_left_agrees_with_clock_progress(board, team):
    for clock in clocks_of_user_open(user=team.adjuster, now=NOW):
        progress = clock_progress(clock, now=NOW)
        time = clock_time(clock, now=NOW)
        assert (time.used, time.remaining, time.share) == (
            progress.used,
            progress.remaining,
            progress.share,
        )


def test_time_left_of_a_running_clock(team):
    clock = _start(team, "claims.registration", at(2026, 11, 2, 9))  # due 11-03 17:30

    listed = clocks_of_user_open(user=team.adjuster, now=at(2026, 11, 2, 11)).get()
    time = clock_time(listed, now=at(2026, 11, 2, 11))

    assert clock.allowed == 52_200
    assert (time.used, time.remaining, str(time.share), time.late, time.measure) == (
        7_200,
        45_000,
        "0.1379",
        False,
        "business",
    )


def test_filters_and_orders(board, team):
    yellow = clocks_of_user_open(user=team.adjuster, now=NOW, mark="yellow", order="-due")
    red_first = clocks_of_user_open(user=team.adjuster, now=NOW, order="mark")
    registrations = clocks_of_user_open(user=team.adjuster, now=NOW, standard="claims.registration")

    assert [c.subject_id for c in yellow] == ["y", "py"]
    assert [MARK_NAMES[c.mark_rank] for c in red_first] == [
        "red",
        "red",
        "yellow",
        "yellow",
        "green",
        "green",
    ]
    assert [c.subject_id for c in registrations] == ["g"]


def test_one_query_per_page_whatever_the_rows(board, team, django_assert_num_queries):
    clock_times(clocks_of_user_open(user=team.adjuster, now=NOW), now=NOW)  # calendars cached

    with django_assert_num_queries(1):
        rows = list(clocks_of_user_open(user=team.adjuster, now=NOW)[:50])
        times = clock_times(rows, now=NOW)
        labels = [
            (r.standard_version.standard.code, r.department.code, str(r.assignee)) for r in rows
        ]

    assert (len(rows), len(times), len(labels)) == (6, 6, 6)


def test_a_department_board(board, team):
    claims = clocks_of_department_open(department_id=team.claims.pk, now=NOW)
    nowhere = clocks_of_department_open(department_id=team.claims.pk + 1000, now=NOW)

    assert [MARK_NAMES[c.mark_rank] for c in claims][:2] == ["red", "red"]
    assert (claims.count(), nowhere.count()) == (6, 0)
    assert clocks_of_department_open(department_id=None, now=NOW).count() == 6


def test_the_clocks_of_a_subject_by_visibility(team, role_user):
    _start(team, "claims.registration", at(2026, 11, 2, 9), subject=SUBJECT[1])
    _start(team, PHONE, at(2026, 11, 2, 9), subject=SUBJECT[1], assignee=team.stranger)
    clerk = role_user("clerk")

    def seen(user):
        return sorted(
            c.assignee.username
            for c in clocks_of_subject_for_user(
                user=user, subject_type=SUBJECT[0], subject_id=SUBJECT[1], now=NOW
            )
        )

    assert seen(team.adjuster) == ["adjuster"]
    assert seen(team.stranger) == ["stranger"]
    assert seen(clerk) == []
    assert seen(grant(team.head, "view_department_clocks")) == ["adjuster", "stranger"]
    assert seen(grant(clerk, "view_department_clocks")) == []  # another department
    assert seen(grant(role_user("auditor"), "view_all_clocks")) == ["adjuster", "stranger"]


def test_followups_to_write_and_to_review(team):
    _start(team, "claims.adjudication.simple", at(2026, 2, 13, 15))
    sla_sweep(now=at(2026, 2, 25, 18))  # yellow and red: a progress and a rectification report

    adjuster = [c.kind for c in followups_to_write(user=team.adjuster, now=NOW)]
    head = [c.kind for c in followups_to_write(user=team.head, now=NOW)]
    assert adjuster == [ClockKind.PROGRESS_REPORT]
    assert head == [ClockKind.PROGRESS_REPORT, ClockKind.RECTIFICATION_REPORT]
    assert list(followups_to_write(user=team.stranger, now=NOW)) == []

    rectification = SlaClock.objects.get(kind=ClockKind.RECTIFICATION_REPORT)
    report = rectification_report_submit(
        clock_id=rectification.pk,
        cause_analysis="Survey late",
        measures="Book surveyors earlier",
        owner=team.head,
        completion_date=date(2026, 3, 31),
        acting_user=team.head,
        now=at(2026, 2, 26, 9),
    )

    assert list(rectification_reports_to_review(user=team.manager)) == [report]
    assert list(rectification_reports_to_review(user=team.head)) == []
    assert [c.kind for c in followups_to_write(user=team.head, now=NOW)] == [
        ClockKind.PROGRESS_REPORT
    ]
