"""Work lists of the desk, each one query: inquiries and complaints ordered by the nearest
deadline of their running clocks, call-backs to make, the return-visit planner."""

from __future__ import annotations

from datetime import date

from django.db.models import CharField, F, OuterRef, QuerySet, Subquery
from django.db.models.functions import Cast

from coverdesk.servicedesk.choices import CallbackStatus, VisitStatus
from coverdesk.servicedesk.models import CallbackTask, Complaint, Inquiry, ReturnVisit
from coverdesk.servicedesk.transitions import COMPLAINT_OPEN, INQUIRY_OPEN
from coverdesk.sla.models import SlaClock
from coverdesk.sla.transitions import ClockState


def _next_due(subject_type: str) -> Subquery:
    """The earliest deadline among the subject's running clocks."""
    return Subquery(
        SlaClock.objects.filter(
            subject_type=subject_type,
            subject_id=Cast(OuterRef("pk"), output_field=CharField()),
            state=ClockState.RUNNING,
        )
        .order_by("due_at")
        .values("due_at")[:1]
    )


def inquiry_queue(
    inquiries: QuerySet[Inquiry],
    *,
    department_id: int | None = None,
    assignee_id: int | None = None,
    open_only: bool = True,
) -> QuerySet[Inquiry]:
    """`inquiries` (already limited to what the user may see) by nearest deadline first;
    those without a running clock after them, oldest first. Each row has `next_due_at`."""
    queue = inquiries.select_related("customer", "assignee", "department").annotate(
        next_due_at=_next_due("servicedesk.inquiry")
    )
    if open_only:
        queue = queue.filter(status__in=INQUIRY_OPEN)
    if department_id is not None:
        queue = queue.filter(department_id=department_id)
    if assignee_id is not None:
        queue = queue.filter(assignee_id=assignee_id)
    return queue.order_by(F("next_due_at").asc(nulls_last=True), "received_at", "id")


def complaint_queue(
    complaints: QuerySet[Complaint],
    *,
    department_id: int | None = None,
    assignee_id: int | None = None,
    open_only: bool = True,
) -> QuerySet[Complaint]:
    queue = complaints.select_related("customer", "assignee", "department").annotate(
        next_due_at=_next_due("servicedesk.complaint")
    )
    if open_only:
        queue = queue.filter(status__in=COMPLAINT_OPEN)
    if department_id is not None:
        queue = queue.filter(department_id=department_id)
    if assignee_id is not None:
        queue = queue.filter(assignee_id=assignee_id)
    return queue.order_by(F("next_due_at").asc(nulls_last=True), "received_at", "id")


def callbacks_open() -> QuerySet[CallbackTask]:
    """Missed calls still to return (or to try again), oldest first."""
    return (
        CallbackTask.objects.filter(status__in=[CallbackStatus.OPEN, CallbackStatus.NOT_REACHED])
        .select_related("customer", "assignee")
        .annotate(next_due_at=_next_due("servicedesk.callbacktask"))
        .order_by("missed_at", "id")
    )


def visit_planner(
    *,
    first: date,
    last: date,
    department_id: int | None = None,
    assignee_id: int | None = None,
    statuses: tuple[str, ...] = (VisitStatus.PLANNED, VisitStatus.DUE, VisitStatus.DONE),
) -> QuerySet[ReturnVisit]:
    """Visits planned from `first` to `last` (and every visit still due from before), by
    day; each row has `next_due_at` while its clock runs."""
    window = ReturnVisit.objects.filter(planned_on__gte=first, planned_on__lte=last)
    overdue = ReturnVisit.objects.filter(planned_on__lt=first, status=VisitStatus.DUE)
    visits = (window | overdue).filter(status__in=statuses)
    if department_id is not None:
        visits = visits.filter(department_id=department_id)
    if assignee_id is not None:
        visits = visits.filter(assignee_id=assignee_id)
    return (
        visits.select_related("customer", "programme", "assignee")
        .annotate(next_due_at=_next_due("servicedesk.returnvisit"))
        .order_by("planned_on", "id")
    )
