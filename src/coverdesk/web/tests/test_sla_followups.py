"""Follow-up reports: what each person has to write, the progress and rectification report
forms (their submission stops the follow-up clock), and management's review."""

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from coverdesk.audit.models import AuditEntry
from coverdesk.sla.models import ProgressReport, RectificationReport, SlaClock
from coverdesk.sla.services.followups import rectification_report_submit
from coverdesk.web.tests.helpers import english
from coverdesk.web.tests.sla_scenarios import NOW, build, freeze

pytestmark = pytest.mark.django_db

LIST = reverse("web:sla_followups")


@pytest.fixture
def scenario(monkeypatch):
    freeze(monkeypatch)
    return build()


def _client(user):
    client = english(Client())
    client.force_login(user)
    return client


def _rectification_url(scenario):
    return reverse("web:sla_rectification_report", args=[scenario.rectification.pk])


def _form(owner_user, **changes):
    data = {
        "cause_analysis": "Month-end backlog; survey reports waited in the queue.",
        "measures": "A daily morning check of open claims; surveyors help at peaks.",
        "owner": str(owner_user.pk),
        "completion_date": "2026-03-31",
    }
    data.update(changes)
    return data


def test_each_person_sees_the_reports_they_have_to_write(scenario):
    # when
    adjusters = _client(scenario.team.adjuster).get(LIST).context["to_write"]
    heads = _client(scenario.team.head).get(LIST).context["to_write"]
    # then: the adjuster reports progress on both warned clocks; the head writes the
    # rectification report, and may also write the department's progress reports
    assert sorted((row.clock.kind, row.clock.subject_id) for row in adjusters) == [
        ("progress_report", "CL-RED"),
        ("progress_report", "CL-YELLOW"),
    ]
    assert sorted((row.clock.kind, row.clock.subject_id) for row in heads) == [
        ("progress_report", "CL-RED"),
        ("progress_report", "CL-YELLOW"),
        ("rectification_report", "CL-RED"),
    ]
    assert _client(scenario.team.stranger).get(LIST).context["to_write"] == []


def test_the_rectification_form_shows_the_work_it_reports_on(scenario):
    response = _client(scenario.team.head).get(_rectification_url(scenario))
    assert response.status_code == 200
    html = response.content.decode()
    assert "CL-RED" in html
    assert "2026-03-02 17:30" in html  # the breached deadline
    assert 'data-test="rectification-form"' in html


def test_submitting_the_rectification_report_stops_its_clock(scenario):
    # given
    client = _client(scenario.team.head)
    clock = scenario.rectification
    # when
    response = client.post(_rectification_url(scenario), _form(scenario.team.adjuster))
    # then
    assert response.status_code == 302
    assert response["Location"] == LIST
    report = RectificationReport.objects.get(clock=clock)
    assert (
        report.cause_analysis,
        report.measures,
        report.owner,
        report.completion_date,
        report.submitted_by,
        report.submitted_at,
    ) == (
        "Month-end backlog; survey reports waited in the queue.",
        "A daily morning check of open claims; surveyors help at peaks.",
        scenario.team.adjuster,
        date(2026, 3, 31),
        scenario.team.head,
        NOW,
    )
    clock.refresh_from_db()
    assert (clock.state, clock.met, clock.stopped_at) == ("met", True, NOW)
    assert AuditEntry.objects.latest("sequence").action == "sla.rectification_report.submit"
    after = client.get(LIST)
    assert [row.clock.kind for row in after.context["to_write"]] == ["progress_report"] * 2
    assert "The rectification report is submitted." in after.content.decode()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"cause_analysis": " "}, "cause_analysis", "This field is required."),
        ({"measures": ""}, "measures", "This field is required."),
        ({"owner": ""}, "owner", "Name an active owner of the measures."),
        ({"completion_date": ""}, "completion_date", "This field is required."),
        (
            {"completion_date": "2026-03-04"},
            "completion_date",
            "The completion date cannot be in the past.",
        ),
    ],
)
def test_a_bad_rectification_report_names_the_field_and_changes_nothing(
    scenario, changes, field, message
):
    # given
    client = _client(scenario.team.head)
    entries = AuditEntry.objects.count()
    # when
    response = client.post(_rectification_url(scenario), _form(scenario.team.adjuster, **changes))
    # then
    assert response.status_code == 200
    assert response.context["form"].errors == {field: [message]}
    assert not RectificationReport.objects.exists()
    assert SlaClock.objects.get(pk=scenario.rectification.pk).state == "running"
    assert AuditEntry.objects.count() == entries


