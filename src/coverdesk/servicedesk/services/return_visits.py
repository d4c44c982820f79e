"""Return visits (回访, domain.md §3.4): programmes per customer, scheduled visits (quarterly
or half-yearly by default), visits after closed claims and completed servicing requests
(sampled), each a clocked task (`service.return_visit.perform`: 5 WD from the day it falls
due) with a script and a recorded outcome; problems found become tracked service issues.

Other apps call `return_visit_after_event` inside their own transaction when a claim closes or
a servicing request completes. The worker job `servicedesk.return_visits` runs
`return_visits_plan`: it plans the scheduled visits of the coming month and opens (starts the
clock of) the visits whose day has come.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from coverdesk.accounts.models import User
from coverdesk.audit.services import audit_record, subject_reference
from coverdesk.core.exceptions import ValidationFailed
from coverdesk.notifications.choices import Channel
from coverdesk.notifications.services import notification_send
from coverdesk.parties.models import Party
from coverdesk.policies.choices import ServicingStatus
from coverdesk.policies.models import ServicingRequest
from coverdesk.servicedesk.calculations import next_visit_on, sampled, visit_dates
from coverdesk.servicedesk.choices import (
    IssueSource,
    VisitAction,
    VisitFrequency,
    VisitOutcome,
    VisitReason,
    VisitStatus,
)
from coverdesk.servicedesk.exceptions import ProgrammeNotFound, ReturnVisitNotFound
from coverdesk.servicedesk.models import (
    ReturnVisit,
    ReturnVisitProgramme,
    ReturnVisitStatusChange,
)
from coverdesk.servicedesk.services.common import (
    BODY_LIMIT,
    NAME_LIMIT,
    NOTE_LIMIT,
    PERM_VISITS,
    REASON_LIMIT,
    choice_clean,
    clock_cancel,
    clock_start,
    clock_stop,
    customer_clean,
    default_department,
    moment_of,
    permission_require,
    staff_user_clean,
    status_move,
    text_clean,
)
from coverdesk.servicedesk.services.issues import issue_create

VISIT_STANDARD = "service.return_visit.perform"
PLANNING_HORIZON_DAYS = 31
EVENT_REASONS = frozenset({VisitReason.CLAIM_CLOSED, VisitReason.SERVICING_COMPLETED})
PROBLEMS_LIMIT = 20


def _today(moment: datetime) -> date:
    return timezone.localdate(moment)


def _snapshot(visit: ReturnVisit) -> dict[str, Any]:
    return {
        "status": visit.status,
        "reason": visit.reason,
        "customer": visit.customer_id,
        "programme": visit.programme_id,
        "planned_on": visit.planned_on,
        "assignee": visit.assignee_id,
        "outcome": visit.outcome,
        "source": f"{visit.source_type}:{visit.source_id}" if visit.source_type else "",
    }


def _programme_snapshot(programme: ReturnVisitProgramme) -> dict[str, Any]:
    return {
        "customer": programme.customer_id,
        "name": programme.name,
        "frequency": programme.frequency,
        "starts_on": programme.starts_on,
        "next_visit_on": programme.next_visit_on,
        "sample_percent": programme.sample_percent,
        "after_claims": programme.after_claims,
        "after_servicing": programme.after_servicing,
        "assignee": programme.assignee_id,
        "is_active": programme.is_active,
    }


def _move(
    visit: ReturnVisit,
    action: str,
    target: str,
    *,
    user: User | None,
    moment: datetime,
    note: str = "",
) -> None:
    status_move(
        visit,
        what="visit",
        history=ReturnVisitStatusChange,
        owner_field="visit",
        action=action,
        target=target,
        user=user,
        moment=moment,
        note=note,
    )


def _percent(value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
        raise ValidationFailed.for_field(
            "sample_percent", "range", _("A whole number from 0 to 100.")
        )
    return value


def _visit_open(visit: ReturnVisit, *, user: User | None, moment: datetime) -> None:
    """The visit's day has come: it is due and its clock runs; the visitor is told."""
    _move(visit, VisitAction.OPEN, VisitStatus.DUE, user=user, moment=moment)
    visit.clock_id = clock_start(
        subject=visit,
        standard_code=VISIT_STANDARD,
        assignee=visit.assignee,
        department=visit.department,
        user=user,
        moment=moment,
    )
    visit.save()
    if visit.assignee is not None and visit.assignee.is_active:
        notification_send(
            recipients=[visit.assignee],
            template="servicedesk_return_visit_due",
            context={
                "visit_id": visit.pk,
                "customer": visit.customer.name,
                "reason": VisitReason(visit.reason).label,
                "reference": visit.source_reference,
            },
            channels=[Channel.IN_APP],
            subject=visit,
            dedupe_key=f"servicedesk.visit.{visit.pk}.due",
            now=moment,
        )


