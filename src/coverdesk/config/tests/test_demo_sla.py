"""The timeliness demo: loading twice changes nothing; at any moment it holds clocks in every
state with their warnings and follow-ups, and two warnings fall due minutes after loading."""

from datetime import timedelta

import pytest
from django.apps import apps
from django.test import Client
from django.urls import reverse

from coverdesk.accounts.models import User
from coverdesk.config.demo import demo_load
from coverdesk.sla.models import (
    ProgressReport,
    RectificationReport,
    SlaClock,
    SlaEvent,
)
from coverdesk.sla.selectors.clocks import clock_progress
from coverdesk.sla.services.sweep import sla_sweep
from coverdesk.sla.tests.clock_factories import at
from coverdesk.web.tests.sla_scenarios import freeze

pytestmark = pytest.mark.django_db

COUNTED_APPS = {"accounts", "audit", "notifications", "parties", "auth", "sla"}


def _row_counts():
    return {
        model._meta.label: model.objects.count()
        for model in apps.get_models()
        if model._meta.app_label in COUNTED_APPS
    }


def test_loading_the_demo_twice_changes_nothing(monkeypatch):
    # given
    freeze(monkeypatch, at(2026, 11, 18, 10, 15))
    first_report = demo_load()
    first = _row_counts()
    # when
    report = demo_load()
    # then
    assert any(item.startswith("timeliness demo: ") for item in first_report.created)
    assert report.created == []
    assert _row_counts() == first


def _colours(now):
    return {
        clock_progress(clock, now=now).colour
        for clock in SlaClock.objects.filter(state__in=["running", "paused"]).select_related(
            "standard_version"
        )
    }


@pytest.mark.parametrize(
    "now",
    [
        at(2026, 11, 18, 10, 15),  # a Wednesday morning
        at(2026, 11, 22, 8, 40),  # a Sunday
        at(2026, 11, 20, 23, 5),  # a Friday night
        at(2026, 10, 3, 14),  # in the National Day holiday
    ],
    ids=["weekday", "sunday", "friday-night", "holiday"],
)
def test_the_demo_holds_every_state_at_any_moment(monkeypatch, now):
    # given
    freeze(monkeypatch, now)
    # when
    demo_load()
    # then: open clocks of every mark, paused ones, met and missed ones (the timeliness demo's
    # own cases; the policies demo adds clocks of real applications and servicing requests)
    demo_cases = SlaClock.objects.filter(subject_type__startswith="demo.")
    states = set(demo_cases.values_list("state", flat=True))
    assert states == {"running", "paused", "met", "breached"}
    assert _colours(now) == {"green", "yellow", "red"}
    paused = demo_cases.get(state="paused")
    assert paused.segments.latest("id").reason.startswith("等待客户补充材料")
    # warnings fired, follow-ups opened, reports submitted and reviewed
    assert set(SlaEvent.objects.values_list("kind", flat=True)) == {"yellow", "red"}
    assert SlaClock.objects.filter(kind="progress_report", state="running").exists()
    assert SlaClock.objects.filter(kind="rectification_report", state="running").exists()
    assert ProgressReport.objects.exists()
    assert RectificationReport.objects.filter(reviewed_at__isnull=False).exists()
    assert set(
        SlaClock.objects.exclude(subject_type__startswith="demo.").values_list(
            "subject_type", flat=True
        )
    ) <= {"policies.application", "policies.servicingrequest"}


def test_two_warnings_fall_due_minutes_after_loading(monkeypatch):
    # given
    now = at(2026, 11, 22, 8, 40)
    freeze(monkeypatch, now)
    demo_load()
    demo_events = SlaEvent.objects.filter(clock__subject_type__startswith="demo.")
    events = demo_events.count()
    # when: the worker sweeps eleven minutes later
    sla_sweep(now=now + timedelta(minutes=11))
    # then: yellow and red of the call to the reporter (at 2 and 5 minutes), yellow and red of
    # the team forming (at 4 and 10 minutes)
    assert demo_events.count() == events + 4
    live = SlaClock.objects.filter(subject_id__in=["AC-2026-0002", "ME-2026-0001"], kind="primary")
    assert sorted(clock.warn_at - now for clock in live) == [
        timedelta(minutes=2),
        timedelta(minutes=4),
    ]


def test_the_demo_pages_show_real_content(monkeypatch):
    # given
    freeze(monkeypatch, at(2026, 11, 18, 10, 15))
    demo_load()
    client = Client()
    # when / then: the adjuster's tasks, the head's board and reports, management's reviews
    client.force_login(User.objects.get(username="adjuster"))
    tasks = client.get(reverse("web:sla_tasks"))
    assert {row.mark for row in tasks.context["rows"]} == {"green", "yellow", "red"}
    client.force_login(User.objects.get(username="head"))
    board = client.get(reverse("web:sla_board"))
    assert board.context["totals"]["red"] >= 1
    assert len(client.get(reverse("web:sla_followups")).context["to_write"]) >= 1
    client.force_login(User.objects.get(username="manager"))
    followups = client.get(reverse("web:sla_followups"))
    assert followups.context["may_review"] is True
    assert len(followups.context["reviewed"]) >= 1
