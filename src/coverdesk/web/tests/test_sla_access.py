"""Every timeliness page and action per role (the pages in the menu are also in
test_access.py): anonymous visitors go to the login page, a wrong role gets 403 and changes
nothing, the right role gets through."""

from datetime import date

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from coverdesk.accounts.tests.factories import make_user
from coverdesk.audit.models import AuditEntry
from coverdesk.sla.models import (
    CalendarVersion,
    RectificationReport,
    SlaEvent,
    SlaEventAcknowledgement,
    SlaStandardVersion,
)
from coverdesk.sla.services.followups import rectification_report_submit
from coverdesk.web.tests.sla_scenarios import NOW, build, freeze
from coverdesk.web.tests.test_access import ROLES

pytestmark = pytest.mark.django_db

# GET pages: admin broker clerk agent adjuster surveyor backoffice head manager auditor customer
PAGES = {
    "web:sla_tasks":           (200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 403),
    "web:sla_followups":       (200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 403),
    "web:sla_warnings":        (200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 403),
    "web:sla_board":           (403, 403, 403, 403, 403, 403, 403, 200, 200, 200, 403),
    "web:sla_kpis":            (200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 403),
    "web:sla_kpis_export":     (200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 403),
    "web:sla_standards":       (200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 403),
    "web:sla_standard_detail": (200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 403),
    "web:sla_calendars":       (200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 403),
    "web:sla_calendar_detail": (200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 403),
}  # fmt: skip

# POST actions (valid input): 302 = done and redirected back
ACTIONS = {
    "web:sla_calendar_day_set":           (302, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403),
    "web:sla_calendar_day_remove":        (302, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403),
    "web:sla_calendar_published_through": (302, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403),
    "web:sla_calendar_import":            (302, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403),
    # A new version of a standard needs sla.change_slastandard (administrators).
    "web:sla_standard_detail":            (302, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403),
    # Management reviews rectification reports, and is told of red warnings.
    "web:sla_rectification_review":       (403, 403, 403, 403, 403, 403, 403, 403, 302, 403, 403),
    "web:sla_warning_acknowledge":        (403, 403, 403, 403, 403, 403, 403, 403, 302, 403, 403),
}  # fmt: skip

# Pages and actions on one clock: the staff pages are open to staff, the clock itself only to
# its assignee and the head of its department (test_sla_tasks.py, test_sla_followups.py).
CLOCK_ACTIONS = (
    "web:sla_task_pause",
    "web:sla_task_resume",
    "web:sla_task_stop",
    "web:sla_task_customer_update",
    "web:sla_progress_report",
    "web:sla_rectification_report",
)

ARGS = {
    "web:sla_standard_detail": ["claims.adjudication.simple"],
    "web:sla_calendar_detail": ["cn-mainland"],
    "web:sla_calendar_day_set": ["cn-mainland"],
    "web:sla_calendar_day_remove": ["cn-mainland"],
    "web:sla_calendar_published_through": ["cn-mainland"],
    "web:sla_calendar_import": ["cn-mainland"],
}

STANDARD_FORM = {
    "amount": "4",
    "unit": "working_days",
    "calendar": "cn-mainland",
    "yellow_ratio": "0.750",
    "yellow_notify": ["assignee"],
    "red_notify": ["department_head", "management"],
    "progress_report_followup": "on",
    "rectification_followup": "on",
}


def _cells(table):
    return [(name, role, table[name][i]) for name in table for i, role in enumerate(ROLES)]


@pytest.fixture
def world(monkeypatch):
    """A scenario with one submitted rectification report waiting for review."""
    freeze(monkeypatch)
    scenario = build()
    report = rectification_report_submit(
        clock_id=scenario.rectification.pk,
        cause_analysis="Backlog at month end.",
        measures="Daily check of open claims.",
        owner=scenario.team.adjuster,
        completion_date=date(2026, 3, 31),
        acting_user=scenario.team.head,
        now=NOW,
    )
    return {"scenario": scenario, "report": report}