def _visit_create(
    *,
    customer: Party,
    reason: str,
    planned_on: date,
    programme: ReturnVisitProgramme | None,
    script: str,
    assignee: User | None,
    user: User | None,
    moment: datetime,
    source: tuple[str, str, str] = ("", "", ""),
) -> ReturnVisit:
    department = (
        (assignee.department if assignee is not None and assignee.department_id else None)
        or (programme.department if programme is not None else None)
        or default_department()
    )
    visit = ReturnVisit.objects.create(
        programme=programme,
        customer=customer,
        reason=reason,
        source_type=source[0],
        source_id=source[1],
        source_reference=source[2],
        planned_on=planned_on,
        status="",
        assignee=assignee,
        department=department,
        script=script,
    )
    _move(visit, VisitAction.PLAN, VisitStatus.PLANNED, user=user, moment=moment)
    visit.save()
    if planned_on <= _today(moment):
        _visit_open(visit, user=user, moment=moment)
    audit_record(
        action="servicedesk.visit.plan",
        actor=user,
        subject=visit,
        after=_snapshot(visit),
        now=moment,
    )
    return visit


# Programmes -------------------------------------------------------------------------------


@transaction.atomic
def return_visit_programme_create(
    *,
    customer_id: int,
    name: str,
    script: str,
    starts_on: date,
    acting_user: User | None,
    frequency: str = VisitFrequency.QUARTERLY,
    sample_percent: int = 100,
    after_claims: bool = True,
    after_servicing: bool = True,
    assignee_id: int | None = None,
    now: datetime | None = None,
) -> ReturnVisitProgramme:
    """A customer's return-visit programme (one active per customer)."""
    user = permission_require(acting_user, PERM_VISITS)
    moment = moment_of(now)
    customer = customer_clean(customer_id)
    if customer is None:
        raise ValidationFailed.for_field("customer_id", "required", _("Choose the customer."))
    cleaned_name = text_clean(name, field="name", required=True, limit=200)
    cleaned_script = text_clean(script, field="script", required=True, limit=BODY_LIMIT)
    chosen = choice_clean(
        frequency,
        field="frequency",
        choices=VisitFrequency.values,
        message=_("Quarterly, half-yearly or only after events."),
    )
    percent = _percent(sample_percent)
    assignee = staff_user_clean(assignee_id, field="assignee_id", permission=PERM_VISITS)
    if ReturnVisitProgramme.objects.filter(customer=customer, is_active=True).exists():
        raise ValidationFailed.for_field(
            "customer_id",
            "programme_exists",
            _("{customer} has an active programme already."),
            customer=customer.name,
        )
    programme = ReturnVisitProgramme.objects.create(
        customer=customer,
        name=cleaned_name,
        frequency=chosen,
        starts_on=starts_on,
        next_visit_on=None if chosen == VisitFrequency.NONE else starts_on,
        after_claims=after_claims,
        after_servicing=after_servicing,
        sample_percent=percent,
        script=cleaned_script,
        department=(assignee.department if assignee is not None else None) or default_department(),
        assignee=assignee,
    )
    audit_record(
        action="servicedesk.programme.create",
        actor=user,
        subject=programme,
        after=_programme_snapshot(programme),
        now=moment,
    )
    return programme


