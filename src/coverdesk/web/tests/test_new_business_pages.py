"""The broker's new-business pages: who reaches which page and action, a client taken from
needs to an issued policy with the test client, bad input refused beside its field with
nothing changed, and the work list's queries."""

from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from coverdesk.audit.models import AuditEntry
from coverdesk.notifications.models import Message
from coverdesk.parties.models import Party
from coverdesk.parties.validation import id_number_check_char
from coverdesk.policies.models import (
    Application,
    Consultation,
    FollowUp,
    InsuredPerson,
    NeedsIntake,
    Policy,
    Quote,
)
from coverdesk.policies.services.new_business import (
    application_create,
    application_refer,
    application_submit,
    needs_intake_create,
    quote_create,
)
from coverdesk.policies.tests.policy_factories import (
    AVIATION,
    GROUP,
    LICENCE,
    PRODUCT,
    all_documents,
    issue_policy,
    make_crew,
    make_customer,
    make_fleet,
    make_team,
)
from coverdesk.sla.models import SlaClock
from coverdesk.web.tests.helpers import english
from coverdesk.web.tests.test_access import ROLES

# GET pages  admin broker clerk agent adjuster surveyor backoffice head manager auditor customer
PAGES = {
    "web:nb_worklist":           (403, 200, 403, 403, 403, 403, 403, 200, 200, 403, 403),
    "web:nb_intake_create":      (403, 200, 403, 403, 403, 403, 403, 403, 403, 403, 403),
    "web:nb_intake_detail":      (403, 200, 403, 403, 403, 403, 403, 200, 200, 403, 403),
    "web:nb_quote_create":       (403, 200, 403, 403, 403, 403, 403, 403, 403, 403, 403),
    "web:nb_application_detail": (403, 200, 403, 403, 403, 403, 403, 200, 200, 403, 403),
    "web:nb_followups":          (403, 200, 403, 403, 403, 403, 403, 403, 403, 403, 403),
}  # fmt: skip

# POST actions, each with input the service refuses: a role let through gets the page again
# with the error (200), or, for declining an option, back to the needs with the error (302).
# POST  admin broker clerk agent adjuster surveyor backoffice head manager auditor customer
ACTIONS = {
    "web:nb_intake_create":         (403, 200, 403, 403, 403, 403, 403, 403, 403, 403, 403),
    "web:nb_consultation_add":      (403, 200, 403, 403, 403, 403, 403, 403, 403, 403, 403),
    "web:nb_person_add":            (403, 200, 403, 403, 403, 403, 403, 403, 403, 403, 403),
    "web:nb_quote_create":          (403, 200, 403, 403, 403, 403, 403, 403, 403, 403, 403),
    "web:nb_quote_decline":         (403, 302, 403, 403, 403, 403, 403, 403, 403, 403, 403),
    "web:nb_application_create":    (403, 200, 403, 403, 403, 403, 403, 403, 403, 403, 403),
    "web:nb_application_documents": (403, 200, 403, 403, 403, 403, 403, 403, 403, 403, 403),
    "web:nb_application_approve":   (403, 200, 403, 403, 403, 403, 403, 200, 200, 403, 403),
    "web:nb_application_refer":     (403, 200, 403, 403, 403, 403, 403, 200, 200, 403, 403),
    "web:nb_application_decline":   (403, 200, 403, 403, 403, 403, 403, 200, 200, 403, 403),
    "web:nb_application_payment":   (403, 200, 403, 403, 403, 403, 403, 403, 200, 403, 403),
    "web:nb_application_issue":     (403, 200, 403, 403, 403, 403, 403, 403, 200, 403, 403),
    "web:nb_application_withdraw":  (403, 200, 403, 403, 403, 403, 403, 403, 403, 403, 403),
    "web:nb_contract_file":         (403, 200, 403, 403, 403, 403, 403, 403, 200, 403, 403),
    "web:nb_followup_done":         (403, 200, 403, 403, 403, 403, 403, 403, 403, 403, 403),
}  # fmt: skip

REFUSED_INPUT = {
    "web:nb_intake_create": {"action": "save", "customer_mode": "existing"},  # no customer
    "web:nb_consultation_add": {"occurred_at": "2020-01-01T09:00", "channel": "pigeon"},
    "web:nb_person_add": {"name": "", "id_number": "123", "category": "pilot"},
    "web:nb_quote_create": {"label": "X", "product": "nope", "period_start": "2030-01-01"},
    "web:nb_quote_decline": {},  # the option was taken already
    "web:nb_application_create": {},  # no kind of application, and the option was taken
    "web:nb_application_documents": {"received": ["no_such_document"]},
    "web:nb_application_approve": {},  # a draft cannot be approved
    "web:nb_application_refer": {"reasons": ""},
    "web:nb_application_decline": {"reasons": ""},
    "web:nb_application_payment": {"amount": "-1", "paid_on": ""},
    "web:nb_application_issue": {},  # a draft cannot be issued
    "web:nb_application_withdraw": {"reason": ""},
    "web:nb_contract_file": {"filing_reference": "BOX-1"},  # no policy yet
    "web:nb_followup_done": {"note": ""},
}


