"""The monthly timeliness evaluation (domain.md §4.2).

On the N-th working day of a month (default the 5th, on cn-mainland) the worker's job freezes
the previous month: the KPI figures per person, department and standard as they stand, the
proposed timeliness star (时效之星) and team award by the configured rule, and the penalty points
of the breaches. Freezing is idempotent (a frozen month is returned as it is, even when run by
two workers at once); only `monthly_evaluation_refreeze`, with a reason and an audit entry,
recomputes a frozen month.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from coverdesk.accounts.models import User
from coverdesk.audit.services import audit_record
from coverdesk.core import jobs
from coverdesk.core.exceptions import FieldError, PermissionDenied, ValidationFailed
from coverdesk.sla.models import (
    Calendar,
    EvaluationGroup,
    EvaluationRule,
    MonthlyEvaluation,
    MonthlyEvaluationLine,
    StarMetric,
)
from coverdesk.sla.models.evaluations import RULE_PK
from coverdesk.sla.selectors.evaluations import (
    evaluation_day,
    evaluation_get,
    evaluation_rule_get,
)
from coverdesk.sla.selectors.kpis import KPI_TIMEZONE, KpiPeriod, KpiRow, kpi_rows, kpi_total
from coverdesk.sla.services.clocks import moment_of

__all__ = [
    "EVALUATION_JOB_SECONDS_DEFAULT",
    "PERMISSION_CHANGE_RULE",
    "PERMISSION_MANAGE_EVALUATIONS",
    "EvaluationRuleAdminOnly",
    "EvaluationsAdminOnly",
    "FreezeResult",
    "evaluation_job_register",
    "evaluation_rule_update",
    "monthly_evaluation_freeze",
    "monthly_evaluation_refreeze",
    "penalty_points",
    "sla_evaluation_job",
    "star_choose",
]

PERMISSION_MANAGE_EVALUATIONS = "sla.manage_evaluations"
PERMISSION_CHANGE_RULE = "sla.change_evaluationrule"
EVALUATION_JOB_SECONDS_DEFAULT = 3600
POINTS_PLACES = Decimal("0.01")
MAX_WORKING_DAY = 20
MAX_POINTS = Decimal("9999.99")
REASON_MAX_LENGTH = 1000


class EvaluationsAdminOnly(PermissionDenied):
    default_code = "sla_evaluations_admin_only"
    default_message = _("Only a manager of timeliness evaluations may do this.")


class EvaluationRuleAdminOnly(PermissionDenied):
    default_code = "sla_evaluation_rule_admin_only"
    default_message = _("Only an administrator of the evaluation rule may change it.")


@dataclass(frozen=True)
class FreezeResult:
    evaluation: MonthlyEvaluation
    created: bool  # False: the month was frozen already and is returned unchanged


# Pure rules -------------------------------------------------------------------------------


def penalty_points(breaches: int, per_breach: Decimal) -> Decimal:
    return (Decimal(breaches) * per_breach).quantize(POINTS_PLACES, rounding=ROUND_HALF_UP)


def star_choose(rows: Sequence[KpiRow], *, metric: str, min_clocks: int) -> KpiRow | None:
    """The proposed star among `rows` (people, or departments for the team award): the highest
    rate by `metric` among rows with at least `min_clocks` clocks counted by that rate
    (completed for the on-time rate, decided for the compliance rate); ties go to the lower
    average share of allowed time used, then to more clocks, then to the code. No row
    without an identity (unassigned clocks) can win."""

    def counted(row: KpiRow) -> int:
        return row.completed if metric == StarMetric.ON_TIME_RATE else row.due

    def score(row: KpiRow) -> Decimal | None:
        return row.on_time_rate if metric == StarMetric.ON_TIME_RATE else row.compliance_rate

    eligible = [
        row
        for row in rows
        if row.key is not None and counted(row) >= max(min_clocks, 1) and score(row) is not None
    ]
    if not eligible:
        return None

    def order(row: KpiRow) -> tuple[Decimal, Decimal, int, str]:
        rate = score(row)
        assert rate is not None
        share = row.average_share_used
        return (-rate, share if share is not None else Decimal("Infinity"), -counted(row), row.code)

    return min(eligible, key=order)


# The rule ---------------------------------------------------------------------------------


def _admin_check(acting_user: User | None) -> None:
    if acting_user is None or not acting_user.is_active:
        raise EvaluationsAdminOnly()
    if not acting_user.has_perm(PERMISSION_MANAGE_EVALUATIONS):
        raise EvaluationsAdminOnly()


def _rule_admin_check(acting_user: User) -> None:
    if not acting_user.is_active or not acting_user.has_perm(PERMISSION_CHANGE_RULE):
        raise EvaluationRuleAdminOnly()


def rule_snapshot(rule: EvaluationRule) -> dict[str, Any]:
    return {
        "evaluation_working_day": rule.evaluation_working_day,
        "calendar": rule.calendar.code,
        "star_metric": rule.star_metric,
        "star_min_clocks": rule.star_min_clocks,
        "penalty_points_per_breach": str(rule.penalty_points_per_breach),
    }


def _rule_locked() -> EvaluationRule:
    """The rule row, locked: it also serialises freezes, so two workers never both freeze."""
    rule = (
        EvaluationRule.objects.select_for_update(of=("self",))
        .select_related("calendar")
        .filter(pk=RULE_PK)
        .first()
    )
    if rule is None:
        return evaluation_rule_get()  # raises the missing-rule error
    return rule


@transaction.atomic
def evaluation_rule_update(
    *,
    evaluation_working_day: int,
    calendar_code: str,
    star_metric: str,
    star_min_clocks: int,
    penalty_points_per_breach: Decimal | str,
    acting_user: User,
    now: datetime | None = None,
) -> EvaluationRule:
    """Change the evaluation rule (`sla.change_evaluationrule`); months frozen before keep the
    rule they were frozen by."""
    _rule_admin_check(acting_user)
    moment = moment_of(now)
    errors: list[FieldError] = []
    if not isinstance(evaluation_working_day, int) or not (
        1 <= evaluation_working_day <= MAX_WORKING_DAY
    ):
        errors.append(
            FieldError(
                "evaluation_working_day", "range", _("A working day from 1 to 20 of the month.")
            )
        )
    calendar = Calendar.objects.filter(code=calendar_code).first()
    if calendar is None:
        errors.append(FieldError("calendar", "unknown", _("Unknown calendar.")))
    if star_metric not in StarMetric.values:
        errors.append(
            FieldError(
                "star_metric",
                "choice",
                _("One of: {choices}.").format(choices=", ".join(StarMetric.values)),
            )
        )
    if not isinstance(star_min_clocks, int) or not 1 <= star_min_clocks <= 100_000:
        errors.append(FieldError("star_min_clocks", "range", _("A whole number from 1.")))
    try:
        points = Decimal(penalty_points_per_breach)
        valid_points = (
            points.is_finite()
            and 0 <= points <= MAX_POINTS
            and points == points.quantize(POINTS_PLACES)
        )
    except (InvalidOperation, TypeError, ValueError):
        points, valid_points = Decimal(0), False
    if not valid_points:
        errors.append(
            FieldError(
                "penalty_points_per_breach",
                "range",
                _("Points from 0 to 9,999.99 with at most two decimals."),
            )
        )
    if errors:
        raise ValidationFailed(fields=errors)
    assert calendar is not None
    rule = _rule_locked()
    before = rule_snapshot(rule)
    rule.evaluation_working_day = evaluation_working_day
    rule.calendar = calendar
    rule.star_metric = star_metric
    rule.star_min_clocks = star_min_clocks
    rule.penalty_points_per_breach = points.quantize(POINTS_PLACES)
    rule.updated_by = acting_user
    after = rule_snapshot(rule)
    if after == before:
        return rule
    rule.save()
    audit_record(
        action="sla.evaluation_rule.update",
        actor=acting_user,
        subject=rule,
        before=before,
        after=after,
        now=moment,
    )
    return rule


# Freezing ---------------------------------------------------------------------------------


_FIGURES = (
    "completed",
    "met",
    "missed",
    "share_sum",
    "due",
    "compliant",
    "breaches",
    "open_past_due",
    "pending",
    "on_time_rate",
    "compliance_rate",
    "average_share_used",
)


def _figures_of(row: KpiRow, per_breach: Decimal) -> dict[str, Any]:
    values: dict[str, Any] = {name: getattr(row, name) for name in _FIGURES}
    values["penalty_points"] = penalty_points(row.breaches, per_breach)
    return values


@dataclass(frozen=True)
class _Computed:
    lines: list[MonthlyEvaluationLine]
    total: KpiRow
    star: KpiRow | None
    team_star: KpiRow | None


def _compute(period: KpiPeriod, rule: EvaluationRule, *, as_of: datetime) -> _Computed:
    per_breach = rule.penalty_points_per_breach
    by_group = {
        group: kpi_rows(period=period, group_by=group, as_of=as_of)
        for group in (EvaluationGroup.PERSON, EvaluationGroup.DEPARTMENT, EvaluationGroup.STANDARD)
    }
    star = star_choose(
        by_group[EvaluationGroup.PERSON],
        metric=rule.star_metric,
        min_clocks=rule.star_min_clocks,
    )
    team_star = star_choose(
        by_group[EvaluationGroup.DEPARTMENT],
        metric=rule.star_metric,
        min_clocks=rule.star_min_clocks,
    )
    key_field = {
        EvaluationGroup.PERSON: "user_id",
        EvaluationGroup.DEPARTMENT: "department_id",
        EvaluationGroup.STANDARD: "standard_id",
    }
    winners = {
        EvaluationGroup.PERSON: star.key if star else None,
        EvaluationGroup.DEPARTMENT: team_star.key if team_star else None,
        EvaluationGroup.STANDARD: None,
    }
    lines = [
        MonthlyEvaluationLine(
            group=group,
            code=row.code[:150],
            label=row.label[:200],
            label_en=row.label_en[:200],
            is_star=row.key is not None and row.key == winners[group],
            **{key_field[group]: row.key},
            **_figures_of(row, per_breach),
        )
        for group, rows in by_group.items()
        for row in rows
    ]
    return _Computed(
        lines=lines,
        total=kpi_total(by_group[EvaluationGroup.PERSON]),
        star=star,
        team_star=team_star,
    )


def _apply(
    evaluation: MonthlyEvaluation, computed: _Computed, rule: EvaluationRule, *, as_of: datetime
) -> None:
    for name, value in _figures_of(computed.total, rule.penalty_points_per_breach).items():
        setattr(evaluation, name, value)
    evaluation.as_of = as_of
    evaluation.rule = rule_snapshot(rule)
    evaluation.star_id = computed.star.key if computed.star else None
    evaluation.team_star_id = computed.team_star.key if computed.team_star else None


def _lines_save(evaluation: MonthlyEvaluation, computed: _Computed) -> None:
    for line in computed.lines:
        line.evaluation = evaluation
    MonthlyEvaluationLine.objects.bulk_create(computed.lines)


def evaluation_summary(evaluation: MonthlyEvaluation, *, lines: int) -> dict[str, Any]:
    return {
        "period": evaluation.period_code,
        "revision": evaluation.revision,
        "as_of": evaluation.as_of,
        "star": evaluation.star_id,
        "team_star": evaluation.team_star_id,
        "completed": evaluation.completed,
        "met": evaluation.met,
        "due": evaluation.due,
        "compliant": evaluation.compliant,
        "breaches": evaluation.breaches,
        "penalty_points": evaluation.penalty_points,
        "lines": lines,
        "rule": evaluation.rule,
    }


def _month_over(period: KpiPeriod, moment: datetime) -> None:
    if period.month is None:
        raise ValidationFailed.for_field(
            "period", "month_required", _("An evaluation is of a month (YYYY-MM).")
        )
    if period.end > moment:
        raise ValidationFailed.for_field(
            "period",
            "not_over",
            _("{period} is not over yet; it can be evaluated from {first}."),
            period=str(period),
            first=period.end.date().isoformat(),
        )


@transaction.atomic
def monthly_evaluation_freeze(
    *, period: KpiPeriod, acting_user: User | None, now: datetime | None = None
) -> FreezeResult:
    """Freeze a finished month's figures as they stand at `now`. A month frozen already is
    returned unchanged (no new figures, no audit entry). `acting_user` None is the monthly
    job; a person needs `sla.manage_evaluations`."""
    if acting_user is not None:
        _admin_check(acting_user)
    moment = moment_of(now)
    _month_over(period, moment)
    assert period.month is not None
    rule = _rule_locked()
    existing = MonthlyEvaluation.objects.filter(year=period.year, month=period.month).first()
    if existing is not None:
        return FreezeResult(existing, created=False)
    computed = _compute(period, rule, as_of=moment)
    evaluation = MonthlyEvaluation(
        year=period.year, month=period.month, frozen_at=moment, frozen_by=acting_user
    )
    _apply(evaluation, computed, rule, as_of=moment)
    evaluation.save()
    _lines_save(evaluation, computed)
    audit_record(
        action="sla.evaluation.freeze",
        actor=acting_user,
        subject=evaluation,
        after=evaluation_summary(evaluation, lines=len(computed.lines)),
        now=moment,
    )
    return FreezeResult(evaluation, created=True)


@transaction.atomic
def monthly_evaluation_refreeze(
    *, period: KpiPeriod, reason: str, acting_user: User, now: datetime | None = None
) -> MonthlyEvaluation:
    """Recompute a frozen month as the clocks stand now, under the current rule (e.g. after a
    re-plan flagged breaches for review). The old and new figures go to the audit trail."""
    _admin_check(acting_user)
    moment = moment_of(now)
    cleaned = reason.strip()
    if not cleaned:
        raise ValidationFailed.for_field(
            "reason", "required", _("Say why the month is evaluated again.")
        )
    if len(cleaned) > REASON_MAX_LENGTH:
        raise ValidationFailed.for_field(
            "reason", "max_length", _("At most {limit} characters."), limit=REASON_MAX_LENGTH
        )
    _month_over(period, moment)
    rule = _rule_locked()
    evaluation = MonthlyEvaluation.objects.select_for_update(of=("self",)).get(
        pk=evaluation_get(period=period).pk
    )
    before = evaluation_summary(evaluation, lines=evaluation.lines.count())
    computed = _compute(period, rule, as_of=moment)
    evaluation.lines.all().delete()
    _apply(evaluation, computed, rule, as_of=moment)
    evaluation.revision += 1
    evaluation.frozen_at, evaluation.frozen_by = moment, acting_user
    evaluation.refreeze_reason = cleaned
    evaluation.save()
    _lines_save(evaluation, computed)
    audit_record(
        action="sla.evaluation.refreeze",
        actor=acting_user,
        subject=evaluation,
        before=before,
        after={**evaluation_summary(evaluation, lines=len(computed.lines)), "reason": cleaned},
        now=moment,
    )
    return evaluation


# The job ----------------------------------------------------------------------------------


def sla_evaluation_job(now: datetime) -> int:
    """The worker's periodic job: from the rule's working day of a month on, freeze the
    previous month once. Returns 1 when it froze a month, else 0."""
    rule = evaluation_rule_get()
    current = KpiPeriod.of(now)
    if now.astimezone(KPI_TIMEZONE).date() < evaluation_day(period=current, rule=rule):
        return 0
    previous = current.previous()
    assert previous.month is not None
    # Checked before the freeze takes its lock: an idle hour writes nothing.
    if MonthlyEvaluation.objects.filter(year=previous.year, month=previous.month).exists():
        return 0
    return int(monthly_evaluation_freeze(period=previous, acting_user=None, now=now).created)


def evaluation_job_register() -> None:
    """Called from the sla app's ready(): the monthly evaluation joins the worker's jobs."""
    jobs.register(
        jobs.PeriodicJob(
            name="sla.monthly_evaluation",
            interval_seconds=getattr(
                settings, "COVERDESK_SLA_EVALUATION_SECONDS", EVALUATION_JOB_SECONDS_DEFAULT
            ),
            run=sla_evaluation_job,
        )
    )
