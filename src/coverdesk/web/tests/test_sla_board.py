"""Department board: a department's open clocks, breached first, counts per assignee; heads see
the departments they head, management and auditors every department."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from coverdesk.accounts.models import Department
from coverdesk.accounts.tests.factories import make_user
from coverdesk.sla.tests.clock_factories import at
from coverdesk.web.tests.helpers import english
from coverdesk.web.tests.sla_scenarios import build, freeze, start

pytestmark = pytest.mark.django_db

URL = reverse("web:sla_board")


@pytest.fixture
def scenario(monkeypatch):
    freeze(monkeypatch)
    return build()


def _client(user):
    client = english(Client())
    client.force_login(user)
    return client


def test_the_head_sees_the_department_red_first_with_counts_per_assignee(scenario):
    # given: a second adjuster with one green clock
    start(scenario.team, "claims.payment.simple", at(2026, 3, 5, 9), "CL-S", scenario.team.stranger)
    # when
    response = _client(scenario.team.head).get(URL)
    # then
    assert response.context["department"].code == "claims"
    marks = [(row.mark, row.clock.subject_id, row.clock.kind) for row in response.context["rows"]]
    assert marks[:2] == [("red", "CL-RED", "primary"), ("yellow", "CL-YELLOW", "primary")]
    assert {mark for mark, _subject, _kind in marks[2:]} == {"green"}
    assert response.context["totals"] == {"red": 1, "yellow": 1, "green": 6, "total": 8}
    assert [
        (row["name"], row["red"], row["yellow"], row["green"], row["total"])
        for row in response.context["counts"]
    ] == [
        (str(scenario.team.adjuster), 1, 1, 4, 6),
        (str(scenario.team.head), 0, 0, 1, 1),
        (str(scenario.team.stranger), 0, 0, 1, 1),
    ]
    html = response.content.decode()
    assert html.index("CL-RED") < html.index("CL-YELLOW") < html.index("CL-GREEN")


def test_a_head_of_no_department_is_told_so(scenario):
    response = _client(make_user("head", department=None)).get(URL)
    assert response.status_code == 200
    assert response.context["department"] is None
    assert "You belong to no department." in response.content.decode()


def test_a_head_sees_their_own_department_even_if_not_recorded_as_its_head(scenario):
    response = _client(make_user("head")).get(URL)
    assert response.context["department"].code == "claims"
    assert response.context["totals"]["red"] == 1


def test_a_head_cannot_open_another_departments_board(scenario):
    response = _client(scenario.team.head).get(URL, {"department": "sales"})
    assert response.context["department"].code == "claims"
    assert [d.code for d in response.context["departments"]] == ["claims"]


@pytest.mark.parametrize("role", ["manager", "auditor"])
def test_management_and_auditors_choose_any_department(scenario, role):
    # given
    client = _client(make_user(role))
    # when
    own = client.get(URL)
    claims = client.get(URL, {"department": "claims"})
    # then
    assert len(own.context["departments"]) == Department.objects.count()
    assert own.context["department"].code == "management"
    assert own.context["totals"]["total"] == 0
    assert claims.context["totals"] == {"red": 1, "yellow": 1, "green": 5, "total": 7}


def test_the_board_costs_the_same_queries_for_few_and_many_clocks(scenario):
    client = _client(scenario.team.head)
    client.get(URL)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            client.get(URL)
        return [query["sql"] for query in captured.captured_queries]

    few = queries()
    for number in range(20):
        start(scenario.team, "claims.payment.simple", at(2026, 3, 5, 9), f"CL-M{number}")
    many = queries()
    assert len(few) == len(many)
    # the counts per assignee, the page count and the page itself
    assert len([sql for sql in many if '"sla_slaclock"' in sql]) == 3