def id_number(serial: int, born: str = "19850312") -> str:
    base = f"440106{born}{serial:03d}"
    return base + id_number_check_char(base)


def _cells(table):
    return [(name, role, table[name][i]) for name in table for i, role in enumerate(ROLES)]


def state_of_everything():
    """What a refused or denied request must leave as it was."""
    return (
        AuditEntry.objects.count(),
        Party.objects.count(),
        list(NeedsIntake.objects.order_by("id").values_list("status", flat=True)),
        list(Quote.objects.order_by("id").values_list("status", flat=True)),
        list(Application.objects.order_by("id").values_list("status", flat=True)),
        Consultation.objects.count(),
        InsuredPerson.objects.count(),
        list(FollowUp.objects.order_by("id").values_list("done_at", flat=True)),
        Policy.objects.filter(filed_at__isnull=False).count(),
    )


@pytest.fixture
def team(db):
    return make_team()


@pytest.fixture
def customer(db):
    return make_customer()


def period():
    start = timezone.localdate() + timedelta(days=7)
    return start, start.replace(year=start.year + 1) - timedelta(days=1)


def draft_application(team, customer, persons):
    """Needs, one option for the persons given, filed as a draft application."""
    intake = needs_intake_create(
        customer_id=customer.pk,
        insurance_type="团体意外伤害保险",
        coverage_wanted="机组人员意外保障",
        acting_user=team.broker,
    )
    start, end = period()
    quote = quote_create(
        intake_id=intake.pk,
        product_code=PRODUCT,
        period_start=start,
        period_end=end,
        coverage_codes=[GROUP],
        person_ids=[p.pk for p in persons],
        label="方案A",
        acting_user=team.broker,
    )
    application = application_create(
        quote_id=quote.pk, complexity="simple", acting_user=team.broker
    )
    return intake, quote, application


@pytest.fixture
def url_of(team, customer):
    """The address of each page and action, on a draft application of the broker (the
    follow-up on an issued, filed policy)."""
    crew = make_crew(customer, pilots=1, aircrew=0, ground=1)
    intake, quote, application = draft_application(team, customer, crew)
    cache = {}

    def follow_up_id():
        if "follow_up" not in cache:
            from coverdesk.policies.services.policies import policy_contract_file

            other = make_customer(name="另一家航空公司", credit_code="91110000100000000R")
            people = make_crew(other, pilots=1, aircrew=0, ground=0)
            policy = issue_policy(team, other, coverage_codes=[GROUP], persons=people)
            policy_contract_file(
                policy_id=policy.pk, filing_reference="BOX-0", acting_user=team.broker
            )
            cache["follow_up"] = FollowUp.objects.filter(policy=policy).first().pk
        return cache["follow_up"]

    def url(name):
        if name in ("web:nb_intake_detail", "web:nb_consultation_add", "web:nb_person_add"):
            return reverse(name, args=[intake.pk])
        if name == "web:nb_quote_create":
            return reverse(name, args=[intake.pk])
        if name in ("web:nb_quote_decline", "web:nb_application_create"):
            return reverse(name, args=[quote.pk])
        if name.startswith("web:nb_application_") or name == "web:nb_contract_file":
            return reverse(name, args=[application.pk])
        if name == "web:nb_followup_done":
            return reverse(name, args=[follow_up_id()])
        return reverse(name)

    url.prepare = follow_up_id
    return url


# Access ------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(("page", "role", "expected"), _cells(PAGES))
def test_role_gets_exactly_the_expected_status_for_each_page(
    signed_in, url_of, page, role, expected
):
    # given
    client, _user = signed_in(role)
    # when
    response = client.get(url_of(page))
    # then
    assert response.status_code == expected


@pytest.mark.django_db
@pytest.mark.parametrize(("action", "role", "expected"), _cells(ACTIONS))
def test_role_gets_exactly_the_expected_status_for_each_action_and_nothing_changes(
    signed_in, url_of, action, role, expected
):
    # given
    client, _user = signed_in(role)
    address = url_of(action)
    before = state_of_everything()
    # when
    response = client.post(address, REFUSED_INPUT[action])
    # then: let through or not, the refused input changed nothing
    assert response.status_code == expected
    assert state_of_everything() == before


@pytest.mark.django_db
@pytest.mark.parametrize("page", [*PAGES, *ACTIONS])
def test_anonymous_visitor_is_sent_to_login_and_nothing_changes(url_of, page):
    # given
    client = Client()
    address = url_of(page)
    before = state_of_everything()
    # when
    response = client.post(address) if page in ACTIONS else client.get(address)
    # then
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('web:login')}?next={address}"
    assert state_of_everything() == before


@pytest.mark.django_db
def test_a_head_denied_the_payment_leaves_the_application_as_it_was(team, customer, signed_in):
    # given: an approved application, and a head (who underwrites but does not take payments)
    crew = make_crew(customer, pilots=1, aircrew=0, ground=0)
    _intake, quote, application = draft_application(team, customer, crew)
    application_submit(
        application_id=application.pk,
        received_documents=all_documents(application),
        acting_user=team.broker,
    )
    client, _head = signed_in("head")
    before = state_of_everything()
    # when: a valid payment, from the wrong role
    response = client.post(
        reverse("web:nb_application_payment", args=[application.pk]),
        {
            "amount": str(quote.term_premium),
            "paid_on": timezone.localdate().isoformat(),
            "payment_reference": "BANK-9",
        },
    )
    # then
    assert response.status_code == 403
    assert state_of_everything() == before


