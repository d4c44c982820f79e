"""Satisfaction surveys: build, send by portal, email link or SMS link, answer once (a score
out of range or a missing answer changes nothing), low scores become tracked issues, and the
customer is asked whether their problem was solved."""

from datetime import timedelta

import pytest

from coverdesk.core import clock
from coverdesk.core.exceptions import ValidationFailed
from coverdesk.notifications.models import Message
from coverdesk.parties.tests.factories import make_contact
from coverdesk.servicedesk.exceptions import (
    AlreadyAnswered,
    InvitationExpired,
    InvitationNotFound,
    IssueNotFound,
    NoRecipient,
    ServicedeskPermissionDenied,
    SurveyClosed,
)
from coverdesk.servicedesk.models import (
    ServiceIssue,
    SurveyAnswer,
    SurveyInvitation,
    SurveyResponse,
)
from coverdesk.servicedesk.selectors.surveys import survey_results
from coverdesk.servicedesk.services.issues import (
    service_issue_customer_answer,
    service_issue_open,
    service_issue_resolve,
)
from coverdesk.servicedesk.services.surveys import (
    survey_answer,
    survey_close,
    survey_create,
    survey_send,
    token_hash,
)
from coverdesk.servicedesk.tests.factories import (
    MONDAY,
    make_customer,
    make_desk,
    make_other_customer,
    make_portal_user,
)
from coverdesk.servicedesk.tests.helpers import audit_actions, counts
from coverdesk.servicedesk.transitions import TransitionNotAllowed

pytestmark = pytest.mark.django_db

QUESTIONS = [
    {"text": "理赔服务总体满意度", "kind": "score"},
    {"text": "客服响应速度", "kind": "score"},
    {"text": "其他意见", "kind": "text", "required": False},
]


@pytest.fixture(autouse=True)
def frozen(monkeypatch):
    """Calls without `now` happen the day after the survey was sent."""
    monkeypatch.setattr(clock, "now", lambda: MONDAY + timedelta(days=1))


@pytest.fixture
def desk():
    return make_desk()


@pytest.fixture
def customer():
    return make_customer()


@pytest.fixture
def portal(customer):
    return make_portal_user(customer, email="portal@police.example.cn")


@pytest.fixture
def survey(desk):
    return survey_create(
        title="2026年第三季度满意度调查",
        introduction="感谢您抽出时间。",
        questions=QUESTIONS,
        department_id=desk.claims_agent.department_id,
        acting_user=desk.manager,
        now=MONDAY,
    )


def send(desk, survey, customer, channel="portal", **kwargs):
    return survey_send(
        survey_id=survey.pk,
        customer_ids=[customer.pk],
        channel=channel,
        acting_user=desk.manager,
        now=MONDAY,
        **kwargs,
    )


def ids(survey):
    return [q.pk for q in survey.questions.order_by("position")]


def test_a_survey_sent_by_email_link_reaches_the_portal_users_with_the_link(
    desk, survey, customer, portal, settings
):
    settings.COVERDESK_BASE_URL = "https://desk.example.cn"
    (sent,) = send(desk, survey, customer, channel="email")
    invitation = sent.invitation
    assert (invitation.status, invitation.department, invitation.channel) == (
        "sent",
        desk.claims_agent.department,
        "email",
    )
    assert invitation.token_hash == token_hash(sent.token)
    assert sent.token not in invitation.token_hash
    assert invitation.expires_at == MONDAY + timedelta(days=30)
    email = Message.objects.get(template="servicedesk_survey_invitation", channel="email")
    assert email.recipient == portal
    assert f"https://desk.example.cn/portal/surveys/answer/{sent.token}/" in email.body
    assert Message.objects.filter(template="servicedesk_survey_invitation").count() == 2