@transaction.atomic
def return_visit_programme_change(
    *,
    programme_id: int,
    acting_user: User | None,
    frequency: str | None = None,
    sample_percent: int | None = None,
    after_claims: bool | None = None,
    after_servicing: bool | None = None,
    script: str | None = None,
    is_active: bool | None = None,
    now: datetime | None = None,
) -> ReturnVisitProgramme:
    """Change a programme; visits planned already stay as they are. A new frequency plans the
    next visit on the new rhythm from the programme's start."""
    user = permission_require(acting_user, PERM_VISITS)
    moment = moment_of(now)
    programme = ReturnVisitProgramme.objects.select_for_update().filter(pk=programme_id).first()
    if programme is None:
        raise ProgrammeNotFound()
    before = _programme_snapshot(programme)
    if frequency is not None and frequency != programme.frequency:
        programme.frequency = choice_clean(
            frequency,
            field="frequency",
            choices=VisitFrequency.values,
            message=_("Quarterly, half-yearly or only after events."),
        )
        planned = programme.visits.filter(reason=VisitReason.PERIODIC).order_by("-planned_on")
        last = planned.values_list("planned_on", flat=True).first()
        after = _today(moment) - timedelta(days=1)
        if last is not None and last > after:
            after = last
        programme.next_visit_on = next_visit_on(programme.starts_on, programme.frequency, after)
    if sample_percent is not None:
        programme.sample_percent = _percent(sample_percent)
    if after_claims is not None:
        programme.after_claims = after_claims
    if after_servicing is not None:
        programme.after_servicing = after_servicing
    if script is not None:
        programme.script = text_clean(script, field="script", required=True, limit=BODY_LIMIT)
    if is_active is not None and is_active != programme.is_active:
        if is_active and (
            ReturnVisitProgramme.objects.filter(customer_id=programme.customer_id, is_active=True)
            .exclude(pk=programme.pk)
            .exists()
        ):
            raise ValidationFailed.for_field(
                "is_active", "programme_exists", _("The customer has another active programme.")
            )
        programme.is_active = is_active
    programme.save()
    audit_record(
        action="servicedesk.programme.change",
        actor=user,
        subject=programme,
        before=before,
        after=_programme_snapshot(programme),
        now=moment,
    )
    return programme


# Visits -----------------------------------------------------------------------------------


@transaction.atomic
def return_visit_schedule(
    *,
    customer_id: int,
    planned_on: date,
    acting_user: User | None,
    script: str = "",
    assignee_id: int | None = None,
    now: datetime | None = None,
) -> ReturnVisit:
    """Plan a visit by hand (the script defaults to the customer's programme's). A visit
    planned for today or earlier is due at once."""
    user = permission_require(acting_user, PERM_VISITS)
    moment = moment_of(now)
    customer = customer_clean(customer_id)
    if customer is None:
        raise ValidationFailed.for_field("customer_id", "required", _("Choose the customer."))
    programme = ReturnVisitProgramme.objects.filter(customer=customer, is_active=True).first()
    cleaned = text_clean(script, field="script", limit=BODY_LIMIT) or (
        programme.script if programme is not None else ""
    )
    if not cleaned:
        raise ValidationFailed.for_field(
            "script", "required", _("Give the script (the customer has no programme).")
        )
    assignee = staff_user_clean(assignee_id, field="assignee_id", permission=PERM_VISITS)
    return _visit_create(
        customer=customer,
        reason=VisitReason.MANUAL,
        planned_on=planned_on,
        programme=programme,
        script=cleaned,
        assignee=assignee or (programme.assignee if programme is not None else None),
        user=user,
        moment=moment,
    )


