"""Satisfaction surveys (满意度调查): build a survey, send it to customers through the portal,
an email link or an SMS link, take the answers (1–5 scores and comments), and turn low scores
into tracked service issues.

A link carries a random token; only its SHA-256 is stored. The link is
COVERDESK_BASE_URL + COVERDESK_SURVEY_LINK_PATH (default "/portal/surveys/answer/{token}/").
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Model
from django.utils.translation import gettext_lazy as _

from coverdesk.accounts.models import User
from coverdesk.audit.services import audit_record, subject_reference
from coverdesk.core.exceptions import FieldError, ValidationFailed
from coverdesk.notifications.choices import Channel
from coverdesk.notifications.services import notification_send
from coverdesk.parties.models import Party
from coverdesk.policies.services.common import customer_phone
from coverdesk.servicedesk.calculations import LOW_SCORE, average_score, low_scores
from coverdesk.servicedesk.choices import (
    InvitationChannel,
    InvitationStatus,
    IssueSource,
    QuestionKind,
    SurveyStatus,
)
from coverdesk.servicedesk.exceptions import (
    AlreadyAnswered,
    InvitationExpired,
    InvitationNotFound,
    NoRecipient,
    SurveyClosed,
    SurveyNotFound,
)
from coverdesk.servicedesk.models import (
    Survey,
    SurveyAnswer,
    SurveyInvitation,
    SurveyQuestion,
    SurveyResponse,
)
from coverdesk.servicedesk.models.surveys import SCORE_MAX, SCORE_MIN
from coverdesk.servicedesk.services.common import (
    NOTE_LIMIT,
    PERM_SURVEYS,
    choice_clean,
    customer_of_portal_user,
    customer_portal_users,
    department_clean,
    moment_of,
    permission_require,
    text_clean,
)
from coverdesk.servicedesk.services.issues import issue_create

TOKEN_BYTES = 24
EXPIRY_DAYS_DEFAULT = 30
EXPIRY_DAYS_MAX = 365
QUESTIONS_MAX = 30
LINK_PATH_DEFAULT = "/portal/surveys/answer/{token}/"

CHANNELS_OF: dict[str, list[str]] = {
    InvitationChannel.PORTAL: [Channel.IN_APP],
    InvitationChannel.EMAIL: [Channel.IN_APP, Channel.EMAIL],
    InvitationChannel.SMS: [Channel.SMS],
}


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def survey_link(token: str) -> str:
    base = str(getattr(settings, "COVERDESK_BASE_URL", "")).rstrip("/")
    path = str(getattr(settings, "COVERDESK_SURVEY_LINK_PATH", LINK_PATH_DEFAULT))
    return f"{base}{path.format(token=token)}"


def _raise_if_any(errors: list[FieldError]) -> None:
    if errors:
        raise ValidationFailed(
            _("{field}: {detail}"),
            params={"field": errors[0].field, "detail": str(errors[0].message)},
            fields=errors,
        )


# Building ---------------------------------------------------------------------------------


def _questions_clean(questions: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    if not questions:
        raise ValidationFailed.for_field("questions", "required", _("Ask at least one question."))
    if len(questions) > QUESTIONS_MAX:
        raise ValidationFailed.for_field(
            "questions", "max_count", _("At most {limit} questions."), limit=QUESTIONS_MAX
        )
    cleaned: list[dict[str, Any]] = []
    for index, question in enumerate(questions):
        text = text_clean(
            str(question.get("text", "")), field=f"questions[{index}].text", required=True
        )
        kind = choice_clean(
            str(question.get("kind", "")),
            field=f"questions[{index}].kind",
            choices=QuestionKind.values,
            message=_("A question is a 1–5 score or a comment."),
        )
        cleaned.append(
            {"text": text, "kind": kind, "required": bool(question.get("required", True))}
        )
    return cleaned


@transaction.atomic
def survey_create(
    *,
    title: str,
    questions: Sequence[Mapping[str, Any]],
    acting_user: User | None,
    introduction: str = "",
    department_id: int | None = None,
    now: datetime | None = None,
) -> Survey:
    """A survey with its questions ({"text", "kind": "score" | "text", "required"}), open."""
    user = permission_require(acting_user, PERM_SURVEYS)
    moment = moment_of(now)
    cleaned_title = text_clean(title, field="title", required=True, limit=200)
    intro = text_clean(introduction, field="introduction", limit=NOTE_LIMIT)
    department = department_clean(department_id) if department_id is not None else None
    cleaned = _questions_clean(questions)
    survey = Survey.objects.create(
        title=cleaned_title,
        introduction=intro,
        department=department,
        created_by=user,
    )
    SurveyQuestion.objects.bulk_create(
        SurveyQuestion(survey=survey, position=position, **question)
        for position, question in enumerate(cleaned, start=1)
    )
    audit_record(
        action="servicedesk.survey.create",
        actor=user,
        subject=survey,
        after={"title": cleaned_title, "questions": cleaned, "department": survey.department_id},
        now=moment,
    )
    return survey


@transaction.atomic
def survey_close(
    *, survey_id: int, acting_user: User | None, now: datetime | None = None
) -> Survey:
    """No more answers are taken (invitations already sent can no longer be answered)."""
    user = permission_require(acting_user, PERM_SURVEYS)
    moment = moment_of(now)
    survey = Survey.objects.select_for_update().filter(pk=survey_id).first()
    if survey is None:
        raise SurveyNotFound()
    if survey.status == SurveyStatus.CLOSED:
        return survey
    survey.status = SurveyStatus.CLOSED
    survey.save(update_fields=["status", "updated_at"])
    audit_record(
        action="servicedesk.survey.close",
        actor=user,
        subject=survey,
        after={"status": survey.status},
        now=moment,
    )
    return survey


# Sending ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SentInvitation:
    invitation: SurveyInvitation
    token: str  # shown once: only its hash is stored

    @property
    def link(self) -> str:
        return survey_link(self.token)


@transaction.atomic
def survey_send(
    *,
    survey_id: int,
    customer_ids: Sequence[int],
    channel: str,
    acting_user: User | None,
    department_id: int | None = None,
    about: Model | tuple[str, Any] | None = None,
    expires_in_days: int = EXPIRY_DAYS_DEFAULT,
    now: datetime | None = None,
) -> list[SentInvitation]:
    """Invite each customer (their portal users; by SMS, the customer's number) to answer.
    Every customer is checked before anything is sent: one without a way to reach them stops
    the whole send with a clear error."""
    user = permission_require(acting_user, PERM_SURVEYS)
    moment = moment_of(now)
    chosen = choice_clean(
        channel,
        field="channel",
        choices=InvitationChannel.values,
        message=_("Send through the portal, an email link or an SMS link."),
    )
    if isinstance(expires_in_days, bool) or not 1 <= expires_in_days <= EXPIRY_DAYS_MAX:
        raise ValidationFailed.for_field(
            "expires_in_days", "range", _("From 1 to {limit} days."), limit=EXPIRY_DAYS_MAX
        )
    if not customer_ids:
        raise ValidationFailed.for_field("customer_ids", "required", _("Choose the customers."))
    survey = Survey.objects.select_for_update().filter(pk=survey_id).first()
    if survey is None:
        raise SurveyNotFound()
    if survey.status != SurveyStatus.OPEN:
        raise SurveyClosed()
    department = department_clean(department_id) if department_id is not None else None
    ids = list(dict.fromkeys(customer_ids))
    customers = {party.pk: party for party in Party.objects.filter(pk__in=ids, is_active=True)}
    missing = [customer_id for customer_id in ids if customer_id not in customers]
    if missing:
        raise ValidationFailed.for_field(
            "customer_ids",
            "unknown",
            _("There is no customer {ids}."),
            ids=", ".join(str(customer_id) for customer_id in missing),
        )
    plans: list[tuple[Party, list[User], str]] = []
    for customer_id in ids:
        customer = customers[customer_id]
        recipients = customer_portal_users(customer)
        if not recipients:
            raise NoRecipient(params={"customer": customer.name})
        phone = ""
        if chosen == InvitationChannel.SMS:
            phone = customer_phone(customer)
            if not phone:
                raise ValidationFailed.for_field(
                    "channel",
                    "no_phone",
                    _("{customer} has no phone number for an SMS."),
                    customer=customer.name,
                )
            recipients = recipients[:1]  # one SMS to the customer's number
        plans.append((customer, recipients, phone))
    subject_type, subject_id = subject_reference(about)
    sent: list[SentInvitation] = []
    for customer, recipients, phone in plans:
        token = secrets.token_urlsafe(TOKEN_BYTES)
        invitation = SurveyInvitation.objects.create(
            survey=survey,
            customer=customer,
            channel=chosen,
            token_hash=token_hash(token),
            department=department or survey.department,
            subject_type=subject_type,
            subject_id=subject_id,
            sent_at=moment,
            sent_by=user,
            expires_at=moment + timedelta(days=expires_in_days),
        )
        notification_send(
            recipients=recipients,
            template="servicedesk_survey_invitation",
            context={
                "survey": survey.title,
                "introduction": survey.introduction,
                "link": survey_link(token),
                "expires_at": invitation.expires_at,
            },
            channels=CHANNELS_OF[chosen],
            subject=invitation,
            dedupe_key=f"servicedesk.survey.invitation.{invitation.pk}",
            phone_numbers={recipients[0].pk: phone} if phone else None,
            now=moment,
        )
        sent.append(SentInvitation(invitation, token))
    audit_record(
        action="servicedesk.survey.send",
        actor=user,
        subject=survey,
        after={
            "channel": chosen,
            "invitations": [item.invitation.pk for item in sent],
            "customers": ids,
            "department": department.pk if department is not None else survey.department_id,
        },
        now=moment,
    )
    return sent


# Answering --------------------------------------------------------------------------------


def _invitation_locked(
    *, token: str | None, invitation_id: int | None, user: User | None
) -> tuple[SurveyInvitation, User | None]:
    """The invitation answered and who answers: by link token (anyone holding it), or by id
    for the customer's own portal user or staff recording a phone answer."""
    invitations = SurveyInvitation.objects.select_for_update(of=("self",)).select_related(
        "survey", "customer", "department"
    )
    if token:
        invitation = invitations.filter(token_hash=token_hash(token)).first()
        if invitation is None:
            raise InvitationNotFound()
        own = customer_of_portal_user(user)
        return invitation, user if own == invitation.customer_id else None
    if invitation_id is None:
        raise InvitationNotFound()
    invitation = invitations.filter(pk=invitation_id).first()
    own = customer_of_portal_user(user)
    if invitation is None:
        raise InvitationNotFound()
    if own is not None:
        if own != invitation.customer_id:
            raise InvitationNotFound()
        return invitation, user
    if user is None or not user.is_active or not user.has_perm(PERM_SURVEYS):
        raise InvitationNotFound()
    return invitation, user


def _score(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if SCORE_MIN <= value <= SCORE_MAX else None
    if isinstance(value, str) and value.strip().isdigit():
        number = int(value.strip())
        return number if SCORE_MIN <= number <= SCORE_MAX else None
    return None


def _answers_clean(
    questions: list[SurveyQuestion], answers: Mapping[Any, Any]
) -> list[tuple[SurveyQuestion, int | None, str]]:
    by_id = {question.pk: question for question in questions}
    errors: list[FieldError] = []
    given: dict[int, Any] = {}
    for key, value in answers.items():
        try:
            question_id = int(key)
        except (TypeError, ValueError):
            question_id = -1
        if question_id not in by_id:
            errors.append(FieldError(f"answers.{key}", "unknown", _("No such question.")))
            continue
        given[question_id] = value
    cleaned: list[tuple[SurveyQuestion, int | None, str]] = []
    for question in questions:
        field = f"answers.{question.pk}"
        value = given.get(question.pk)
        empty = value is None or (isinstance(value, str) and not value.strip())
        if empty:
            if question.required:
                errors.append(FieldError(field, "required", _("This question needs an answer.")))
            continue
        if question.kind == QuestionKind.SCORE:
            score = _score(value)
            if score is None:
                errors.append(
                    FieldError(
                        field,
                        "score_range",
                        _("A score is a whole number from {low} to {high}.").format(
                            low=SCORE_MIN, high=SCORE_MAX
                        ),
                    )
                )
                continue
            cleaned.append((question, score, ""))
        else:
            text = str(value).strip()
            if len(text) > NOTE_LIMIT:
                errors.append(
                    FieldError(
                        field,
                        "max_length",
                        _("At most {limit} characters.").format(limit=NOTE_LIMIT),
                    )
                )
                continue
            cleaned.append((question, None, text))
    _raise_if_any(errors)
    return cleaned


@transaction.atomic
def survey_answer(
    *,
    answers: Mapping[Any, Any],
    acting_user: User | None,
    token: str | None = None,
    invitation_id: int | None = None,
    comment: str = "",
    now: datetime | None = None,
) -> SurveyResponse:
    """Answer an invitation once: every answer is checked first (a score outside 1–5, an
    unknown question or a missing required answer changes nothing). Scores of 2 or lower open
    a service issue for the rated department to follow up."""
    moment = moment_of(now)
    invitation, user = _invitation_locked(
        token=token, invitation_id=invitation_id, user=acting_user
    )
    if invitation.status == InvitationStatus.ANSWERED:
        raise AlreadyAnswered()
    if invitation.survey.status != SurveyStatus.OPEN:
        raise SurveyClosed()
    if moment > invitation.expires_at:
        raise InvitationExpired(params={"date": f"{invitation.expires_at:%Y-%m-%d}"})
    questions = list(invitation.survey.questions.order_by("position"))
    cleaned = _answers_clean(questions, answers)
    remark = text_clean(comment, field="comment", limit=NOTE_LIMIT)
    scores = [score for _question, score, _text in cleaned if score is not None]
    response = SurveyResponse.objects.create(
        invitation=invitation,
        answered_at=moment,
        answered_by=user,
        average_score=average_score(scores),
        comment=remark,
    )
    SurveyAnswer.objects.bulk_create(
        SurveyAnswer(response=response, question=question, score=score, text=text)
        for question, score, text in cleaned
    )
    invitation.status, invitation.answered_at = InvitationStatus.ANSWERED, moment
    invitation.save(update_fields=["status", "answered_at", "updated_at"])
    issue = None
    if low_scores(scores):
        lines = [
            f"{question.text}: {score}"
            for question, score, _text in cleaned
            if score is not None and score <= LOW_SCORE
        ]
        lines += [f"{question.text}: {text}" for question, _score_, text in cleaned if text]
        if remark:
            lines.append(remark)
        issue = issue_create(
            customer=invitation.customer,
            source=IssueSource.SURVEY,
            description="\n".join(lines),
            department=invitation.department,
            user=user,
            moment=moment,
            response=response,
        )
    audit_record(
        action="servicedesk.survey.answer",
        actor=user,
        subject=invitation,
        after={
            "response": response.pk,
            "average_score": response.average_score,
            "scores": {question.pk: score for question, score, _text in cleaned if score},
            "issue": issue.pk if issue is not None else None,
        },
        now=moment,
    )
    return response