def test_an_sms_link_goes_once_to_the_customers_number(desk, survey, customer, portal):
    make_portal_user(customer)
    make_contact(customer, name="郑海", phone="13912345678", is_primary=True)
    send(desk, survey, customer, channel="sms")
    (sms,) = Message.objects.filter(template="servicedesk_survey_invitation")
    assert (sms.channel, sms.address) == ("sms", "13912345678")


def test_a_customer_without_a_portal_user_stops_the_whole_send(desk, survey, customer, portal):
    lonely = make_other_customer()
    with pytest.raises(NoRecipient):
        survey_send(
            survey_id=survey.pk,
            customer_ids=[customer.pk, lonely.pk],
            channel="portal",
            acting_user=desk.manager,
        )
    assert counts(SurveyInvitation, Message) == (0, 0)


def test_the_customer_answers_by_link_and_a_low_score_opens_an_issue(
    desk, survey, customer, portal
):
    (sent,) = send(desk, survey, customer)
    first, second, comment = ids(survey)
    response = survey_answer(
        token=sent.token,
        answers={first: 4, str(second): "2", comment: "夜间电话常占线。"},
        comment="总体还可以。",
        acting_user=None,
        now=MONDAY + timedelta(days=2),
    )
    assert response.average_score == 3  # (4 + 2) / 2
    assert response.answered_by is None
    assert list(
        SurveyAnswer.objects.order_by("question__position").values_list("score", "text")
    ) == [
        (4, ""),
        (2, ""),
        (None, "夜间电话常占线。"),
    ]
    sent.invitation.refresh_from_db()
    assert sent.invitation.status == "answered"
    issue = ServiceIssue.objects.get()
    assert (issue.source, issue.response, issue.department, issue.status) == (
        "survey",
        response,
        desk.claims_agent.department,
        "open",
    )
    assert issue.description == "客服响应速度: 2\n其他意见: 夜间电话常占线。\n总体还可以。"
    with pytest.raises(AlreadyAnswered):
        survey_answer(token=sent.token, answers={first: 5, second: 5}, acting_user=None)


@pytest.mark.parametrize("score", [0, 6, "6", "five", 4.5, True, -1])
def test_a_score_out_of_range_is_refused_with_a_clear_error_and_nothing_changes(
    desk, survey, customer, portal, score
):
    (sent,) = send(desk, survey, customer)
    first, second, _comment = ids(survey)
    with pytest.raises(ValidationFailed) as caught:
        survey_answer(token=sent.token, answers={first: 5, second: score}, acting_user=portal)
    error = caught.value.fields[0]
    assert (error.field, error.rule) == (f"answers.{second}", "score_range")
    assert str(error.message) == "A score is a whole number from 1 to 5."
    assert counts(SurveyResponse, SurveyAnswer, ServiceIssue) == (0, 0, 0)
    sent.invitation.refresh_from_db()
    assert sent.invitation.status == "sent"


def test_every_bad_answer_is_named_at_once(desk, survey, customer, portal):
    (sent,) = send(desk, survey, customer)
    first, _second, _comment = ids(survey)
    with pytest.raises(ValidationFailed) as caught:
        survey_answer(token=sent.token, answers={first: 9, 99999: 3}, acting_user=portal)
    assert [(f.field, f.rule) for f in caught.value.fields] == [
        ("answers.99999", "unknown"),
        (f"answers.{first}", "score_range"),
        (f"answers.{ids(survey)[1]}", "required"),
    ]
    assert SurveyResponse.objects.count() == 0


def test_the_portal_user_answers_their_own_invitation_and_not_anothers(
    desk, survey, customer, portal
):
    other = make_other_customer()
    make_portal_user(other)
    (mine,) = send(desk, survey, customer)
    (theirs,) = send(desk, survey, other)
    first, second, _comment = ids(survey)
    with pytest.raises(InvitationNotFound):
        survey_answer(
            invitation_id=theirs.invitation.pk, answers={first: 5, second: 5}, acting_user=portal
        )
    assert SurveyResponse.objects.count() == 0
    response = survey_answer(
        invitation_id=mine.invitation.pk, answers={first: 5, second: 4}, acting_user=portal
    )
    assert (response.answered_by, ServiceIssue.objects.count()) == (portal, 0)


