"""What the timeliness pages read, on top of the sla worklist selectors (which compute the
green/yellow/red mark in SQL): the page-only extras are here, each still in the page's one
query (the pause reason, sorting by standard, filtering by state) or one grouped query (the
counts per assignee on the department board)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery

from coverdesk.accounts.models import Department, User
from coverdesk.sla.models import (
    RectificationReport,
    SegmentKind,
    SlaClock,
    SlaClockSegment,
    SlaStandard,
)
from coverdesk.sla.models import SlaStandardVersion as StandardVersion
from coverdesk.sla.selectors.worklists import (
    GREEN,
    MARK_NAMES,
    MARKS,
    RED,
    REPORT_KINDS,
    YELLOW,
    clocks_of_department_open,
    clocks_of_user_open,
    followups_to_write,
    mark_expression,
)
from coverdesk.sla.transitions import OPEN_STATES

__all__ = [
    "MARKS",
    "MARK_NAMES",
    "TASK_ORDERS",
    "board_clocks",
    "board_counts",
    "departments_for_board",
    "followup_for_report",
    "followups_to_write_rows",
    "rectification_reports_reviewed",
    "standard_choices",
    "standard_with_versions",
    "standards_with_versions",
    "task_row",
    "tasks_of_user",
]

TASK_ORDERS = ("due", "-due", "started", "-started", "standard", "-standard")
_BY_STANDARD = {
    "standard": ("standard_version__standard__code", "due_at", "id"),
    "-standard": ("-standard_version__standard__code", "due_at", "id"),
}


def _with_pause_reason(clocks: QuerySet[SlaClock]) -> QuerySet[SlaClock]:
    """The reason of the current pause, as `pause_reason` (a subquery of the same query)."""
    reason = (
        SlaClockSegment.objects.filter(
            clock=OuterRef("pk"), kind=SegmentKind.PAUSED, ended_at__isnull=True
        )
        .order_by("-started_at")
        .values("reason")[:1]
    )
    return clocks.annotate(pause_reason=Subquery(reason))


def tasks_of_user(
    *,
    user: User,
    now: datetime,
    state: str = "",
    mark: str = "",
    standard: str = "",
    order: str = "due",
) -> QuerySet[SlaClock]:
    """The "My tasks" list: the user's open clocks, filtered and sorted."""
    clocks = clocks_of_user_open(
        user=user,
        now=now,
        mark=mark,
        standard=standard,
        order=order if order in TASK_ORDERS and order not in _BY_STANDARD else "due",
    )
    if order in _BY_STANDARD:
        clocks = clocks.order_by(*_BY_STANDARD[order])
    if state in OPEN_STATES:
        clocks = clocks.filter(state=state)
    # A follow-up row names the work it follows up (a join of the same query).
    return _with_pause_reason(clocks.select_related("parent__standard_version__standard"))


def task_row(*, clock_id: int, now: datetime) -> SlaClock | None:
    """One clock as a row of the lists, open or just closed (after an action on it)."""
    clocks = SlaClock.objects.filter(pk=clock_id).select_related(
        "standard_version__standard",
        "calendar_version__calendar",
        "assignee",
        "department",
        "parent__standard_version__standard",
    )
    return _with_pause_reason(clocks.annotate(mark_rank=mark_expression(now))).first()


def departments_for_board(*, user: User, all_departments: bool) -> list[Department]:
    """The departments whose board `user` may choose: every one with `sla.view_all_clocks`,
    else their own."""
    if all_departments:
        return list(Department.objects.order_by("code"))
    return [user.department] if user.department is not None else []


def board_clocks(*, department: Department, now: datetime) -> QuerySet[SlaClock]:
    """A department's open clocks, red first, then yellow, then green, each by deadline."""
    return _with_pause_reason(
        clocks_of_department_open(
            department_id=department.pk, now=now, order="mark"
        ).select_related("parent__standard_version__standard")
    )


def board_counts(*, department: Department, now: datetime) -> list[dict[str, Any]]:
    """Open clocks per assignee and mark, the most overdue first: one grouped query."""
    grouped = (
        SlaClock.objects.filter(department=department, state__in=OPEN_STATES)
        .annotate(mark_rank=mark_expression(now))
        .values("assignee", "assignee__first_name", "assignee__last_name", "assignee__username")
        .annotate(
            red=Count("pk", filter=Q(mark_rank=RED)),
            yellow=Count("pk", filter=Q(mark_rank=YELLOW)),
            green=Count("pk", filter=Q(mark_rank=GREEN)),
            total=Count("pk"),
        )
        .order_by("-red", "-yellow", "-total", "assignee")
    )
    rows = []
    for row in grouped:
        # Whole Chinese names live in first_name (as User.get_full_name).
        name = f"{row['assignee__first_name'] or ''} {row['assignee__last_name'] or ''}".strip()
        rows.append(
            {
                "assignee_id": row["assignee"],
                "name": name or row["assignee__username"] or "",
                "red": row["red"],
                "yellow": row["yellow"],
                "green": row["green"],
                "total": row["total"],
            }
        )
    return rows


def followups_to_write_rows(*, user: User, now: datetime, limit: int) -> list[SlaClock]:
    return list(followups_to_write(user=user, now=now).select_related("parent__assignee")[:limit])


def followup_for_report(*, clock_id: int, now: datetime) -> SlaClock | None:
    """A progress or rectification report task, with the clock it follows up."""
    return (
        SlaClock.objects.filter(pk=clock_id, kind__in=REPORT_KINDS)
        .select_related(
            "standard_version__standard",
            "calendar_version__calendar",
            "parent__standard_version__standard",
            "parent__assignee",
            "assignee",
            "department",
        )
        .annotate(mark_rank=mark_expression(now))
        .first()
    )


def standards_with_versions() -> QuerySet[SlaStandard]:
    """Every standard with its versions (newest first) and their calendars: two queries."""
    versions = StandardVersion.objects.select_related("calendar", "created_by").order_by(
        "-effective_from", "-number"
    )
    return SlaStandard.objects.prefetch_related(
        Prefetch("versions", queryset=versions, to_attr="versions_newest_first")
    ).order_by("area", "code")


def standard_choices() -> list[tuple[str, str, str]]:
    """(code, Chinese name, English name) of every standard, for the filters."""
    return list(SlaStandard.objects.order_by("code").values_list("code", "name", "name_en"))


def standard_with_versions(*, code: str) -> SlaStandard | None:
    return standards_with_versions().filter(code=code).first()


def rectification_reports_reviewed(*, limit: int = 20) -> QuerySet[RectificationReport]:
    """The latest reviewed rectification reports, for management's history."""
    return (
        RectificationReport.objects.filter(reviewed_at__isnull=False)
        .select_related(
            "clock__parent__standard_version__standard", "owner", "submitted_by", "reviewed_by"
        )
        .order_by("-reviewed_at", "-id")[:limit]
    )
