"""Clock writes: start, pause, resume, stop, cancel, reassign. Each locks the row, checks the
transition table, keeps the segment history and writes one audit entry, in one transaction.

How a clock keeps time: `consumed` is the measure used before the current running spell, which
began at `resumed_at`. At a pause the spell's measure is added to `consumed`; at a resume the
warning and the deadline are planned again from the time left. Deadlines are instants: a clock
is met when it stops at or before `due_at` (a task due 12:00 done 12:30 in the lunch break is
late, though no business time passed after 12:00).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Model
from django.utils.translation import gettext_lazy as _

from coverdesk.accounts.models import Department, User
from coverdesk.audit.services import audit_record, subject_reference
from coverdesk.core import clock as core_clock
from coverdesk.core.clock import ensure_aware
from coverdesk.core.exceptions import Conflict, ValidationFailed
from coverdesk.sla.calculations import (
    ESCALATION,
    RED,
    YELLOW,
    EventStep,
    event_steps,
    share_used,
    threshold_measure,
)
from coverdesk.sla.engine import CompiledCalendar, Unit, deadline_compute, instant_after
from coverdesk.sla.engine import measure_between as engine_measure_between
from coverdesk.sla.models import (
    CalendarVersion,
    ClockKind,
    SegmentKind,
    SlaClock,
    SlaClockSegment,
    SlaStandardVersion,
)
from coverdesk.sla.selectors.calendars import calendar_compiled, calendar_version_current
from coverdesk.sla.selectors.clocks import ClockNotFound, standard_version_current
from coverdesk.sla.transitions import OPEN_STATES, ClockAction, ClockState, transition_check

# Breached "the moment after" the deadline: the red event is due one microsecond later.
BREACH_AFTER = timedelta(microseconds=1)
REASON_MAX_LENGTH = 300
SUBJECT_TYPE_MAX_LENGTH = 100
SUBJECT_ID_MAX_LENGTH = 64


class ReportRequired(Conflict):
    default_code = "sla_report_required"
    default_message = _("This task ends when its report is submitted.")


REPORT_KINDS = frozenset({ClockKind.PROGRESS_REPORT, ClockKind.RECTIFICATION_REPORT})


class StandardInactive(Conflict):
    default_code = "sla_standard_inactive"
    default_message = _("The timeliness standard {code} is inactive and starts no clocks.")


# Planning (pure given the compiled calendar) ---------------------------------------------


def threshold_unit(unit: str) -> Unit:
    """The unit to place warning thresholds in: the clock's own measure without the natural-day
    end-of-day rule (a warning at 80 % of 10 natural days is an instant, not a day's end)."""
    engine_unit = Unit(unit)
    return Unit.NATURAL_MINUTES if engine_unit is Unit.NATURAL_DAYS else engine_unit


def version_steps(version: SlaStandardVersion) -> list[EventStep]:
    return event_steps(
        yellow_ratio=Decimal(version.yellow_ratio),
        escalation_ratios=[Decimal(str(step["ratio"])) for step in version.escalations],
    )


def is_provisional(cal: CompiledCalendar, unit: str, at: datetime) -> bool:
    if cal.always_open or Unit(unit) in (Unit.NATURAL_MINUTES, Unit.NATURAL_HOURS):
        return False
    return at.timestamp() > cal.published_end


def spell_measure(clock: SlaClock, cal: CompiledCalendar, *, until: datetime) -> int:
    """The measure used in the current running spell, up to `until`."""
    used = engine_measure_between(
        cal, unit=clock.standard_version.unit, start=clock.resumed_at, end=until
    )
    return max(0, used)


def plan_from_resume(clock: SlaClock, cal: CompiledCalendar) -> None:
    """Warning and deadline of a clock running from `resumed_at` with `consumed` used. A clock
    already breached keeps its deadline: it is never un-breached by a later plan."""
    version = clock.standard_version
    unit = version.unit
    start = clock.resumed_at
    if clock.breached_at is None:
        remaining = max(0, clock.allowed - clock.consumed)
        clock.due_at = instant_after(cal, unit=unit, start=start, measure=remaining)
        clock.due_provisional = is_provisional(cal, unit, clock.due_at)
    if clock.stage == 0:
        yellow = threshold_measure(clock.allowed, Decimal(version.yellow_ratio))
        if yellow > clock.consumed:
            clock.warn_at = instant_after(
                cal, unit=threshold_unit(unit), start=start, measure=yellow - clock.consumed
            )
        elif clock.warn_at > start:
            # The share was used before this spell: the warning is due at once.
            clock.warn_at = start
    clock.next_event_at = next_event_at(clock, version_steps(version), cal)


def step_instant(clock: SlaClock, step: EventStep, cal: CompiledCalendar) -> datetime:
    """When a running clock reaches `step`."""
    if step.kind == YELLOW:
        return clock.warn_at
    red = clock.due_at + BREACH_AFTER
    if step.kind == RED:
        return red
    assert step.kind == ESCALATION
    target = threshold_measure(clock.allowed, step.ratio)
    if target <= clock.consumed:
        return max(clock.resumed_at, red)
    at = instant_after(
        cal,
        unit=threshold_unit(clock.standard_version.unit),
        start=clock.resumed_at,
        measure=target - clock.consumed,
    )
    return max(at, red)


def next_event_at(
    clock: SlaClock, steps: list[EventStep], cal: CompiledCalendar
) -> datetime | None:
    if clock.state != ClockState.RUNNING or clock.stage >= len(steps):
        return None
    return step_instant(clock, steps[clock.stage], cal)


# Shared writes ----------------------------------------------------------------------------


def moment_of(now: datetime | None) -> datetime:
    return ensure_aware(now) if now is not None else core_clock.now()


def clock_locked(clock_id: int) -> SlaClock:
    clock = (
        SlaClock.objects.select_for_update(of=("self",))
        .select_related("standard_version")
        .filter(pk=clock_id)
        .first()
    )
    if clock is None:
        raise ClockNotFound()
    return clock


def clock_snapshot(clock: SlaClock) -> dict[str, Any]:
    """The clock's planning fields as the audit trail records them."""
    return {
        "state": clock.state,
        "assignee": clock.assignee_id,
        "department": clock.department_id,
        "consumed": clock.consumed,
        "allowed": clock.allowed,
        "warn_at": clock.warn_at,
        "due_at": clock.due_at,
        "next_event_at": clock.next_event_at,
        "breached_at": clock.breached_at,
        "calendar_version": clock.calendar_version_id,
        "standard_version": clock.standard_version_id,
    }


def _segment_close(clock: SlaClock, *, now: datetime) -> None:
    SlaClockSegment.objects.filter(clock=clock, ended_at__isnull=True).update(ended_at=now)


def _segment_open(
    clock: SlaClock, kind: str, *, now: datetime, reason: str = "", acting_user: User | None
) -> None:
    SlaClockSegment.objects.create(
        clock=clock, kind=kind, started_at=now, reason=reason, acting_user=acting_user
    )


def clock_build(
    *,
    subject_type: str,
    subject_id: str,
    version: SlaStandardVersion,
    calendar_version: CalendarVersion,
    cal: CompiledCalendar,
    kind: str,
    parent: SlaClock | None,
    assignee: User | None,
    department: Department | None,
    customer_updates: bool,
    now: datetime,
) -> SlaClock:
    """A running clock planned from `now`, not yet saved."""
    unit = version.unit
    deadline = deadline_compute(cal, start=now, amount=version.amount, unit=unit)
    allowed = max(0, engine_measure_between(cal, unit=unit, start=now, end=deadline.at))
    clock = SlaClock(
        subject_type=subject_type,
        subject_id=subject_id,
        kind=kind,
        parent=parent,
        standard_version=version,
        calendar_version=calendar_version,
        assignee=assignee,
        department=department,
        state=ClockState.RUNNING,
        started_at=now,
        resumed_at=now,
        consumed=0,
        allowed=allowed,
        warn_at=now,
        due_at=deadline.at,
        due_provisional=deadline.provisional,
        customer_updates=customer_updates,
    )
    yellow = threshold_measure(allowed, Decimal(version.yellow_ratio))
    clock.warn_at = instant_after(cal, unit=threshold_unit(unit), start=now, measure=yellow)
    clock.next_event_at = next_event_at(clock, version_steps(version), cal)
    return clock


def clock_begin(
    *,
    subject_type: str,
    subject_id: str,
    version: SlaStandardVersion,
    kind: str,
    parent: SlaClock | None,
    assignee: User | None,
    department: Department | None,
    customer_updates: bool,
    acting_user: User | None,
    now: datetime,
) -> SlaClock:
    """Insert a running clock on the calendar's current version with its first segment. The
    caller writes the audit entry."""
    calendar_version = calendar_version_current(code=version.calendar.code)
    clock = clock_build(
        subject_type=subject_type,
        subject_id=subject_id,
        version=version,
        calendar_version=calendar_version,
        cal=calendar_compiled(version_id=calendar_version.pk),
        kind=kind,
        parent=parent,
        assignee=assignee,
        department=department,
        customer_updates=customer_updates,
        now=now,
    )
    clock.save()
    _segment_open(clock, SegmentKind.RUNNING, now=now, acting_user=acting_user)
    return clock


def _check_subject(subject_type: str, subject_id: str) -> None:
    if not subject_type or len(subject_type) > SUBJECT_TYPE_MAX_LENGTH:
        raise ValidationFailed.for_field(
            "subject",
            "type",
            _("The subject needs a type of 1 to {limit} characters."),
            limit=SUBJECT_TYPE_MAX_LENGTH,
        )
    if not subject_id or len(subject_id) > SUBJECT_ID_MAX_LENGTH:
        raise ValidationFailed.for_field(
            "subject",
            "id",
            _("The subject needs an id of 1 to {limit} characters."),
            limit=SUBJECT_ID_MAX_LENGTH,
        )


def _check_reason(reason: str) -> str:
    cleaned = reason.strip()
    if not cleaned:
        raise ValidationFailed.for_field("reason", "required", _("Give the reason for the pause."))
    if len(cleaned) > REASON_MAX_LENGTH:
        raise ValidationFailed.for_field(
            "reason", "max_length", _("At most {limit} characters."), limit=REASON_MAX_LENGTH
        )
    return cleaned


# Services ---------------------------------------------------------------------------------


@transaction.atomic
def sla_clock_start(
    *,
    subject: Model | tuple[str, Any],
    standard_code: str,
    assignee: User | None,
    department: Department | None = None,
    acting_user: User | None,
    now: datetime | None = None,
    customer_updates: bool | None = None,
) -> SlaClock:
    """Start a clock on `subject` under the standard version in force at `now`, on its
    calendar's current version. Without a department the assignee's is used. A standard that
    asks for daily progress updates to the customer (or `customer_updates=True`) also starts
    the first of those follow-up clocks."""
    moment = moment_of(now)
    subject_type, subject_id = subject_reference(subject)
    _check_subject(subject_type, subject_id)
    version = standard_version_current(code=standard_code, now=moment)
    if not version.standard.is_active:
        raise StandardInactive(params={"code": standard_code})
    if department is None and assignee is not None:
        department = assignee.department
    wants_updates = version.customer_updates if customer_updates is None else customer_updates
    clock = clock_begin(
        subject_type=subject_type,
        subject_id=subject_id,
        version=version,
        kind=ClockKind.PRIMARY,
        parent=None,
        assignee=assignee,
        department=department,
        customer_updates=wants_updates,
        acting_user=acting_user,
        now=moment,
    )
    audit_record(
        action="sla.clock.start",
        actor=acting_user,
        subject=clock,
        after={
            "subject_type": subject_type,
            "subject_id": subject_id,
            "standard": standard_code,
            **clock_snapshot(clock),
        },
        now=moment,
    )
    if wants_updates:
        # Imported here: followups builds on this module.
        from coverdesk.sla.services.followups import customer_update_open

        customer_update_open(parent=clock, acting_user=acting_user, now=moment)
    return clock


@transaction.atomic
def sla_clock_pause(
    *, clock_id: int, reason: str, acting_user: User | None, now: datetime | None = None
) -> SlaClock:
    """Pause a running clock (e.g. waiting for the customer's materials): the time used so far
    is kept and no warning fires until it resumes."""
    moment = moment_of(now)
    cleaned = _check_reason(reason)
    clock = clock_locked(clock_id)
    transition_check(clock.state, ClockAction.PAUSE, ClockState.PAUSED)
    before = clock_snapshot(clock)
    cal = calendar_compiled(version_id=clock.calendar_version_id)
    clock.consumed += spell_measure(clock, cal, until=moment)
    if moment > clock.due_at and clock.breached_at is None:
        clock.breached_at = clock.due_at
    clock.state, clock.paused_at, clock.next_event_at = ClockState.PAUSED, moment, None
    clock.save()
    _segment_close(clock, now=moment)
    _segment_open(clock, SegmentKind.PAUSED, now=moment, reason=cleaned, acting_user=acting_user)
    audit_record(
        action="sla.clock.pause",
        actor=acting_user,
        subject=clock,
        before=before,
        after={**clock_snapshot(clock), "reason": cleaned},
        now=moment,
    )
    return clock


@transaction.atomic
def sla_clock_resume(
    *, clock_id: int, acting_user: User | None, now: datetime | None = None
) -> SlaClock:
    """Resume a paused clock: the time left is counted from now, warning and deadline are
    planned again (on the clock's calendar version)."""
    moment = moment_of(now)
    clock = clock_locked(clock_id)
    transition_check(clock.state, ClockAction.RESUME, ClockState.RUNNING)
    if clock.paused_at is not None and moment < clock.paused_at:
        raise ValidationFailed.for_field(
            "now", "before_pause", _("A clock cannot resume before it paused.")
        )
    before = clock_snapshot(clock)
    cal = calendar_compiled(version_id=clock.calendar_version_id)
    clock.state, clock.resumed_at, clock.paused_at = ClockState.RUNNING, moment, None
    plan_from_resume(clock, cal)
    clock.save()
    _segment_close(clock, now=moment)
    _segment_open(clock, SegmentKind.RUNNING, now=moment, acting_user=acting_user)
    audit_record(
        action="sla.clock.resume",
        actor=acting_user,
        subject=clock,
        before=before,
        after=clock_snapshot(clock),
        now=moment,
    )
    return clock


def clock_finish(clock: SlaClock, *, now: datetime, acting_user: User | None) -> None:
    """Stop a locked open clock: met iff stopped at or before its deadline (for a paused clock:
    iff it was not past due when it paused). Records the outcome; no audit entry."""
    if clock.state == ClockState.RUNNING:
        if now < clock.resumed_at:
            raise ValidationFailed.for_field(
                "now", "before_start", _("A clock cannot stop before it runs.")
            )
        cal = calendar_compiled(version_id=clock.calendar_version_id)
        used = clock.consumed + spell_measure(clock, cal, until=now)
        met = now <= clock.due_at and clock.breached_at is None
    else:
        used = clock.consumed
        met = clock.breached_at is None
    target = ClockState.MET if met else ClockState.BREACHED
    transition_check(clock.state, ClockAction.STOP, target)
    if not met and clock.breached_at is None:
        clock.breached_at = clock.due_at
    clock.state, clock.stopped_at, clock.next_event_at = target, now, None
    clock.used, clock.met = used, met
    clock.share_used = share_used(used, clock.allowed)
    clock.save()
    _segment_close(clock, now=now)
    _children_close(clock, now=now, acting_user=acting_user)


def _children_close(clock: SlaClock, *, now: datetime, acting_user: User | None) -> None:
    """The recurring customer updates end with the work they report on."""
    for child in SlaClock.objects.select_for_update().filter(
        parent=clock, kind=ClockKind.CUSTOMER_UPDATE, state__in=OPEN_STATES
    ):
        child.state, child.stopped_at, child.next_event_at = ClockState.CANCELLED, now, None
        child.save()
        _segment_close(child, now=now)


@transaction.atomic
def sla_clock_stop(
    *, clock_id: int, acting_user: User | None, now: datetime | None = None
) -> SlaClock:
    """Stop an open clock: the work is done. Records business time used, the share of the
    allowed time and met/missed for the KPIs."""
    moment = moment_of(now)
    clock = clock_locked(clock_id)
    if clock.kind in REPORT_KINDS:
        # A report task is done when its report is submitted (followups.py), never by hand.
        raise ReportRequired()
    before = clock_snapshot(clock)
    clock_finish(clock, now=moment, acting_user=acting_user)
    audit_record(
        action="sla.clock.stop",
        actor=acting_user,
        subject=clock,
        before=before,
        after={
            **clock_snapshot(clock),
            "used": clock.used,
            "share_used": clock.share_used,
            "met": clock.met,
        },
        now=moment,
    )
    return clock


@transaction.atomic
def sla_clock_cancel(
    *, clock_id: int, reason: str, acting_user: User | None, now: datetime | None = None
) -> SlaClock:
    """Cancel an open clock (the obligation fell away, e.g. the request was withdrawn). A
    cancelled clock counts in no KPI."""
    moment = moment_of(now)
    cleaned = _check_reason(reason)
    clock = clock_locked(clock_id)
    transition_check(clock.state, ClockAction.CANCEL, ClockState.CANCELLED)
    before = clock_snapshot(clock)
    clock.state, clock.stopped_at, clock.next_event_at = ClockState.CANCELLED, moment, None
    clock.save()
    _segment_close(clock, now=moment)
    _children_close(clock, now=moment, acting_user=acting_user)
    audit_record(
        action="sla.clock.cancel",
        actor=acting_user,
        subject=clock,
        before=before,
        after={**clock_snapshot(clock), "reason": cleaned},
        now=moment,
    )
    return clock


@transaction.atomic
def sla_clock_reassign(
    *,
    clock_id: int,
    assignee: User | None,
    department: Department | None = None,
    acting_user: User | None,
    now: datetime | None = None,
) -> SlaClock:
    """Give an open clock to another person (and department: by default the new assignee's).
    Time and deadlines stay as they are."""
    moment = moment_of(now)
    clock = clock_locked(clock_id)
    transition_check(clock.state, ClockAction.REASSIGN, clock.state)
    before = clock_snapshot(clock)
    if department is None and assignee is not None:
        department = assignee.department
    clock.assignee, clock.department = assignee, department
    clock.save(update_fields=["assignee", "department", "updated_at"])
    audit_record(
        action="sla.clock.reassign",
        actor=acting_user,
        subject=clock,
        before=before,
        after=clock_snapshot(clock),
        now=moment,
    )
    return clock