def test_a_wrong_token_finds_nothing(desk, survey, customer, portal):
    send(desk, survey, customer)
    with pytest.raises(InvitationNotFound):
        survey_answer(token="not-the-token", answers={}, acting_user=None)


def test_an_expired_or_closed_survey_takes_no_answer(desk, survey, customer, portal):
    (sent,) = send(desk, survey, customer, expires_in_days=7)
    first, second, _comment = ids(survey)
    with pytest.raises(InvitationExpired) as caught:
        survey_answer(
            token=sent.token,
            answers={first: 5, second: 5},
            acting_user=None,
            now=MONDAY + timedelta(days=8),
        )
    assert "2026-08-31" in caught.value.message
    survey_close(survey_id=survey.pk, acting_user=desk.manager)
    with pytest.raises(SurveyClosed):
        survey_answer(token=sent.token, answers={first: 5, second: 5}, acting_user=None)
    with pytest.raises(SurveyClosed):
        send(desk, survey, customer)
    assert SurveyResponse.objects.count() == 0


@pytest.mark.parametrize(
    ("questions", "field"),
    [
        ([], "questions"),
        ([{"text": "", "kind": "score"}], "questions[0].text"),
        ([{"text": "q", "kind": "stars"}], "questions[0].kind"),
    ],
)
def test_a_survey_needs_proper_questions(desk, questions, field):
    with pytest.raises(ValidationFailed) as caught:
        survey_create(title="t", questions=questions, acting_user=desk.manager)
    assert caught.value.fields[0].field == field


def test_only_survey_managers_build_and_send(desk, survey, customer, portal):
    with pytest.raises(ServicedeskPermissionDenied):
        survey_create(title="t", questions=QUESTIONS, acting_user=desk.agent)
    with pytest.raises(ServicedeskPermissionDenied):
        survey_send(
            survey_id=survey.pk, customer_ids=[customer.pk], channel="portal", acting_user=portal
        )
    assert SurveyInvitation.objects.count() == 0


def test_results_per_question(desk, survey, customer, portal):
    other = make_other_customer()
    make_portal_user(other)
    (a,) = send(desk, survey, customer)
    (b,) = send(desk, survey, other)
    first, second, comment = ids(survey)
    survey_answer(token=a.token, answers={first: 5, second: 4, comment: "很好"}, acting_user=None)
    survey_answer(token=b.token, answers={first: 4, second: 1}, acting_user=None)
    results = survey_results(survey=survey)
    assert (results.invited, results.answered) == (2, 2)
    overall, speed, remarks = results.questions
    assert (overall.answers, overall.average, overall.spread) == (
        2,
        pytest.approx(4.5),
        {1: 0, 2: 0, 3: 0, 4: 1, 5: 1},
    )
    assert (speed.average, speed.spread[1]) == (pytest.approx(2.5), 1)
    assert (remarks.answers, remarks.comments, remarks.spread) == (1, ["很好"], {})


# Issues -------------------------------------------------------------------------------------


def _issue(desk, survey, customer):
    (sent,) = send(desk, survey, customer)
    first, second, _comment = ids(survey)
    survey_answer(token=sent.token, answers={first: 1, second: 1}, acting_user=None)
    return ServiceIssue.objects.get()


def test_a_resolved_issue_asks_the_customer_who_closes_it(desk, survey, customer, portal):
    issue = _issue(desk, survey, customer)
    service_issue_resolve(
        issue_id=issue.pk,
        resolution="已增设夜间值班电话坐席。",
        acting_user=desk.agent,
        now=MONDAY + timedelta(days=3),
    )
    issue.refresh_from_db()
    assert (issue.status, issue.owner, issue.customer_asked_at) == (
        "resolved",
        desk.agent,
        MONDAY + timedelta(days=3),
    )
    asked = Message.objects.get(template="servicedesk_issue_resolved", channel="in_app")
    assert asked.recipient == portal
    assert "已增设夜间值班电话坐席" in asked.body
    service_issue_customer_answer(issue_id=issue.pk, solved=True, acting_user=portal)
    issue.refresh_from_db()
    assert (issue.status, issue.customer_answer) == ("closed", "Solved.")
    assert issue.closed_at is not None


