"""New business through a broker: needs → consultation → quotes side by side → application with
its checklist and a one-time notice → underwriting within the authority → payment → issue, on
the 3 and 5 working-day standards counted from complete materials."""

from datetime import date, timedelta
from decimal import Decimal as D

import pytest

from coverdesk.audit.models import AuditEntry
from coverdesk.core.exceptions import ValidationFailed
from coverdesk.notifications.models import Message
from coverdesk.policies.exceptions import AuthorityExceeded, PolicyPermissionDenied
from coverdesk.policies.models import (
    Application,
    ApplicationStatusChange,
    Consultation,
    NeedsIntake,
    Policy,
    Quote,
)
from coverdesk.policies.selectors.new_business import quotes_compare
from coverdesk.policies.services.new_business import (
    application_approve,
    application_create,
    application_decline,
    application_documents_review,
    application_issue,
    application_payment_record,
    application_refer,
    application_submit,
    application_withdraw,
    consultation_record,
    needs_intake_create,
    quote_create,
)
from coverdesk.policies.tests.policy_factories import (
    AVIATION,
    GROUP,
    LICENCE,
    PERIOD_END,
    PERIOD_START,
    PRODUCT,
    all_documents,
    at,
    make_crew,
    make_customer,
    make_fleet,
    make_portal_user,
    make_team,
)
from coverdesk.policies.transitions import TransitionNotAllowed
from coverdesk.sla.models import SlaClock

pytestmark = pytest.mark.django_db

MONDAY = at(2025, 12, 1, 9)


@pytest.fixture
def team():
    return make_team()


@pytest.fixture
def customer():
    return make_customer()


@pytest.fixture
def fleet(customer):
    return make_fleet(customer)


def intake_for(team, customer, **kwargs):
    arguments = {
        "customer_id": customer.pk,
        "insurance_type": "航空器综合险",
        "coverage_wanted": "三架直升机机身、第三者及乘客责任",
        "budget": "3000000.00",
        "acting_user": team.broker,
        "now": MONDAY,
        **kwargs,
    }
    return needs_intake_create(**arguments)


def quote_for(team, intake, aircraft, *, label="方案一", now=MONDAY, **kwargs):
    arguments = {
        "intake_id": intake.pk,
        "product_code": PRODUCT,
        "period_start": PERIOD_START,
        "period_end": PERIOD_END,
        "coverage_codes": [AVIATION],
        "aircraft_ids": [a.pk for a in aircraft],
        "label": label,
        "acting_user": team.broker,
        "now": now,
        **kwargs,
    }
    return quote_create(**arguments)


def clock_of(application):
    application.refresh_from_db()
    return SlaClock.objects.get(pk=application.clock_id)


