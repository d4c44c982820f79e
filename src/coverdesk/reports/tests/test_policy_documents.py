"""Policy schedule and endorsement PDFs: generated from policies issued and endorsed through
the services, read back with pdftotext."""

import subprocess
from datetime import date
from decimal import Decimal

import pytest

from coverdesk.catalog.models import Clause
from coverdesk.core.exceptions import ValidationFailed
from coverdesk.policies.exceptions import PolicyNotFound
from coverdesk.policies.models import Endorsement
from coverdesk.policies.services.policies import policy_cancel
from coverdesk.policies.services.servicing import (
    servicing_fee_calculate,
    servicing_request_approve,
    servicing_request_receive,
)
from coverdesk.policies.tests.policy_factories import (
    AVIATION,
    GROUP,
    at,
    issue_policy,
    make_customer,
    make_fleet,
    make_person,
    make_team,
)
from coverdesk.reports.policy_documents import endorsement_pdf, money, policy_schedule_pdf

pytestmark = pytest.mark.django_db


def pdf_text(content: bytes) -> str:
    assert content.startswith(b"%PDF")
    result = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", "-", "-"],
        input=content,
        capture_output=True,
        check=True,
    )
    # Table cells wrap: compare with runs of whitespace as one space.
    return " ".join(result.stdout.decode("utf-8").split())


@pytest.fixture
def team():
    return make_team()


@pytest.fixture
def customer():
    return make_customer()


@pytest.fixture
def crew(customer):
    return [
        make_person(customer, "林海", "pilot", 1),
        make_person(customer, "周明", "aircrew", 2),
        make_person(customer, "刘建", "ground_crew", 3),
    ]


@pytest.fixture
def policy(team, customer, crew):
    fleet = make_fleet(customer)
    return issue_policy(
        team, customer, coverage_codes=[AVIATION, GROUP], aircraft=fleet, persons=crew
    )


def remove_person(team, policy, person, *, effective_on=date(2026, 3, 1), day=24):
    request = servicing_request_receive(
        policy_id=policy.pk,
        kind="remove_persons",
        channel="counter",
        requester_name="郑海",
        identity_method="authorisation",
        identity_reference="4401**********999X",
        effective_on=effective_on,
        changes=[{"op": "remove_person", "person_id": person.pk}],
        description=f"减少被保险人{person.name}",
        received_documents=["servicing_application", "applicant_identity", "persons_removed"],
        acting_user=team.clerk,
        now=at(2026, 2, day, 9),
    )
    servicing_fee_calculate(request_id=request.pk, acting_user=team.clerk, now=at(2026, 2, day, 11))
    servicing_request_approve(
        request_id=request.pk, acting_user=team.clerk, now=at(2026, 2, day, 15)
    )
    return Endorsement.objects.get(servicing_request=request)


def test_money_has_thousands_separators_and_two_decimals():
    assert money(Decimal("2733200")) == "2,733,200.00"
    assert money(Decimal("-973.149")) == "-973.15"
    assert money(None) == ""


def test_the_chinese_schedule_shows_the_policy_the_fleet_the_crew_masked_and_the_premium(policy):
    # given a policy on the fleet and three insured persons, issued through the services
    # when its schedule is printed in the default language
    text = pdf_text(policy_schedule_pdf(policy_id=policy.pk))

    # then
    assert policy.number in text
    assert "市公安局警务航空队" in text
    for mark in ("4401120088", "4401220255", "4401350701"):
        assert mark in text
    assert "林海" in text
    assert "4401**********0001" in text
    assert "440102198001010001" not in text
    assert "2025-12-22 00:00 至 2026-12-21 24:00" in text
    assert money(policy.term_premium) in text
    assert "机身及零配件一切险" in text
    assert "70,000,000.00" in text


def test_the_schedule_prints_the_text_of_the_special_clauses(policy):
    clause = Clause.objects.filter(version_id=policy.product_version_id).order_by("pk").first()
    text = "".join(pdf_text(policy_schedule_pdf(policy_id=policy.pk)).split())

    assert clause is not None
    assert "".join(clause.title.split()) in text
    assert "".join(clause.text.split())[:30] in text


def test_english_on_request_shows_english_headings_and_period(policy):
    text = pdf_text(policy_schedule_pdf(policy_id=policy.pk, language="en"))

    assert "Policy schedule" in text
    assert "Insured aircraft" in text
    assert "Insured persons" in text
    assert "Hull and spare parts all risks" in text
    assert "2025-12-22 00:00 to 2026-12-21 24:00" in text
    assert money(policy.term_premium) in text
    assert policy.number in text


