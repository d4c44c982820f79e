"""Reads of standards, clocks and their events."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from coverdesk.accounts.choices import DepartmentCode, RoleCode
from coverdesk.accounts.models import Department, User
from coverdesk.core.exceptions import NotFound
from coverdesk.sla.calculations import share_used, threshold_measure
from coverdesk.sla.engine import measure_between
from coverdesk.sla.models import SlaClock, SlaEvent, SlaStandard, SlaStandardVersion
from coverdesk.sla.selectors.calendars import calendar_compiled
from coverdesk.sla.transitions import OPEN_STATES, ClockState


class ClockNotFound(NotFound):
    default_code = "sla_clock_not_found"
    default_message = _("Timeliness clock not found.")


class StandardNotFound(NotFound):
    default_code = "sla_standard_not_found"
    default_message = _("Timeliness standard {code} not found.")


def clock_get(*, clock_id: int) -> SlaClock:
    clock = (
        SlaClock.objects.select_related("standard_version__standard", "assignee", "department")
        .filter(pk=clock_id)
        .first()
    )
    if clock is None:
        raise ClockNotFound()
    return clock


def clocks_of_subject(*, subject_type: str, subject_id: str | int) -> QuerySet[SlaClock]:
    """Every clock of one subject (the legal and the company deadline side by side)."""
    return (
        SlaClock.objects.filter(subject_type=subject_type, subject_id=str(subject_id))
        .select_related("standard_version__standard")
        .order_by("started_at", "id")
    )


def clocks_open_of_user(*, user: User) -> QuerySet[SlaClock]:
    return (
        SlaClock.objects.filter(assignee=user, state__in=OPEN_STATES)
        .select_related("standard_version__standard")
        .order_by("due_at", "id")
    )


def clock_events(*, clock_id: int) -> QuerySet[SlaEvent]:
    return SlaEvent.objects.filter(clock_id=clock_id).order_by("id")


def standard_get(*, code: str) -> SlaStandard:
    standard = SlaStandard.objects.filter(code=code).first()
    if standard is None:
        raise StandardNotFound(params={"code": code})
    return standard


def standard_version_current(*, code: str, now: datetime) -> SlaStandardVersion:
    """The version in force at `now`: the latest effective at or before it."""
    version = (
        SlaStandardVersion.objects.select_related("standard", "calendar")
        .filter(standard__code=code, effective_from__lte=now)
        .order_by("-effective_from", "-number")
        .first()
    )
    if version is None:
        raise StandardNotFound(params={"code": code})
    return version


def management_users() -> list[User]:
    """Who "management" is: active users holding the manager role, and the head of the
    management department."""
    head_id = (
        Department.objects.filter(code=DepartmentCode.MANAGEMENT)
        .values_list("head_id", flat=True)
        .first()
    )
    condition = Q(groups__name=RoleCode.MANAGER)
    if head_id is not None:
        condition |= Q(pk=head_id)
    return list(User.objects.filter(condition, is_active=True).distinct().order_by("pk"))


GREEN = "green"
YELLOW = "yellow"
RED = "red"


@dataclass(frozen=True)
class ClockProgress:
    used: int  # measure used so far
    remaining: int  # measure left (0 once past due)
    share: Decimal
    colour: str  # green | yellow | red (grey states report their outcome colour)


def clock_progress(clock: SlaClock, *, now: datetime) -> ClockProgress:
    """Where an open clock stands at `now`, in its unit's measure."""
    if clock.state == ClockState.RUNNING:
        cal = calendar_compiled(version_id=clock.calendar_version_id)
        spell = max(
            0,
            measure_between(cal, unit=clock.standard_version.unit, start=clock.resumed_at, end=now),
        )
        used = clock.consumed + spell
        late = now > clock.due_at
    elif clock.state == ClockState.PAUSED:
        used, late = clock.consumed, clock.breached_at is not None
    else:
        used = clock.used if clock.used is not None else clock.consumed
        late = clock.met is False
    late = late or clock.breached_at is not None
    if late:
        colour = RED
    elif used >= _yellow_measure(clock) or (
        clock.state == ClockState.RUNNING and now >= clock.warn_at
    ):
        colour = YELLOW
    else:
        colour = GREEN
    return ClockProgress(
        used=used,
        remaining=max(0, clock.allowed - used) if not late else 0,
        share=share_used(used, clock.allowed),
        colour=colour,
    )


def _yellow_measure(clock: SlaClock) -> int:
    return threshold_measure(clock.allowed, clock.standard_version.yellow_ratio)
