"""Timeliness KPI page: who sees which figures, the table and its chart, and the Excel file."""

import io
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from coverdesk.accounts.tests.factories import make_user
from coverdesk.reports.exports import XLSX_CONTENT_TYPE
from coverdesk.sla.selectors.kpis import KpiRow
from coverdesk.sla.services.clocks import sla_clock_stop
from coverdesk.web.sla.kpis import CHART_BOTTOM, CHART_HEIGHT, CHART_TOP, month_bars
from coverdesk.web.tests.helpers import english
from coverdesk.web.tests.sla_scenarios import NOW, build, freeze

pytestmark = pytest.mark.django_db

URL = reverse("web:sla_kpis")
EXPORT = reverse("web:sla_kpis_export")


@pytest.fixture
def scenario(monkeypatch):
    """March 2026: green stopped in time, red stopped late, the rest still open."""
    freeze(monkeypatch)
    scenario = build()
    for clock in (scenario.green, scenario.red):
        sla_clock_stop(clock_id=clock.pk, acting_user=scenario.team.adjuster, now=NOW)
    return scenario


def _client(user):
    client = english(Client())
    client.force_login(user)
    return client


def _figures(row):
    return (row.code, row.completed, row.met, row.missed, row.due, row.breaches, row.pending)


@pytest.mark.parametrize("role", ["admin", "clerk"])
def test_other_roles_see_their_own_figures(scenario, role):
    response = _client(make_user(role)).get(URL, {"department": "claims"})
    assert response.context["scope"].user_id is not None
    assert response.context["table"].rows == []


def test_a_person_without_oversight_sees_only_their_own_figures(scenario):
    # when: asking for another department changes nothing
    response = _client(scenario.team.adjuster).get(URL, {"department": "sales"})
    # then
    table = response.context["table"]
    assert response.context["scope"].user_id == scenario.team.adjuster.pk
    assert str(table.period) == "2026-03"
    assert table.group_by == "standard"
    assert table.total.completed == 2
    assert (table.total.on_time_rate, table.total.compliance_rate) == (
        Decimal("0.5000"),
        Decimal("0.5000"),
    )
    assert "Your own figures." in response.content.decode()


def test_a_head_sees_the_department_per_person(scenario):
    response = _client(scenario.team.head).get(URL, {"group_by": "person"})
    table = response.context["table"]
    assert response.context["scope"].department.code == "claims"
    assert [_figures(row) for row in table.rows] == [
        ("adjuster", 2, 1, 1, 2, 1, 3),
        ("head", 0, 0, 0, 0, 0, 1),
    ]


@pytest.mark.parametrize("role", ["manager", "auditor"])
def test_management_and_auditors_choose_any_department(scenario, role):
    client = _client(make_user(role))
    everyone = client.get(URL, {"group_by": "department"}).context["table"]
    sales = client.get(URL, {"group_by": "person", "department": "sales"}).context["table"]
    assert [row.code for row in everyone.rows] == ["claims"]
    assert everyone.department_id is None
    assert sales.rows == []


def test_a_year_shows_every_month_in_the_chart(scenario):
    response = _client(scenario.team.head).get(URL, {"period": "2026"})
    bars = response.context["bars"]
    assert [bar.label for bar in bars] == [f"{month:02d}" for month in range(1, 13)]
    march = bars[2]
    plot = CHART_HEIGHT - CHART_TOP - CHART_BOTTOM
    assert (march.compliance.value, march.compliance.height) == ("50 %", plot / 2)
    assert (bars[0].compliance.value, bars[0].compliance.height) == ("—", 0)
    assert 'data-test="kpi-chart"' in response.content.decode()


def test_bars_stand_on_the_axis():
    row = KpiRow(key=1, code="2026-01", label="", label_en="", compliance_rate=Decimal("0.25"))
    (bar,) = month_bars([row])
    assert bar.compliance.y + bar.compliance.height == CHART_HEIGHT - CHART_BOTTOM
    assert bar.on_time.value == "—"


def test_a_bad_period_names_the_field(scenario):
    response = _client(scenario.team.head).get(URL, {"period": "2026-13"})
    assert response.context["table"] is None
    assert response.context["form"].errors == {
        "period": ["A month as YYYY-MM (e.g. 2026-11) or a year as YYYY, not 2026-13."]
    }
    export = _client(scenario.team.head).get(EXPORT, {"period": "<b>"})
    assert export.status_code == 400
    assert export["Content-Type"] == "text/plain; charset=utf-8"


def test_the_table_exports_to_excel(scenario):
    # when
    response = _client(scenario.team.head).get(EXPORT, {"period": "2026-03", "group_by": "person"})
    # then
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    assert (
        response["Content-Disposition"]
        == 'attachment; filename="timeliness-kpis-2026-03-person.xlsx"'
    )
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("Person", "Code", "Completed")
    assert [row[1] for row in rows[1:]] == ["adjuster", "head", None]
    assert rows[1][2:5] == (2, 1, 1)


def test_the_export_of_a_person_without_oversight_holds_only_their_figures(scenario):
    response = _client(scenario.team.stranger).get(EXPORT, {"group_by": "person"})
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert [row[0] for row in rows[1:]] == ["Total"]  # the total row alone


def test_the_page_shows_the_share_of_complaints_caused_by_timeliness(scenario):
    # given: two March complaints with a cause, one of them timeliness
    from coverdesk.servicedesk.services.complaints import complaint_classify, complaint_receive
    from coverdesk.servicedesk.tests.factories import make_customer, make_desk

    desk = make_desk()
    customer = make_customer()
    for cause in ("timeliness", "claim_amount"):
        complaint = complaint_receive(
            acting_user=desk.agent,
            channel="phone",
            complainant_name="张三",
            subject="s",
            description="d",
            customer_id=customer.pk,
            now=NOW,
        )
        complaint_classify(complaint_id=complaint.pk, cause=cause, acting_user=desk.agent, now=NOW)
    # when: the manager opens the March figures
    response = _client(make_user("manager")).get(URL, {"period": "2026-03"})
    # then: one of two, shown as a percentage
    assert response.context["table"].complaints_share == Decimal("0.5000")
    assert "50 %" in response.content.decode().split('data-test="complaints-share"')[1][:120]
