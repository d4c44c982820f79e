"""Follow-up obligations (domain.md §4.1), each itself a clock on the subject of the work it
follows: a progress report to the department head after a yellow warning (1 working day), a
written rectification report to management after a red one (2 working days), and the optional
daily progress update to the customer that re-arms until the work is done."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from coverdesk.accounts.models import Department, User
from coverdesk.audit.services import audit_record
from coverdesk.core.exceptions import (
    Conflict,
    FieldError,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from coverdesk.sla.engine import CompiledCalendar
from coverdesk.sla.models import (
    CalendarVersion,
    ClockKind,
    ProgressReport,
    RectificationReport,
    SegmentKind,
    SlaClock,
    SlaClockSegment,
    SlaStandardVersion,
)
from coverdesk.sla.selectors.calendars import calendar_compiled, calendar_version_current
from coverdesk.sla.selectors.clocks import management_users, standard_version_current
from coverdesk.sla.services.clocks import (
    clock_build,
    clock_finish,
    clock_locked,
    clock_snapshot,
    moment_of,
)
from coverdesk.sla.transitions import OPEN_STATES

FOLLOWUP_STANDARDS: dict[str, str] = {
    ClockKind.PROGRESS_REPORT: "followup.progress_report",
    ClockKind.RECTIFICATION_REPORT: "followup.rectification_report",
    ClockKind.CUSTOMER_UPDATE: "followup.customer_update",
}
TEXT_MAX_LENGTH = 10_000


class NotYourReport(PermissionDenied):
    default_code = "sla_report_not_yours"
    default_message = _("Only the person responsible or the department head may report on it.")


class NotManagement(PermissionDenied):
    default_code = "sla_review_management_only"
    default_message = _("Only management reviews rectification reports.")


class WrongFollowUp(Conflict):
    default_code = "sla_wrong_follow_up"
    default_message = _("This clock is not a {kind} task.")


class ReportAlreadySubmitted(Conflict):
    default_code = "sla_report_already_submitted"
    default_message = _("The report was already submitted.")


class ReportNotFound(NotFound):
    default_code = "sla_report_not_found"
    default_message = _("Rectification report not found.")


def _followup_assignee(
    kind: str, parent_assignee_id: int | None, head_id: int | None
) -> int | None:
    """The progress report and the customer update fall to the parent's assignee, the
    rectification report to the department head; each falls back to the other."""
    if kind == ClockKind.RECTIFICATION_REPORT:
        return head_id or parent_assignee_id
    return parent_assignee_id or head_id


def followup_open(
    *, parent: SlaClock, kind: str, acting_user: User | None, now: datetime
) -> SlaClock:
    """Start one follow-up clock of `parent`. The caller writes the audit entry."""
    (clock,) = followups_open_many(
        parents_and_kinds=[(parent, kind)], now=now, acting_user=acting_user
    )
    return clock


def followups_open_many(
    *,
    parents_and_kinds: Sequence[tuple[SlaClock, str]],
    now: datetime,
    acting_user: User | None = None,
) -> list[SlaClock]:
    """Start follow-up clocks on the subjects of their parents, in two inserts (clocks, then
    their first segments), looking up each standard, calendar and department head once. The
    caller writes the audit entry."""
    versions: dict[str, SlaStandardVersion] = {}
    calendars: dict[str, tuple[CalendarVersion, CompiledCalendar]] = {}
    department_ids = {parent.department_id for parent, _kind in parents_and_kinds}
    heads = dict(
        Department.objects.filter(
            pk__in=[pk for pk in department_ids if pk is not None]
        ).values_list("pk", "head_id")
    )
    clocks: list[SlaClock] = []
    for parent, kind in parents_and_kinds:
        version = versions.get(kind)
        if version is None:
            version = versions[kind] = standard_version_current(
                code=FOLLOWUP_STANDARDS[kind], now=now
            )
        code = version.calendar.code
        if code not in calendars:
            calendar_version = calendar_version_current(code=code)
            calendars[code] = (calendar_version, calendar_compiled(version_id=calendar_version.pk))
        calendar_version, cal = calendars[code]
        head_id = heads.get(parent.department_id) if parent.department_id else None
        clock = clock_build(
            subject_type=parent.subject_type,
            subject_id=parent.subject_id,
            version=version,
            calendar_version=calendar_version,
            cal=cal,
            kind=kind,
            parent=parent,
            assignee=None,
            department=None,
            customer_updates=False,
            now=now,
        )
        clock.assignee_id = _followup_assignee(kind, parent.assignee_id, head_id)
        clock.department_id = parent.department_id
        clocks.append(clock)
    if not clocks:
        return clocks
    SlaClock.objects.bulk_create(clocks)
    SlaClockSegment.objects.bulk_create(
        SlaClockSegment(
            clock=clock, kind=SegmentKind.RUNNING, started_at=now, acting_user=acting_user
        )
        for clock in clocks
    )
    return clocks


def customer_update_open(*, parent: SlaClock, acting_user: User | None, now: datetime) -> SlaClock:
    child = followup_open(
        parent=parent, kind=ClockKind.CUSTOMER_UPDATE, acting_user=acting_user, now=now
    )
    audit_record(
        action="sla.followup.open",
        actor=acting_user,
        subject=child,
        after={"kind": child.kind, "parent": parent.pk, **clock_snapshot(child)},
        now=now,
    )
    return child


def _may_report(clock: SlaClock, user: User) -> bool:
    if not user.is_active:
        return False
    if clock.assignee_id is not None and clock.assignee_id == user.pk:
        return True
    department = clock.department
    return department is not None and department.head_id == user.pk


def _followup_locked(clock_id: int, kind: str, acting_user: User) -> SlaClock:
    clock = clock_locked(clock_id)
    if clock.kind != kind:
        raise WrongFollowUp(params={"kind": str(ClockKind(kind).label).lower()})
    if not _may_report(clock, acting_user):
        raise NotYourReport()
    return clock


def _text(field: str, value: str, errors: list[FieldError]) -> str:
    cleaned = value.strip()
    if not cleaned:
        errors.append(FieldError(field, "required", _("This field is required.")))
    elif len(cleaned) > TEXT_MAX_LENGTH:
        errors.append(FieldError(field, "max_length", _("At most 10,000 characters.")))
    return cleaned


def _raise_if_any(errors: list[FieldError]) -> None:
    if errors:
        raise ValidationFailed(fields=errors)


@transaction.atomic
def progress_report_submit(
    *, clock_id: int, text: str, acting_user: User, now: datetime | None = None
) -> ProgressReport:
    """The assignee (or the department head) reports progress after a yellow warning; this
    stops the follow-up clock, met or late."""
    moment = moment_of(now)
    clock = _followup_locked(clock_id, ClockKind.PROGRESS_REPORT, acting_user)
    errors: list[FieldError] = []
    cleaned = _text("text", text, errors)
    _raise_if_any(errors)
    if ProgressReport.objects.filter(clock=clock).exists():
        raise ReportAlreadySubmitted()
    before = clock_snapshot(clock)
    clock_finish(clock, now=moment, acting_user=acting_user)
    report = ProgressReport.objects.create(
        clock=clock, text=cleaned, submitted_by=acting_user, submitted_at=moment
    )
    audit_record(
        action="sla.progress_report.submit",
        actor=acting_user,
        subject=clock,
        before=before,
        after={**clock_snapshot(clock), "met": clock.met, "report": report.pk, "text": cleaned},
        now=moment,
    )
    return report


@transaction.atomic
def rectification_report_submit(
    *,
    clock_id: int,
    cause_analysis: str,
    measures: str,
    owner: User | None,
    completion_date: date | None,
    acting_user: User,
    now: datetime | None = None,
) -> RectificationReport:
    """The department head's written rectification report after a red warning: the cause,
    the measures, who owns them and by when. Its submission stops the follow-up clock."""
    moment = moment_of(now)
    clock = _followup_locked(clock_id, ClockKind.RECTIFICATION_REPORT, acting_user)
    errors: list[FieldError] = []
    cause = _text("cause_analysis", cause_analysis, errors)
    steps = _text("measures", measures, errors)
    if owner is None or not owner.is_active:
        errors.append(FieldError("owner", "required", _("Name an active owner of the measures.")))
    today = timezone.localdate(moment)
    if completion_date is None:
        errors.append(FieldError("completion_date", "required", _("This field is required.")))
    elif completion_date < today:
        errors.append(
            FieldError("completion_date", "past", _("The completion date cannot be in the past."))
        )
    _raise_if_any(errors)
    assert owner is not None and completion_date is not None
    if RectificationReport.objects.filter(clock=clock).exists():
        raise ReportAlreadySubmitted()
    before = clock_snapshot(clock)
    clock_finish(clock, now=moment, acting_user=acting_user)
    report = RectificationReport.objects.create(
        clock=clock,
        cause_analysis=cause,
        measures=steps,
        owner=owner,
        completion_date=completion_date,
        submitted_by=acting_user,
        submitted_at=moment,
    )
    audit_record(
        action="sla.rectification_report.submit",
        actor=acting_user,
        subject=clock,
        before=before,
        after={
            **clock_snapshot(clock),
            "met": clock.met,
            "report": report.pk,
            "cause_analysis": cause,
            "measures": steps,
            "owner": owner.pk,
            "completion_date": completion_date,
        },
        now=moment,
    )
    return report


@transaction.atomic
def rectification_report_review(
    *, report_id: int, note: str = "", acting_user: User, now: datetime | None = None
) -> RectificationReport:
    """Management marks a rectification report reviewed, once."""
    moment = moment_of(now)
    if not acting_user.is_superuser and acting_user.pk not in {
        user.pk for user in management_users()
    }:
        raise NotManagement()
    report = RectificationReport.objects.select_for_update().filter(pk=report_id).first()
    if report is None:
        raise ReportNotFound()
    if report.reviewed_at is not None:
        raise Conflict(_("The report was already reviewed."), code="sla_report_already_reviewed")
    report.reviewed_by, report.reviewed_at, report.review_note = acting_user, moment, note.strip()
    report.save(update_fields=["reviewed_by", "reviewed_at", "review_note", "updated_at"])
    audit_record(
        action="sla.rectification_report.review",
        actor=acting_user,
        subject=report,
        before={"reviewed_at": None},
        after={"reviewed_at": moment, "note": report.review_note},
        now=moment,
    )
    return report


@transaction.atomic
def customer_update_record(
    *, clock_id: int, note: str, acting_user: User, now: datetime | None = None
) -> SlaClock | None:
    """The customer was told how the work stands: the day's update clock stops and, while the
    work is still open, the next one starts. Returns the next clock, if any."""
    moment = moment_of(now)
    clock = _followup_locked(clock_id, ClockKind.CUSTOMER_UPDATE, acting_user)
    errors: list[FieldError] = []
    cleaned = _text("note", note, errors)
    _raise_if_any(errors)
    before = clock_snapshot(clock)
    clock_finish(clock, now=moment, acting_user=acting_user)
    parent = (
        SlaClock.objects.select_for_update().get(pk=clock.parent_id)
        if clock.parent_id is not None
        else None
    )
    following = None
    if parent is not None and parent.state in OPEN_STATES:
        following = followup_open(
            parent=parent, kind=ClockKind.CUSTOMER_UPDATE, acting_user=acting_user, now=moment
        )
    audit_record(
        action="sla.customer_update.record",
        actor=acting_user,
        subject=clock,
        before=before,
        after={
            **clock_snapshot(clock),
            "met": clock.met,
            "note": cleaned,
            "next_clock": following.pk if following is not None else None,
        },
        now=moment,
    )
    return following