@pytest.mark.django_db
def test_an_unknown_application_intake_or_quote_is_404(signed_in):
    client, _broker = signed_in("broker")
    assert client.get(reverse("web:nb_application_detail", args=[999999])).status_code == 404
    assert client.get(reverse("web:nb_intake_detail", args=[999999])).status_code == 404
    assert client.post(reverse("web:nb_application_create", args=[999999])).status_code == 404
    assert client.post(reverse("web:nb_quote_decline", args=[999999])).status_code == 404


# The whole way, with the test client --------------------------------------------------------


def errors_of(response, form="form"):
    """{field: [messages]} of a form in the page's context."""
    return {
        name: [str(e) for e in errors] for name, errors in response.context[form].errors.items()
    }


@pytest.mark.django_db
def test_a_broker_takes_a_new_client_from_needs_to_an_issued_policy(team):
    client = english(Client())
    client.force_login(team.broker)

    # needs, for a new organisation created with them
    response = client.post(
        reverse("web:nb_intake_create"),
        {
            "action": "save",
            "customer_mode": "new",
            "new_name": "东方通用航空有限公司",
            "new_phone": "020-87654321",
            "insurance_type": "Group personal accident",
            "coverage_wanted": "Pilots and ground crew",
            "budget": "20000.00",
        },
    )
    intake = NeedsIntake.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("web:nb_intake_detail", args=[intake.pk])
    customer = Party.objects.get(name="东方通用航空有限公司")
    assert (intake.customer, intake.broker, intake.budget, intake.status) == (
        customer,
        team.broker,
        D("20000.00"),
        "open",
    )

    # a consultation and the crew to insure
    detail = reverse("web:nb_intake_detail", args=[intake.pk])
    response = client.post(
        reverse("web:nb_consultation_add", args=[intake.pk]),
        {
            "occurred_at": (timezone.localtime() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
            "channel": "meeting",
            "summary": "Explained group accident and loss of licence cover",
            "recommendation": "Both, for the pilot",
        },
    )
    assert response.status_code == 302
    for name, serial, category in (("Wang Fei", 1, "pilot"), ("Li Di", 2, "ground_crew")):
        response = client.post(
            reverse("web:nb_person_add", args=[intake.pk]),
            {"name": name, "id_number": id_number(serial), "category": category},
        )
        assert response.status_code == 302
    pilot, ground = InsuredPerson.objects.filter(customer=customer).order_by("id")

    # two options side by side
    start, end = period()
    form = client.get(reverse("web:nb_quote_create", args=[intake.pk]))
    assert form.status_code == 200
    assert [code for code, _label in form.context["form"].fields["coverages"].choices] == [
        AVIATION,
        GROUP,
        LICENCE,
    ]
    for label, coverages in (("Option A", [GROUP]), ("Option B", [GROUP, LICENCE])):
        response = client.post(
            reverse("web:nb_quote_create", args=[intake.pk]),
            {
                "label": label,
                "product": PRODUCT,
                "period_start": start.isoformat(),
                "period_end": end.isoformat(),
                "coverages": coverages,
                "persons": [pilot.pk, ground.pk],
            },
        )
        assert response.status_code == 302, errors_of(response)
    page = client.get(detail)
    table = page.context["comparison"]
    assert [c.quote.label for c in table.columns] == ["Option A", "Option B"]
    assert [(r.code, r.premiums) for r in table.rows] == [
        (GROUP, [D("10200.00"), D("10200.00")]),
        (LICENCE, [None, D("8000.00")]),
    ]
    assert [c.option.premium for c in table.columns] == [D("10200.00"), D("18200.00")]
    html = page.content.decode()
    assert "Group personal accident" in html and "Pilot loss of licence" in html
    assert "18,200.00" in html

    # the client takes option B: an application with its checklist
    option_b = Quote.objects.get(label="Option B")
    response = client.post(
        reverse("web:nb_application_create", args=[option_b.pk]),
        {f"q{option_b.pk}-complexity": "simple"},
    )
    application = Application.objects.get()
    assert response["Location"] == reverse("web:nb_application_detail", args=[application.pk])
    assert Quote.objects.get(label="Option A").status == "declined"
    codes = all_documents(application)
    assert codes == [
        "application_form",
        "legal_status",
        "agent_identity",
        "insured_list",
        "pilot_licences",
    ]

    # submitted without the pilot licences: one notice of everything missing, no clock yet
    documents = reverse("web:nb_application_documents", args=[application.pk])
    response = client.post(documents, {"received": codes[:4]})
    assert response.status_code == 302
    application.refresh_from_db()
    assert (application.status, application.clock_id) == ("waiting_for_documents", None)
    assert Message.objects.filter(template="policies_documents_missing").exists()
    page = client.get(reverse("web:nb_application_detail", args=[application.pk]))
    html = page.content.decode()
    assert 'data-test="missing-notice"' in html
    assert "Not started: runs from complete documents" in html

    # the licences come in: underwriting, the 3-working-day clock runs
    response = client.post(documents, {"received": ["pilot_licences"]})
    application.refresh_from_db()
    clock = SlaClock.objects.get(pk=application.clock_id)
    assert (application.status, clock.state) == ("underwriting", "running")
    assert clock.standard_version.standard.code == "sales.application.simple"

    # approved within the broker's authority (¥5,000,000 total sum insured)
    response = client.post(
        reverse("web:nb_application_approve", args=[application.pk]), {"note": "Standard risk"}
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == "approved"
    assert SlaClock.objects.get(pk=application.clock_id).state == "paused"

    # paid
    response = client.post(
        reverse("web:nb_application_payment", args=[application.pk]),
        {
            "amount": "18200.00",
            "paid_on": timezone.localdate().isoformat(),
            "payment_reference": "BANK-2026-001",
        },
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert (application.status, application.premium_paid) == ("paid", D("18200.00"))

    # issued: the number, and the way to the policy
    response = client.post(reverse("web:nb_application_issue", args=[application.pk]))
    assert response.status_code == 302
    application.refresh_from_db()
    policy = application.policy
    assert (application.status, policy.term_premium, policy.customer) == (
        "issued",
        D("18200.00"),
        customer,
    )
    page = client.get(reverse("web:nb_application_detail", args=[application.pk]))
    html = page.content.decode()
    assert f"Policy {policy.number} is issued." in html
    assert (
        f'href="/policies/{policy.pk}/" class="mono" data-test="policy-number">{policy.number}'
        in html
    )
    assert SlaClock.objects.get(pk=application.clock_id).state == "met"
    assert NeedsIntake.objects.get(pk=intake.pk).status == "won"

    # the contract filed: the client told, the follow-ups planned
    response = client.post(
        reverse("web:nb_contract_file", args=[application.pk]), {"filing_reference": "BOX-12/7"}
    )
    assert response.status_code == 302
    policy.refresh_from_db()
    assert policy.filing_reference == "BOX-12/7"
    follow_ups = list(FollowUp.objects.filter(policy=policy).order_by("due_on"))
    assert [f.kind for f in follow_ups] == ["check_in", "renewal_advice"]

    # a follow-up done, with what was discussed
    page = client.get(reverse("web:nb_followups"))
    assert [row["follow_up"].pk for row in page.context["rows"]] == [f.pk for f in follow_ups]
    response = client.post(
        reverse("web:nb_followup_done", args=[follow_ups[0].pk]),
        {"note": "Cover confirmed; explained how to report a claim"},
    )
    assert response.status_code == 302
    assert FollowUp.objects.get(pk=follow_ups[0].pk).done_at is not None

    # nothing of it left on the work list
    page = client.get(reverse("web:nb_worklist"))
    assert page.context["application_rows"] == []
    assert page.context["intake_rows"] == []


# Bad input: the rule named beside its field, nothing changed ---------------------------------


@pytest.fixture
def broker_client(team):
    client = english(Client())
    client.force_login(team.broker)
    return client


@pytest.fixture
def intake(team, customer):
    return needs_intake_create(
        customer_id=customer.pk,
        insurance_type="Group personal accident",
        coverage_wanted="Crew",
        acting_user=team.broker,
    )


NEEDS = {
    "action": "save",
    "insurance_type": "Group personal accident",
    "coverage_wanted": "Crew",
}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"budget": "-100"}, "budget", "The amount cannot be negative."),
        ({"budget": "12.345"}, "budget", "At most two decimals (fen)."),
        ({"insurance_type": "  "}, "insurance_type", "This field is required."),
        ({"customer": ""}, "customer", "Choose the customer, or create a new organisation."),
    ],
)
def test_bad_needs_for_an_existing_customer_are_refused_beside_the_field(
    broker_client, customer, data, field, message
):
    # given
    before = state_of_everything()
    # when
    response = broker_client.post(
        reverse("web:nb_intake_create"),
        {**NEEDS, "customer_mode": "existing", "customer": customer.pk, **data},
    )
    # then
    assert response.status_code == 200
    assert errors_of(response) == {field: [message]}
    assert f'<span class="error">{message}</span>' in response.content.decode()
    assert state_of_everything() == before


