"""The monthly timeliness evaluation (domain.md §4.2): the rule an administrator sets, and each
month's figures frozen per person, department and standard, with the proposed timeliness star
(时效之星) and the penalty points for breaches. A frozen month is never recomputed silently:
only an explicit, audited re-freeze replaces its lines (and counts a new revision)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from coverdesk.core.models import BaseModel

__all__ = [
    "EvaluationGroup",
    "EvaluationRule",
    "MonthlyEvaluation",
    "MonthlyEvaluationLine",
    "StarMetric",
]

RULE_PK = 1


class EvaluationGroup(models.TextChoices):
    PERSON = "person", _("Person")
    DEPARTMENT = "department", _("Department")
    STANDARD = "standard", _("Standard")


class StarMetric(models.TextChoices):
    ON_TIME_RATE = "on_time_rate", _("On-time completion rate")
    COMPLIANCE_RATE = "compliance_rate", _("SLA compliance rate")


class EvaluationRule(BaseModel):
    """How months are evaluated. One row (pk 1), seeded with the defaults; a frozen month keeps
    a copy of the rule it was evaluated by."""

    evaluation_working_day = models.PositiveSmallIntegerField(
        _("evaluate on working day"),
        default=5,
        help_text=_("The previous month is frozen on this working day of the month."),
    )
    calendar = models.ForeignKey(
        "sla.Calendar",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("calendar of the working days"),
    )
    star_metric = models.CharField(
        _("timeliness star by"),
        max_length=20,
        choices=StarMetric.choices,
        default=StarMetric.ON_TIME_RATE,
    )
    star_min_clocks = models.PositiveIntegerField(
        _("timeliness star needs at least"),
        default=5,
        help_text=_(
            "Completed clocks (on-time rate) or decided clocks (compliance rate) in the month."
        ),
    )
    penalty_points_per_breach = models.DecimalField(
        _("penalty points per breach"), max_digits=6, decimal_places=2, default=Decimal("1.00")
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("changed by"),
    )

    class Meta:
        verbose_name = _("evaluation rule")
        verbose_name_plural = _("evaluation rules")
        constraints = [
            models.CheckConstraint(
                condition=Q(evaluation_working_day__gte=1, evaluation_working_day__lte=20),
                name="sla_evaluationrule_working_day_range",
            ),
            models.CheckConstraint(
                condition=Q(penalty_points_per_breach__gte=0),
                name="sla_evaluationrule_penalty_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"evaluation rule ({self.star_metric}, {self.penalty_points_per_breach}/breach)"


class _Figures(models.Model):
    """The KPI figures of a line or of a whole month (see coverdesk.sla.selectors.kpis)."""

    completed = models.PositiveIntegerField(_("completed"), default=0)
    met = models.PositiveIntegerField(_("completed on time"), default=0)
    missed = models.PositiveIntegerField(_("completed late"), default=0)
    share_sum = models.DecimalField(
        _("sum of shares used"), max_digits=16, decimal_places=4, default=Decimal(0)
    )
    due = models.PositiveIntegerField(_("due and decided"), default=0)
    compliant = models.PositiveIntegerField(_("met their standard"), default=0)
    breaches = models.PositiveIntegerField(_("breaches"), default=0)
    open_past_due = models.PositiveIntegerField(_("open past due"), default=0)
    pending = models.PositiveIntegerField(_("pending"), default=0)
    on_time_rate = models.DecimalField(
        _("on-time completion rate"), max_digits=5, decimal_places=4, null=True, blank=True
    )
    compliance_rate = models.DecimalField(
        _("SLA compliance rate"), max_digits=5, decimal_places=4, null=True, blank=True
    )
    average_share_used = models.DecimalField(
        _("average share of allowed time used"),
        max_digits=9,
        decimal_places=4,
        null=True,
        blank=True,
    )
    penalty_points = models.DecimalField(
        _("penalty points"), max_digits=12, decimal_places=2, default=Decimal(0)
    )

    class Meta:
        abstract = True


class MonthlyEvaluation(_Figures, BaseModel):
    """One month's frozen figures (totals here, groups in the lines)."""

    year = models.PositiveSmallIntegerField(_("year"))
    month = models.PositiveSmallIntegerField(_("month"))
    revision = models.PositiveIntegerField(_("revision"), default=1)
    as_of = models.DateTimeField(_("figures as of"))
    frozen_at = models.DateTimeField(_("frozen at"))
    frozen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("frozen by"),
        help_text=_("Empty when the monthly job froze it."),
    )
    refreeze_reason = models.TextField(_("reason of the last re-freeze"), blank=True)
    rule = models.JSONField(_("rule applied"))
    star = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("timeliness star (proposed)"),
    )
    team_star = models.ForeignKey(
        "accounts.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("team award (proposed)"),
    )

    class Meta:
        verbose_name = _("monthly timeliness evaluation")
        verbose_name_plural = _("monthly timeliness evaluations")
        ordering = ["-year", "-month"]
        constraints = [
            models.UniqueConstraint(fields=["year", "month"], name="sla_evaluation_month_once"),
            models.CheckConstraint(
                condition=Q(month__gte=1, month__lte=12), name="sla_evaluation_month_range"
            ),
        ]
        permissions = [
            ("view_kpis", _("Can view the timeliness KPIs and evaluations of every department")),
            (
                "view_department_kpis",
                _("Can view the timeliness KPIs and evaluations of their own department"),
            ),
            ("view_all_clocks", _("Can view every timeliness clock and warning")),
            (
                "view_department_clocks",
                _("Can view the timeliness clocks and warnings of their own department"),
            ),
            ("manage_evaluations", _("Can freeze and re-freeze monthly timeliness evaluations")),
        ]

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d} r{self.revision}"

    @property
    def period_code(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


class MonthlyEvaluationLine(_Figures):
    """One person's, department's or standard's figures in a frozen month. Names are kept as
    they were at the freeze; a line with no person or department holds the unassigned clocks."""

    evaluation = models.ForeignKey(
        MonthlyEvaluation, on_delete=models.CASCADE, related_name="lines"
    )
    group = models.CharField(_("group"), max_length=20, choices=EvaluationGroup.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("person"),
    )
    department = models.ForeignKey(
        "accounts.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("department"),
    )
    standard = models.ForeignKey(
        "sla.SlaStandard",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("standard"),
    )
    code = models.CharField(_("code"), max_length=150, blank=True)
    label = models.CharField(_("name"), max_length=200, blank=True)
    label_en = models.CharField(_("English name"), max_length=200, blank=True)
    is_star = models.BooleanField(_("proposed star"), default=False)

    class Meta:
        verbose_name = _("monthly evaluation line")
        verbose_name_plural = _("monthly evaluation lines")
        ordering = ["evaluation", "group", "code", "id"]
        indexes = [models.Index(fields=["evaluation", "group"], name="sla_evalline_group")]
        constraints = [
            models.CheckConstraint(
                condition=Q(group__in=EvaluationGroup.values), name="sla_evalline_group_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.evaluation_id} {self.group} {self.code or '-'}"