@transaction.atomic
def return_visit_after_event(
    *,
    customer_id: int,
    event: str,
    source: Model | tuple[str, Any],
    reference: str = "",
    acting_user: User | None = None,
    now: datetime | None = None,
) -> ReturnVisit | None:
    """The hook for other apps: a claim closed or a servicing request completed for this
    customer. If the customer's active programme visits after such events and the event is in
    its sample, a visit is due at once; asked again for the same event, the same visit comes
    back. None when no visit follows (no programme, events of this kind not visited, or not
    sampled). The caller has checked its own permission; this writes an audit entry."""
    moment = moment_of(now)
    if event not in EVENT_REASONS:
        raise ValidationFailed.for_field(
            "event", "choice", _("A visit follows a closed claim or a completed servicing.")
        )
    source_type, source_id = subject_reference(source)
    if not source_type or not source_id:
        raise ValidationFailed.for_field("source", "required", _("Name what the visit follows."))
    existing = ReturnVisit.objects.filter(source_type=source_type, source_id=source_id).first()
    if existing is not None:
        return existing
    programme = (
        ReturnVisitProgramme.objects.select_related("customer", "assignee", "department")
        .filter(customer_id=customer_id, is_active=True)
        .first()
    )
    if programme is None:
        return None
    wanted = (
        programme.after_claims if event == VisitReason.CLAIM_CLOSED else (programme.after_servicing)
    )
    if not wanted or not sampled(
        f"{programme.pk}:{source_type}:{source_id}", programme.sample_percent
    ):
        return None
    return _visit_create(
        customer=programme.customer,
        reason=event,
        planned_on=_today(moment),
        programme=programme,
        script=programme.script,
        assignee=programme.assignee,
        user=acting_user,
        moment=moment,
        source=(source_type, source_id, text_clean(reference, field="reference", limit=100)),
    )


def return_visits_plan(
    *, now: datetime | None = None, horizon_days: int = PLANNING_HORIZON_DAYS
) -> int:
    """The worker job: plan every programme's scheduled visits up to `horizon_days` ahead and
    open the planned visits whose day has come. Safe on several workers at once (rows taken
    with SKIP LOCKED; a scheduled date is planned once). How many visits it planned or opened."""
    moment = moment_of(now)
    today = _today(moment)
    last = today + timedelta(days=horizon_days)
    handled = 0
    with transaction.atomic():
        programmes = list(
            ReturnVisitProgramme.objects.select_for_update(skip_locked=True)
            .filter(is_active=True, next_visit_on__isnull=False, next_visit_on__lte=last)
            .order_by("pk")
        )
        for programme in programmes:
            assert programme.next_visit_on is not None
            for day in visit_dates(
                programme.starts_on, programme.frequency, first=programme.next_visit_on, last=last
            ):
                if ReturnVisit.objects.filter(
                    programme=programme, reason=VisitReason.PERIODIC, planned_on=day
                ).exists():
                    continue
                _visit_create(
                    customer=programme.customer,
                    reason=VisitReason.PERIODIC,
                    planned_on=day,
                    programme=programme,
                    script=programme.script,
                    assignee=programme.assignee,
                    user=None,
                    moment=moment,
                )
                handled += 1
            programme.next_visit_on = next_visit_on(programme.starts_on, programme.frequency, last)
            programme.save(update_fields=["next_visit_on", "updated_at"])
    with transaction.atomic():
        due = list(
            ReturnVisit.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("customer", "assignee")
            .filter(status=VisitStatus.PLANNED, planned_on__lte=today)
            .order_by("planned_on", "pk")
        )
        for visit in due:
            before = _snapshot(visit)
            _visit_open(visit, user=None, moment=moment)
            audit_record(
                action="servicedesk.visit.open",
                actor=None,
                subject=visit,
                before=before,
                after=_snapshot(visit),
                now=moment,
            )
            handled += 1
    return handled


EVENT_LOOKBACK_DAYS = 7


def return_visits_after_servicing(
    *, now: datetime | None = None, lookback_days: int = EVENT_LOOKBACK_DAYS
) -> int:
    """Servicing requests completed in the last `lookback_days` get their visit (policies sits
    below the service desk and cannot call the hook itself). Idempotent: an event is visited
    once, and the sample decides the same way each time. How many visits it created."""
    moment = moment_of(now)
    created = 0
    completed = list(
        ServicingRequest.objects.filter(
            status__in=[ServicingStatus.COMPLETED, ServicingStatus.ARCHIVED],
            completed_at__gte=moment - timedelta(days=lookback_days),
            completed_at__lte=moment,
            policy__customer__return_visit_programmes__is_active=True,
            policy__customer__return_visit_programmes__after_servicing=True,
        )
        .select_related("policy")
        .distinct()
        .order_by("completed_at", "pk")
    )
    visited = set(
        ReturnVisit.objects.filter(
            source_type="policies.servicingrequest",
            source_id__in=[str(request.pk) for request in completed],
        ).values_list("source_id", flat=True)
    )
    for request in completed:
        if str(request.pk) in visited:
            continue
        visit = return_visit_after_event(
            customer_id=request.policy.customer_id,
            event=VisitReason.SERVICING_COMPLETED,
            source=request,
            reference=f"{request.policy.number} / {request.pk}",
            now=moment,
        )
        created += visit is not None
    return created