def test_a_broker_takes_a_client_from_needs_to_an_issued_policy(team, customer, fleet):
    portal = make_portal_user(customer)
    # needs and a consultation
    intake = intake_for(team, customer)
    consultation_record(
        intake_id=intake.pk,
        occurred_at=at(2025, 12, 1, 8),
        channel="meeting",
        summary="介绍航空器综合险及特别约定",
        recommendation="三机全保",
        acting_user=team.broker,
        now=MONDAY,
    )
    # two options side by side: the whole fleet, or the two H145 only
    whole = quote_for(team, intake, fleet)
    h145 = quote_for(team, intake, fleet[:2], label="方案二")
    options = quotes_compare(intake_id=intake.pk)
    assert [
        (o.quote.label, o.premium_by_coverage, o.premium, o.total_sum_insured) for o in options
    ] == [
        ("方案一", {AVIATION: D("2666000.00")}, D("2666000.00"), D("210000000.00")),
        ("方案二", {AVIATION: D("1764000.00")}, D("1764000.00"), D("140000000.00")),
    ]

    # the client takes the whole fleet: a complex application (high sums)
    application = application_create(
        quote_id=whole.pk, complexity="complex", acting_user=team.broker, now=at(2025, 12, 1, 10)
    )
    assert Quote.objects.get(pk=h145.pk).status == "declined"
    assert NeedsIntake.objects.get(pk=intake.pk).status == "applied"
    codes = all_documents(application)
    assert codes == [
        "application_form",
        "legal_status",
        "agent_identity",
        "aircraft_registration",
        "airworthiness",
        "aircraft_value",
        "loss_record",
    ]

    # submitted without the airworthiness certificates and the loss record: one notice
    application = application_submit(
        application_id=application.pk,
        received_documents=[c for c in codes if c not in ("airworthiness", "loss_record")],
        acting_user=team.broker,
        now=at(2025, 12, 1, 11),
    )
    assert (application.status, application.clock_id) == ("waiting_for_documents", None)
    notice = Message.objects.get(
        template="policies_documents_missing", recipient=portal, channel="in_app"
    )
    assert "航空器适航证" in notice.body and "近三年飞行及事故记录" in notice.body

    # complete on Wednesday: the 5-working-day clock starts from complete materials
    application = application_documents_review(
        application_id=application.pk,
        received=["airworthiness", "loss_record"],
        acting_user=team.broker,
        now=at(2025, 12, 3, 9),
    )
    clock = clock_of(application)
    assert (application.status, clock.standard_version.standard.code, clock.state) == (
        "underwriting",
        "sales.application.complex",
        "running",
    )
    assert clock.due_at == at(2025, 12, 10, 17, 30)

    # the broker's authority (¥5,000,000) does not cover ¥210,000,000: refused, nothing changes
    with pytest.raises(AuthorityExceeded):
        application_approve(
            application_id=application.pk, acting_user=team.broker, now=at(2025, 12, 3, 10)
        )
    assert Application.objects.get(pk=application.pk).status == "underwriting"

    # referred with reasons: the manager (without limit) is asked, not the head (¥100,000,000)
    application_refer(
        application_id=application.pk,
        reasons=["总保额超出本人核保权限", "警务飞行特殊风险"],
        acting_user=team.broker,
        now=at(2025, 12, 3, 10),
    )
    referred = Message.objects.filter(template="policies_underwriting_referred")
    assert list(referred.values_list("recipient_id", flat=True)) == [team.manager.pk]
    application = application_approve(
        application_id=application.pk, acting_user=team.manager, now=at(2025, 12, 4, 9)
    )
    assert (application.status, clock_of(application).state) == ("approved", "paused")

    # paid: the amount must be the premium
    with pytest.raises(ValidationFailed) as raised:
        application_payment_record(
            application_id=application.pk,
            amount="2665999.99",
            paid_on=date(2025, 12, 8),
            payment_reference="BANK-1",
            acting_user=team.broker,
            now=at(2025, 12, 8, 9),
        )
    assert [(f.field, f.rule) for f in raised.value.fields] == [("amount", "premium_mismatch")]
    application = application_payment_record(
        application_id=application.pk,
        amount="2666000.00",
        paid_on=date(2025, 12, 8),
        payment_reference="BANK-1",
        acting_user=team.broker,
        now=at(2025, 12, 8, 9),
    )
    assert clock_of(application).state == "running"

    # issued: version 1, the clock met
    policy = application_issue(
        application_id=application.pk, acting_user=team.broker, now=at(2025, 12, 8, 10)
    )
    assert (policy.number, policy.term_premium, policy.broker_id) == (
        "CD2025000001",
        D("2666000.00"),
        team.broker.pk,
    )
    assert (clock_of(application).state, clock_of(application).met) == ("met", True)
    assert NeedsIntake.objects.get(pk=intake.pk).status == "won"
    assert list(
        ApplicationStatusChange.objects.filter(application=application)
        .order_by("id")
        .values_list("action", "to_status")
    ) == [
        ("create", "draft"),
        ("submit", "waiting_for_documents"),
        ("documents_complete", "underwriting"),
        ("refer", "referred"),
        ("approve", "approved"),
        ("record_payment", "paid"),
        ("issue", "issued"),
    ]
    assert list(
        AuditEntry.objects.filter(subject_type="policies.application")
        .order_by("sequence")
        .values_list("action", flat=True)
    ) == [
        "application.create",
        "application.submit",
        "application.documents",
        "application.refer",
        "application.approve",
        "application.payment",
        "application.issue",
    ]


