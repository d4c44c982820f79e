"""The KPI table as an Excel workbook, cell by cell, in both languages."""

import io
from decimal import Decimal

import pytest
from django.utils import translation
from openpyxl import load_workbook

from coverdesk.accounts.models import Department
from coverdesk.reports.kpis import kpi_table_filename, kpi_table_xlsx
from coverdesk.sla.selectors.kpis import KpiPeriod, kpi_table
from coverdesk.sla.tests.clock_factories import make_team
from coverdesk.sla.tests.kpi_factories import NOVEMBER_AS_OF, make_november

pytestmark = pytest.mark.django_db

HEADER = [
    "Person",
    "Code",
    "Completed",
    "Completed on time",
    "Completed late",
    "On-time completion rate",
    "Average share of allowed time used",
    "Due (decided)",
    "Met their standard",
    "Breaches",
    "Of which still open",
    "Pending",
    "SLA compliance rate",
]


@pytest.fixture
def table():
    team = make_team()
    for user, name in ((team.adjuster, "张伟"), (team.stranger, "李娜")):
        user.first_name, user.last_name = name, ""
        user.save()
    make_november(team)
    return kpi_table(period=KpiPeriod(2026, 11), group_by="person", as_of=NOVEMBER_AS_OF)


def _cells(content):
    sheet = load_workbook(io.BytesIO(content)).active
    return sheet, [[cell.value for cell in row] for row in sheet.iter_rows()]


def test_the_kpi_table_in_excel(table):
    with translation.override("en"):
        content = kpi_table_xlsx(table)

    sheet, cells = _cells(content)
    assert sheet.title == "Timeliness 2026-11"
    assert cells == [
        HEADER,
        ["张伟", "adjuster", 2, 1, 1, 0.5, 0.8104, 3, 1, 2, 1, 1, 0.3333],
        ["李娜", "stranger", 0, 0, 0, None, None, 1, 0, 1, 0, 0, 0],
        ["Total", None, 2, 1, 1, 0.5, 0.8104, 4, 1, 3, 1, 1, 0.25],
    ]
    assert [sheet.cell(row=2, column=c).number_format for c in (3, 6, 7, 13)] == [
        "#,##0",
        "0.00%",
        "0.00%",
        "0.00%",
    ]
    assert kpi_table_filename(table) == "timeliness-kpis-2026-11-person.xlsx"
    assert table.rows[0].average_share_used == Decimal("0.8104")


def test_names_follow_the_language(table):
    department = kpi_table(period=KpiPeriod(2026, 11), group_by="department", as_of=NOVEMBER_AS_OF)
    claims = Department.objects.get(code="claims")

    with translation.override("zh-hans"):
        _sheet, chinese = _cells(kpi_table_xlsx(department))
    with translation.override("en"):
        _sheet, english = _cells(kpi_table_xlsx(department))

    assert claims.name != claims.name_en
    assert (chinese[1][:2], english[1][:2]) == (
        [claims.name, "claims"],
        [claims.name_en, "claims"],
    )
    assert english[0][0] == "Department"
