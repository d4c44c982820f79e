"""Satisfaction surveys (满意度调查): questions with 1–5 scores and comments, invitations sent
through the portal, an email link or an SMS link, the responses, and the problems found (in a
survey or a return visit) tracked until the customer confirms they are solved."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from coverdesk.core.models import BaseModel
from coverdesk.servicedesk.choices import (
    InvitationChannel,
    InvitationStatus,
    IssueSource,
    IssueStatus,
    QuestionKind,
    SurveyStatus,
)

__all__ = [
    "ServiceIssue",
    "ServiceIssueStatusChange",
    "Survey",
    "SurveyAnswer",
    "SurveyInvitation",
    "SurveyQuestion",
    "SurveyResponse",
]

_USER = settings.AUTH_USER_MODEL
SCORE_MIN, SCORE_MAX = 1, 5


class Survey(BaseModel):
    title = models.CharField(_("title"), max_length=200)
    introduction = models.TextField(_("introduction"), blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=SurveyStatus.choices, default=SurveyStatus.OPEN
    )
    # The department whose service is rated, unless an invitation names another.
    department = models.ForeignKey(
        "accounts.Department", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        _USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")
        ordering = ["-created_at", "-id"]
        default_permissions = ("view",)
        permissions = [("manage_surveys", _("Can build and send satisfaction surveys"))]

    def __str__(self) -> str:
        return self.title


class SurveyQuestion(models.Model):
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField(_("position"))
    text = models.CharField(_("question"), max_length=300)
    kind = models.CharField(_("kind"), max_length=8, choices=QuestionKind.choices)
    required = models.BooleanField(_("required"), default=True)

    class Meta:
        verbose_name = _("survey question")
        verbose_name_plural = _("survey questions")
        ordering = ["survey", "position"]
        default_permissions = ("view",)
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "position"], name="servicedesk_question_position_once"
            ),
        ]

    def __str__(self) -> str:
        return self.text


class SurveyInvitation(BaseModel):
    """One customer asked to answer one survey. Link invitations carry a token: only its
    SHA-256 is stored; the link is in the message sent."""

    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="invitations")
    customer = models.ForeignKey(
        "parties.Party",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="survey_invitations",
    )
    channel = models.CharField(_("sent by"), max_length=8, choices=InvitationChannel.choices)
    token_hash = models.CharField(max_length=64, unique=True)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=InvitationStatus.choices,
        default=InvitationStatus.SENT,
    )
    department = models.ForeignKey(
        "accounts.Department",
        verbose_name=_("department rated"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # What the survey asks about, if anything (e.g. a return visit or a claim).
    subject_type = models.CharField(max_length=100, blank=True)
    subject_id = models.CharField(max_length=64, blank=True)
    sent_at = models.DateTimeField(_("sent at"))
    sent_by = models.ForeignKey(
        _USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    expires_at = models.DateTimeField(_("answer by"))
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("survey invitation")
        verbose_name_plural = _("survey invitations")
        ordering = ["-sent_at", "-id"]
        default_permissions = ("view",)
        indexes = [
            models.Index(fields=["customer", "status"], name="servicedesk_invitation_cust"),
        ]

    def __str__(self) -> str:
        return f"{self.survey_id} → {self.customer_id}"


class SurveyResponse(models.Model):
    invitation = models.OneToOneField(
        SurveyInvitation, on_delete=models.PROTECT, related_name="response"
    )
    answered_at = models.DateTimeField(_("answered at"))
    answered_by = models.ForeignKey(
        _USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    average_score = models.DecimalField(
        _("average score"), max_digits=3, decimal_places=2, null=True, blank=True
    )
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")
        ordering = ["-answered_at", "-id"]
        default_permissions = ("view",)
        indexes = [models.Index(fields=["answered_at"], name="servicedesk_response_month")]

    def __str__(self) -> str:
        return f"{self.invitation_id} {self.average_score}"


class SurveyAnswer(models.Model):
    response = models.ForeignKey(SurveyResponse, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(SurveyQuestion, on_delete=models.PROTECT, related_name="+")
    score = models.PositiveSmallIntegerField(_("score"), null=True, blank=True)
    text = models.TextField(_("comment"), blank=True)

    class Meta:
        verbose_name = _("survey answer")
        verbose_name_plural = _("survey answers")
        ordering = ["response", "question__position"]
        default_permissions = ("view",)
        constraints = [
            models.UniqueConstraint(
                fields=["response", "question"], name="servicedesk_answer_once"
            ),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__gte=SCORE_MIN, score__lte=SCORE_MAX),
                name="servicedesk_answer_score_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.response_id} {self.question_id}"


class ServiceIssue(BaseModel):
    """A problem the customer raised in a survey or a return visit, tracked until closed: when
    it is resolved the customer is asked whether it is solved; yes closes it, no reopens it."""

    customer = models.ForeignKey(
        "parties.Party",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="service_issues",
    )
    source = models.CharField(_("found in"), max_length=16, choices=IssueSource.choices)
    response = models.ForeignKey(
        SurveyResponse, on_delete=models.PROTECT, null=True, blank=True, related_name="issues"
    )
    return_visit = models.ForeignKey(
        "servicedesk.ReturnVisit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="issues",
    )
    description = models.TextField(_("problem"))
    status = models.CharField(
        _("status"), max_length=16, choices=IssueStatus.choices, default=IssueStatus.OPEN
    )
    department = models.ForeignKey(
        "accounts.Department", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    owner = models.ForeignKey(
        _USER,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    resolution = models.TextField(_("what was done"), blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    customer_asked_at = models.DateTimeField(_("customer asked at"), null=True, blank=True)
    customer_answer = models.CharField(_("customer's answer"), max_length=300, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("times reopened"), default=0)

    class Meta:
        verbose_name = _("service issue")
        verbose_name_plural = _("service issues")
        ordering = ["-created_at", "-id"]
        default_permissions = ("view",)
        permissions = [
            ("handle_service_issue", _("Can resolve problems found in surveys and visits")),
        ]
        indexes = [models.Index(fields=["status", "department"], name="servicedesk_issue_open")]
        constraints = [
            models.CheckConstraint(
                condition=Q(source=IssueSource.SURVEY, response__isnull=False, return_visit=None)
                | Q(source=IssueSource.RETURN_VISIT, return_visit__isnull=False, response=None),
                name="servicedesk_issue_source_matches",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.status}"


class ServiceIssueStatusChange(models.Model):
    issue = models.ForeignKey(ServiceIssue, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(_("from"), max_length=16, blank=True)
    to_status = models.CharField(_("to"), max_length=16)
    action = models.CharField(_("action"), max_length=24)
    at = models.DateTimeField(_("at"))
    by = models.ForeignKey(_USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("service issue status change")
        verbose_name_plural = _("service issue status changes")
        ordering = ["issue", "at", "id"]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.issue_id} {self.action}"
