"""Survey results: per question the number of answers, the average and the spread of 1–5
scores; comments in order. Five queries, whatever the number of responses."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Avg, Count, Q

from coverdesk.servicedesk.calculations import SCORE_PLACES
from coverdesk.servicedesk.choices import InvitationStatus, QuestionKind
from coverdesk.servicedesk.models import Survey, SurveyAnswer, SurveyInvitation


@dataclass(frozen=True)
class QuestionResult:
    question_id: int
    position: int
    text: str
    kind: str
    answers: int
    average: Decimal | None
    spread: dict[int, int] = field(default_factory=dict)  # score → answers
    comments: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class SurveyResults:
    survey_id: int
    invited: int
    answered: int
    questions: list[QuestionResult]


def survey_results(*, survey: Survey) -> SurveyResults:
    counts = SurveyInvitation.objects.filter(survey=survey).aggregate(
        invited=Count("pk"), answered=Count("pk", filter=Q(status=InvitationStatus.ANSWERED))
    )
    questions = list(survey.questions.order_by("position"))
    rows = (
        SurveyAnswer.objects.filter(question__survey=survey, score__isnull=False)
        .values("question_id", "score")
        .annotate(n=Count("pk"))
    )
    spread: dict[int, dict[int, int]] = {}
    for row in rows:
        spread.setdefault(row["question_id"], {})[int(row["score"] or 0)] = row["n"]
    averages = dict(
        SurveyAnswer.objects.filter(question__survey=survey, score__isnull=False)
        .values("question_id")
        .annotate(mean=Avg("score"))
        .values_list("question_id", "mean")
    )
    comments: dict[int, list[str]] = {}
    for question_id, text in (
        SurveyAnswer.objects.filter(question__survey=survey)
        .exclude(text="")
        .order_by("response__answered_at", "id")
        .values_list("question_id", "text")
    ):
        comments.setdefault(question_id, []).append(text)
    results = []
    for question in questions:
        scores = spread.get(question.pk, {})
        mean = averages.get(question.pk)
        answered = (
            sum(scores.values())
            if question.kind == QuestionKind.SCORE
            else len(comments.get(question.pk, []))
        )
        results.append(
            QuestionResult(
                question_id=question.pk,
                position=question.position,
                text=question.text,
                kind=question.kind,
                answers=answered,
                average=(
                    Decimal(str(mean)).quantize(SCORE_PLACES, rounding=ROUND_HALF_UP)
                    if mean is not None
                    else None
                ),
                spread={score: scores.get(score, 0) for score in range(1, 6)}
                if question.kind == QuestionKind.SCORE
                else {},
                comments=comments.get(question.pk, []),
            )
        )
    return SurveyResults(
        survey_id=survey.pk,
        invited=counts["invited"],
        answered=counts["answered"],
        questions=results,
    )
