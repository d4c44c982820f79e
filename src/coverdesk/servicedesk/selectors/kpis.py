"""Service-desk figures per department and month (Asia/Shanghai), and the KPI the timeliness
engine leaves to the service desk: the share of complaints caused by timeliness (domain.md
§4.2; `sla.selectors.kpis.KpiTable.complaints_share`).

A complaint counts in the month it was received, for the department responsible for it once
responsibility is determined, else the department handling it. The share caused by timeliness
is taken over the complaints whose cause is recorded (`classified`); those without a cause yet
are reported, not rated. Satisfaction counts a survey response in the month it was answered,
for the department the invitation rated; "satisfied" is an average score of 4 or more.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.db.models.functions import Coalesce, ExtractMonth

from coverdesk.accounts.models import Department, User
from coverdesk.servicedesk.calculations import mean_score
from coverdesk.servicedesk.choices import ComplaintCause
from coverdesk.servicedesk.models import Complaint, SurveyResponse
from coverdesk.sla.calculations import rate
from coverdesk.sla.models import SlaClock
from coverdesk.sla.selectors.kpis import KPI_TIMEZONE, KpiPeriod, KpiTable, kpi_department_for_user

SATISFIED_FROM = Decimal("4.00")


@dataclass(frozen=True)
class DeskFigures:
    department_id: int | None
    department_code: str
    department_name: str
    department_name_en: str
    month: int | None  # 1–12; None for a whole period's total
    complaints: int = 0
    classified: int = 0
    caused_by_timeliness: int = 0
    timeliness_share: Decimal | None = None
    resolved: int = 0
    resolved_in_time: int = 0
    responses: int = 0
    average_score: Decimal | None = None
    satisfied: int = 0
    satisfied_share: Decimal | None = None


def _complaints(period: KpiPeriod, department_id: int | None) -> Any:
    complaints = Complaint.objects.filter(
        received_at__gte=period.start, received_at__lt=period.end
    ).annotate(rated_department=Coalesce("responsible_department_id", "department_id"))
    if department_id is not None:
        complaints = complaints.filter(rated_department=department_id)
    return complaints


def complaints_timeliness_share(
    *, period: KpiPeriod, department_id: int | None = None
) -> Decimal | None:
    """Complaints caused by timeliness / complaints with a recorded cause, received in the
    period (half-up to four places; None when none has a cause). One query."""
    figures = _complaints(period, department_id).aggregate(
        classified=Count("pk", filter=~Q(cause="")),
        timeliness=Count("pk", filter=Q(cause=ComplaintCause.TIMELINESS)),
    )
    return rate(figures["timeliness"], figures["classified"])


def kpi_table_with_complaints(table: KpiTable) -> KpiTable:
    """The sla KPI table with its complaints share filled in, for its period and department."""
    return dataclasses.replace(
        table,
        complaints_share=complaints_timeliness_share(
            period=table.period, department_id=table.department_id
        ),
    )


def desk_figures(
    *, year: int, department_id: int | None = None, as_of: datetime | None = None
) -> list[DeskFigures]:
    """Complaint and satisfaction figures per department and month of `year` (rows only where
    something happened), ordered by department code then month. Three queries."""
    period = KpiPeriod(year)
    resolve_met = SlaClock.objects.filter(pk=OuterRef("resolve_clock_id"), met=True)
    complaint_rows = (
        _complaints(period, department_id)
        .annotate(month=ExtractMonth("received_at", tzinfo=KPI_TIMEZONE))
        .values("rated_department", "month")
        .annotate(
            n=Count("pk"),
            classified=Count("pk", filter=~Q(cause="")),
            timeliness=Count("pk", filter=Q(cause=ComplaintCause.TIMELINESS)),
            resolved=Count("pk", filter=Q(resolved_at__isnull=False)),
            in_time=Count("pk", filter=Q(Exists(resolve_met), resolved_at__isnull=False)),
        )
    )
    responses = SurveyResponse.objects.filter(
        answered_at__gte=period.start, answered_at__lt=period.end
    )
    if department_id is not None:
        responses = responses.filter(invitation__department_id=department_id)
    response_rows = (
        responses.annotate(month=ExtractMonth("answered_at", tzinfo=KPI_TIMEZONE))
        .values("invitation__department_id", "month")
        .annotate(
            n=Count("pk"),
            scored=Count("pk", filter=Q(average_score__isnull=False)),
            score_sum=Sum("average_score"),
            satisfied=Count("pk", filter=Q(average_score__gte=SATISFIED_FROM)),
        )
    )
    cells: dict[tuple[int | None, int], dict[str, Any]] = {}
    for row in complaint_rows:
        cells.setdefault((row["rated_department"], row["month"]), {})["complaints"] = row
    for row in response_rows:
        cells.setdefault((row["invitation__department_id"], row["month"]), {})["responses"] = row
    departments = {
        d.pk: d for d in Department.objects.filter(pk__in={key for key, _m in cells if key})
    }
    figures = []
    for (key, month), cell in cells.items():
        department = departments.get(key) if key is not None else None
        complaints = cell.get("complaints", {})
        answers = cell.get("responses", {})
        figures.append(
            DeskFigures(
                department_id=key,
                department_code=department.code if department else "",
                department_name=department.name if department else "",
                department_name_en=department.name_en if department else "",
                month=month,
                complaints=complaints.get("n", 0),
                classified=complaints.get("classified", 0),
                caused_by_timeliness=complaints.get("timeliness", 0),
                timeliness_share=rate(
                    complaints.get("timeliness", 0), complaints.get("classified", 0)
                ),
                resolved=complaints.get("resolved", 0),
                resolved_in_time=complaints.get("in_time", 0),
                responses=answers.get("n", 0),
                average_score=mean_score(answers.get("score_sum"), answers.get("scored", 0)),
                satisfied=answers.get("satisfied", 0),
                satisfied_share=rate(answers.get("satisfied", 0), answers.get("scored", 0)),
            )
        )
    return sorted(figures, key=lambda f: (f.department_id is None, f.department_code, f.month or 0))


def desk_figures_for_user(
    *, user: User, year: int, department_id: int | None = None
) -> list[DeskFigures]:
    """As desk_figures, for who may read KPIs: sla.view_kpis any department, the holder of
    sla.view_department_kpis their own (sla_kpis_not_allowed otherwise)."""
    scope = kpi_department_for_user(user=user, department_id=department_id)
    return desk_figures(year=year, department_id=scope)