def test_a_simple_application_runs_on_three_working_days_from_complete_materials(team, customer):
    crew = make_crew(customer, pilots=2, aircrew=0, ground=0)
    intake = intake_for(team, customer, insurance_type="飞行员执照丧失保险")
    quote = quote_create(
        intake_id=intake.pk,
        product_code=PRODUCT,
        period_start=PERIOD_START,
        period_end=PERIOD_END,
        coverage_codes=[LICENCE],
        person_ids=[p.pk for p in crew],
        label="执照险",
        acting_user=team.broker,
        now=MONDAY,
    )
    assert quote.term_premium == D("16000.00")  # 2 pilots × 8,000
    assert quote.total_sum_insured == D("2000000.00")
    application = application_create(
        quote_id=quote.pk, complexity="simple", acting_user=team.broker, now=MONDAY
    )

    application = application_submit(
        application_id=application.pk,
        received_documents=all_documents(application),
        acting_user=team.broker,
        now=MONDAY,
    )

    clock = clock_of(application)
    assert (clock.standard_version.standard.code, clock.due_at) == (
        "sales.application.simple",
        at(2025, 12, 4, 17, 30),
    )
    # within the broker's authority
    application = application_approve(
        application_id=application.pk, acting_user=team.broker, now=at(2025, 12, 1, 10)
    )
    assert application.status == "approved"


def test_documents_found_wanting_in_underwriting_pause_the_clock(team, customer, fleet):
    portal = make_portal_user(customer)
    intake = intake_for(team, customer)
    application = application_create(
        quote_id=quote_for(team, intake, fleet).pk,
        complexity="complex",
        acting_user=team.broker,
        now=MONDAY,
    )
    application_submit(
        application_id=application.pk,
        received_documents=all_documents(application),
        acting_user=team.broker,
        now=MONDAY,
    )

    application = application_documents_review(
        application_id=application.pk,
        rejected={"aircraft_value": "评估报告已过期"},
        acting_user=team.broker,
        now=at(2025, 12, 1, 14),
    )

    assert (application.status, clock_of(application).state) == (
        "waiting_for_documents",
        "paused",
    )
    notice = Message.objects.get(
        template="policies_documents_missing", recipient=portal, channel="in_app"
    )
    assert "评估报告已过期" in notice.body


def test_a_declined_application_stops_its_clock_and_loses_the_intake(team, customer, fleet):
    intake = intake_for(team, customer)
    application = application_create(
        quote_id=quote_for(team, intake, fleet).pk,
        complexity="complex",
        acting_user=team.broker,
        now=MONDAY,
    )
    application_submit(
        application_id=application.pk,
        received_documents=all_documents(application),
        acting_user=team.broker,
        now=MONDAY,
    )
    with pytest.raises(ValidationFailed) as raised:
        application_decline(
            application_id=application.pk, reasons=[" "], acting_user=team.manager, now=MONDAY
        )
    assert [(f.field, f.rule) for f in raised.value.fields] == [("reasons", "required")]

    application = application_decline(
        application_id=application.pk,
        reasons=["近三年两次机身全损"],
        acting_user=team.manager,
        now=at(2025, 12, 2, 9),
    )

    assert (application.status, application.decision_reasons) == (
        "declined",
        ["近三年两次机身全损"],
    )
    assert clock_of(application).state == "met"
    assert NeedsIntake.objects.get(pk=intake.pk).status == "lost"
    with pytest.raises(TransitionNotAllowed):
        application_issue(application_id=application.pk, acting_user=team.broker, now=MONDAY)
    assert Policy.objects.count() == 0


def test_a_withdrawn_application_cancels_its_clock(team, customer, fleet):
    intake = intake_for(team, customer)
    application = application_create(
        quote_id=quote_for(team, intake, fleet).pk,
        complexity="complex",
        acting_user=team.broker,
        now=MONDAY,
    )
    application_submit(
        application_id=application.pk,
        received_documents=all_documents(application),
        acting_user=team.broker,
        now=MONDAY,
    )

    application_withdraw(
        application_id=application.pk, reason="客户暂缓", acting_user=team.broker, now=MONDAY
    )

    assert clock_of(application).state == "cancelled"


@pytest.mark.parametrize(
    ("override", "field", "rule"),
    [
        ({"period_start": PERIOD_END, "period_end": PERIOD_START}, "period_end", "after_start"),
        ({"product_code": "marine-cargo"}, "product", "unknown_product"),
        (
            {"period_start": date(2024, 6, 1), "period_end": date(2025, 5, 31)},
            "product",
            "no_version_in_force",
        ),
        ({"coverage_codes": ["cargo"]}, "coverages", "unknown_coverage"),
        ({"coverage_codes": []}, "coverages", "required"),
        ({"aircraft_ids": []}, "aircraft", "required"),
        ({"aircraft_ids": [999999]}, "aircraft", "unknown_aircraft"),
        ({"label": ""}, "label", "required"),
        ({"clause_codes": ["no_such_clause"]}, "clauses", "unknown_clause"),
        (
            {"clause_parameters": {"constructive_total_loss": {"threshold": "1.5"}}},
            "parameters.threshold",
            "share",
        ),
    ],
)
def test_bad_quote_input_names_the_field_and_changes_nothing(
    team, customer, fleet, override, field, rule
):
    intake = intake_for(team, customer)

    with pytest.raises(ValidationFailed) as raised:
        quote_for(team, intake, fleet, **override)

    assert [(f.field, f.rule) for f in raised.value.fields] == [(field, rule)]
    assert Quote.objects.count() == 0
    assert NeedsIntake.objects.get(pk=intake.pk).status == "open"


