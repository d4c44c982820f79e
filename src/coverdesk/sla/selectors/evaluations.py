"""Reads of the monthly evaluations: the rule, the frozen months and their lines, the day the
job freezes a month, and the annual evaluation (the sum of a year's frozen months)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Count, Max, Q, QuerySet, Sum
from django.utils.translation import gettext_lazy as _

from coverdesk.core.exceptions import NotFound, ValidationFailed
from coverdesk.sla.engine import Unit, deadline_compute
from coverdesk.sla.models import (
    EvaluationGroup,
    EvaluationRule,
    MonthlyEvaluation,
    MonthlyEvaluationLine,
)
from coverdesk.sla.models.evaluations import RULE_PK
from coverdesk.sla.selectors.calendars import calendar_compiled_for, calendar_version_current
from coverdesk.sla.selectors.kpis import KpiPeriod, KpiRow, kpi_figures, kpi_total

__all__ = [
    "AnnualEvaluation",
    "AnnualRow",
    "EvaluationNotFound",
    "evaluation_annual",
    "evaluation_day",
    "evaluation_get",
    "evaluation_lines",
    "evaluation_list",
    "evaluation_rule_get",
    "line_figures",
]

# Sums come back unscaled from some backends (SQLite): put the places back.
SHARE_SUM_PLACES = Decimal("0.0001")
POINTS_PLACES = Decimal("0.01")
_GROUP_KEYS = {
    EvaluationGroup.PERSON: "user_id",
    EvaluationGroup.DEPARTMENT: "department_id",
    EvaluationGroup.STANDARD: "standard_id",
}


class EvaluationNotFound(NotFound):
    default_code = "sla_evaluation_not_found"
    default_message = _("No evaluation of {period} has been frozen.")


def evaluation_rule_get() -> EvaluationRule:
    """The rule (one row, seeded by the migrations)."""
    rule = (
        EvaluationRule.objects.select_related("calendar", "updated_by").filter(pk=RULE_PK).first()
    )
    if rule is None:
        raise NotFound(_("The evaluation rule is missing; run the migrations."))
    return rule


def evaluation_day(*, period: KpiPeriod, rule: EvaluationRule) -> date:
    """The day the job freezes the month before `period`: its N-th working day on the rule's
    calendar (the engine's working days count from the day before the 1st, which is not
    counted, to the close of the N-th working day)."""
    if period.month is None:
        raise ValueError("a month is needed")
    version = calendar_version_current(code=rule.calendar.code)
    compiled = calendar_compiled_for(version=version)
    tz = ZoneInfo(version.timezone)
    day_before = date(period.year, period.month, 1) - timedelta(days=1)
    deadline = deadline_compute(
        compiled,
        start=datetime.combine(day_before, time(12), tzinfo=tz),
        amount=rule.evaluation_working_day,
        unit=Unit.WORKING_DAYS,
    )
    # The close of the last window, which may be 24:00 (= the next day's 00:00).
    return (deadline.at - timedelta(microseconds=1)).astimezone(tz).date()


def evaluation_list() -> QuerySet[MonthlyEvaluation]:
    return MonthlyEvaluation.objects.select_related("star", "team_star", "frozen_by").order_by(
        "-year", "-month"
    )


def evaluation_get(*, period: KpiPeriod) -> MonthlyEvaluation:
    if period.month is None:
        raise ValidationFailed.for_field(
            "period", "month_required", _("An evaluation is of a month (YYYY-MM).")
        )
    evaluation = evaluation_list().filter(year=period.year, month=period.month).first()
    if evaluation is None:
        raise EvaluationNotFound(params={"period": str(period)})
    return evaluation


def _department_scope(department_id: int | None) -> Q:
    """What a department's head sees of an evaluation: their department's line and the lines
    of the people now in it (standards span departments, so none)."""
    if department_id is None:
        return Q()
    return Q(group=EvaluationGroup.DEPARTMENT, department_id=department_id) | Q(
        group=EvaluationGroup.PERSON, user__department_id=department_id
    )


def evaluation_lines(
    *, evaluation_id: int, group: str | None = None, department_id: int | None = None
) -> QuerySet[MonthlyEvaluationLine]:
    lines = MonthlyEvaluationLine.objects.filter(evaluation_id=evaluation_id).filter(
        _department_scope(department_id)
    )
    if group is not None:
        lines = lines.filter(group=group)
    return lines.order_by("group", "code", "id")


def line_figures(line: MonthlyEvaluationLine | MonthlyEvaluation) -> KpiRow:
    """A frozen line (or month) as a KPI row."""
    code = getattr(line, "code", "")
    return kpi_figures(
        key=getattr(line, "pk", None),
        code=code,
        label=getattr(line, "label", ""),
        label_en=getattr(line, "label_en", ""),
        completed=line.completed,
        met=line.met,
        share_sum=line.share_sum,
        due=line.due,
        compliant=line.compliant,
        open_past_due=line.open_past_due,
        pending=line.pending,
    )


@dataclass(frozen=True)
class AnnualRow:
    figures: KpiRow  # key = user, department or standard id
    penalty_points: Decimal
    months: int  # months of the year with a line
    stars: int  # months proposed as the timeliness star (or team award)


@dataclass(frozen=True)
class AnnualEvaluation:
    year: int
    group: str
    months: list[int]  # the frozen months summed
    rows: list[AnnualRow]
    total: KpiRow
    penalty_points: Decimal


def evaluation_annual(
    *, year: int, group: str, department_id: int | None = None
) -> AnnualEvaluation:
    """The year's evaluation: the frozen months summed per person, department or standard
    (in January, the previous year's). Rates are recomputed from the summed counts. Two
    queries."""
    if group not in _GROUP_KEYS:
        raise ValidationFailed.for_field(
            "group",
            "choice",
            _("Group by one of: {choices}."),
            choices=", ".join(EvaluationGroup.values),
        )
    key = _GROUP_KEYS[EvaluationGroup(group)]
    months = list(
        MonthlyEvaluation.objects.filter(year=year)
        .order_by("month")
        .values_list("month", flat=True)
    )
    sums: dict[str, Any] = {
        name: Sum(name)
        for name in (
            "completed",
            "met",
            "share_sum",
            "due",
            "compliant",
            "open_past_due",
            "pending",
            "penalty_points",
        )
    }
    grouped = (
        MonthlyEvaluationLine.objects.filter(evaluation__year=year, group=group)
        .filter(_department_scope(department_id))
        .order_by()
        .values(key)
        .annotate(
            **sums,
            code_max=Max("code"),
            label_max=Max("label"),
            label_en_max=Max("label_en"),
            n_months=Count("evaluation_id", distinct=True),
            n_stars=Count("pk", filter=Q(is_star=True)),
        )
    )
    rows = [
        AnnualRow(
            figures=kpi_figures(
                key=values[key],
                code=values["code_max"],
                label=values["label_max"],
                label_en=values["label_en_max"],
                completed=values["completed"],
                met=values["met"],
                share_sum=Decimal(values["share_sum"]).quantize(SHARE_SUM_PLACES),
                due=values["due"],
                compliant=values["compliant"],
                open_past_due=values["open_past_due"],
                pending=values["pending"],
            ),
            penalty_points=Decimal(values["penalty_points"]).quantize(POINTS_PLACES),
            months=values["n_months"],
            stars=values["n_stars"],
        )
        for values in grouped
    ]
    rows.sort(key=lambda row: (row.figures.key is None, row.figures.code))
    return AnnualEvaluation(
        year=year,
        group=group,
        months=months,
        rows=rows,
        total=kpi_total(row.figures for row in rows),
        penalty_points=sum((row.penalty_points for row in rows), Decimal(0)),
    )
