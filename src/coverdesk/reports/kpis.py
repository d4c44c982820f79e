"""Excel export of a timeliness KPI table (the same table the API and the KPI pages show)."""

from __future__ import annotations

from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _

from coverdesk.reports.exports import Column, xlsx_table
from coverdesk.sla.selectors.kpis import KpiRow, KpiTable

__all__ = ["kpi_table_filename", "kpi_table_xlsx"]


def _group_title(group_by: str) -> str:
    titles = {"person": _("Person"), "department": _("Department"), "standard": _("Standard")}
    return titles[group_by]


def _columns(group_by: str) -> list[Column]:
    return [
        Column(_group_title(group_by), "text"),
        Column(_("Code"), "text"),
        Column(_("Completed"), "integer"),
        Column(_("Completed on time"), "integer"),
        Column(_("Completed late"), "integer"),
        Column(_("On-time completion rate"), "percent"),
        Column(_("Average share of allowed time used"), "percent"),
        Column(_("Due (decided)"), "integer"),
        Column(_("Met their standard"), "integer"),
        Column(_("Breaches"), "integer"),
        Column(_("Of which still open"), "integer"),
        Column(_("Pending"), "integer"),
        Column(_("SLA compliance rate"), "percent"),
    ]


def _cells(row: KpiRow, *, english: bool) -> list[Any]:
    return [
        row.label_en if english else row.label,
        row.code,
        row.completed,
        row.met,
        row.missed,
        row.on_time_rate,
        row.average_share_used,
        row.due,
        row.compliant,
        row.breaches,
        row.open_past_due,
        row.pending,
        row.compliance_rate,
    ]


def kpi_table_xlsx(table: KpiTable) -> bytes:
    """The table's rows and its total row, in the active language. Rates are numbers shown as
    percentages; an empty rate (nothing to rate) is an empty cell."""
    english = (translation.get_language() or "").startswith("en")
    total = table.total
    rows = [_cells(row, english=english) for row in table.rows]
    rows.append([_("Total"), "", *_cells(total, english=english)[2:]])
    return xlsx_table(
        _columns(table.group_by),
        rows,
        sheet_title=_("Timeliness {period}").format(period=table.period),
    )


def kpi_table_filename(table: KpiTable) -> str:
    return f"timeliness-kpis-{table.period}-{table.group_by}.xlsx"
