"""The database keeps the service desk's rules even when a service is bypassed: one Message-ID
per message, scores 1–5, one active programme per customer, an issue's source, a recorded
extension's reason. And the migrations: the seeded standards, reversible."""

from datetime import date

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from coverdesk.servicedesk.models import (
    Complaint,
    Inquiry,
    InquiryMessage,
    ReturnVisit,
    ReturnVisitProgramme,
    ServiceIssue,
    Survey,
    SurveyAnswer,
    SurveyInvitation,
    SurveyQuestion,
    SurveyResponse,
)
from coverdesk.servicedesk.tests.factories import MONDAY, make_customer
from coverdesk.sla.models import SlaStandard

pytestmark = pytest.mark.django_db


def _inquiry():
    return Inquiry.objects.create(channel="email", subject="问", received_at=MONDAY)


def test_a_message_id_is_stored_once():
    inquiry = _inquiry()
    InquiryMessage.objects.create(
        inquiry=inquiry, kind="customer", body="a", at=MONDAY, message_id="<x@example.com>"
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        InquiryMessage.objects.create(
            inquiry=inquiry, kind="customer", body="b", at=MONDAY, message_id="<x@example.com>"
        )
    # Messages without an id (notes, phone replies) are not limited.
    for _n in range(2):
        InquiryMessage.objects.create(inquiry=inquiry, kind="note", body="n", at=MONDAY)
    assert InquiryMessage.objects.filter(inquiry=inquiry).count() == 3


def _response():
    customer = make_customer()
    survey = Survey.objects.create(title="满意度")
    question = SurveyQuestion.objects.create(survey=survey, position=1, text="总体", kind="score")
    invitation = SurveyInvitation.objects.create(
        survey=survey,
        customer=customer,
        channel="portal",
        token_hash="h" * 64,
        sent_at=MONDAY,
        expires_at=MONDAY,
    )
    return SurveyResponse.objects.create(invitation=invitation, answered_at=MONDAY), question


@pytest.mark.parametrize("score", [0, 6])
def test_a_score_outside_one_to_five_is_refused_by_the_database(score):
    response, question = _response()
    with pytest.raises(IntegrityError), transaction.atomic():
        SurveyAnswer.objects.create(response=response, question=question, score=score)
    assert not SurveyAnswer.objects.exists()


def test_a_score_of_one_to_five_or_none_is_stored():
    response, question = _response()
    SurveyAnswer.objects.create(response=response, question=question, score=5)
    assert SurveyAnswer.objects.get().score == 5


def test_a_customer_has_one_active_programme():
    customer = make_customer()
    fields = {"customer": customer, "name": "回访", "starts_on": date(2026, 1, 1), "script": "s"}
    ReturnVisitProgramme.objects.create(**fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        ReturnVisitProgramme.objects.create(**fields)
    ReturnVisitProgramme.objects.create(**fields, is_active=False)
    assert ReturnVisitProgramme.objects.filter(customer=customer).count() == 2


def test_a_sample_above_one_hundred_percent_is_refused():
    with pytest.raises(IntegrityError), transaction.atomic():
        ReturnVisitProgramme.objects.create(
            customer=make_customer(),
            name="回访",
            starts_on=date(2026, 1, 1),
            script="s",
            sample_percent=101,
        )


def test_an_event_is_visited_once():
    customer = make_customer()
    fields = {
        "customer": customer,
        "reason": "claim_closed",
        "source_type": "claims.claim",
        "source_id": "7",
        "planned_on": date(2026, 8, 24),
        "script": "s",
    }
    ReturnVisit.objects.create(**fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        ReturnVisit.objects.create(**fields)


def test_an_issue_names_the_source_it_says():
    response, _question = _response()
    with pytest.raises(IntegrityError), transaction.atomic():
        ServiceIssue.objects.create(
            customer=response.invitation.customer, source="return_visit", response=response
        )
    ServiceIssue.objects.create(
        customer=response.invitation.customer, source="survey", response=response
    )
    assert ServiceIssue.objects.count() == 1


def test_an_extension_needs_its_reason():
    with pytest.raises(IntegrityError), transaction.atomic():
        Complaint.objects.create(
            channel="phone",
            classification="simple",
            complainant_name="张三",
            subject="慢",
            description="太慢",
            received_at=MONDAY,
            extended_at=MONDAY,
        )


@pytest.mark.parametrize(
    ("code", "amount", "unit", "calendar"),
    [
        ("service.question.complex.update", 1, "working_days", "cn-mainland"),
        ("service.return_visit.perform", 5, "working_days", "cn-mainland"),
        ("regulation.complaint.decision.extension", 15, "natural_days", "cn-mainland"),
    ],
)
def test_the_service_desk_standards_are_seeded(code, amount, unit, calendar):
    version = SlaStandard.objects.get(code=code).versions.get()
    assert (version.number, version.amount, version.unit, version.calendar.code) == (
        1,
        amount,
        unit,
        calendar,
    )
    assert version.customer_updates is False


@pytest.mark.django_db(transaction=True)
def test_the_migrations_can_be_reversed_and_applied_again():
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes("servicedesk")
    executor.migrate([("servicedesk", None)])
    assert not SlaStandard.objects.filter(code="service.return_visit.perform").exists()
    assert "servicedesk_inquiry" not in connection.introspection.table_names()
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(latest)
    assert SlaStandard.objects.filter(code="service.return_visit.perform").exists()
    assert Inquiry.objects.count() == 0
