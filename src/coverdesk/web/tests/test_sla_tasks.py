"""My tasks: the user's open clocks with marks and time left, filters and sorting, a fixed
number of queries, and pause / resume / done through the clock services."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from coverdesk.audit.models import AuditEntry
from coverdesk.sla.models import SlaClock, SlaClockSegment
from coverdesk.sla.tests.clock_factories import at
from coverdesk.web.tests.helpers import english
from coverdesk.web.tests.sla_scenarios import NOW, build, freeze, start

pytestmark = pytest.mark.django_db

URL = reverse("web:sla_tasks")


@pytest.fixture
def scenario(monkeypatch):
    freeze(monkeypatch)
    return build()


def _client(user):
    client = english(Client())
    client.force_login(user)
    return client


def _rows(response):
    return {
        row.clock.subject_id: (row.mark, row.time_text, row.clock.state)
        for row in response.context["rows"]
        if row.clock.kind == "primary"
    }


def test_my_tasks_show_each_open_clock_with_its_mark_and_time_left(scenario):
    # given
    client = _client(scenario.team.adjuster)
    # when
    response = client.get(URL)
    # then
    assert response.status_code == 200
    assert _rows(response) == {
        "CL-GREEN": ("green", "3 working days 6 h left", "running"),
        "CL-YELLOW": ("yellow", "6 h left", "running"),
        "CL-RED": ("red", "overdue 2 working days 1 h", "running"),
        "CL-PAUSED": ("green", "29 days 13 h left", "paused"),
    }
    html = response.content.decode()
    assert "waiting for the customer&#x27;s materials" in html
    assert html.count('data-mark="red"') == 1


def test_follow_up_tasks_are_listed_with_a_link_to_their_form(scenario):
    # given: yellow and red each made a progress report for the adjuster
    client = _client(scenario.team.adjuster)
    # when
    response = client.get(URL)
    # then
    kinds = sorted(row.clock.kind for row in response.context["rows"])
    assert kinds == ["primary"] * 4 + ["progress_report"] * 2
    progress = scenario.followup(scenario.red, "progress_report")
    assert reverse("web:sla_progress_report", args=[progress.pk]) in response.content.decode()


def test_the_rectification_report_is_on_the_heads_list_not_the_assignees(scenario):
    # when
    head_rows = _client(scenario.team.head).get(URL).context["rows"]
    # then
    assert [(row.clock.kind, row.clock.subject_id) for row in head_rows] == [
        ("rectification_report", "CL-RED")
    ]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"mark": "red"}, ["CL-RED"]),
        ({"mark": "yellow"}, ["CL-YELLOW"]),
        ({"mark": "green"}, ["CL-GREEN", "CL-PAUSED", "CL-RED", "CL-YELLOW"]),
        ({"state": "paused"}, ["CL-PAUSED"]),
        ({"standard": "claims.adjudication.simple"}, ["CL-GREEN", "CL-RED"]),
        ({"mark": "red", "state": "paused"}, []),
    ],
)
def test_filters_narrow_the_list(scenario, query, expected):
    # given: green also holds the two fresh progress reports (on CL-RED and CL-YELLOW)
    client = _client(scenario.team.adjuster)
    # when
    response = client.get(URL, query)
    # then
    assert sorted(row.clock.subject_id for row in response.context["rows"]) == expected


@pytest.mark.parametrize(
    ("order", "expected"),
    [
        ("due", ["CL-RED", "CL-YELLOW", "CL-GREEN", "CL-PAUSED"]),
        ("-due", ["CL-PAUSED", "CL-GREEN", "CL-YELLOW", "CL-RED"]),
        ("started", ["CL-RED", "CL-YELLOW", "CL-PAUSED", "CL-GREEN"]),
        ("-started", ["CL-GREEN", "CL-PAUSED", "CL-YELLOW", "CL-RED"]),
    ],
)
def test_the_list_sorts_by_due_or_started(scenario, order, expected):
    # when
    response = _client(scenario.team.adjuster).get(URL, {"order": order, "standard": ""})
    # then
    primary = [r.clock.subject_id for r in response.context["rows"] if r.clock.kind == "primary"]
    assert primary == expected


def test_sorting_by_standard_orders_by_code(scenario):
    response = _client(scenario.team.adjuster).get(URL, {"order": "standard"})
    codes = [row.clock.standard_version.standard.code for row in response.context["rows"]]
    assert codes == sorted(codes)
    assert codes[0] == "claims.adjudication.general"


def test_an_unknown_filter_value_shows_everything(scenario):
    response = _client(scenario.team.adjuster).get(URL, {"mark": "purple", "order": "x"})
    assert response.status_code == 200
    assert len(response.context["rows"]) == 6


def test_other_peoples_clocks_are_not_listed(scenario):
    response = _client(scenario.team.stranger).get(URL)
    assert response.context["rows"] == []
    assert "You have no open tasks." in response.content.decode()


def _queries(client):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(URL)
    sql = [query["sql"] for query in captured.captured_queries]
    return response, sql


def test_the_page_costs_the_same_queries_for_few_and_many_clocks(monkeypatch):
    # given
    freeze(monkeypatch)
    scenario = build()
    client = _client(scenario.team.adjuster)
    client.get(URL)  # compiles the calendars once per process
    # when
    few, few_sql = _queries(client)
    for number in range(30):
        start(scenario.team, "claims.payment.simple", at(2026, 3, 5, 9), f"CL-X{number}")
    many, many_sql = _queries(client)
    # then: the clocks cost one count and one page query, whatever their number; the rest is
    # the layout (session, user, roles, menu permissions, user chip) and the standards filter
    assert len(few.context["rows"]) == 6
    assert len(many.context["rows"]) == 36
    assert len(few_sql) == len(many_sql) == 13
    clock_queries = [sql for sql in many_sql if '"sla_slaclock"' in sql]
    assert len(clock_queries) == 2
    assert clock_queries[0].startswith("SELECT COUNT(*)")
    assert 'INNER JOIN "sla_slastandard" ' in clock_queries[1]  # standard names, same query
    assert 'INNER JOIN "sla_calendarversion" ' in clock_queries[1]


def test_pages_of_fifty(monkeypatch, scenario):
    # given
    for number in range(50):
        start(scenario.team, "claims.payment.simple", at(2026, 3, 5, 9), f"CL-P{number:02d}")
    client = _client(scenario.team.adjuster)
    # when
    second = client.get(URL, {"page": 2, "mark": "green"})
    # then: 54 green (50 new, 2 progress reports, green, paused)
    assert second.context["page"].paginator.count == 54
    assert len(second.context["rows"]) == 4
    assert "mark=green&amp;page=1" in second.content.decode()


# Actions ----------------------------------------------------------------------------------


def _htmx(client, name, clock, data=None):
    return client.post(reverse(name, args=[clock.pk]), data or {}, headers={"HX-Request": "true"})


def test_pausing_with_a_reason_pauses_the_clock_and_returns_its_row(scenario):
    # given
    client = _client(scenario.team.adjuster)
    # when
    response = _htmx(client, "web:sla_task_pause", scenario.green, {"reason": "customer abroad"})
    # then
    clock = SlaClock.objects.get(pk=scenario.green.pk)
    assert (clock.state, clock.paused_at) == ("paused", NOW)
    segment = SlaClockSegment.objects.filter(clock=clock).latest("id")
    assert (segment.kind, segment.reason, segment.acting_user) == (
        "paused",
        "customer abroad",
        scenario.team.adjuster,
    )
    html = response.content.decode().strip()
    assert html.startswith(f'<tr id="task-{clock.pk}"')
    assert "customer abroad" in html
    assert reverse("web:sla_task_resume", args=[clock.pk]) in html


def test_pausing_without_a_reason_changes_nothing_and_says_why(scenario):
    # given
    client = _client(scenario.team.adjuster)
    entries = AuditEntry.objects.count()
    # when
    response = _htmx(client, "web:sla_task_pause", scenario.green, {"reason": "  "})
    # then
    assert response.status_code == 200
    assert "Give the reason for the pause." in response.content.decode()
    assert SlaClock.objects.get(pk=scenario.green.pk).state == "running"
    assert AuditEntry.objects.count() == entries


def test_resuming_plans_the_time_left_again(scenario):
    # given
    client = _client(scenario.team.adjuster)
    # when
    _htmx(client, "web:sla_task_resume", scenario.paused)
    # then: 25 h of 30 days 14 h were used before the pause
    clock = SlaClock.objects.get(pk=scenario.paused.pk)
    assert (clock.state, clock.resumed_at, clock.consumed) == ("running", NOW, 25 * 3600)
    assert clock.due_at == at(2026, 4, 3, 23)


def test_done_in_time_is_met(scenario):
    # given
    client = _client(scenario.team.adjuster)
    # when
    response = _htmx(client, "web:sla_task_stop", scenario.yellow)
    # then
    clock = SlaClock.objects.get(pk=scenario.yellow.pk)
    assert (clock.state, clock.met, clock.stopped_at) == ("met", True, NOW)
    assert "Done in time." in response.content.decode()


def test_done_after_the_deadline_is_breached(scenario):
    client = _client(scenario.team.adjuster)
    response = _htmx(client, "web:sla_task_stop", scenario.red)
    clock = SlaClock.objects.get(pk=scenario.red.pk)
    assert (clock.state, clock.met) == ("breached", False)
    assert "Done after the deadline." in response.content.decode()


def test_without_htmx_an_action_redirects_back_with_a_message(scenario):
    client = _client(scenario.team.adjuster)
    response = client.post(reverse("web:sla_task_stop", args=[scenario.green.pk]), follow=True)
    assert response.redirect_chain == [(URL, 302)]
    assert "The task is done." in response.content.decode()


def test_a_follow_up_is_not_stopped_from_the_list(scenario):
    # given
    progress = scenario.followup(scenario.red, "progress_report")
    client = _client(scenario.team.adjuster)
    # when
    response = _htmx(client, "web:sla_task_stop", progress)
    # then
    assert "This task is done by submitting its form." in response.content.decode()
    assert SlaClock.objects.get(pk=progress.pk).state == "running"


def test_the_department_head_may_act_on_a_clock_of_the_department(scenario):
    client = _client(scenario.team.head)
    _htmx(client, "web:sla_task_pause", scenario.green, {"reason": "reassigning"})
    assert SlaClock.objects.get(pk=scenario.green.pk).state == "paused"


@pytest.mark.parametrize("action", ["sla_task_pause", "sla_task_resume", "sla_task_stop"])
def test_someone_else_may_not_act_on_a_clock_and_nothing_changes(scenario, action):
    # given: another adjuster of the same department, neither assignee nor head
    client = _client(scenario.team.stranger)
    target = scenario.paused if action == "sla_task_resume" else scenario.green
    entries = AuditEntry.objects.count()
    # when
    response = _htmx(client, f"web:{action}", target, {"reason": "mine now"})
    # then
    assert response.status_code == 403
    assert SlaClock.objects.get(pk=target.pk).state == target.state
    assert AuditEntry.objects.count() == entries


def test_an_unknown_clock_is_404(scenario):
    client = _client(scenario.team.adjuster)
    response = client.post(reverse("web:sla_task_stop", args=[999999]))
    assert response.status_code == 404


def test_customer_updates_are_recorded_and_the_next_one_starts(monkeypatch):
    # given: a complex inquiry asks for a daily update to the customer
    freeze(monkeypatch)
    scenario = build()
    parent = start(scenario.team, "service.question.complex", at(2026, 3, 5, 9), "IQ-1")
    update = SlaClock.objects.get(parent=parent, kind="customer_update")
    client = _client(scenario.team.adjuster)
    # when
    response = _htmx(client, "web:sla_task_customer_update", update, {"note": "Told by phone."})
    # then
    assert SlaClock.objects.get(pk=update.pk).state == "met"
    assert SlaClock.objects.filter(parent=parent, kind="customer_update").count() == 2
    assert "Done in time." in response.content.decode()
