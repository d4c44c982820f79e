"""Timeliness KPIs: per person, department or standard for a month or a year, a monthly chart
(inline SVG), and the same table as an Excel file. Management, auditors and administrators see
every department, heads their own, everyone else their own figures."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from coverdesk.accounts.models import Department
from coverdesk.core import clock as core_clock
from coverdesk.core.exceptions import ValidationFailed
from coverdesk.reports.exports import XLSX_CONTENT_TYPE
from coverdesk.reports.kpis import kpi_table_filename, kpi_table_xlsx
from coverdesk.servicedesk.selectors.kpis import kpi_table_with_complaints
from coverdesk.sla.selectors.kpis import (
    GROUP_BY_CHOICES,
    KpiPeriod,
    KpiRow,
    KpiTable,
    kpi_months,
    kpi_table,
)
from coverdesk.web.http import WebRequest
from coverdesk.web.permissions import (
    can_view_all_kpis,
    can_view_department_kpis,
    can_view_sla_tasks,
    page_access,
)

GROUP_LABELS = {
    "person": _("Person"),
    "department": _("Department"),
    "standard": _("Standard"),
}


class KpiForm(forms.Form):
    period = forms.CharField(
        label=_("Month or year"),
        required=False,
        max_length=7,
        help_text=_("2026-11 for a month, 2026 for the year."),
    )
    group_by = forms.ChoiceField(
        label=_("Per"),
        choices=[(code, GROUP_LABELS[code]) for code in GROUP_BY_CHOICES],
        required=False,
    )
    department = forms.ChoiceField(label=_("Department"), required=False)

    def __init__(self, *args: Any, departments: list[Department], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        zh = (get_language() or "").startswith("zh")
        field = self.fields["department"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("All departments"))] + [
            (d.code, d.name if zh else d.name_en) for d in departments
        ]


@dataclass(frozen=True)
class Scope:
    department: Department | None  # None: every department, or the user's own figures
    user_id: int | None  # set when the user sees only their own figures
    departments: list[Department]  # the departments the user may choose from


def _scope(request: WebRequest, code: str) -> Scope:
    user = request.user
    if can_view_all_kpis(user):
        departments = list(Department.objects.order_by("code"))
        chosen = next((d for d in departments if d.code == code), None)
        return Scope(chosen, None, departments)
    if can_view_department_kpis(user) and user.department is not None:
        return Scope(user.department, None, [])
    return Scope(None, user.pk, [])


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    height: float
    value: str  # "92 %" or "—"


@dataclass(frozen=True)
class MonthBars:
    label: str
    x_label: float
    compliance: Bar
    on_time: Bar


CHART_WIDTH, CHART_HEIGHT = 760, 190
CHART_LEFT, CHART_TOP, CHART_BOTTOM = 40, 12, 24
BAR_WIDTH, BAR_GAP = 16, 3


def _bar(x: float, rate: Decimal | None) -> Bar:
    plot = CHART_HEIGHT - CHART_TOP - CHART_BOTTOM
    share = float(rate) if rate is not None else 0.0
    height = round(plot * share, 1)
    value = f"{round(share * 100)} %" if rate is not None else "—"
    return Bar(x=x, y=round(CHART_TOP + plot - height, 1), height=height, value=value)


def month_bars(rows: list[KpiRow]) -> list[MonthBars]:
    """Two bars a month (compliance rate, on-time rate), in SVG coordinates."""
    step = (CHART_WIDTH - CHART_LEFT) / 12
    bars = []
    for index, row in enumerate(rows):
        left = CHART_LEFT + index * step + (step - 2 * BAR_WIDTH - BAR_GAP) / 2
        bars.append(
            MonthBars(
                label=row.code[5:],
                x_label=round(CHART_LEFT + index * step + step / 2, 1),
                compliance=_bar(round(left, 1), row.compliance_rate),
                on_time=_bar(round(left + BAR_WIDTH + BAR_GAP, 1), row.on_time_rate),
            )
        )
    return bars


def _chart_grid() -> list[dict[str, Any]]:
    plot = CHART_HEIGHT - CHART_TOP - CHART_BOTTOM
    return [
        {"y": round(CHART_TOP + plot * (1 - share), 1), "label": f"{round(share * 100)} %"}
        for share in (0.0, 0.5, 1.0)
    ]


def _table_for(request: WebRequest) -> tuple[KpiForm, Scope, KpiTable | None]:
    now = core_clock.now()
    default_period = str(KpiPeriod.of(now))
    data = request.GET.copy()
    scope = _scope(request, data.get("department", ""))
    form = KpiForm(data or None, departments=scope.departments)
    form.is_valid()
    cleaned = form.cleaned_data if form.is_bound else {}
    text = (cleaned.get("period") or default_period).strip()
    group_by = cleaned.get("group_by") or ("person" if scope.user_id is None else "standard")
    try:
        period = KpiPeriod.parse(text)
    except ValidationFailed as error:
        form.add_error("period", str(error.fields[0].message if error.fields else error.message))
        return form, scope, None
    table = kpi_table(
        period=period,
        group_by=group_by,
        as_of=now,
        department_id=scope.department.pk if scope.department is not None else None,
        user_id=scope.user_id,
    )
    return form, scope, kpi_table_with_complaints(table)


@require_GET
@page_access(can_view_sla_tasks)
def kpi_page(request: WebRequest) -> HttpResponse:
    form, scope, table = _table_for(request)
    context: dict[str, Any] = {"form": form, "scope": scope, "table": table}
    if table is not None:
        months = kpi_months(
            year=table.period.year,
            as_of=table.as_of,
            department_id=table.department_id,
            user_id=scope.user_id,
        )
        context.update(
            group_label=GROUP_LABELS[table.group_by],
            english=(get_language() or "").startswith("en"),
            bars=month_bars(months),
            grid=_chart_grid(),
            chart={"width": CHART_WIDTH, "height": CHART_HEIGHT, "left": CHART_LEFT},
            export_query=urlencode(
                {
                    "period": str(table.period),
                    "group_by": table.group_by,
                    "department": scope.department.code if scope.department else "",
                }
            ),
        )
    return render(request, "web/sla/kpis.html", context)


@require_GET
@page_access(can_view_sla_tasks)
def kpi_export(request: WebRequest) -> HttpResponse:
    form, _unused, table = _table_for(request)
    if table is None:
        return HttpResponse(
            "; ".join(str(e) for e in form.errors.get("period", [])),
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    response = HttpResponse(kpi_table_xlsx(table), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{kpi_table_filename(table)}"'
    return response
