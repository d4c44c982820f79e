"""KPIs (a table per person, department or standard; its Excel export; the months of a year)
and the monthly evaluations (list, detail, freeze, re-freeze, the annual sum, the rule)."""

from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import PageNumberPagination, paginate

from coverdesk.api.auth import API_AUTH
from coverdesk.api.sla.common import TAGS, MappedPage, user_of
from coverdesk.reports.exports import XLSX_CONTENT_TYPE
from coverdesk.reports.kpis import kpi_table_filename, kpi_table_xlsx
from coverdesk.servicedesk.selectors.kpis import kpi_table_with_complaints
from coverdesk.sla.models import EvaluationRule, MonthlyEvaluation, MonthlyEvaluationLine
from coverdesk.sla.selectors.evaluations import (
    evaluation_annual,
    evaluation_get,
    evaluation_lines,
    evaluation_list,
    evaluation_rule_get,
)
from coverdesk.sla.selectors.kpis import (
    KpiPeriod,
    KpiRow,
    KpiTable,
    kpi_department_for_user,
    kpi_months,
    kpi_table,
)
from coverdesk.sla.services.evaluations import (
    PERMISSION_CHANGE_RULE,
    PERMISSION_MANAGE_EVALUATIONS,
    evaluation_rule_update,
    monthly_evaluation_freeze,
    monthly_evaluation_refreeze,
)

router = Router(tags=TAGS, auth=API_AUTH)

GroupBy = Literal["person", "department", "standard"]
PERIOD_HELP = "A month as YYYY-MM, or a year as YYYY"


class KpiRowOutput(Schema):
    key: int | None = Field(description="User, department or standard id (month in /months)")
    code: str
    label: str
    label_en: str
    completed: int = Field(description="Clocks stopped in the period")
    met: int = Field(description="Of those, on time")
    missed: int
    on_time_rate: Decimal | None = Field(description="met / completed, 4 places")
    average_share_used: Decimal | None
    due: int = Field(description="Clocks due in the period and decided")
    compliant: int
    breaches: int = Field(description="Due clocks stopped late or still open past due")
    open_past_due: int
    pending: int = Field(description="Due in the period, open, not yet past due")
    compliance_rate: Decimal | None = Field(description="compliant / due, 4 places")


class KpiTableOutput(Schema):
    period: str
    group_by: str
    as_of: datetime
    department_id: int | None
    rows: list[KpiRowOutput]
    total: KpiRowOutput
    complaints_share: Decimal | None = Field(
        description=(
            "Share of the period's complaints with a recorded cause that timeliness caused (0-1), "
            "for the department when one is chosen; null when none has a cause"
        )
    )


def _row_out(row: KpiRow) -> dict[str, Any]:
    return {
        name: getattr(row, name)
        for name in KpiRowOutput.model_fields  # the schema names the fields of the row
    }


def _table(request: HttpRequest, period: str, group_by: str, department: int | None) -> KpiTable:
    scope = kpi_department_for_user(user=user_of(request), department_id=department)
    table = kpi_table(period=KpiPeriod.parse(period), group_by=group_by, department_id=scope)
    return kpi_table_with_complaints(table)


@router.get("/sla/kpis", response=KpiTableOutput, summary="Timeliness KPIs of a month or year")
def kpis(
    request: HttpRequest,
    period: str = Query(..., description=PERIOD_HELP),
    group_by: GroupBy = "person",
    department: int | None = None,
) -> dict[str, Any]:
    table = _table(request, period, group_by, department)
    return {
        "period": str(table.period),
        "group_by": table.group_by,
        "as_of": table.as_of,
        "department_id": table.department_id,
        "rows": [_row_out(row) for row in table.rows],
        "total": _row_out(table.total),
        "complaints_share": table.complaints_share,
    }