def return_visits_job(now: datetime) -> int:
    return return_visits_after_servicing(now=now) + return_visits_plan(now=now)


def _locked(visit_id: int) -> ReturnVisit:
    visit = (
        ReturnVisit.objects.select_for_update(of=("self",))
        .select_related("customer", "department")
        .filter(pk=visit_id)
        .first()
    )
    if visit is None:
        raise ReturnVisitNotFound()
    return visit


@transaction.atomic
def return_visit_record(
    *,
    visit_id: int,
    outcome: str,
    acting_user: User | None,
    note: str = "",
    contact_person: str = "",
    problems: Sequence[str] = (),
    now: datetime | None = None,
) -> ReturnVisit:
    """The visit was made: who was spoken to, what they said, the outcome. Each problem the
    customer raised becomes a service issue tracked until the customer confirms it solved."""
    user = permission_require(acting_user, PERM_VISITS)
    moment = moment_of(now)
    chosen = choice_clean(
        outcome, field="outcome", choices=VisitOutcome.values, message=_("Unknown outcome.")
    )
    text = text_clean(
        note, field="note", required=chosen != VisitOutcome.SATISFIED, limit=BODY_LIMIT
    )
    person = text_clean(contact_person, field="contact_person", limit=NAME_LIMIT)
    found = [
        text_clean(problem, field=f"problems[{index}]", limit=NOTE_LIMIT)
        for index, problem in enumerate(problems)
    ]
    found = [problem for problem in found if problem]
    if chosen == VisitOutcome.PROBLEMS and not found:
        raise ValidationFailed.for_field(
            "problems", "required", _("Describe each problem the customer raised.")
        )
    if chosen != VisitOutcome.PROBLEMS and found:
        raise ValidationFailed.for_field(
            "outcome", "problems_found", _("Problems were described: the outcome is 'problems'.")
        )
    if len(found) > PROBLEMS_LIMIT:
        raise ValidationFailed.for_field(
            "problems", "max_count", _("At most {limit} problems."), limit=PROBLEMS_LIMIT
        )
    visit = _locked(visit_id)
    before = _snapshot(visit)
    _move(visit, VisitAction.RECORD, VisitStatus.DONE, user=user, moment=moment)
    visit.outcome, visit.outcome_note, visit.contact_person = chosen, text, person
    visit.performed_at, visit.performed_by = moment, user
    if visit.assignee_id is None:
        visit.assignee = user
    clock_stop(visit.clock_id, user=user, moment=moment)
    visit.save()
    issues = [
        issue_create(
            customer=visit.customer,
            source=IssueSource.RETURN_VISIT,
            description=problem,
            department=visit.department,
            user=user,
            moment=moment,
            return_visit=visit,
        )
        for problem in found
    ]
    audit_record(
        action="servicedesk.visit.record",
        actor=user,
        subject=visit,
        before=before,
        after={**_snapshot(visit), "issues": [issue.pk for issue in issues]},
        now=moment,
    )
    return visit


@transaction.atomic
def return_visit_cancel(
    *, visit_id: int, reason: str, acting_user: User | None, now: datetime | None = None
) -> ReturnVisit:
    user = permission_require(acting_user, PERM_VISITS)
    moment = moment_of(now)
    cleaned = text_clean(reason, field="reason", required=True, limit=REASON_LIMIT)
    visit = _locked(visit_id)
    before = _snapshot(visit)
    _move(visit, VisitAction.CANCEL, VisitStatus.CANCELLED, user=user, moment=moment, note=cleaned)
    clock_cancel(visit.clock_id, reason=cleaned, user=user, moment=moment)
    visit.save()
    audit_record(
        action="servicedesk.visit.cancel",
        actor=user,
        subject=visit,
        before=before,
        after={**_snapshot(visit), "reason": cleaned},
        now=moment,
    )
    return visit