def test_only_the_person_responsible_or_the_head_opens_a_report_form(scenario):
    # the adjuster is neither the rectification report's assignee nor the head
    client = _client(scenario.team.adjuster)
    assert client.get(_rectification_url(scenario)).status_code == 403
    response = client.post(_rectification_url(scenario), _form(scenario.team.adjuster))
    assert response.status_code == 403
    assert not RectificationReport.objects.exists()


def test_a_report_url_of_the_other_kind_is_404(scenario):
    progress = scenario.followup(scenario.red, "progress_report")
    client = _client(scenario.team.head)
    assert client.get(reverse("web:sla_rectification_report", args=[progress.pk])).status_code == (
        404
    )
    assert (
        client.get(reverse("web:sla_progress_report", args=[scenario.green.pk])).status_code == 404
    )


def test_a_submitted_report_cannot_be_submitted_again(scenario):
    client = _client(scenario.team.head)
    client.post(_rectification_url(scenario), _form(scenario.team.adjuster))
    again = client.get(_rectification_url(scenario))
    assert "This report was submitted already." in again.content.decode()
    response = client.post(_rectification_url(scenario), _form(scenario.team.head))
    assert response.context["form"].non_field_errors() == ["The report was already submitted."]
    assert RectificationReport.objects.get().owner == scenario.team.adjuster


def test_the_progress_report_stops_its_clock(scenario):
    # given
    progress = scenario.followup(scenario.yellow, "progress_report")
    client = _client(scenario.team.adjuster)
    url = reverse("web:sla_progress_report", args=[progress.pk])
    # when
    empty = client.post(url, {"text": ""})
    response = client.post(url, {"text": "Survey report due Friday."})
    # then
    assert empty.context["form"].errors == {"text": ["This field is required."]}
    assert response.status_code == 302
    report = ProgressReport.objects.get(clock=progress)
    assert (report.text, report.submitted_by, report.submitted_at) == (
        "Survey report due Friday.",
        scenario.team.adjuster,
        NOW,
    )
    assert SlaClock.objects.get(pk=progress.pk).state == "met"


def _submitted(scenario):
    return rectification_report_submit(
        clock_id=scenario.rectification.pk,
        cause_analysis="Backlog.",
        measures="Daily check.",
        owner=scenario.team.adjuster,
        completion_date=date(2026, 3, 31),
        acting_user=scenario.team.head,
        now=NOW,
    )


def test_management_reviews_a_submitted_report_once(scenario):
    # given
    report = _submitted(scenario)
    client = _client(scenario.team.manager)
    url = reverse("web:sla_rectification_review", args=[report.pk])
    listed = client.get(LIST)
    # when
    first = client.post(url, {"note": "Agreed; report back at the monthly meeting."}, follow=True)
    second = client.post(url, {"note": "again"}, follow=True)
    # then
    assert [r.pk for r in listed.context["to_review"]] == [report.pk]
    report.refresh_from_db()
    assert (report.reviewed_by, report.reviewed_at, report.review_note) == (
        scenario.team.manager,
        NOW,
        "Agreed; report back at the monthly meeting.",
    )
    assert "The rectification report is marked reviewed." in first.content.decode()
    assert "The report was already reviewed." in second.content.decode()
    assert first.context["to_review"] == []
    assert [r.pk for r in first.context["reviewed"]] == [report.pk]


def test_people_outside_management_see_nothing_to_review(scenario):
    _submitted(scenario)
    response = _client(scenario.team.head).get(LIST)
    assert response.context["may_review"] is False
    assert response.context["to_review"] == []
    assert "To review" not in response.content.decode()


def test_reviewing_an_unknown_report_is_404(scenario):
    response = _client(scenario.team.manager).post(
        reverse("web:sla_rectification_review", args=[999999])
    )
    assert response.status_code == 404