@router.get(
    "/sla/kpis.xlsx",
    summary="The KPI table as an Excel workbook",
    openapi_extra={
        "responses": {
            200: {
                "description": "The workbook",
                "content": {XLSX_CONTENT_TYPE: {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def kpis_xlsx(
    request: HttpRequest,
    period: str = Query(..., description=PERIOD_HELP),
    group_by: GroupBy = "person",
    department: int | None = None,
) -> HttpResponse:
    table = _table(request, period, group_by, department)
    response = HttpResponse(kpi_table_xlsx(table), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{kpi_table_filename(table)}"'
    return response


@router.get(
    "/sla/kpis/months",
    response=list[KpiRowOutput],
    summary="The twelve months of a year (for charts)",
)
def kpis_months(
    request: HttpRequest, year: int = Query(..., ge=1901, le=2199), department: int | None = None
) -> list[dict[str, Any]]:
    scope = kpi_department_for_user(user=user_of(request), department_id=department)
    return [_row_out(row) for row in kpi_months(year=year, department_id=scope)]


# Evaluations --------------------------------------------------------------------------------


class EvaluationOutput(Schema):
    period: str
    revision: int
    as_of: datetime
    frozen_at: datetime
    frozen_by: str | None = Field(description="Empty when the monthly job froze it")
    refreeze_reason: str
    star_id: int | None
    star_name: str
    team_star_id: int | None
    team_star: str
    completed: int
    met: int
    due: int
    compliant: int
    breaches: int
    open_past_due: int
    on_time_rate: Decimal | None
    compliance_rate: Decimal | None
    average_share_used: Decimal | None
    penalty_points: Decimal
    rule: dict[str, Any]


class EvaluationLineOutput(KpiRowOutput):
    group: str
    penalty_points: Decimal
    is_star: bool


class EvaluationDetailOutput(EvaluationOutput):
    lines: list[EvaluationLineOutput]


class FreezeInput(Schema):
    period: str = Field(description="The month, YYYY-MM")


class RefreezeInput(Schema):
    reason: str = Field(min_length=1, max_length=1000)


class AnnualRowOutput(KpiRowOutput):
    penalty_points: Decimal
    months: int
    stars: int


class AnnualOutput(Schema):
    year: int
    group: str
    months: list[int]
    rows: list[AnnualRowOutput]
    total: KpiRowOutput
    penalty_points: Decimal


class RuleOutput(Schema):
    evaluation_working_day: int
    calendar: str
    star_metric: str
    star_min_clocks: int
    penalty_points_per_breach: Decimal
    updated_at: datetime
    updated_by: str | None


class RuleInput(Schema):
    evaluation_working_day: int = Field(ge=1, le=20)
    calendar: str = Field(min_length=1, max_length=40)
    star_metric: Literal["on_time_rate", "compliance_rate"]
    star_min_clocks: int = Field(ge=1, le=100_000)
    penalty_points_per_breach: Decimal = Field(ge=0, le=Decimal("9999.99"), decimal_places=2)


def _reader_scope(request: HttpRequest, department: int | None = None) -> int | None:
    return kpi_department_for_user(user=user_of(request), department_id=department)


def _evaluation_out(evaluation: MonthlyEvaluation) -> dict[str, Any]:
    return {
        "period": evaluation.period_code,
        "revision": evaluation.revision,
        "as_of": evaluation.as_of,
        "frozen_at": evaluation.frozen_at,
        "frozen_by": evaluation.frozen_by.get_username() if evaluation.frozen_by else None,
        "refreeze_reason": evaluation.refreeze_reason,
        "star_id": evaluation.star_id,
        "star_name": str(evaluation.star) if evaluation.star else "",
        "team_star_id": evaluation.team_star_id,
        "team_star": evaluation.team_star.code if evaluation.team_star else "",
        "completed": evaluation.completed,
        "met": evaluation.met,
        "due": evaluation.due,
        "compliant": evaluation.compliant,
        "breaches": evaluation.breaches,
        "open_past_due": evaluation.open_past_due,
        "on_time_rate": evaluation.on_time_rate,
        "compliance_rate": evaluation.compliance_rate,
        "average_share_used": evaluation.average_share_used,
        "penalty_points": evaluation.penalty_points,
        "rule": evaluation.rule,
    }


def _line_out(line: MonthlyEvaluationLine) -> dict[str, Any]:
    key = {"person": line.user_id, "department": line.department_id}.get(
        line.group, line.standard_id
    )
    body = {name: getattr(line, name) for name in KpiRowOutput.model_fields if name != "key"}
    return {
        **body,
        "key": key,
        "group": line.group,
        "penalty_points": line.penalty_points,
        "is_star": line.is_star,
    }


def _detail(
    evaluation: MonthlyEvaluation, *, department: int | None, group: str | None
) -> dict[str, Any]:
    lines = evaluation_lines(evaluation_id=evaluation.pk, group=group, department_id=department)
    return {**_evaluation_out(evaluation), "lines": [_line_out(line) for line in lines]}


@router.get(
    "/sla/evaluations", response=list[EvaluationOutput], summary="Frozen monthly evaluations"
)
@paginate(PageNumberPagination)
def evaluations(request: HttpRequest) -> MappedPage:
    _reader_scope(request)
    return MappedPage(evaluation_list(), lambda rows: [_evaluation_out(e) for e in rows])


@router.get(
    "/sla/evaluations/annual/{year}",
    response=AnnualOutput,
    summary="The annual evaluation: the year's frozen months summed",
)
def evaluation_year(
    request: HttpRequest, year: int, group: GroupBy = "person", department: int | None = None
) -> dict[str, Any]:
    scope = _reader_scope(request, department)
    annual = evaluation_annual(year=year, group=group, department_id=scope)
    return {
        "year": annual.year,
        "group": annual.group,
        "months": annual.months,
        "rows": [
            {
                **_row_out(row.figures),
                "penalty_points": row.penalty_points,
                "months": row.months,
                "stars": row.stars,
            }
            for row in annual.rows
        ],
        "total": _row_out(annual.total),
        "penalty_points": annual.penalty_points,
    }


@router.get(
    "/sla/evaluations/{period}",
    response=EvaluationDetailOutput,
    summary="A frozen month with its lines",
)
def evaluation_detail(
    request: HttpRequest, period: str, group: GroupBy | None = None
) -> dict[str, Any]:
    scope = _reader_scope(request)
    evaluation = evaluation_get(period=KpiPeriod.parse(period))
    return _detail(evaluation, department=scope, group=group)


@router.post(
    "/sla/evaluations",
    response={200: EvaluationDetailOutput, 201: EvaluationDetailOutput},
    summary="Freeze a finished month (201; 200 with the month as it was if frozen already)",
)
def evaluation_freeze(request: HttpRequest, data: FreezeInput) -> Status[dict[str, Any]]:
    result = monthly_evaluation_freeze(
        period=KpiPeriod.parse(data.period), acting_user=user_of(request)
    )
    return Status(
        201 if result.created else 200, _detail(result.evaluation, department=None, group=None)
    )


@router.post(
    "/sla/evaluations/{period}/refreeze",
    response=EvaluationDetailOutput,
    summary="Evaluate a frozen month again (audited, with a reason)",
)
def evaluation_refreeze(request: HttpRequest, period: str, data: RefreezeInput) -> dict[str, Any]:
    evaluation = monthly_evaluation_refreeze(
        period=KpiPeriod.parse(period), reason=data.reason, acting_user=user_of(request)
    )
    return _detail(evaluation, department=None, group=None)


def _rule_out(rule: EvaluationRule) -> dict[str, Any]:
    return {
        "evaluation_working_day": rule.evaluation_working_day,
        "calendar": rule.calendar.code,
        "star_metric": rule.star_metric,
        "star_min_clocks": rule.star_min_clocks,
        "penalty_points_per_breach": rule.penalty_points_per_breach,
        "updated_at": rule.updated_at,
        "updated_by": rule.updated_by.get_username() if rule.updated_by else None,
    }


@router.get("/sla/evaluation-rule", response=RuleOutput, summary="The monthly evaluation's rule")
def evaluation_rule(request: HttpRequest) -> dict[str, Any]:
    user = user_of(request)
    if not (user.has_perm(PERMISSION_CHANGE_RULE) or user.has_perm(PERMISSION_MANAGE_EVALUATIONS)):
        _reader_scope(request)  # KPI readers may see it too; anyone else is refused
    return _rule_out(evaluation_rule_get())


@router.put("/sla/evaluation-rule", response=RuleOutput, summary="Change the evaluation rule")
def evaluation_rule_put(request: HttpRequest, data: RuleInput) -> dict[str, Any]:
    rule = evaluation_rule_update(
        evaluation_working_day=data.evaluation_working_day,
        calendar_code=data.calendar,
        star_metric=data.star_metric,
        star_min_clocks=data.star_min_clocks,
        penalty_points_per_breach=data.penalty_points_per_breach,
        acting_user=user_of(request),
    )
    return _rule_out(rule)