@pytest.mark.django_db
def test_a_new_customer_with_bad_needs_is_not_created_either(broker_client):
    # given: a valid new organisation, but a negative budget
    before = state_of_everything()
    # when
    response = broker_client.post(
        reverse("web:nb_intake_create"),
        {**NEEDS, "customer_mode": "new", "new_name": "南方航空俱乐部", "budget": "-1"},
    )
    # then: the customer and its needs are one change, refused together
    assert errors_of(response) == {"budget": ["The amount cannot be negative."]}
    assert not Party.objects.filter(name="南方航空俱乐部").exists()
    assert state_of_everything() == before


@pytest.mark.django_db
def test_a_bad_new_customer_is_refused_beside_its_fields(broker_client):
    before = state_of_everything()
    response = broker_client.post(
        reverse("web:nb_intake_create"),
        {**NEEDS, "customer_mode": "new", "new_name": "", "new_credit_code": "123"},
    )
    errors = errors_of(response)
    assert errors["new_name"] == ["A name is required."]
    assert errors["new_credit_code"][0].startswith("A unified social credit code has 18")
    assert state_of_everything() == before


@pytest.mark.django_db
def test_finding_a_customer_narrows_the_choice_and_records_nothing(broker_client, customer):
    # given
    make_customer(name="东方通用航空", credit_code="91110000100000000R")
    before = state_of_everything()
    # when
    response = broker_client.post(
        reverse("web:nb_intake_create"), {"action": "find", "find": "警务"}
    )
    # then
    assert response.status_code == 200
    assert list(response.context["form"].fields["customer"].choices)[1:] == [
        (customer.pk, customer.name)
    ]
    assert not response.context["form"].errors
    assert state_of_everything() == before


