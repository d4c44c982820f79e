"""Re-planning open clocks after a calendar edit (a periodic job) or, on an administrator's
explicit request, after a standard changed.

Calendar edit: the time already used stays as it was counted; the time left is counted on the
calendar's new version, from the moment of the re-plan. Standard change: the running spells
are measured again in the new version's unit and calendar against its new allowance. Either
way the old and the new deadlines are recorded (SlaClockReplan), and a clock already past its
deadline is never un-breached: it keeps its deadline and breach and is flagged for review.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from coverdesk.accounts.models import User
from coverdesk.audit.services import audit_record
from coverdesk.sla.engine import CompiledCalendar, deadline_compute, instant_after, measure_between
from coverdesk.sla.models import (
    Calendar,
    CalendarVersion,
    ReplanReason,
    SegmentKind,
    SlaClock,
    SlaClockReplan,
    SlaStandardVersion,
)
from coverdesk.sla.selectors.calendars import calendar_compiled, calendar_version_current
from coverdesk.sla.selectors.clocks import standard_get, standard_version_current
from coverdesk.sla.services.clocks import (
    moment_of,
    plan_from_resume,
    spell_measure,
)
from coverdesk.sla.services.standards import standards_admin_check
from coverdesk.sla.transitions import OPEN_STATES, ClockAction, ClockState, transition_check

logger = logging.getLogger(__name__)

DEFAULT_BATCH_SIZE = 500
REVIEW_BREACHED = _("Already past its deadline when re-planned; deadline and breach kept.")
REVIEW_NEWLY_LATE = _("Past its deadline under the new standard.")


def _breached(clock: SlaClock, now: datetime) -> bool:
    return clock.breached_at is not None or (
        clock.state == ClockState.RUNNING and clock.due_at < now
    )


def _flag(clock: SlaClock, note: str | Promise) -> None:
    clock.review_needed = True
    clock.review_note = str(note)[:300]


def sla_clocks_replan_for_calendars(
    *, now: datetime | None = None, batch_size: int = DEFAULT_BATCH_SIZE
) -> int:
    """Move every open clock whose calendar has a newer version onto it. Idempotent: a clock
    on its calendar's current version is left alone. Returns how many were re-planned."""
    moment = moment_of(now)
    total = 0
    for calendar in Calendar.objects.all():
        current = calendar_version_current(code=calendar.code)
        older = list(
            CalendarVersion.objects.filter(calendar=calendar)
            .exclude(pk=current.pk)
            .values_list("pk", flat=True)
        )
        if not older:
            continue
        stale = SlaClock.objects.filter(state__in=OPEN_STATES, calendar_version_id__in=older)
        while True:
            if connection.vendor == "sqlite" and not stale.exists():
                break
            done, claimed = _calendar_batch(stale, current, moment, batch_size)
            total += done
            if claimed < batch_size:
                break
    return total


def sla_replan_job(now: datetime) -> int:
    """The worker's periodic job."""
    return sla_clocks_replan_for_calendars(now=now)


def _calendar_batch(
    stale: QuerySet[SlaClock], current: CalendarVersion, now: datetime, batch_size: int
) -> tuple[int, int]:
    with transaction.atomic():
        clocks = list(
            stale.select_for_update(skip_locked=True, of=("self",))
            .select_related("standard_version")
            .order_by("id")[:batch_size]
        )
        if not clocks:
            return 0, 0
        new_cal = calendar_compiled(version_id=current.pk)
        rows = [_calendar_replan(clock, current, new_cal, now) for clock in clocks]
        SlaClockReplan.objects.bulk_create(rows)
        audit_record(
            action="sla.clock.replan_calendar",
            subject=("sla.calendarversion", current.pk),
            after={
                "clocks": [
                    [row.clock_id, row.old_due_at, row.new_due_at, row.flagged] for row in rows
                ]
            },
            now=now,
        )
    logger.info("sla re-plan: %d clocks moved to calendar version %s", len(rows), current.pk)
    return len(rows), len(clocks)


def _calendar_replan(
    clock: SlaClock, current: CalendarVersion, new_cal: CompiledCalendar, now: datetime
) -> SlaClockReplan:
    transition_check(clock.state, ClockAction.REPLAN, clock.state)
    old_cal = calendar_compiled(version_id=clock.calendar_version_id)
    row = SlaClockReplan(
        clock=clock,
        reason=ReplanReason.CALENDAR,
        old_calendar_version_id=clock.calendar_version_id,
        new_calendar_version=current,
        old_standard_version_id=clock.standard_version_id,
        new_standard_version_id=clock.standard_version_id,
        old_allowed=clock.allowed,
        new_allowed=clock.allowed,
        old_warn_at=clock.warn_at,
        old_due_at=clock.due_at,
        replanned_at=now,
        consumed=clock.consumed,
    )
    breached = _breached(clock, now)
    if clock.state == ClockState.RUNNING:
        # Time used so far, counted on the version it was used under.
        clock.consumed += spell_measure(clock, old_cal, until=now)
        clock.resumed_at = max(clock.resumed_at, now)
        row.consumed = clock.consumed
    clock.calendar_version = current
    if breached:
        if clock.breached_at is None:
            clock.breached_at = clock.due_at
        _flag(clock, REVIEW_BREACHED)
        row.flagged = True
    if clock.state == ClockState.RUNNING:
        plan_from_resume(clock, new_cal)
    row.new_warn_at, row.new_due_at = clock.warn_at, clock.due_at
    clock.save()
    return row