def test_an_earlier_version_prints_its_own_terms(team, policy, crew):
    # given a ground crew member removed by an endorsement from 2026-03-01
    remove_person(team, policy, crew[2])

    # when the issue version and the latest version are printed
    first = pdf_text(policy_schedule_pdf(policy_id=policy.pk, version_number=1))
    latest = pdf_text(policy_schedule_pdf(policy_id=policy.pk))

    # then only the issue version lists him
    assert "刘建" in first
    assert "刘建" not in latest
    assert "林海" in latest


def test_the_endorsement_shows_the_change_and_the_refund_line_by_line(team, policy, crew):
    endorsement = remove_person(team, policy, crew[2])
    refund = -endorsement.premium_change

    text = pdf_text(endorsement_pdf(endorsement_id=endorsement.pk))

    assert refund > 0
    assert policy.number in text
    assert "市公安局警务航空队" in text
    assert "刘建" in text
    assert "2026年3月1日" in text
    assert "2026-03-01 – 2026-12-21" in text
    assert "× 296 / 365" in text
    assert money(refund) in text


def test_the_english_endorsement_names_the_refund(team, policy, crew):
    endorsement = remove_person(team, policy, crew[2])

    text = pdf_text(endorsement_pdf(endorsement_id=endorsement.pk, language="en"))

    assert "Endorsement" in text
    assert "Premium to be refunded" in text
    assert "Days from the effective date to the end of the period" in text
    assert "1 March 2026" in text
    assert money(-endorsement.premium_change) in text


def test_an_out_of_sequence_endorsement_shows_the_later_one_re_applied(team, policy, crew):
    # given 刘建 removed from 06-01, then 周明 removed from 03-01 (before it, arriving later)
    later = remove_person(team, policy, crew[2], effective_on=date(2026, 6, 1), day=20)
    earlier = remove_person(team, policy, crew[1], effective_on=date(2026, 3, 1), day=24)

    text = pdf_text(endorsement_pdf(endorsement_id=earlier.pk, language="en"))

    # then the document explains the re-application of the later endorsement
    assert earlier.out_of_sequence is True
    assert "the later endorsements were re-applied in effective order" in text
    assert f"Re-applied: Endorsement {later.sequence} effective 1 June 2026" in text
    assert "Later endorsement re-applied in effective order: change of its premium" in text
    assert money(abs(earlier.premium_change)) in text


def test_a_cancellation_endorsement_shows_the_refund_calculation(team, customer):
    # given an aviation policy cancelled from 2026-06-22 by the manager
    aviation = issue_policy(
        team, customer, coverage_codes=[AVIATION], aircraft=make_fleet(customer)
    )
    endorsement = policy_cancel(
        policy_id=aviation.pk,
        cancel_on=date(2026, 6, 22),
        acting_user=team.manager,
        now=at(2026, 6, 15, 11),
    )

    text = pdf_text(endorsement_pdf(endorsement_id=endorsement.pk, language="en"))

    # then the pro-rata refund 2,666,000 × 183 / 365 is shown with the cover's end
    assert endorsement.premium_change == Decimal("-1336652.05")
    assert "Cancellation with refund" in text
    assert "cover ends at 2026-06-22 00:00" in text
    assert "Premium to be refunded: CNY 1,336,652.05" in text
    assert "183" in text


def test_the_schedule_of_a_cancelled_policy_shows_its_last_terms_and_the_cancellation(
    team, customer
):
    aviation = issue_policy(
        team, customer, coverage_codes=[AVIATION], aircraft=make_fleet(customer)
    )
    policy_cancel(
        policy_id=aviation.pk,
        cancel_on=date(2026, 6, 22),
        acting_user=team.manager,
        now=at(2026, 6, 15, 11),
    )

    text = pdf_text(policy_schedule_pdf(policy_id=aviation.pk, language="en"))

    assert "4401350701" in text
    assert "Cancelled from 22 June 2026 00:00" in text


def test_unknown_policy_version_endorsement_or_language_are_refused(policy):
    with pytest.raises(PolicyNotFound):
        policy_schedule_pdf(policy_id=policy.pk + 1000)
    with pytest.raises(ValidationFailed):
        policy_schedule_pdf(policy_id=policy.pk, version_number=9)
    with pytest.raises(ValidationFailed):
        policy_schedule_pdf(policy_id=policy.pk, language="fr")
    with pytest.raises(ValidationFailed):
        endorsement_pdf(endorsement_id=12345)