def quote_input(**changes):
    start, end = period()
    return {
        "label": "Option A",
        "product": PRODUCT,
        "period_start": start.isoformat(),
        "period_end": end.isoformat(),
        "coverages": [GROUP],
        **changes,
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"period_end": (timezone.localdate() + timedelta(days=2)).isoformat()},
            "period_end",
            "The period cannot end before it starts.",
        ),
        ({"product": "nope"}, "product", "There is no product nope."),
        ({"coverages": ["hovercraft"]}, "coverages", "The product has no coverage hovercraft."),
        ({"coverages": []}, "coverages", "Choose at least one coverage."),
        ({"persons": []}, "persons", "Coverage group_accident needs at least one insured object."),
        ({"label": " "}, "label", "This field is required."),
    ],
)
def test_a_bad_option_is_refused_beside_its_field(
    broker_client, customer, intake, changes, field, message
):
    # given
    crew = make_crew(customer, pilots=1, aircrew=0, ground=0)
    before = state_of_everything()
    data = quote_input(**{"persons": [p.pk for p in crew], **changes})
    # when
    response = broker_client.post(reverse("web:nb_quote_create", args=[intake.pk]), data)
    # then
    assert response.status_code == 200
    assert errors_of(response) == {field: [message]}
    assert state_of_everything() == before
    assert Quote.objects.count() == 0


@pytest.mark.django_db
def test_someone_elses_insured_person_cannot_be_quoted(broker_client, customer, intake):
    other = make_customer(name="另一家", credit_code="91110000100000000R")
    stranger = make_crew(other, pilots=1, aircrew=0, ground=0)[0]
    response = broker_client.post(
        reverse("web:nb_quote_create", args=[intake.pk]), quote_input(persons=[stranger.pk])
    )
    assert errors_of(response) == {
        "persons": [f"No active insured person of this customer with id {stranger.pk}."]
    }
    assert Quote.objects.count() == 0


@pytest.mark.django_db
def test_a_consultation_in_the_future_is_refused_beside_its_time(broker_client, intake):
    before = state_of_everything()
    response = broker_client.post(
        reverse("web:nb_consultation_add", args=[intake.pk]),
        {
            "occurred_at": (timezone.localtime() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
            "channel": "phone",
            "summary": "Call",
        },
    )
    assert response.status_code == 200
    assert errors_of(response, "consultation_form") == {
        "occurred_at": ["A consultation cannot be in the future."]
    }
    assert state_of_everything() == before


@pytest.mark.django_db
def test_an_insured_person_with_a_bad_id_number_is_refused_beside_it(broker_client, intake):
    before = state_of_everything()
    bad = id_number(7)[:-1] + ("0" if id_number(7)[-1] != "0" else "1")
    response = broker_client.post(
        reverse("web:nb_person_add", args=[intake.pk]),
        {"name": "Zhao Yun", "id_number": bad, "category": "pilot"},
    )
    assert errors_of(response, "person_form") == {
        "id_number": ["The ID number's check character does not match: check for a typing error."]
    }
    assert state_of_everything() == before


@pytest.fixture
def underwriting(team, customer):
    """An application in underwriting for one pilot (group accident, ¥3,000,000 insured)."""
    crew = make_crew(customer, pilots=1, aircrew=0, ground=0)
    _intake, _quote, application = draft_application(team, customer, crew)
    application_submit(
        application_id=application.pk,
        received_documents=all_documents(application),
        acting_user=team.broker,
    )
    return Application.objects.get(pk=application.pk)


def approved(team, application):
    from coverdesk.policies.services.new_business import application_approve

    return application_approve(application_id=application.pk, acting_user=team.broker)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("-10000.00", "The amount cannot be negative."),
        ("abc", "Not an amount."),
        ("9999.00", "The premium is 10,000.00, not 9,999.00."),
    ],
)
def test_a_bad_payment_is_refused_beside_the_amount(
    broker_client, team, underwriting, amount, message
):
    # given: approved, premium ¥10,000 (one pilot, raised to the minimum)
    approved(team, underwriting)
    before = state_of_everything()
    # when
    response = broker_client.post(
        reverse("web:nb_application_payment", args=[underwriting.pk]),
        {"amount": amount, "paid_on": timezone.localdate().isoformat(), "payment_reference": "B1"},
    )
    # then
    assert response.status_code == 200
    assert response.context["forms"]["payment"].errors == {"amount": [message]}
    assert f'<span class="error">{message}</span>' in response.content.decode()
    assert state_of_everything() == before


