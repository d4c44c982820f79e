"""Clocks: of a subject, my open clocks, a department's open clocks; warnings and their
acknowledgement; follow-up reports to write, to review, and their submission."""

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import PageNumberPagination, paginate

from coverdesk.accounts.selectors import user_list
from coverdesk.api.auth import API_AUTH
from coverdesk.api.sla.common import TAGS, ClockOutput, MappedPage, clock_outputs, user_of
from coverdesk.core import clock as core_clock
from coverdesk.sla.models import ProgressReport, RectificationReport, SlaEvent
from coverdesk.sla.selectors.warnings import warnings_of_department, warnings_of_user
from coverdesk.sla.selectors.worklists import (
    clock_department_for_user,
    clocks_of_department_open,
    clocks_of_subject_for_user,
    clocks_of_user_open,
    followups_to_write,
    rectification_reports_to_review,
)
from coverdesk.sla.services.followups import (
    progress_report_submit,
    rectification_report_review,
    rectification_report_submit,
)
from coverdesk.sla.services.warnings import sla_event_acknowledge

router = Router(tags=TAGS, auth=API_AUTH)

Mark = Literal["green", "yellow", "red"]
Sort = Literal["due", "-due", "started", "-started", "mark"]


# Clocks -------------------------------------------------------------------------------------


@router.get(
    "/sla/clocks",
    response=list[ClockOutput],
    summary="The clocks of a subject that I may see (all of them with sla.view_all_clocks)",
)
def subject_clocks(
    request: HttpRequest,
    subject_type: str = Query(..., min_length=1, max_length=100),
    subject_id: str = Query(..., min_length=1, max_length=64),
) -> list[dict[str, Any]]:
    now = core_clock.now()
    clocks = clocks_of_subject_for_user(
        user=user_of(request), subject_type=subject_type, subject_id=subject_id, now=now
    )
    return clock_outputs(list(clocks), now=now)


def _page(queryset: Any, now: datetime) -> MappedPage:
    return MappedPage(queryset, lambda rows: clock_outputs(rows, now=now))


@router.get("/sla/my-clocks", response=list[ClockOutput], summary="My open clocks")
@paginate(PageNumberPagination)
def my_clocks(
    request: HttpRequest,
    mark: Mark | None = None,
    standard: str = "",
    kind: str = "",
    sort: Sort = "due",
) -> MappedPage:
    now = core_clock.now()
    clocks = clocks_of_user_open(
        user=user_of(request), now=now, mark=mark or "", standard=standard, kind=kind, order=sort
    )
    return _page(clocks, now)


@router.get(
    "/sla/department-clocks",
    response=list[ClockOutput],
    summary="Open clocks of my department (any department with sla.view_all_clocks)",
)
@paginate(PageNumberPagination)
def department_clocks(
    request: HttpRequest,
    department: int | None = None,
    mark: Mark | None = None,
    standard: str = "",
    kind: str = "",
    sort: Sort = "mark",
) -> MappedPage:
    now = core_clock.now()
    scope = clock_department_for_user(user=user_of(request), department_id=department)
    clocks = clocks_of_department_open(
        department_id=scope, now=now, mark=mark or "", standard=standard, kind=kind, order=sort
    )
    return _page(clocks, now)


# Warnings -----------------------------------------------------------------------------------


class WarningOutput(Schema):
    id: int
    kind: str = Field(description="yellow, red or escalation")
    level: int
    scheduled_at: datetime
    fired_at: datetime
    acknowledged_at: datetime | None = Field(description="When I acknowledged it")
    clock_id: int
    clock_kind: str
    subject_type: str
    subject_id: str
    standard: str
    standard_name: str
    standard_name_en: str
    assignee_id: int | None
    assignee_name: str
    department: str
    due_at: datetime
    state: str


class AcknowledgeInput(Schema):
    note: str = Field("", max_length=300)


class AcknowledgementOutput(Schema):
    warning_id: int
    acknowledged_at: datetime
    note: str


def _warning_outputs(events: Sequence[SlaEvent]) -> list[dict[str, Any]]:
    rows = []
    for event in events:
        clock = event.clock
        standard = clock.standard_version.standard
        rows.append(
            {
                "id": event.pk,
                "kind": event.kind,
                "level": event.level,
                "scheduled_at": event.scheduled_at,
                "fired_at": event.fired_at,
                "acknowledged_at": event.acknowledged_at,  # type: ignore[attr-defined]
                "clock_id": clock.pk,
                "clock_kind": clock.kind,
                "subject_type": clock.subject_type,
                "subject_id": clock.subject_id,
                "standard": standard.code,
                "standard_name": standard.name,
                "standard_name_en": standard.name_en,
                "assignee_id": clock.assignee_id,
                "assignee_name": str(clock.assignee) if clock.assignee is not None else "",
                "department": clock.department.code if clock.department is not None else "",
                "due_at": clock.due_at,
                "state": clock.state,
            }
        )
    return rows


@router.get(
    "/sla/warnings",
    response=list[WarningOutput],
    summary="Warnings I received, or those of my department (scope=department)",
)
@paginate(PageNumberPagination)
def warnings(
    request: HttpRequest,
    scope: Literal["mine", "department"] = "mine",
    department: int | None = None,
    unacknowledged: bool = False,
) -> MappedPage:
    user = user_of(request)
    if scope == "department":
        events = warnings_of_department(
            user=user, department_id=department, unacknowledged=unacknowledged
        )
    else:
        events = warnings_of_user(user=user, unacknowledged=unacknowledged)
    return MappedPage(events, _warning_outputs)