def test_not_solved_opens_the_issue_again(desk, survey, customer, portal):
    issue = _issue(desk, survey, customer)
    service_issue_resolve(issue_id=issue.pk, resolution="已处理", acting_user=desk.agent)
    service_issue_customer_answer(
        issue_id=issue.pk, solved=False, note="夜间仍然打不通。", acting_user=desk.agent
    )
    issue.refresh_from_db()
    assert (issue.status, issue.reopen_count, issue.customer_answer) == (
        "open",
        1,
        "夜间仍然打不通。",
    )
    assert list(issue.status_changes.values_list("action", flat=True)) == [
        "open",
        "resolve",
        "reject",
    ]


def test_an_open_issue_cannot_be_confirmed(desk, survey, customer, portal):
    issue = _issue(desk, survey, customer)
    with pytest.raises(TransitionNotAllowed):
        service_issue_customer_answer(issue_id=issue.pk, solved=True, acting_user=portal)
    issue.refresh_from_db()
    assert issue.status == "open"


def test_another_customer_cannot_answer_for_an_issue(desk, survey, customer, portal):
    issue = _issue(desk, survey, customer)
    service_issue_resolve(issue_id=issue.pk, resolution="已处理", acting_user=desk.agent)
    stranger = make_portal_user(make_other_customer())
    with pytest.raises(IssueNotFound):
        service_issue_customer_answer(issue_id=issue.pk, solved=True, acting_user=stranger)
    issue.refresh_from_db()
    assert issue.status == "resolved"


def _content_response(survey, customer, desk):
    """An answered invitation whose scores (4 and 5) open no issue of their own."""
    (sent,) = send(desk, survey, customer)
    first, second, _comment = ids(survey)
    return survey_answer(token=sent.token, answers={first: 4, second: 5}, acting_user=None)


def test_staff_open_an_issue_from_a_survey_response(desk, survey, customer, portal):
    response = _content_response(survey, customer, desk)
    assert ServiceIssue.objects.count() == 0
    issue = service_issue_open(
        description="电话回访时客户提到夜间报案电话占线。",
        response_id=response.pk,
        acting_user=desk.agent,
        now=MONDAY + timedelta(days=2),
    )
    assert (issue.source, issue.response, issue.customer, issue.department, issue.status) == (
        "survey",
        response,
        customer,
        desk.claims_agent.department,
        "open",
    )
    assert list(issue.status_changes.values_list("action", "by")) == [("open", desk.agent.pk)]
    assert audit_actions("servicedesk.issue.") == ["servicedesk.issue.open"]


@pytest.mark.parametrize("named", ["neither", "both"])
def test_an_issue_names_exactly_one_source(desk, survey, customer, portal, named):
    response = _content_response(survey, customer, desk)
    sources = {"response_id": response.pk, "return_visit_id": 1} if named == "both" else {}
    with pytest.raises(ValidationFailed) as caught:
        service_issue_open(description="夜间占线。", acting_user=desk.agent, **sources)
    assert [(f.field, f.rule) for f in caught.value.fields] == [("source", "one_of")]
    assert ServiceIssue.objects.count() == 0


def test_staff_without_the_issue_permission_cannot_open_one(desk, survey, customer, portal):
    response = _content_response(survey, customer, desk)
    with pytest.raises(ServicedeskPermissionDenied):
        service_issue_open(
            description="夜间占线。", response_id=response.pk, acting_user=desk.outsider
        )
    assert ServiceIssue.objects.count() == 0