@pytest.mark.django_db
def test_a_payment_on_a_future_day_is_refused_beside_the_day(broker_client, team, underwriting):
    approved(team, underwriting)
    before = state_of_everything()
    response = broker_client.post(
        reverse("web:nb_application_payment", args=[underwriting.pk]),
        {
            "amount": "10000.00",
            "paid_on": (timezone.localdate() + timedelta(days=3)).isoformat(),
            "payment_reference": "B1",
        },
    )
    assert response.context["forms"]["payment"].errors == {
        "paid_on": ["A payment cannot be recorded for a future day."]
    }
    assert state_of_everything() == before


@pytest.mark.django_db
def test_declining_or_referring_without_a_reason_is_refused(broker_client, underwriting):
    before = state_of_everything()
    for name in ("decline", "refer"):
        response = broker_client.post(
            reverse(f"web:nb_application_{name}", args=[underwriting.pk]), {"reasons": " \n "}
        )
        assert response.context["forms"][name].errors == {"reasons": ["Give at least one reason."]}
    assert state_of_everything() == before


@pytest.mark.django_db
def test_a_refused_document_goes_back_to_the_client_and_the_clock_waits(
    broker_client, underwriting
):
    # given: in underwriting, the clock running
    assert SlaClock.objects.get(pk=underwriting.clock_id).state == "running"
    # when: the pilot licences turn out to be expired
    response = broker_client.post(
        reverse("web:nb_application_documents", args=[underwriting.pk]),
        {"received": [], "reject_insured_list": "The list has no ID numbers"},
    )
    # then
    assert response.status_code == 302
    underwriting.refresh_from_db()
    assert underwriting.status == "waiting_for_documents"
    document = underwriting.documents.get(code="insured_list")
    assert (document.status, document.note) == ("rejected", "The list has no ID numbers")
    clock = SlaClock.objects.get(pk=underwriting.clock_id)
    assert clock.state == "paused"
    page = broker_client.get(reverse("web:nb_application_detail", args=[underwriting.pk]))
    assert "Paused: waiting for the client&#x27;s documents" in page.content.decode()


@pytest.mark.django_db
def test_an_unknown_document_is_refused_with_nothing_recorded(broker_client, underwriting):
    before = state_of_everything()
    response = broker_client.post(
        reverse("web:nb_application_documents", args=[underwriting.pk]),
        {"received": ["passport"]},
    )
    assert response.status_code == 200
    assert response.context["forms"]["documents"].errors == {
        "received": ["Not on the checklist: passport."]
    }
    assert state_of_everything() == before


# Underwriting above the authority -----------------------------------------------------------


def aircraft_application(team, customer, aircraft):
    """An aviation comprehensive application for `aircraft` (¥70,000,000 each), in
    underwriting."""
    intake = needs_intake_create(
        customer_id=customer.pk,
        insurance_type="Aviation",
        coverage_wanted="Fleet",
        acting_user=team.broker,
    )
    start, end = period()
    quote = quote_create(
        intake_id=intake.pk,
        product_code=PRODUCT,
        period_start=start,
        period_end=end,
        coverage_codes=[AVIATION],
        aircraft_ids=[a.pk for a in aircraft],
        label=f"{len(aircraft)} aircraft",
        acting_user=team.broker,
    )
    application = application_create(
        quote_id=quote.pk, complexity="complex", acting_user=team.broker
    )
    application_submit(
        application_id=application.pk,
        received_documents=all_documents(application),
        acting_user=team.broker,
    )
    return application


@pytest.fixture
def fleet_application(team, customer):
    """The fleet of three helicopters (¥210,000,000 insured), in underwriting."""
    return aircraft_application(team, customer, make_fleet(customer))


@pytest.mark.django_db
def test_approving_above_ones_authority_says_so_and_changes_nothing(
    broker_client, fleet_application
):
    # given
    before = state_of_everything()
    # when
    response = broker_client.post(
        reverse("web:nb_application_approve", args=[fleet_application.pk]), {"note": ""}
    )
    # then: a message to read, not a forbidden page
    assert response.status_code == 200
    assert response.context["forms"]["approve"].non_field_errors() == [
        "210,000,000.00 is above your authority (5,000,000.00); refer it to someone with "
        "more authority."
    ]
    assert "refer it to someone with more authority" in response.content.decode()
    assert state_of_everything() == before


def referred_lists(team, signed_in, broker_client):
    """Which applications the manager, a head and the broker see as referred to them."""
    manager = english(Client())
    manager.force_login(team.manager)
    head_client, _head = signed_in("head")
    listed = {}
    for who, client in (("manager", manager), ("head", head_client), ("broker", broker_client)):
        page = client.get(reverse("web:nb_worklist"))
        listed[who] = [row["application"].pk for row in page.context["referred_rows"]]
    return listed


