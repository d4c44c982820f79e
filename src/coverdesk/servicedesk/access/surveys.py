"""Survey invitations, service issues and return visits for a user. A customer sees their own
organisation's invitations and issues; anyone holding a survey link's token may open that one
invitation; return visits are staff work."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from coverdesk.parties.access import customer_own_party_id
from coverdesk.servicedesk.access.common import is_staff_reader
from coverdesk.servicedesk.exceptions import (
    InvitationNotFound,
    IssueNotFound,
    ReturnVisitNotFound,
    SurveyNotFound,
)
from coverdesk.servicedesk.models import ReturnVisit, ServiceIssue, Survey, SurveyInvitation
from coverdesk.servicedesk.services.surveys import token_hash

SURVEY_PERMISSIONS = ("servicedesk.view_survey", "servicedesk.manage_surveys")
ISSUE_PERMISSIONS = ("servicedesk.view_serviceissue", "servicedesk.handle_service_issue")
VISIT_PERMISSIONS = ("servicedesk.view_returnvisitprogramme", "servicedesk.manage_return_visits")


def invitations_for_user(*, user: Any) -> QuerySet[SurveyInvitation]:
    invitations = SurveyInvitation.objects.select_related("survey", "customer", "department")
    if is_staff_reader(user, *SURVEY_PERMISSIONS):
        return invitations
    own = customer_own_party_id(user)
    return invitations.filter(customer_id=own) if own is not None else invitations.none()


def invitation_access_for_user(*, user: Any, invitation_id: int) -> SurveyInvitation:
    invitation = invitations_for_user(user=user).filter(pk=invitation_id).first()
    if invitation is None:
        raise InvitationNotFound()
    return invitation


def invitation_by_token(*, token: str) -> SurveyInvitation:
    """The invitation a survey link opens (the token is the permission)."""
    invitation = (
        SurveyInvitation.objects.select_related("survey", "customer")
        .filter(token_hash=token_hash(token))
        .first()
        if token
        else None
    )
    if invitation is None:
        raise InvitationNotFound()
    return invitation


def survey_access_for_user(*, user: Any, survey_id: int) -> Survey:
    survey = Survey.objects.filter(pk=survey_id).first()
    if survey is None or not is_staff_reader(user, *SURVEY_PERMISSIONS):
        raise SurveyNotFound()
    return survey


def issues_for_user(*, user: Any) -> QuerySet[ServiceIssue]:
    issues = ServiceIssue.objects.select_related("customer", "department", "owner")
    if is_staff_reader(user, *ISSUE_PERMISSIONS):
        return issues
    own = customer_own_party_id(user)
    return issues.filter(customer_id=own) if own is not None else issues.none()


def issue_access_for_user(*, user: Any, issue_id: int) -> ServiceIssue:
    issue = issues_for_user(user=user).filter(pk=issue_id).first()
    if issue is None:
        raise IssueNotFound()
    return issue


def return_visit_access_for_user(*, user: Any, visit_id: int) -> ReturnVisit:
    visit = (
        ReturnVisit.objects.select_related("customer", "programme", "assignee")
        .filter(pk=visit_id)
        .first()
    )
    if visit is None or not is_staff_reader(user, *VISIT_PERMISSIONS):
        raise ReturnVisitNotFound()
    return visit