@pytest.mark.parametrize(
    ("override", "field", "rule"),
    [
        ({"budget": "-1"}, "budget", "min_value"),
        ({"budget": "1.001"}, "budget", "decimal_places"),
        ({"insurance_type": "  "}, "insurance_type", "required"),
        ({"customer_id": 999999}, "customer", "unknown"),
    ],
)
def test_bad_needs_input_names_the_field_and_changes_nothing(team, customer, override, field, rule):
    with pytest.raises(ValidationFailed) as raised:
        intake_for(team, customer, **override)

    assert [(f.field, f.rule) for f in raised.value.fields] == [(field, rule)]
    assert NeedsIntake.objects.count() == 0


def test_an_expired_quote_cannot_become_an_application(team, customer, fleet):
    intake = intake_for(team, customer)
    quote = quote_for(team, intake, fleet, valid_until=date(2025, 12, 5))

    with pytest.raises(ValidationFailed) as raised:
        application_create(
            quote_id=quote.pk, complexity="complex", acting_user=team.broker, now=at(2025, 12, 6)
        )

    assert [(f.field, f.rule) for f in raised.value.fields] == [("quote", "expired")]
    assert (Application.objects.count(), Quote.objects.get().status) == (0, "offered")


def test_a_consultation_cannot_be_in_the_future(team, customer):
    intake = intake_for(team, customer)

    with pytest.raises(ValidationFailed) as raised:
        consultation_record(
            intake_id=intake.pk,
            occurred_at=MONDAY + timedelta(hours=1),
            channel="phone",
            summary="x",
            acting_user=team.broker,
            now=MONDAY,
        )

    assert [(f.field, f.rule) for f in raised.value.fields] == [("occurred_at", "future")]
    assert Consultation.objects.count() == 0


def test_new_business_is_for_brokers_and_underwriting_for_underwriters(team, customer, fleet):
    with pytest.raises(PolicyPermissionDenied):
        intake_for(team, customer, acting_user=team.agent)
    assert NeedsIntake.objects.count() == 0

    intake = intake_for(team, customer)
    application = application_create(
        quote_id=quote_for(team, intake, fleet).pk,
        complexity="complex",
        acting_user=team.broker,
        now=MONDAY,
    )
    application_submit(
        application_id=application.pk,
        received_documents=all_documents(application),
        acting_user=team.broker,
        now=MONDAY,
    )
    with pytest.raises(PolicyPermissionDenied):
        application_approve(application_id=application.pk, acting_user=team.clerk, now=MONDAY)
    with pytest.raises(PolicyPermissionDenied):
        application_issue(application_id=application.pk, acting_user=team.head, now=MONDAY)
    assert Application.objects.get(pk=application.pk).status == "underwriting"


def test_group_cover_is_rated_per_head_by_category(team, customer):
    crew = make_crew(customer, pilots=4, aircrew=4, ground=6)
    intake = intake_for(team, customer, insurance_type="团体意外伤害保险")

    quote = quote_create(
        intake_id=intake.pk,
        product_code=PRODUCT,
        period_start=PERIOD_START,
        period_end=PERIOD_END,
        coverage_codes=[GROUP],
        person_ids=[p.pk for p in crew],
        label="团意险",
        acting_user=team.broker,
        now=MONDAY,
    )

    # 4 × 9,000 + 4 × 6,000 + 6 × 1,200; sums 4 × 3,000,000 + 4 × 2,000,000 + 6 × 1,000,000
    assert (quote.term_premium, quote.total_sum_insured) == (D("67200.00"), D("26000000.00"))
    assert {i["key"]: i["premium"] for i in quote.terms["items"] if i["key"].startswith("person")}[
        f"person:{crew[0].pk}"
    ] == "9000.00"