@pytest.mark.django_db
def test_a_referred_application_reaches_those_whose_authority_covers_it(
    broker_client, team, customer, signed_in
):
    # given: one helicopter (¥70,000,000) and the fleet of three (¥210,000,000)
    fleet = make_fleet(customer)
    one = aircraft_application(team, customer, fleet[:1])
    three = aircraft_application(team, customer, fleet)
    # when: the broker refers both with reasons
    for application in (one, three):
        response = broker_client.post(
            reverse("web:nb_application_refer", args=[application.pk]),
            {"reasons": "Above my authority\nPolice flying: special risk"},
        )
        assert response.status_code == 302
    # then
    one.refresh_from_db()
    assert one.status == "referred"
    assert one.decision_reasons == ["Above my authority", "Police flying: special risk"]
    # the manager (no limit) sees both, a head (up to ¥100,000,000) the smaller one; the
    # broker who referred them sees them among their own, not as referred to them
    assert referred_lists(team, signed_in, broker_client) == {
        "manager": [one.pk, three.pk],
        "head": [one.pk],
        "broker": [],
    }


@pytest.mark.django_db
def test_the_manager_approves_a_case_referred_above_the_brokers_authority(
    broker_client, team, fleet_application
):
    # given
    application_refer(
        application_id=fleet_application.pk, reasons=["Large fleet"], acting_user=team.broker
    )
    manager = english(Client())
    manager.force_login(team.manager)
    page = manager.get(reverse("web:nb_application_detail", args=[fleet_application.pk]))
    assert "Large fleet" in page.content.decode()
    assert "Your authority: without limit" in page.content.decode()
    # when
    response = manager.post(
        reverse("web:nb_application_approve", args=[fleet_application.pk]), {"note": "Accepted"}
    )
    # then
    assert response.status_code == 302
    fleet_application.refresh_from_db()
    assert (fleet_application.status, fleet_application.decided_by) == ("approved", team.manager)
    assert SlaClock.objects.get(pk=fleet_application.clock_id).state == "paused"


@pytest.mark.django_db
def test_a_withdrawn_application_cancels_its_clock(broker_client, underwriting):
    response = broker_client.post(
        reverse("web:nb_application_withdraw", args=[underwriting.pk]),
        {"reason": "The client chose another insurer"},
    )
    assert response.status_code == 302
    underwriting.refresh_from_db()
    assert underwriting.status == "withdrawn"
    assert SlaClock.objects.get(pk=underwriting.clock_id).state == "cancelled"


@pytest.mark.django_db
def test_the_client_declining_an_option_leaves_the_others(broker_client, team, customer, intake):
    crew = make_crew(customer, pilots=1, aircrew=0, ground=0)
    start, end = period()
    quotes = [
        quote_create(
            intake_id=intake.pk,
            product_code=PRODUCT,
            period_start=start,
            period_end=end,
            coverage_codes=codes,
            person_ids=[crew[0].pk],
            label=label,
            acting_user=team.broker,
        )
        for label, codes in (("A", [GROUP]), ("B", [GROUP, LICENCE]))
    ]
    response = broker_client.post(reverse("web:nb_quote_decline", args=[quotes[0].pk]))
    assert response.status_code == 302
    assert [Quote.objects.get(pk=q.pk).status for q in quotes] == ["declined", "offered"]


# Follow-ups ----------------------------------------------------------------------------------


@pytest.fixture
def filed_policy(team, customer):
    from coverdesk.policies.services.policies import policy_contract_file

    crew = make_crew(customer, pilots=1, aircrew=0, ground=0)
    policy = issue_policy(team, customer, coverage_codes=[GROUP], persons=crew)
    policy_contract_file(policy_id=policy.pk, filing_reference="BOX-1", acting_user=team.broker)
    return policy


