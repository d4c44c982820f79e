"""Problems found in a satisfaction survey or a return visit (domain.md §3.4: "every problem
found in a return visit is tracked to closure and the customer is asked whether it was
resolved"): open → resolved (the customer is asked) → closed when the customer confirms, or
open again when they say it is not solved."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from coverdesk.accounts.models import Department, User
from coverdesk.audit.services import audit_record
from coverdesk.core.exceptions import ValidationFailed
from coverdesk.notifications.choices import Channel
from coverdesk.notifications.services import notification_send
from coverdesk.parties.models import Party
from coverdesk.servicedesk.choices import IssueAction, IssueSource, IssueStatus
from coverdesk.servicedesk.exceptions import IssueNotFound, ReturnVisitNotFound
from coverdesk.servicedesk.models import (
    ReturnVisit,
    ServiceIssue,
    ServiceIssueStatusChange,
    SurveyResponse,
)
from coverdesk.servicedesk.services.common import (
    NOTE_LIMIT,
    PERM_ISSUES,
    REASON_LIMIT,
    customer_portal_users,
    department_clean,
    moment_of,
    permission_require,
    staff_or_own_customer,
    staff_user_clean,
    status_move,
    text_clean,
)


def _locked(issue_id: int) -> ServiceIssue:
    issue = (
        ServiceIssue.objects.select_for_update(of=("self",))
        .select_related("customer")
        .filter(pk=issue_id)
        .first()
    )
    if issue is None:
        raise IssueNotFound()
    return issue


def _snapshot(issue: ServiceIssue) -> dict[str, Any]:
    return {
        "status": issue.status,
        "source": issue.source,
        "customer": issue.customer_id,
        "department": issue.department_id,
        "owner": issue.owner_id,
        "reopen_count": issue.reopen_count,
    }


def _move(
    issue: ServiceIssue,
    action: str,
    target: str,
    *,
    user: User | None,
    moment: datetime,
    note: str = "",
) -> None:
    status_move(
        issue,
        what="issue",
        history=ServiceIssueStatusChange,
        owner_field="issue",
        action=action,
        target=target,
        user=user,
        moment=moment,
        note=note,
    )


def issue_create(
    *,
    customer: Party,
    source: str,
    description: str,
    department: Department | None,
    user: User | None,
    moment: datetime,
    response: SurveyResponse | None = None,
    return_visit: ReturnVisit | None = None,
    owner: User | None = None,
) -> ServiceIssue:
    """Open an issue inside the caller's transaction (history row and audit entry)."""
    issue = ServiceIssue.objects.create(
        customer=customer,
        source=source,
        response=response,
        return_visit=return_visit,
        description=description,
        status="",
        department=department,
        owner=owner,
    )
    _move(issue, IssueAction.OPEN, IssueStatus.OPEN, user=user, moment=moment)
    issue.save(update_fields=["status", "updated_at"])
    audit_record(
        action="servicedesk.issue.open",
        actor=user,
        subject=issue,
        after={**_snapshot(issue), "description": description},
        now=moment,
    )
    return issue


@transaction.atomic
def service_issue_open(
    *,
    description: str,
    acting_user: User | None,
    response_id: int | None = None,
    return_visit_id: int | None = None,
    department_id: int | None = None,
    owner_id: int | None = None,
    now: datetime | None = None,
) -> ServiceIssue:
    """Record a problem found in a survey response or a return visit (exactly one)."""
    user = permission_require(acting_user, PERM_ISSUES)
    moment = moment_of(now)
    text = text_clean(description, field="description", required=True, limit=NOTE_LIMIT)
    if (response_id is None) == (return_visit_id is None):
        raise ValidationFailed.for_field(
            "source", "one_of", _("Name the survey response or the return visit it came from.")
        )
    department = department_clean(department_id) if department_id is not None else None
    owner = staff_user_clean(owner_id, field="owner_id", permission=PERM_ISSUES)
    response = visit = None
    if response_id is not None:
        response = (
            SurveyResponse.objects.select_related("invitation__customer", "invitation__department")
            .filter(pk=response_id)
            .first()
        )
        if response is None:
            raise ValidationFailed.for_field(
                "response_id", "unknown", _("There is no such survey response.")
            )
        customer = response.invitation.customer
        department = department or response.invitation.department
        source = IssueSource.SURVEY
    else:
        assert return_visit_id is not None
        visit = ReturnVisit.objects.select_related("customer").filter(pk=return_visit_id).first()
        if visit is None:
            raise ReturnVisitNotFound()
        customer, source = visit.customer, IssueSource.RETURN_VISIT
        department = department or visit.department
    return issue_create(
        customer=customer,
        source=source,
        description=text,
        department=department,
        user=user,
        moment=moment,
        response=response,
        return_visit=visit,
        owner=owner,
    )


@transaction.atomic
def service_issue_resolve(
    *, issue_id: int, resolution: str, acting_user: User | None, now: datetime | None = None
) -> ServiceIssue:
    """What was done about it; the customer's portal users are asked whether it is solved."""
    user = permission_require(acting_user, PERM_ISSUES)
    moment = moment_of(now)
    text = text_clean(resolution, field="resolution", required=True, limit=NOTE_LIMIT)
    issue = _locked(issue_id)
    before = _snapshot(issue)
    _move(issue, IssueAction.RESOLVE, IssueStatus.RESOLVED, user=user, moment=moment, note=text)
    issue.resolution, issue.resolved_at = text, moment
    if issue.owner_id is None:
        issue.owner = user
    recipients = customer_portal_users(issue.customer)
    issue.customer_asked_at = moment if recipients else None
    issue.save()
    if recipients:
        notification_send(
            recipients=recipients,
            template="servicedesk_issue_resolved",
            context={"issue_id": issue.pk, "problem": issue.description, "resolution": text},
            channels=[Channel.IN_APP, Channel.EMAIL],
            subject=issue,
            dedupe_key=f"servicedesk.issue.{issue.pk}.resolved.{issue.reopen_count}",
            now=moment,
        )
    audit_record(
        action="servicedesk.issue.resolve",
        actor=user,
        subject=issue,
        before=before,
        after={**_snapshot(issue), "resolution": text, "customer_asked": bool(recipients)},
        now=moment,
    )
    return issue


@transaction.atomic
def service_issue_customer_answer(
    *,
    issue_id: int,
    solved: bool,
    acting_user: User | None,
    note: str = "",
    now: datetime | None = None,
) -> ServiceIssue:
    """The customer says whether the problem is solved: yes closes the issue, no opens it
    again (with what they said). Staff record an answer given by phone; the customer's own
    portal user may answer directly."""
    moment = moment_of(now)
    issue = _locked(issue_id)
    user = staff_or_own_customer(
        acting_user, permission=PERM_ISSUES, customer_id=issue.customer_id, not_found=IssueNotFound
    )
    text = text_clean(note, field="note", required=not solved, limit=REASON_LIMIT)
    before = _snapshot(issue)
    if solved:
        _move(issue, IssueAction.CONFIRM, IssueStatus.CLOSED, user=user, moment=moment, note=text)
        issue.closed_at = moment
    else:
        _move(issue, IssueAction.REJECT, IssueStatus.OPEN, user=user, moment=moment, note=text)
        issue.reopen_count += 1
        issue.resolved_at = None
    issue.customer_answer = text or str(_("Solved."))
    issue.save()
    audit_record(
        action="servicedesk.issue.confirm" if solved else "servicedesk.issue.reject",
        actor=user,
        subject=issue,
        before=before,
        after={**_snapshot(issue), "note": text},
        now=moment,
    )
    return issue
