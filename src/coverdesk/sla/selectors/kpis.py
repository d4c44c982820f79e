"""Timeliness KPIs (domain.md §4.2) per person, department and standard, per month or year.

Two populations make up a period's figures, both counted in the database (GROUP BY):

- completed: clocks stopped in the period (met or breached). On-time completion rate = met /
  completed; the average share of the allowed time used is taken over them.
- due: clocks whose deadline falls in the period and is decided, i.e. stopped, or still open and
  already breached (past due at `as_of`). SLA compliance rate = met / due; every other decided
  clock is a breach, so a breach counts once, in the month its deadline fell, whether it was
  stopped late or is still open. Due clocks not yet decided are reported as `pending`.

Cancelled clocks count nowhere. Follow-up clocks (progress and rectification reports, customer
updates) count like any clock, under their own standards. Periods are Asia/Shanghai months.

The share of complaints caused by timeliness (§4.2) needs the complaints of the service desk,
which sits above this engine: `complaints_share` stays None here and the pages and API fill it
with `servicedesk.selectors.kpis.kpi_table_with_complaints`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal
from zoneinfo import ZoneInfo

from django.db.models import Count, DecimalField, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext_lazy as _

from coverdesk.accounts.models import User
from coverdesk.core import clock as core_clock
from coverdesk.core.exceptions import PermissionDenied, ValidationFailed
from coverdesk.sla.calculations import SHARE_PLACES, rate
from coverdesk.sla.models import SlaClock
from coverdesk.sla.transitions import ClockState

__all__ = [
    "GROUP_BY_CHOICES",
    "KPI_TIMEZONE",
    "PERMISSION_VIEW_DEPARTMENT_KPIS",
    "PERMISSION_VIEW_KPIS",
    "GroupBy",
    "KpiPeriod",
    "KpiRow",
    "KpiTable",
    "KpisNotAllowed",
    "kpi_department_for_user",
    "kpi_figures",
    "kpi_months",
    "kpi_rows",
    "kpi_table",
    "kpi_total",
]

KPI_TIMEZONE = ZoneInfo("Asia/Shanghai")
GroupBy = Literal["person", "department", "standard"]
GROUP_BY_CHOICES: tuple[GroupBy, ...] = ("person", "department", "standard")
PERMISSION_VIEW_KPIS = "sla.view_kpis"
PERMISSION_VIEW_DEPARTMENT_KPIS = "sla.view_department_kpis"

_STOPPED = (ClockState.MET, ClockState.BREACHED)
_OPEN = (ClockState.RUNNING, ClockState.PAUSED)
_PERIOD_PATTERN = re.compile(r"^(\d{4})(?:-(\d{2}))?$")
_SUM_FIELD = DecimalField(max_digits=20, decimal_places=4)

# group_by -> (key, code, label, label_en) columns of the row.
_GROUP_COLUMNS: dict[str, tuple[str, str, str, str]] = {
    "person": ("assignee_id", "assignee__username", "assignee__first_name", "assignee__last_name"),
    "department": ("department_id", "department__code", "department__name", "department__name_en"),
    "standard": (
        "standard_version__standard_id",
        "standard_version__standard__code",
        "standard_version__standard__name",
        "standard_version__standard__name_en",
    ),
}


# Periods ----------------------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class KpiPeriod:
    """A calendar month (month 1–12) or a whole year (month None), in Asia/Shanghai."""

    year: int
    month: int | None = None

    def __post_init__(self) -> None:
        if not 1900 < self.year < 2200:
            raise ValueError("year out of range")
        if self.month is not None and not 1 <= self.month <= 12:
            raise ValueError("month out of range")

    @classmethod
    def parse(cls, text: str, *, field_name: str = "period") -> KpiPeriod:
        """ "2026-11" (a month) or "2026" (a year); anything else fails naming the field."""
        match = _PERIOD_PATTERN.match(text.strip())
        try:
            if match is None:
                raise ValueError(text)
            month = int(match.group(2)) if match.group(2) else None
            return cls(int(match.group(1)), month)
        except ValueError:
            raise ValidationFailed.for_field(
                field_name,
                "format",
                _("A month as YYYY-MM (e.g. 2026-11) or a year as YYYY, not {value}."),
                value=text,
            ) from None

    @classmethod
    def of(cls, moment: datetime) -> KpiPeriod:
        """The month `moment` falls in."""
        local = moment.astimezone(KPI_TIMEZONE)
        return cls(local.year, local.month)

    @property
    def is_month(self) -> bool:
        return self.month is not None

    @property
    def start(self) -> datetime:
        return datetime(self.year, self.month or 1, 1, tzinfo=KPI_TIMEZONE)

    @property
    def end(self) -> datetime:
        """The first instant after the period."""
        if self.month is None or self.month == 12:
            return datetime(self.year + 1, 1, 1, tzinfo=KPI_TIMEZONE)
        return datetime(self.year, self.month + 1, 1, tzinfo=KPI_TIMEZONE)

    def previous(self) -> KpiPeriod:
        if self.month is None:
            return KpiPeriod(self.year - 1)
        if self.month == 1:
            return KpiPeriod(self.year - 1, 12)
        return KpiPeriod(self.year, self.month - 1)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}" if self.month else f"{self.year:04d}"


# Figures ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class KpiRow:
    """One row of a KPI table. `key` is the user, department or standard id (None: clocks with
    no assignee or no department; the total row), or the month number in `kpi_months`."""

    key: int | None
    code: str  # username, department code, standard code, "YYYY-MM", "" for none
    label: str  # full name, Chinese name, "YYYY-MM"
    label_en: str
    completed: int = 0  # stopped in the period
    met: int = 0  # of those, on time
    missed: int = 0  # of those, late
    share_sum: Decimal = Decimal(0)  # sum of the shares used by the completed clocks
    due: int = 0  # deadline in the period and decided
    compliant: int = 0  # of those, met
    breaches: int = 0  # of those, stopped late or still open past due
    open_past_due: int = 0  # of the breaches, still open
    pending: int = 0  # deadline in the period, still open, not yet past due
    on_time_rate: Decimal | None = None  # met / completed
    compliance_rate: Decimal | None = None  # compliant / due
    average_share_used: Decimal | None = None  # share_sum / completed


def kpi_figures(
    *,
    key: int | None,
    code: str,
    label: str,
    label_en: str,
    completed: int,
    met: int,
    share_sum: Decimal,
    due: int,
    compliant: int,
    open_past_due: int,
    pending: int = 0,
) -> KpiRow:
    """A row from its counts: the rates and the average are derived here, nowhere else."""
    average = (
        (share_sum / completed).quantize(SHARE_PLACES, rounding=ROUND_HALF_UP)
        if completed
        else None
    )
    return KpiRow(
        key=key,
        code=code,
        label=label,
        label_en=label_en,
        completed=completed,
        met=met,
        missed=completed - met,
        share_sum=share_sum,
        due=due,
        compliant=compliant,
        breaches=due - compliant,
        open_past_due=open_past_due,
        pending=pending,
        on_time_rate=rate(met, completed),
        compliance_rate=rate(compliant, due),
        average_share_used=average,
    )


def kpi_total(rows: Iterable[KpiRow], *, label: str = "", label_en: str = "") -> KpiRow:
    """The sum of rows that partition one population (rates recomputed from the sums)."""
    items = list(rows)
    return kpi_figures(
        key=None,
        code="",
        label=label or str(_("Total")),
        label_en=label_en or "Total",
        completed=sum(r.completed for r in items),
        met=sum(r.met for r in items),
        share_sum=sum((r.share_sum for r in items), Decimal(0)),
        due=sum(r.due for r in items),
        compliant=sum(r.compliant for r in items),
        open_past_due=sum(r.open_past_due for r in items),
        pending=sum(r.pending for r in items),
    )


@dataclass(frozen=True)
class KpiTable:
    period: KpiPeriod
    group_by: GroupBy
    as_of: datetime
    department_id: int | None
    rows: list[KpiRow]
    total: KpiRow
    # Hook for §4.2's third KPI; needs complaints (service desk), so it stays None here.
    complaints_share: Decimal | None = field(default=None)


# Queries ----------------------------------------------------------------------------------


def _conditions(period: KpiPeriod, as_of: datetime) -> dict[str, Q]:
    in_stop = Q(stopped_at__gte=period.start, stopped_at__lt=period.end)
    in_due = Q(due_at__gte=period.start, due_at__lt=period.end)
    late_open = Q(state__in=_OPEN) & (
        Q(breached_at__isnull=False) | Q(state=ClockState.RUNNING, due_at__lt=as_of)
    )
    decided = in_due & (Q(state__in=_STOPPED) | late_open)
    completed = in_stop & Q(state__in=_STOPPED)
    return {
        "population": ~Q(state=ClockState.CANCELLED) & (in_stop | in_due),
        "completed": completed,
        "met": completed & Q(met=True),
        "decided": decided,
        "compliant": decided & Q(state=ClockState.MET),
        "open_past_due": in_due & late_open,
        "pending": in_due & Q(state__in=_OPEN) & ~late_open,
    }


def _aggregates(conditions: Mapping[str, Q]) -> dict[str, Any]:
    return {
        "n_completed": Count("pk", filter=conditions["completed"]),
        "n_met": Count("pk", filter=conditions["met"]),
        "n_share_sum": Sum("share_used", filter=conditions["completed"], output_field=_SUM_FIELD),
        "n_due": Count("pk", filter=conditions["decided"]),
        "n_compliant": Count("pk", filter=conditions["compliant"]),
        "n_open_past_due": Count("pk", filter=conditions["open_past_due"]),
        "n_pending": Count("pk", filter=conditions["pending"]),
    }


def _scoped(
    clocks: QuerySet[SlaClock], *, department_id: int | None, user_id: int | None
) -> QuerySet[SlaClock]:
    if department_id is not None:
        clocks = clocks.filter(department_id=department_id)
    if user_id is not None:
        clocks = clocks.filter(assignee_id=user_id)
    return clocks


def _row_from(
    values: Mapping[str, Any], key: int | None, code: str, label: str, label_en: str
) -> KpiRow:
    return kpi_figures(
        key=key,
        code=code,
        label=label,
        label_en=label_en,
        completed=values["n_completed"],
        met=values["n_met"],
        share_sum=values["n_share_sum"] if values["n_share_sum"] is not None else Decimal(0),
        due=values["n_due"],
        compliant=values["n_compliant"],
        open_past_due=values["n_open_past_due"],
        pending=values["n_pending"],
    )


def _identity(group_by: str, values: Mapping[str, Any]) -> tuple[int | None, str, str, str]:
    key_col, code_col, label_col, label_en_col = _GROUP_COLUMNS[group_by]
    key = values[key_col]
    if key is None:
        none_label = _("Unassigned") if group_by == "person" else _("No department")
        return None, "", str(none_label), "Unassigned" if group_by == "person" else "No department"
    if group_by == "person":
        # As User.get_full_name: whole Chinese names live in first_name.
        full = f"{values[label_col] or ''} {values[label_en_col] or ''}".strip()
        name = full or values[code_col]
        return int(key), values[code_col], name, name
    return int(key), values[code_col], values[label_col], values[label_en_col]


def _sort_key(row: KpiRow) -> tuple[bool, str]:
    return (row.key is None, row.code)


def kpi_rows(
    *,
    period: KpiPeriod,
    group_by: GroupBy | str,
    as_of: datetime | None = None,
    department_id: int | None = None,
    user_id: int | None = None,
) -> list[KpiRow]:
    """One row per person, department or standard with clocks in the period, ordered by code
    (the unassigned row last). One query."""
    if group_by not in _GROUP_COLUMNS:
        raise ValidationFailed.for_field(
            "group_by",
            "choice",
            _("Group by one of: {choices}."),
            choices=", ".join(GROUP_BY_CHOICES),
        )
    moment = as_of or core_clock.now()
    conditions = _conditions(period, moment)
    clocks = _scoped(
        SlaClock.objects.filter(conditions["population"]),
        department_id=department_id,
        user_id=user_id,
    )
    grouped = (
        clocks.order_by().values(*_GROUP_COLUMNS[group_by]).annotate(**_aggregates(conditions))
    )
    rows = [_row_from(values, *_identity(group_by, values)) for values in grouped]
    return sorted(rows, key=_sort_key)


def kpi_table(
    *,
    period: KpiPeriod,
    group_by: GroupBy | str,
    as_of: datetime | None = None,
    department_id: int | None = None,
    user_id: int | None = None,
) -> KpiTable:
    """The rows and their total (the groups partition the clocks, so the total is their sum:
    still one query)."""
    moment = as_of or core_clock.now()
    rows = kpi_rows(
        period=period,
        group_by=group_by,
        as_of=moment,
        department_id=department_id,
        user_id=user_id,
    )
    return KpiTable(
        period=period,
        group_by=group_by,  # type: ignore[arg-type]  # checked by kpi_rows
        as_of=moment,
        department_id=department_id,
        rows=rows,
        total=kpi_total(rows),
    )


def kpi_months(
    *,
    year: int,
    as_of: datetime | None = None,
    department_id: int | None = None,
    user_id: int | None = None,
) -> list[KpiRow]:
    """Twelve rows, January to December of `year` (key = month, code = "YYYY-MM"), for charts.
    Two queries: completed clocks by the month they stopped, due clocks by their deadline's."""
    moment = as_of or core_clock.now()
    period = KpiPeriod(year)
    conditions = _conditions(period, moment)
    base = _scoped(SlaClock.objects.order_by(), department_id=department_id, user_id=user_id)
    stopped = (
        base.filter(conditions["completed"])
        .annotate(month=TruncMonth("stopped_at", tzinfo=KPI_TIMEZONE))
        .values("month")
        .annotate(
            n_completed=Count("pk"),
            n_met=Count("pk", filter=Q(met=True)),
            n_share_sum=Sum("share_used", output_field=_SUM_FIELD),
        )
    )
    due = (
        base.filter(Q(due_at__gte=period.start, due_at__lt=period.end))
        .exclude(state=ClockState.CANCELLED)
        .annotate(month=TruncMonth("due_at", tzinfo=KPI_TIMEZONE))
        .values("month")
        .annotate(
            n_due=Count("pk", filter=conditions["decided"]),
            n_compliant=Count("pk", filter=conditions["compliant"]),
            n_open_past_due=Count("pk", filter=conditions["open_past_due"]),
            n_pending=Count("pk", filter=conditions["pending"]),
        )
    )
    counts: dict[int, dict[str, Any]] = {
        month: {
            "n_completed": 0,
            "n_met": 0,
            "n_share_sum": None,
            "n_due": 0,
            "n_compliant": 0,
            "n_open_past_due": 0,
            "n_pending": 0,
        }
        for month in range(1, 13)
    }
    for values in [*stopped, *due]:
        found: dict[str, Any] = dict(values)
        counts[_month_number(found.pop("month"))].update(found)
    return [
        _row_from(values, month, f"{year:04d}-{month:02d}", f"{year:04d}-{month:02d}", "")
        for month, values in counts.items()
    ]


def _month_number(value: Any) -> int:
    """TruncMonth gives an aware datetime (or a date on some backends)."""
    if isinstance(value, datetime):
        return value.astimezone(KPI_TIMEZONE).month if value.tzinfo else value.month
    return int(value.month)


# Access -----------------------------------------------------------------------------------


class KpisNotAllowed(PermissionDenied):
    default_code = "sla_kpis_not_allowed"
    default_message = _("You may not see these timeliness figures.")


def kpi_department_for_user(*, user: User, department_id: int | None) -> int | None:
    """The department filter `user` may apply: anyone with `sla.view_kpis` sees every
    department (None = all); a holder of `sla.view_department_kpis` sees only their own
    department (which is also the default). Everyone else is refused."""
    if not user.is_active:
        raise KpisNotAllowed()
    if user.has_perm(PERMISSION_VIEW_KPIS):
        return department_id
    if user.has_perm(PERMISSION_VIEW_DEPARTMENT_KPIS) and user.department_id is not None:
        if department_id is not None and department_id != user.department_id:
            raise KpisNotAllowed()
        return user.department_id
    raise KpisNotAllowed()