@pytest.mark.django_db
def test_a_follow_up_done_through_htmx_swaps_its_row(broker_client, filed_policy):
    follow_up = FollowUp.objects.filter(policy=filed_policy).order_by("due_on").first()
    response = broker_client.post(
        reverse("web:nb_followup_done", args=[follow_up.pk]),
        {"note": "Called the client"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.strip().startswith(f'<tr id="followup-{follow_up.pk}"')
    assert 'data-test="followup-done"' in html and "Called the client" in html
    assert FollowUp.objects.get(pk=follow_up.pk).note == "Called the client"


@pytest.mark.django_db
def test_a_follow_up_without_a_note_is_refused_beside_it(broker_client, filed_policy):
    follow_up = FollowUp.objects.filter(policy=filed_policy).order_by("due_on").first()
    before = state_of_everything()
    for headers in ({}, {"HX-Request": "true"}):
        response = broker_client.post(
            reverse("web:nb_followup_done", args=[follow_up.pk]), {"note": ""}, headers=headers
        )
        assert response.status_code == 200
        assert '<span class="error">This field is required.</span>' in response.content.decode()
    assert state_of_everything() == before


# The work list ------------------------------------------------------------------------------


def open_cases(team, customer, count):
    crew = make_crew(customer, pilots=1, aircrew=0, ground=0)
    for n in range(count):
        _intake, _quote, application = draft_application(team, customer, crew)
        if n % 2:
            application_submit(
                application_id=application.pk,
                received_documents=all_documents(application),
                acting_user=team.broker,
            )
        needs_intake_create(
            customer_id=customer.pk,
            insurance_type=f"Needs {n}",
            coverage_wanted="Crew",
            acting_user=team.broker,
        )


def queries_of(client, address):
    client.get(address)  # compiled calendars and the like, cached per process
    with CaptureQueriesContext(connection) as captured:
        response = client.get(address)
    assert response.status_code == 200
    return len(captured.captured_queries), response


@pytest.mark.django_db
def test_the_work_list_costs_the_same_queries_for_2_or_12_cases(
    broker_client, team, customer, django_assert_max_num_queries
):
    # given
    open_cases(team, customer, 2)
    few, _page = queries_of(broker_client, reverse("web:nb_worklist"))
    open_cases(team, customer, 10)
    # when
    many, page = queries_of(broker_client, reverse("web:nb_worklist"))
    # then
    assert len(page.context["application_rows"]) == 12
    assert len(page.context["intake_rows"]) == 12
    assert many == few
    with django_assert_max_num_queries(17):
        broker_client.get(reverse("web:nb_worklist"))


@pytest.mark.django_db
def test_the_work_list_shows_each_case_with_its_clock_and_next_step(broker_client, team, customer):
    # given: one draft, one in underwriting
    open_cases(team, customer, 2)
    # when
    page = broker_client.get(reverse("web:nb_worklist"))
    # then
    rows = [
        (row["application"].status, row["clock"].state, row["next"])
        for row in page.context["application_rows"]
    ]
    assert rows == [
        ("draft", "not_started", "Submit it with the documents received"),
        ("underwriting", "running", "Underwriting decision: approve, refer or decline"),
    ]
    assert [row["next"] for row in page.context["intake_rows"]] == [
        "Consult the client and quote options",
        "Consult the client and quote options",
    ]


@pytest.mark.django_db
def test_the_work_list_pages_through_many_applications(broker_client, team, customer):
    open_cases(team, customer, 27)
    first = broker_client.get(reverse("web:nb_worklist"))
    second = broker_client.get(reverse("web:nb_worklist") + "?page=2")
    assert len(first.context["application_rows"]) == 25
    assert len(second.context["application_rows"]) == 2
    assert 'href="?page=2"' in first.content.decode()


@pytest.mark.django_db
def test_another_brokers_cases_are_not_on_my_work_list(team, customer, signed_in):
    open_cases(team, customer, 1)
    client, _other = signed_in("broker")
    page = client.get(reverse("web:nb_worklist"))
    assert page.context["application_rows"] == []
    assert page.context["intake_rows"] == []


@pytest.mark.django_db
def test_an_expired_option_cannot_become_an_application(broker_client, team, customer, intake):
    # given: an option whose validity ran out yesterday
    crew = make_crew(customer, pilots=1, aircrew=0, ground=0)
    start, end = period()
    quote = quote_create(
        intake_id=intake.pk,
        product_code=PRODUCT,
        period_start=start,
        period_end=end,
        coverage_codes=[GROUP],
        person_ids=[crew[0].pk],
        label="A",
        acting_user=team.broker,
    )
    yesterday = timezone.localdate() - timedelta(days=1)
    Quote.objects.filter(pk=quote.pk).update(valid_until=yesterday)
    before = state_of_everything()
    # when
    response = broker_client.post(
        reverse("web:nb_application_create", args=[quote.pk]), {f"q{quote.pk}-complexity": "simple"}
    )
    # then: the rule, shown in the option's column
    assert response.status_code == 200
    message = f"The quote expired on {yesterday.isoformat()}."
    assert f'<div class="alert error" role="alert">{message}</div>' in response.content.decode()
    assert state_of_everything() == before


@pytest.mark.django_db
def test_an_option_taken_already_cannot_be_filed_twice(broker_client, url_of):
    # given: the draft application of the url fixture took its option
    address = url_of("web:nb_application_create")
    quote = Quote.objects.get(status="accepted")
    # when
    response = broker_client.post(address, {f"q{quote.pk}-complexity": "simple"})
    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert "A quote that is accepted cannot apply." in html


@pytest.mark.django_db
def test_a_head_reads_the_needs_and_options_without_the_brokers_forms(url_of, signed_in):
    client, _head = signed_in("head")
    page = client.get(url_of("web:nb_intake_detail"))
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-test="options"' in html
    for form in ("consultation-form", "person-form", "apply-form", "new-quote"):
        assert f'data-test="{form}"' not in html


@pytest.mark.django_db
def test_the_needs_form_starts_with_the_customer_named_in_the_address(broker_client, customer):
    page = broker_client.get(reverse("web:nb_intake_create") + f"?customer={customer.pk}")
    assert page.context["form"]["customer"].value() == customer.pk
    assert f'<option value="{customer.pk}" selected>' in page.content.decode()


@pytest.mark.django_db
def test_choosing_another_product_reloads_the_quote_form_with_its_coverages(broker_client, intake):
    address = reverse("web:nb_quote_create", args=[intake.pk])
    page = broker_client.get(address, {"product": "nope"}, headers={"HX-Request": "true"})
    assert page.status_code == 200
    assert list(page.context["form"].fields["coverages"].choices) == []
    page = broker_client.get(address, {"product": PRODUCT, "coverages": [GROUP]})
    assert page.context["form"]["coverages"].value() == [GROUP]