@router.post(
    "/sla/warnings/{warning_id}/acknowledge",
    response=AcknowledgementOutput,
    summary="Acknowledge a warning I received (once)",
)
def warning_acknowledge(
    request: HttpRequest, warning_id: int, data: AcknowledgeInput
) -> dict[str, Any]:
    acknowledgement = sla_event_acknowledge(
        event_id=warning_id, acting_user=user_of(request), note=data.note
    )
    return {
        "warning_id": acknowledgement.event_id,
        "acknowledged_at": acknowledgement.acknowledged_at,
        "note": acknowledgement.note,
    }


# Follow-up reports --------------------------------------------------------------------------


class FollowUpOutput(ClockOutput):
    parent_standard: str = Field(description="The standard of the work followed up")
    parent_subject_id: str


class ProgressReportInput(Schema):
    text: str = Field(min_length=1, max_length=10_000)


class ProgressReportOutput(Schema):
    id: int
    clock_id: int
    text: str
    submitted_by: str
    submitted_at: datetime
    met: bool | None = Field(description="Whether the report came in time")


class RectificationReportInput(Schema):
    cause_analysis: str = Field(min_length=1, max_length=10_000)
    measures: str = Field(min_length=1, max_length=10_000)
    owner_id: int
    completion_date: date


class RectificationReportOutput(Schema):
    id: int
    clock_id: int
    parent_clock_id: int | None
    subject_type: str
    subject_id: str
    standard: str = Field(description="The standard that was breached")
    department: str
    cause_analysis: str
    measures: str
    owner_id: int
    owner_name: str
    completion_date: date
    submitted_by: str
    submitted_at: datetime
    reviewed_by: str | None
    reviewed_at: datetime | None
    review_note: str


class ReviewInput(Schema):
    note: str = Field("", max_length=10_000)


def _followup_outputs(rows: Sequence[Any], now: datetime) -> list[dict[str, Any]]:
    outputs = clock_outputs(rows, now=now)
    for output, clock in zip(outputs, rows, strict=True):
        parent = clock.parent
        output["parent_standard"] = parent.standard_version.standard.code if parent else ""
        output["parent_subject_id"] = parent.subject_id if parent else ""
    return outputs


def _progress_out(report: ProgressReport) -> dict[str, Any]:
    return {
        "id": report.pk,
        "clock_id": report.clock_id,
        "text": report.text,
        "submitted_by": report.submitted_by.get_username(),
        "submitted_at": report.submitted_at,
        "met": report.clock.met,
    }


def _rectification_out(report: RectificationReport) -> dict[str, Any]:
    clock = report.clock
    parent = clock.parent
    return {
        "id": report.pk,
        "clock_id": clock.pk,
        "parent_clock_id": clock.parent_id,
        "subject_type": clock.subject_type,
        "subject_id": clock.subject_id,
        "standard": parent.standard_version.standard.code if parent else "",
        "department": clock.department.code if clock.department is not None else "",
        "cause_analysis": report.cause_analysis,
        "measures": report.measures,
        "owner_id": report.owner_id,
        "owner_name": str(report.owner),
        "completion_date": report.completion_date,
        "submitted_by": report.submitted_by.get_username(),
        "submitted_at": report.submitted_at,
        "reviewed_by": report.reviewed_by.get_username() if report.reviewed_by else None,
        "reviewed_at": report.reviewed_at,
        "review_note": report.review_note,
    }


@router.get(
    "/sla/followups/to-write",
    response=list[FollowUpOutput],
    summary="Progress and rectification reports I am to write",
)
@paginate(PageNumberPagination)
def followups_open(request: HttpRequest) -> MappedPage:
    now = core_clock.now()
    clocks = followups_to_write(user=user_of(request), now=now)
    return MappedPage(clocks, lambda rows: _followup_outputs(rows, now))


@router.get(
    "/sla/followups/to-review",
    response=list[RectificationReportOutput],
    summary="Rectification reports waiting for management's review",
)
@paginate(PageNumberPagination)
def followups_to_review(request: HttpRequest) -> MappedPage:
    reports = rectification_reports_to_review(user=user_of(request))
    return MappedPage(reports, lambda rows: [_rectification_out(r) for r in rows])


@router.post(
    "/sla/followups/{clock_id}/progress-report",
    response={201: ProgressReportOutput},
    summary="Submit the progress report (stops its clock)",
)
def progress_report(
    request: HttpRequest, clock_id: int, data: ProgressReportInput
) -> Status[dict[str, Any]]:
    report = progress_report_submit(clock_id=clock_id, text=data.text, acting_user=user_of(request))
    return Status(201, _progress_out(report))


@router.post(
    "/sla/followups/{clock_id}/rectification-report",
    response={201: RectificationReportOutput},
    summary="Submit the written rectification report (stops its clock)",
)
def rectification_report(
    request: HttpRequest, clock_id: int, data: RectificationReportInput
) -> Status[dict[str, Any]]:
    owner = user_list().filter(pk=data.owner_id, is_active=True).first()
    report = rectification_report_submit(
        clock_id=clock_id,
        cause_analysis=data.cause_analysis,
        measures=data.measures,
        owner=owner,
        completion_date=data.completion_date,
        acting_user=user_of(request),
    )
    return Status(201, _rectification_out(report))


@router.post(
    "/sla/rectification-reports/{report_id}/review",
    response=RectificationReportOutput,
    summary="Mark a rectification report reviewed (management)",
)
def rectification_review(request: HttpRequest, report_id: int, data: ReviewInput) -> dict[str, Any]:
    report = rectification_report_review(
        report_id=report_id, note=data.note, acting_user=user_of(request)
    )
    return _rectification_out(report)