# Standard re-plan --------------------------------------------------------------------------


def _used_on(clock: SlaClock, cal: CompiledCalendar, unit: str, now: datetime) -> int:
    """The measure of the clock's running spells, measured again on `cal` in `unit`."""
    used = 0
    for segment in clock.segments.filter(kind=SegmentKind.RUNNING).order_by("started_at", "id"):
        end = segment.ended_at or now
        used += max(0, measure_between(cal, unit=unit, start=segment.started_at, end=end))
    return used


def _crossing(
    clock: SlaClock, cal: CompiledCalendar, unit: str, target: int, now: datetime
) -> datetime:
    """The instant the running spells reached `target` of the measure."""
    used = 0
    for segment in clock.segments.filter(kind=SegmentKind.RUNNING).order_by("started_at", "id"):
        end = segment.ended_at or now
        spell = max(0, measure_between(cal, unit=unit, start=segment.started_at, end=end))
        if used + spell >= target:
            return instant_after(cal, unit=unit, start=segment.started_at, measure=target - used)
        used += spell
    return now


@transaction.atomic
def sla_standard_replan_running(
    *, standard_code: str, acting_user: User, now: datetime | None = None
) -> int:
    """Move the open clocks of a standard that started under an older version onto the
    version in force now. Returns how many were re-planned."""
    standards_admin_check(acting_user)
    moment = moment_of(now)
    standard = standard_get(code=standard_code)
    version = standard_version_current(code=standard.code, now=moment)
    calendar_version = calendar_version_current(code=version.calendar.code)
    new_cal = calendar_compiled(version_id=calendar_version.pk)
    clocks = list(
        SlaClock.objects.select_for_update(of=("self",))
        .select_related("standard_version")
        .filter(state__in=OPEN_STATES, standard_version__standard=standard)
        .exclude(standard_version=version)
        .order_by("id")
    )
    rows = [
        _standard_replan(clock, version, calendar_version, new_cal, moment, acting_user)
        for clock in clocks
    ]
    SlaClockReplan.objects.bulk_create(rows)
    if rows:
        audit_record(
            action="sla.standard.replan_running",
            actor=acting_user,
            subject=standard,
            after={
                "version": version.number,
                "clocks": [
                    [row.clock_id, row.old_due_at, row.new_due_at, row.flagged] for row in rows
                ],
            },
            now=moment,
        )
    return len(rows)


def _standard_replan(
    clock: SlaClock,
    version: SlaStandardVersion,
    calendar_version: CalendarVersion,
    new_cal: CompiledCalendar,
    now: datetime,
    acting_user: User,
) -> SlaClockReplan:
    transition_check(clock.state, ClockAction.REPLAN, clock.state)
    row = SlaClockReplan(
        clock=clock,
        reason=ReplanReason.STANDARD,
        old_calendar_version_id=clock.calendar_version_id,
        new_calendar_version=calendar_version,
        old_standard_version_id=clock.standard_version_id,
        new_standard_version=version,
        old_allowed=clock.allowed,
        old_warn_at=clock.warn_at,
        old_due_at=clock.due_at,
        replanned_at=now,
        acting_user=acting_user,
    )
    breached = _breached(clock, now)
    unit = version.unit
    deadline = deadline_compute(new_cal, start=clock.started_at, amount=version.amount, unit=unit)
    allowed = max(0, measure_between(new_cal, unit=unit, start=clock.started_at, end=deadline.at))
    used = _used_on(clock, new_cal, unit, now)
    clock.standard_version, clock.calendar_version = version, calendar_version
    clock.allowed, clock.consumed = allowed, used
    row.new_allowed, row.consumed = allowed, used
    if clock.state == ClockState.RUNNING:
        clock.resumed_at = max(clock.resumed_at, now)
    if breached:
        if clock.breached_at is None:
            clock.breached_at = clock.due_at
        _flag(clock, REVIEW_BREACHED)
        row.flagged = True
    elif used > allowed or (used == allowed and clock.state == ClockState.PAUSED):
        # Late under the new terms: the deadline is the instant the new allowance ran out.
        clock.due_at = _crossing(clock, new_cal, unit, allowed, now)
        clock.breached_at = clock.due_at
        _flag(clock, REVIEW_NEWLY_LATE)
        row.flagged = True
    if clock.state == ClockState.RUNNING:
        plan_from_resume(clock, new_cal)
    row.new_warn_at, row.new_due_at = clock.warn_at, clock.due_at
    clock.save()
    return row
