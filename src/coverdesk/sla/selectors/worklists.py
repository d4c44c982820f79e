"""Lists of clocks for people: my open clocks, a department's, the clocks of a subject that a
user may see, and the follow-up reports to write or to review. One query per list (plus a
count when paginated), whatever the number of open clocks.

The green/yellow/red mark is computed by the database so that lists can be filtered and sorted
by it: red once the deadline has passed (or a breach is recorded), yellow once the warning
instant has passed or the yellow share of the allowed time is used, green otherwise: the rule
of `coverdesk.sla.selectors.clocks.clock_progress` (a test keeps them in step). The time left
is computed per row shown, from the compiled calendar (cached per version: no query).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db.models import (
    Case,
    DecimalField,
    ExpressionWrapper,
    F,
    IntegerField,
    Q,
    QuerySet,
    Value,
    When,
)
from django.utils.translation import gettext_lazy as _

from coverdesk.accounts.models import User
from coverdesk.core.exceptions import PermissionDenied
from coverdesk.sla.calculations import share_used
from coverdesk.sla.engine import Unit, measure_between
from coverdesk.sla.models import ClockKind, RectificationReport, SlaClock
from coverdesk.sla.selectors.calendars import calendar_compiled_for
from coverdesk.sla.selectors.clocks import management_users
from coverdesk.sla.transitions import OPEN_STATES, ClockState

__all__ = [
    "CLOCK_ORDERS",
    "MARKS",
    "MARK_NAMES",
    "PERMISSION_VIEW_ALL_CLOCKS",
    "PERMISSION_VIEW_DEPARTMENT_CLOCKS",
    "REPORT_KINDS",
    "ClockTime",
    "ClocksNotAllowed",
    "clock_department_for_user",
    "clock_time",
    "clock_times",
    "clock_visibility",
    "clocks_of_department_open",
    "clocks_of_subject_for_user",
    "clocks_of_user_open",
    "followups_to_write",
    "is_management",
    "mark_conditions",
    "mark_expression",
    "rectification_reports_to_review",
]

PERMISSION_VIEW_ALL_CLOCKS = "sla.view_all_clocks"
PERMISSION_VIEW_DEPARTMENT_CLOCKS = "sla.view_department_clocks"

RED, YELLOW, GREEN = 0, 1, 2  # ranks: red sorts first
MARKS = {"red": RED, "yellow": YELLOW, "green": GREEN}
MARK_NAMES = {rank: name for name, rank in MARKS.items()}
CLOCK_ORDERS: dict[str, tuple[str, ...]] = {
    "due": ("due_at", "id"),
    "-due": ("-due_at", "-id"),
    "started": ("started_at", "id"),
    "-started": ("-started_at", "-id"),
    "mark": ("mark_rank", "due_at", "id"),
}
REPORT_KINDS = (ClockKind.PROGRESS_REPORT, ClockKind.RECTIFICATION_REPORT)
_ELAPSED_UNITS = {Unit.NATURAL_MINUTES, Unit.NATURAL_HOURS, Unit.NATURAL_DAYS}


def mark_conditions(now: datetime) -> dict[str, Q]:
    """red, yellow and green as mutually exclusive conditions on open clocks."""
    red = Q(breached_at__isnull=False) | Q(state=ClockState.RUNNING, due_at__lt=now)
    yellow_share = ExpressionWrapper(
        F("allowed") * F("standard_version__yellow_ratio"),
        output_field=DecimalField(max_digits=24, decimal_places=3),
    )
    yellow = Q(state=ClockState.RUNNING, warn_at__lte=now) | Q(consumed__gte=yellow_share)
    return {"red": red, "yellow": ~red & yellow, "green": ~red & ~yellow}


def mark_expression(now: datetime) -> Case:
    """The mark as a rank (red 0, yellow 1, green 2), to show and to sort by."""
    conditions = mark_conditions(now)
    return Case(
        When(conditions["red"], then=Value(RED)),
        When(conditions["yellow"], then=Value(YELLOW)),
        default=Value(GREEN),
        output_field=IntegerField(),
    )


def _with_marks(clocks: QuerySet[SlaClock], now: datetime) -> QuerySet[SlaClock]:
    return clocks.select_related(
        "standard_version__standard", "calendar_version__calendar", "assignee", "department"
    ).annotate(mark_rank=mark_expression(now))


def _filtered(
    clocks: QuerySet[SlaClock], *, now: datetime, mark: str, standard: str, kind: str, order: str
) -> QuerySet[SlaClock]:
    if mark in MARKS:
        clocks = clocks.filter(mark_conditions(now)[mark])
    if standard:
        clocks = clocks.filter(standard_version__standard__code=standard)
    if kind:
        clocks = clocks.filter(kind=kind)
    return clocks.order_by(*CLOCK_ORDERS.get(order, CLOCK_ORDERS["due"]))


def clocks_of_user_open(
    *,
    user: User,
    now: datetime,
    mark: str = "",
    standard: str = "",
    kind: str = "",
    order: str = "due",
) -> QuerySet[SlaClock]:
    """The open clocks assigned to `user` (through the (assignee, state) index), annotated with
    `mark_rank`; `mark` is red, yellow or green, `order` one of CLOCK_ORDERS."""
    clocks = _with_marks(SlaClock.objects.filter(assignee=user, state__in=OPEN_STATES), now)
    return _filtered(clocks, now=now, mark=mark, standard=standard, kind=kind, order=order)


def clocks_of_department_open(
    *,
    department_id: int | None,
    now: datetime,
    mark: str = "",
    standard: str = "",
    kind: str = "",
    order: str = "mark",
) -> QuerySet[SlaClock]:
    """The open clocks of a department (None: of every department), red first by default."""
    clocks = SlaClock.objects.filter(state__in=OPEN_STATES)
    if department_id is not None:
        clocks = clocks.filter(department_id=department_id)
    return _filtered(
        _with_marks(clocks, now), now=now, mark=mark, standard=standard, kind=kind, order=order
    )


def clock_visibility(user: User) -> Q:
    """Which clocks `user` may see: all with `sla.view_all_clocks`; their department's with
    `sla.view_department_clocks`; always their own."""
    if not user.is_active:
        return Q(pk__in=[])
    if user.has_perm(PERMISSION_VIEW_ALL_CLOCKS):
        return Q()
    own = Q(assignee=user)
    if user.has_perm(PERMISSION_VIEW_DEPARTMENT_CLOCKS) and user.department_id is not None:
        return own | Q(department_id=user.department_id)
    return own


class ClocksNotAllowed(PermissionDenied):
    default_code = "sla_clocks_not_allowed"
    default_message = _("You may not see the timeliness clocks of this department.")


def clock_department_for_user(*, user: User, department_id: int | None) -> int | None:
    """The department whose clocks (and warnings) `user` may list: any (None = all) with
    `sla.view_all_clocks`; their own with `sla.view_department_clocks` (also the default).
    Everyone else is refused."""
    if not user.is_active:
        raise ClocksNotAllowed()
    if user.has_perm(PERMISSION_VIEW_ALL_CLOCKS):
        return department_id
    if user.has_perm(PERMISSION_VIEW_DEPARTMENT_CLOCKS) and user.department_id is not None:
        if department_id is not None and department_id != user.department_id:
            raise ClocksNotAllowed()
        return user.department_id
    raise ClocksNotAllowed()


def clocks_of_subject_for_user(
    *, user: User, subject_type: str, subject_id: str, now: datetime
) -> QuerySet[SlaClock]:
    """The clocks of one subject that `user` may see, open and closed, oldest first."""
    clocks = SlaClock.objects.filter(subject_type=subject_type, subject_id=subject_id).filter(
        clock_visibility(user)
    )
    return _with_marks(clocks, now).order_by("started_at", "id")


def is_management(user: User) -> bool:
    return user.is_active and (
        user.is_superuser or user.pk in {person.pk for person in management_users()}
    )


def followups_to_write(*, user: User, now: datetime) -> QuerySet[SlaClock]:
    """Open progress and rectification report tasks `user` may submit: their own, or any of a
    department they head (the rule of the follow-up services)."""
    clocks = SlaClock.objects.filter(kind__in=REPORT_KINDS, state__in=OPEN_STATES).filter(
        Q(assignee=user) | Q(department__head=user)
    )
    return (
        _with_marks(clocks, now)
        .select_related("parent__standard_version__standard")
        .order_by("due_at", "id")
    )


def rectification_reports_to_review(*, user: User) -> QuerySet[RectificationReport]:
    """Submitted rectification reports not yet reviewed; management reviews them, so anyone
    else has none to review."""
    if not is_management(user):
        return RectificationReport.objects.none()
    return (
        RectificationReport.objects.filter(reviewed_at__isnull=True)
        .select_related(
            "clock__standard_version__standard",
            "clock__department",
            "clock__parent__standard_version__standard",
            "owner",
            "submitted_by",
        )
        .order_by("submitted_at", "id")
    )


# Time left ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClockTime:
    """Where a clock stands at `now`, in its unit's measure (business seconds for business
    units and working days, elapsed seconds for natural ones)."""

    used: int
    remaining: int  # 0 once late
    share: Decimal
    late: bool
    measure: str  # "business" | "elapsed"


def clock_time(clock: SlaClock, *, now: datetime) -> ClockTime:
    """Needs `calendar_version__calendar` and `standard_version` loaded (the lists above load
    them): the compiled calendar then comes from the cache without a query."""
    unit = Unit(clock.standard_version.unit)
    if clock.state == ClockState.RUNNING:
        cal = calendar_compiled_for(version=clock.calendar_version)
        spell = max(0, measure_between(cal, unit=unit, start=clock.resumed_at, end=now))
        used = clock.consumed + spell
        late = now > clock.due_at
    elif clock.state == ClockState.PAUSED:
        used, late = clock.consumed, False
    else:
        used = clock.used if clock.used is not None else clock.consumed
        late = clock.met is False
    late = late or clock.breached_at is not None
    return ClockTime(
        used=used,
        remaining=0 if late else max(0, clock.allowed - used),
        share=share_used(used, clock.allowed),
        late=late,
        measure="elapsed" if unit in _ELAPSED_UNITS else "business",
    )


def clock_times(clocks: Iterable[SlaClock], *, now: datetime) -> dict[int, ClockTime]:
    return {clock.pk: clock_time(clock, now=now) for clock in clocks}