def _url(name, world):
    if name == "web:sla_rectification_review":
        return reverse(name, args=[world["report"].pk])
    scenario = world["scenario"]
    if name == "web:sla_warning_acknowledge":
        red = SlaEvent.objects.get(clock=scenario.red, kind="red")
        return reverse(name, args=[red.pk])
    if name in ("web:sla_progress_report",):
        return reverse(name, args=[scenario.followup(scenario.red, "progress_report").pk])
    if name == "web:sla_rectification_report":
        return reverse(name, args=[scenario.rectification.pk])
    if name in CLOCK_ACTIONS:
        return reverse(name, args=[scenario.green.pk])
    return reverse(name, args=ARGS.get(name, []))


def _data(name):
    if name == "web:sla_calendar_day_set":
        return {"date": "2026-10-10", "kind": "adjusted_working_day", "note": "补班"}
    if name == "web:sla_calendar_day_remove":
        return {"date": "2026-02-14"}
    if name == "web:sla_calendar_published_through":
        return {"published_through": "2027-01-31"}
    if name == "web:sla_standard_detail":
        return STANDARD_FORM
    if name == "web:sla_rectification_review":
        return {"note": "Seen."}
    return {}


def _post(client, name, world):
    data = _data(name)
    if name == "web:sla_calendar_import":
        from django.core.files.uploadedfile import SimpleUploadedFile

        data = {
            "file": SimpleUploadedFile(
                "2027.csv", b"date,kind\n2027-01-01,holiday\n", content_type="text/csv"
            ),
            "published_through": "2027-12-31",
        }
    return client.post(_url(name, world), data)


def _state():
    return (
        CalendarVersion.objects.count(),
        SlaStandardVersion.objects.count(),
        RectificationReport.objects.filter(reviewed_at__isnull=False).count(),
        SlaEventAcknowledgement.objects.count(),
        AuditEntry.objects.count(),
    )


@pytest.mark.parametrize(("page", "role", "expected"), _cells(PAGES))
def test_role_gets_exactly_the_expected_status_for_each_sla_page(world, page, role, expected):
    # given
    client = Client()
    client.force_login(make_user(role))
    # when
    response = client.get(_url(page, world))
    # then
    assert response.status_code == expected


@pytest.mark.parametrize(("action", "role", "expected"), _cells(ACTIONS))
def test_role_gets_exactly_the_expected_status_for_each_sla_action(world, action, role, expected):
    # given
    client = Client()
    client.force_login(make_user(role))
    before = _state()
    # when
    response = _post(client, action, world)
    # then
    assert response.status_code == expected
    if expected == 403:
        assert _state() == before
    else:
        assert _state() != before


@pytest.mark.parametrize("page", [*PAGES, *ACTIONS, *CLOCK_ACTIONS])
def test_anonymous_visitor_is_sent_to_login_for_every_sla_page_and_action(world, page):
    # given
    client = Client()
    before = _state()
    # when
    response = (
        client.post(_url(page, world), _data(page))
        if (page in ACTIONS or page in CLOCK_ACTIONS)
        else client.get(_url(page, world))
    )
    # then
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('web:login')}?next={_url(page, world)}"
    assert _state() == before


@pytest.mark.parametrize("page", CLOCK_ACTIONS)
def test_a_customer_reaches_no_clock_page_or_action(world, page):
    client = Client()
    client.force_login(make_user("customer"))
    before = _state()
    assert client.post(_url(page, world), {"reason": "x", "note": "x"}).status_code == 403
    assert _state() == before


def test_a_holder_of_the_standards_permission_makes_a_new_version(world):
    # given: a manager granted the permission the standards service asks for
    manager = make_user("manager")
    manager.user_permissions.add(
        Permission.objects.get(content_type__app_label="sla", codename="change_slastandard")
    )
    client = Client()
    client.force_login(manager)
    # when
    response = client.post(_url("web:sla_standard_detail", world), STANDARD_FORM)
    # then
    assert response.status_code == 302
    version = SlaStandardVersion.objects.filter(standard__code="claims.adjudication.simple").latest(
        "number"
    )
    assert (version.number, version.amount, version.yellow_notify) == (2, 4, ["assignee"])
