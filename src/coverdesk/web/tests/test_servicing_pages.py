"""Servicing (保全) pages: each role reaches exactly its pages and actions (a denial changes
nothing), a clerk takes an endorsement and a cancellation with refund from intake to archive
with the worked figures on screen, bad input is refused beside its field with the rule and
changes nothing, and the queue reads a page in a fixed number of queries."""

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal as D

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from coverdesk.audit.models import AuditEntry
from coverdesk.catalog.models import ProductVersion
from coverdesk.notifications.models import Message
from coverdesk.policies.models import (
    Endorsement,
    Policy,
    ServicingCalculation,
    ServicingDocument,
    ServicingRequest,
    ServicingStatusChange,
)
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
from coverdesk.sla.models import SlaClock
from coverdesk.web.tests.helpers import english
from coverdesk.web.tests.test_access import ROLES

pytestmark = pytest.mark.django_db

MONDAY = at(2026, 8, 24, 9)
EFFECTIVE = date(2026, 9, 1)
ADD_DOCUMENTS = ["servicing_application", "applicant_identity", "persons_added"]
CANCEL_DOCUMENTS = [
    "servicing_application",
    "applicant_identity",
    "original_policy",
    "refund_account",
]


@dataclass
class World:
    team: object
    customer: object
    policy: Policy
    newcomer: object


@pytest.fixture
def world():
    team = make_team()
    customer = make_customer()
    pilots = [make_person(customer, f"机长{n}", "pilot", n) for n in (1, 2)]
    policy = issue_policy(team, customer, coverage_codes=[GROUP], persons=pilots)
    return World(team, customer, policy, make_person(customer, "新机务", "ground_crew", 9))


@pytest.fixture
def frozen(monkeypatch):
    """Views and services read the time from coverdesk.core.clock.now: Monday 09:00."""
    monkeypatch.setattr("coverdesk.core.clock.now", lambda: MONDAY)
    return MONDAY


def browser_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return english(client)


def receive(world, *, kind="add_persons", received=None, effective_on=EFFECTIVE, **kwargs):
    """A request received through the service (the set-up of the page tests)."""
    if received is None:
        received = ADD_DOCUMENTS if kind == "add_persons" else CANCEL_DOCUMENTS
    changes = (
        [{"op": "add_person", "person_id": world.newcomer.pk}] if kind == "add_persons" else []
    )
    return servicing_request_receive(
        policy_id=world.policy.pk,
        kind=kind,
        channel="counter",
        requester_name="郑海",
        identity_method="authorisation",
        identity_reference="44010219800101999X",
        effective_on=effective_on,
        changes=changes,
        received_documents=received,
        acting_user=world.team.clerk,
        **kwargs,
    )


def snapshot(request_id=None):
    """Everything a servicing action could change."""
    state = {
        "requests": ServicingRequest.objects.count(),
        "history": ServicingStatusChange.objects.count(),
        "calculations": ServicingCalculation.objects.count(),
        "endorsements": Endorsement.objects.count(),
        "audit": AuditEntry.objects.filter(action__startswith="servicing.").count(),
        "messages": Message.objects.count(),
        "policies": list(Policy.objects.values_list("pk", "status", "premium_written")),
    }
    if request_id is not None:
        request = ServicingRequest.objects.get(pk=request_id)
        state["request"] = (
            request.status,
            request.calculation_number,
            request.confirmed_calculation,
            request.outcome_note,
            request.failures,
        )
        state["documents"] = list(
            ServicingDocument.objects.filter(request=request)
            .order_by("code")
            .values_list("code", "status", "note")
        )
        state["clock"] = SlaClock.objects.filter(pk=request.clock_id).values_list(
            "state", flat=True
        )[0]
    return state


def errors_of(response) -> list[tuple[str, str]]:
    """(field, rule) of every error shown beside a field on the page."""
    html = response.content.decode()
    found = []
    marker = 'data-test="error" data-field="'
    start = 0
    while (index := html.find(marker, start)) >= 0:
        field_end = html.index('"', index + len(marker))
        rule_at = html.index('data-rule="', field_end) + len('data-rule="')
        found.append(
            (html[index + len(marker) : field_end], html[rule_at : html.index('"', rule_at)])
        )
        start = rule_at
    return found


def lines_of(html: str, test: str) -> list[tuple[str, str, str]]:
    """(code, working, amount) of the calculation table marked data-test=`test`."""
    table = html.split(f'data-test="{test}"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(
        r'<tr data-line="([^"]+)"[^>]*>\s*<td>[^<]*</td>\s*'
        r'<td class="mono svc-formula">([^<]*)</td>\s*'
        r'<td class="num mono" data-test="line-amount">([^<]*)</td>',
        table,
    )
    return [(code, formula.replace("&#x27;", "'"), amount) for code, formula, amount in rows]


# ---- Who reaches what ---------------------------------------------------------------------------

# GET pages      admin broker clerk agent adjuster surveyor backoffice head manager auditor customer
PAGES = {
    "web:servicing_queue":           (403, 403, 200, 403, 403, 403, 403, 200, 200, 403, 403),
    "web:servicing_new":             (403, 403, 200, 403, 403, 403, 403, 403, 403, 403, 403),
    "web:servicing_detail":          (403, 403, 200, 403, 403, 403, 403, 200, 200, 403, 403),
    "web:servicing_endorsement_pdf": (403, 403, 200, 403, 403, 403, 403, 200, 200, 403, 403),
}  # fmt: skip

# POST actions with valid input: 302 = done, back to the request
ACTIONS = {
    "web:servicing_new":              (403, 403, 302, 403, 403, 403, 403, 403, 403, 403, 403),
    "web:servicing_intake_preview":   (403, 403, 200, 403, 403, 403, 403, 403, 403, 403, 403),
    "web:servicing_documents":        (403, 403, 302, 403, 403, 403, 403, 403, 403, 403, 403),
    "web:servicing_calculate":        (403, 403, 302, 403, 403, 403, 403, 403, 403, 403, 403),
    "web:servicing_confirm":          (403, 403, 302, 403, 403, 403, 403, 403, 403, 403, 403),
    "web:servicing_approve":          (403, 403, 302, 403, 403, 403, 403, 302, 302, 403, 403),
    "web:servicing_reject":           (403, 403, 302, 403, 403, 403, 403, 403, 403, 403, 403),
    "web:servicing_withdraw":         (403, 403, 302, 403, 403, 403, 403, 403, 403, 403, 403),
    "web:servicing_archive":          (403, 403, 302, 403, 403, 403, 403, 403, 403, 403, 403),
}  # fmt: skip


def _cells(table):
    return [(name, role, table[name][i]) for name in table for i, role in enumerate(ROLES)]


def intake_data(world, **overrides):
    data = {
        "policy_number": world.policy.number,
        "kind": "add_persons",
        "channel": "counter",
        "requester_name": "郑海",
        "identity_method": "authorisation",
        "identity_reference": "44010219800101999X",
        "effective_on": EFFECTIVE.isoformat(),
        "persons": [str(world.newcomer.pk)],
        "received_documents": ADD_DOCUMENTS,
        "description": "",
    }
    data.update(overrides)
    return data


def prepare(name, world):
    """(url, POST data, request id or None) for an action, the request in a state where it
    is allowed."""
    clerk = world.team.clerk
    if name in ("web:servicing_new", "web:servicing_intake_preview"):
        return reverse(name), intake_data(world), None
    if name == "web:servicing_documents":
        request = receive(world, received=["servicing_application"])
        return (
            reverse(name, args=[request.pk]),
            {"received": ["applicant_identity", "persons_added"]},
            request.pk,
        )
    request = receive(world)
    data = {}
    if name == "web:servicing_confirm":
        servicing_fee_calculate(
            request_id=request.pk, confirm_with_customer=True, acting_user=clerk
        )
        data = {"calculation_number": "1", "note": "电话确认，郑海"}
    elif name == "web:servicing_approve":
        servicing_fee_calculate(request_id=request.pk, acting_user=clerk)
    elif name == "web:servicing_archive":
        servicing_fee_calculate(request_id=request.pk, acting_user=clerk)
        servicing_request_approve(request_id=request.pk, acting_user=clerk)
        data = {"outcome_note": "客户已确认批单"}
    elif name == "web:servicing_reject":
        data = {"reject-reason": "材料不真实"}
    elif name == "web:servicing_withdraw":
        data = {"withdraw-reason": "客户撤回"}
    return reverse(name, args=[request.pk]), data, request.pk


def page_url(name, world):
    if name in ("web:servicing_queue", "web:servicing_new"):
        return reverse(name)
    request = receive(world)
    if name == "web:servicing_endorsement_pdf":
        servicing_fee_calculate(request_id=request.pk, acting_user=world.team.clerk)
        servicing_request_approve(request_id=request.pk, acting_user=world.team.clerk)
    return reverse(name, args=[request.pk])


@pytest.mark.parametrize(("page", "role", "expected"), _cells(PAGES))
def test_role_gets_exactly_the_expected_status_for_each_page(
    signed_in, world, page, role, expected
):
    # given
    url = page_url(page, world)
    client, _user = signed_in(role)
    # when
    response = client.get(url)
    # then
    assert response.status_code == expected


@pytest.mark.parametrize(("action", "role", "expected"), _cells(ACTIONS))
def test_role_gets_exactly_the_expected_status_for_each_action_and_a_denial_changes_nothing(
    signed_in, world, action, role, expected
):
    # given
    url, data, request_id = prepare(action, world)
    before = snapshot(request_id)
    client, _user = signed_in(role)
    # when
    response = client.post(url, data)
    # then
    assert response.status_code == expected
    if expected == 403:
        assert snapshot(request_id) == before
    else:
        assert snapshot(request_id) != before or action == "web:servicing_intake_preview"


@pytest.mark.parametrize("page", [*PAGES, *ACTIONS])
def test_anonymous_visitor_is_sent_to_login_and_nothing_changes(world, page):
    # given
    url, data, request_id = (
        prepare(page, world)
        if page in ACTIONS
        else (
            page_url(page, world),
            None,
            None,
        )
    )
    before = snapshot(request_id)
    # when
    response = Client().post(url, data) if page in ACTIONS else Client().get(url)
    # then
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('web:login')}?next={url}"
    assert snapshot(request_id) == before


def test_an_unknown_request_is_not_found(world):
    client = browser_of(world.team.clerk)

    assert client.get(reverse("web:servicing_detail", args=[987654])).status_code == 404
    assert (
        client.post(
            reverse("web:servicing_reject", args=[987654]), {"reject-reason": "x"}
        ).status_code
        == 404
    )


# ---- A clerk's endorsement, from intake to archive -------------------------------------------

ENDORSEMENT_LINES = [
    ("period_days", "2025-12-22 – 2026-12-21", "365"),
    ("remaining_days", "2026-09-01 – 2026-12-21", "112"),
    ("premium_before", "", "18,000.00"),
    ("premium_after", "", "19,200.00"),
    ("difference", "19,200.00 − 18,000.00", "1,200.00"),
    ("adjustment", "1,200.00 × 112 / 365", "368.22"),
]


def test_a_clerk_takes_an_endorsement_from_intake_to_archive_with_the_worked_figures(world, frozen):
    client = browser_of(world.team.clerk)

    # given the policy found by its number and the type chosen
    start = client.get(
        reverse("web:servicing_new"),
        {"policy_number": world.policy.number.lower(), "kind": "add_persons"},
    )
    assert start.status_code == 200
    assert f'value="{world.newcomer.pk}"' in start.content.decode()

    # when the request is received with only the application form handed in
    response = client.post(
        reverse("web:servicing_new"),
        intake_data(world, received_documents=["servicing_application"]),
    )

    # then it waits for the customer, who was told of both missing documents in one notice
    request = ServicingRequest.objects.get()
    assert response["Location"] == reverse("web:servicing_detail", args=[request.pk])
    assert (request.status, request.changes) == (
        "waiting_for_documents",
        [{"op": "add_person", "person_id": world.newcomer.pk}],
    )
    page = client.get(response["Location"]).content.decode()
    assert 'data-test="missing-notice"' in page
    assert "The clock is paused until the documents come." in page
    assert 'data-state="paused"' in page
    assert "Add insured person 新机务" in page
    assert "4401**********999X" in page and "44010219800101999X" not in page

    # when the rest of the documents come in
    response = client.post(
        reverse("web:servicing_documents", args=[request.pk]),
        {"received": ["applicant_identity", "persons_added"]},
    )
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == "in_review"
    assert SlaClock.objects.get(pk=request.clock_id).state == "running"

    # then the live preview shows the calculation line by line and wrote nothing
    page = client.get(reverse("web:servicing_detail", args=[request.pk])).content.decode()
    assert lines_of(page, "preview-lines") == ENDORSEMENT_LINES
    assert "Collect 368.22" in page
    assert ServicingCalculation.objects.count() == 0

    # when the fee is calculated and kept, then approved within the clerk's authority
    assert client.post(reverse("web:servicing_calculate", args=[request.pk]), {}).status_code == 302
    page = client.get(reverse("web:servicing_detail", args=[request.pk])).content.decode()
    assert lines_of(page, "current-lines") == ENDORSEMENT_LINES
    assert 'data-test="within-authority"' in page
    assert client.post(reverse("web:servicing_approve", args=[request.pk])).status_code == 302

    # then the policy has its endorsement, linked with its PDF
    request.refresh_from_db()
    endorsement = Endorsement.objects.get(servicing_request=request)
    assert (request.status, endorsement.premium_change) == ("completed", D("368.22"))
    world.policy.refresh_from_db()
    assert world.policy.premium_written == D("18368.22")
    page = client.get(reverse("web:servicing_detail", args=[request.pk])).content.decode()
    assert f"{world.policy.number}-E001" in page
    assert f'href="/policies/{world.policy.pk}/"' in page
    pdf_url = reverse("web:servicing_endorsement_pdf", args=[request.pk])
    assert f'href="{pdf_url}?language=en"' in page
    pdf = client.get(pdf_url, {"language": "en"})
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert f'filename="{world.policy.number}-E001-en.pdf"' in pdf["Content-Disposition"]

    # when it is archived with the outcome confirmed with the customer
    response = client.post(
        reverse("web:servicing_archive", args=[request.pk]), {"outcome_note": "客户已确认批单"}
    )

    # then it leaves the queue for the closed list, its history complete
    assert response.status_code == 302
    assert ServicingRequest.objects.get().status == "archived"
    assert (
        f'data-request="{request.pk}"'
        not in client.get(reverse("web:servicing_queue")).content.decode()
    )
    closed = client.get(reverse("web:servicing_queue"), {"tab": "closed"}).content.decode()
    assert f'data-request="{request.pk}"' in closed
    page = client.get(reverse("web:servicing_detail", args=[request.pk])).content.decode()
    assert [
        action
        for action in (
            "receive",
            "documents_missing",
            "documents_complete",
            "calculate",
            "approve",
            "archive",
        )
        if f'data-action="{action}"' in page
    ] == ["receive", "documents_missing", "documents_complete", "calculate", "approve", "archive"]


# ---- Cancellations with refund ---------------------------------------------------------------


def test_a_clerk_cancels_a_policy_with_a_pro_rata_refund_confirmed_by_the_customer(world, frozen):
    client = browser_of(world.team.clerk)

    # given a cancellation received with every document
    response = client.post(
        reverse("web:servicing_new"),
        intake_data(
            world,
            kind="cancellation",
            persons=[],
            identity_method="callback",
            identity_reference="",
            received_documents=CANCEL_DOCUMENTS,
        ),
    )
    request = ServicingRequest.objects.get()
    assert (response.status_code, request.status) == (302, "in_review")

    # when the refund is calculated and the customer is asked to confirm it
    client.post(
        reverse("web:servicing_calculate", args=[request.pk]), {"confirm_with_customer": "on"}
    )

    # then the refund is shown line by line, and the request waits for the customer
    page = client.get(reverse("web:servicing_detail", args=[request.pk])).content.decode()
    assert lines_of(page, "current-lines") == [
        ("period_days", "2025-12-22 – 2026-12-21", "365"),
        ("term_premium", "", "18,000.00"),
        ("premium_paid", "", "18,000.00"),
        ("unearned_days", "2026-09-01 – 2026-12-21", "112"),
        ("gross_refund", "18,000.00 × 112 / 365", "5,523.29"),
        ("fee", "", "0.00"),
        ("refund", "max(0, 5,523.29 − 0.00)", "5,523.29"),
    ]
    assert "Refund 5,523.29" in page
    assert "Refund pro rata by day over the unearned period, less the fee" in page
    assert 'data-test="approve"' not in page
    queue = client.get(reverse("web:servicing_queue")).content.decode()
    assert (
        f'data-request="{request.pk}" data-status="awaiting_confirmation" data-waiting="1"' in queue
    )

    # when the clerk records the customer's confirmation and approves
    client.post(
        reverse("web:servicing_confirm", args=[request.pk]),
        {"calculation_number": "1", "note": "电话确认，郑海"},
    )
    response = client.post(reverse("web:servicing_approve", args=[request.pk]))

    # then the policy is cancelled from 09-01 with the refund
    assert response.status_code == 302
    world.policy.refresh_from_db()
    assert (world.policy.status, world.policy.cancelled_on) == ("cancelled", EFFECTIVE)
    assert world.policy.premium_written == D("12476.71")  # 18,000 − 5,523.29
    assert Endorsement.objects.get().premium_change == D("-5523.29")
    page = client.get(reverse("web:servicing_detail", args=[request.pk])).content.decode()
    assert 'data-test="endorsement"' in page and "Refund 5,523.29" in page


def test_a_short_rate_refund_less_the_fee_recalculated_needs_the_customers_renewed_confirmation(
    world, frozen
):
    # given a product refunding by the short-rate table, and a cancellation confirmed once
    version = ProductVersion.objects.get(pk=world.policy.product_version_id)
    ProductVersion.objects.filter(pk=version.pk).update(refund_method="short_rate")
    request = receive(world, kind="cancellation")
    client = browser_of(world.team.clerk)
    client.post(
        reverse("web:servicing_calculate", args=[request.pk]), {"confirm_with_customer": "on"}
    )
    client.post(
        reverse("web:servicing_confirm", args=[request.pk]),
        {"calculation_number": "1", "note": "电话确认"},
    )
    # and the fee found missing afterwards: the preview no longer matches what was kept
    ProductVersion.objects.filter(pk=version.pk).update(cancellation_fee=D("200.00"))
    page = client.get(reverse("web:servicing_detail", args=[request.pk])).content.decode()
    assert 'data-test="preview-differs"' in page

    # when calculated again without a reason
    response = client.post(reverse("web:servicing_calculate", args=[request.pk]), {})

    # then the reason is asked for beside its field and nothing changed
    assert response.status_code == 422
    assert ("reason", "required") in errors_of(response)
    assert ServicingRequest.objects.get(pk=request.pk).calculation_number == 1

    # when calculated again with the reason
    client.post(reverse("web:servicing_calculate", args=[request.pk]), {"reason": "漏算退保手续费"})

    # then 9 months in force retain 85 %, less the fee, and the customer must confirm again
    request.refresh_from_db()
    assert (request.status, request.calculation_number, request.amount) == (
        "awaiting_confirmation",
        2,
        D("-2500.00"),
    )
    page = client.get(reverse("web:servicing_detail", args=[request.pk])).content.decode()
    assert lines_of(page, "current-lines") == [
        ("period_days", "2025-12-22 – 2026-12-21", "365"),
        ("term_premium", "", "18,000.00"),
        ("premium_paid", "", "18,000.00"),
        ("months_in_force", "2025-12-22 – 2026-08-31", "9"),
        ("retained_share", "9 → 85.00 %", "85.00 %"),
        ("retained_premium", "18,000.00 × 85.00 %", "15,300.00"),
        ("gross_refund", "18,000.00 − 15,300.00", "2,700.00"),
        ("fee", "", "200.00"),
        ("refund", "max(0, 2,700.00 − 200.00)", "2,500.00"),
    ]
    assert "Waiting for the customer to confirm calculation 2" in page
    assert 'data-test="calculations"' in page  # both calculations kept

    # and approving before the renewed confirmation is refused, nothing applied
    before = snapshot(request.pk)
    response = client.post(reverse("web:servicing_approve", args=[request.pk]))
    assert response.status_code == 409
    assert snapshot(request.pk) == before

    # when the customer confirms the new amount, it is applied
    client.post(
        reverse("web:servicing_confirm", args=[request.pk]),
        {"calculation_number": "2", "note": "客户书面确认新金额"},
    )
    assert client.post(reverse("web:servicing_approve", args=[request.pk])).status_code == 302
    assert Endorsement.objects.get().premium_change == D("-2500.00")


# ---- Bad input: refused beside its field, naming the rule, nothing changed ------------------


@pytest.mark.parametrize(
    ("overrides", "field", "rule"),
    [
        ({"effective_on": "2026-12-22"}, "effective_on", "outside_period"),  # after the end
        ({"effective_on": "2025-12-21"}, "effective_on", "outside_period"),  # before the start
        ({"effective_on": "2026-02-30"}, "effective_on", "invalid"),
        ({"identity_method": ""}, "identity_method", "required"),
        ({"identity_reference": ""}, "identity_reference", "required"),
        ({"requester_name": "  "}, "requester_name", "required"),
        ({"persons": []}, "persons", "required"),
        ({"received_documents": ["passport"]}, "received_documents", "invalid_choice"),
        (
            {
                "kind": "cancellation",
                "persons": [],
                "effective_on": "2027-01-05",
                "received_documents": CANCEL_DOCUMENTS,
            },
            "effective_on",
            "outside_period",
        ),
    ],
)
def test_bad_intake_is_refused_beside_its_field_and_nothing_is_received(
    world, frozen, overrides, field, rule
):
    client = browser_of(world.team.clerk)
    before = snapshot()

    response = client.post(reverse("web:servicing_new"), intake_data(world, **overrides))

    assert response.status_code == 422
    assert errors_of(response) == [(field, rule)]
    assert snapshot() == before
    assert SlaClock.objects.filter(subject_type="policies.servicingrequest").count() == 0


def test_an_unknown_policy_number_is_named_at_the_first_step(world):
    client = browser_of(world.team.clerk)

    response = client.get(
        reverse("web:servicing_new"), {"policy_number": "CD1999999999", "kind": "add_persons"}
    )

    assert response.status_code == 422
    assert errors_of(response) == [("policy_number", "not_found")]
    assert 'id="intake-form"' not in response.content.decode()


def test_a_cancelled_policy_takes_no_request(world):
    Policy.objects.filter(pk=world.policy.pk).update(status="cancelled", cancelled_on=EFFECTIVE)
    client = browser_of(world.team.clerk)
    before = snapshot()

    response = client.post(reverse("web:servicing_new"), intake_data(world))

    assert response.status_code == 422
    assert errors_of(response) == [("", "policies_transition_not_allowed")]
    assert snapshot() == before


def test_a_refund_date_outside_the_period_is_refused_by_the_preview_which_writes_nothing(
    world, frozen
):
    client = browser_of(world.team.clerk)
    before = snapshot()
    data = intake_data(
        world,
        kind="cancellation",
        persons=[],
        effective_on="2026-12-22",
        received_documents=CANCEL_DOCUMENTS,
    )

    response = client.post(reverse("web:servicing_intake_preview"), data, HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-rule="outside_period"' in html
    assert "2026-12-22 is outside the policy period 2025-12-22 to 2026-12-21." in html
    assert snapshot() == before


def test_the_live_preview_shows_the_fee_line_by_line_and_writes_nothing(world, frozen):
    client = browser_of(world.team.clerk)
    before = snapshot()

    fragment = client.post(
        reverse("web:servicing_intake_preview"), intake_data(world), HTTP_HX_REQUEST="true"
    )
    page = client.post(reverse("web:servicing_intake_preview"), intake_data(world))

    assert lines_of(fragment.content.decode(), "preview-lines") == ENDORSEMENT_LINES
    assert "<html" not in fragment.content.decode()
    # without JavaScript the whole form comes back with the preview beside it
    assert lines_of(page.content.decode(), "preview-lines") == ENDORSEMENT_LINES
    assert 'id="intake-form"' in page.content.decode()
    assert snapshot() == before


def test_a_negative_agreed_value_is_refused_beside_it_and_a_valid_one_previews(world, frozen):
    client = browser_of(world.team.clerk)
    helicopter = make_fleet(world.customer)[0]
    aviation = issue_policy(
        world.team, world.customer, coverage_codes=[AVIATION], aircraft=[helicopter]
    )
    field = f"agreed_value_{helicopter.pk}"
    data = intake_data(
        world,
        policy_number=aviation.number,
        kind="change_sum",
        persons=[],
        received_documents=[],
        **{field: "-5"},
    )
    before = snapshot()

    refused = client.post(reverse("web:servicing_new"), data)

    assert refused.status_code == 422
    assert errors_of(refused) == [(field, "min_value")]
    assert snapshot() == before

    # a raise of the agreed value previews the premium to collect, pro rata over 112 days
    data[field] = "80000000.00"
    preview = client.post(reverse("web:servicing_intake_preview"), data, HTTP_HX_REQUEST="true")
    # the hull rated at 1.2 % of 10,000,000 more: 120,000 × 112 / 365 = 36,821.917… → 36,821.92
    assert lines_of(preview.content.decode(), "preview-lines") == [
        ("period_days", "2025-12-22 – 2026-12-21", "365"),
        ("remaining_days", "2026-09-01 – 2026-12-21", "112"),
        ("premium_before", "", "882,000.00"),
        ("premium_after", "", "1,002,000.00"),
        ("difference", "1,002,000.00 − 882,000.00", "120,000.00"),
        ("adjustment", "120,000.00 × 112 / 365", "36,821.92"),
    ]
    assert snapshot() == before


def test_actions_with_missing_input_name_the_field_and_change_nothing(world, frozen):
    client = browser_of(world.team.clerk)
    waiting = receive(world, received=["servicing_application"])
    asking = receive(world)
    servicing_fee_calculate(
        request_id=asking.pk, confirm_with_customer=True, acting_user=world.team.clerk
    )
    done = receive(world)
    servicing_fee_calculate(request_id=done.pk, acting_user=world.team.clerk)
    servicing_request_approve(request_id=done.pk, acting_user=world.team.clerk)
    cases = [
        ("web:servicing_documents", waiting, {}, ("", "required")),
        (
            "web:servicing_documents",
            waiting,
            {"received": ["passport"]},
            ("received", "invalid_choice"),
        ),
        ("web:servicing_confirm", asking, {"calculation_number": "1"}, ("note", "required")),
        ("web:servicing_reject", asking, {"reject-reason": " "}, ("reason", "required")),
        ("web:servicing_withdraw", asking, {}, ("reason", "required")),
        ("web:servicing_archive", done, {"outcome_note": ""}, ("outcome_note", "required")),
    ]
    for name, request, data, error in cases:
        before = snapshot(request.pk)

        response = client.post(reverse(name, args=[request.pk]), data)

        assert (name, response.status_code) == (name, 422)
        assert error in errors_of(response), name
        assert snapshot(request.pk) == before, name


def test_approving_above_the_clerks_authority_is_refused_and_a_head_approves(world, frozen):
    # given a cancellation of a one-helicopter policy: a refund far above the clerk's 10,000
    aviation = issue_policy(
        world.team,
        world.customer,
        coverage_codes=[AVIATION],
        aircraft=make_fleet(world.customer)[:1],
    )
    world.policy = aviation
    request = receive(world, kind="cancellation")
    servicing_fee_calculate(request_id=request.pk, acting_user=world.team.clerk)
    request.refresh_from_db()
    before = snapshot(request.pk)
    clerk = browser_of(world.team.clerk)

    # when the clerk approves
    response = clerk.post(reverse("web:servicing_approve", args=[request.pk]))

    # then the authority is named and nothing is applied
    assert response.status_code == 403
    assert errors_of(response) == [("", "policies_authority_exceeded")]
    assert snapshot(request.pk) == before

    # when the clerk's head opens the approval queue and approves
    head = browser_of(world.team.head)
    queue = head.get(reverse("web:servicing_queue")).content.decode()
    assert 'data-tab="approval" aria-current="page"' in queue
    assert f'data-request="{request.pk}"' in queue
    assert 'data-test="within-authority"' in queue
    assert 'data-test="new-request"' not in queue
    response = head.post(reverse("web:servicing_approve", args=[request.pk]))

    # then it is applied
    assert response.status_code == 302
    aviation.refresh_from_db()
    assert aviation.status == "cancelled"
    assert Endorsement.objects.get().premium_change == request.amount


def test_the_endorsement_pdf_is_the_requests_own_in_the_language_asked(world, monkeypatch):
    request = receive(world)
    servicing_fee_calculate(request_id=request.pk, acting_user=world.team.clerk)
    servicing_request_approve(request_id=request.pk, acting_user=world.team.clerk)
    endorsement = Endorsement.objects.get(servicing_request=request)
    asked = []

    def fake_pdf(*, endorsement_id, language):
        asked.append((endorsement_id, language))
        return b"%PDF-1.7 fake"

    client = browser_of(world.team.head)
    url = reverse("web:servicing_endorsement_pdf", args=[request.pk])
    french = client.get(url, {"language": "fr"})
    monkeypatch.setattr("coverdesk.web.servicing.requests.endorsement_pdf", fake_pdf)

    chinese_pdf = client.get(url, {"language": "zh-hans"})
    default_pdf = client.get(url)

    assert french.status_code == 400
    assert (chinese_pdf.content, default_pdf["Content-Type"]) == (
        b"%PDF-1.7 fake",
        "application/pdf",
    )
    assert asked == [(endorsement.pk, "zh-hans"), (endorsement.pk, "en")]  # en: the page's
    # a request not applied yet has no endorsement
    pending = receive(world)
    assert (
        client.get(reverse("web:servicing_endorsement_pdf", args=[pending.pk])).status_code == 404
    )


# ---- The queue ----------------------------------------------------------------------------


def _queue_queries(client, **params) -> int:
    client.get(reverse("web:servicing_queue"), params)  # compiled calendars cached
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("web:servicing_queue"), params)
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_the_queue_reads_a_page_in_a_fixed_number_of_queries(world, django_assert_max_num_queries):
    clerk = browser_of(world.team.clerk)
    head = browser_of(world.team.head)

    def add_requests(count):
        for n in range(count):
            complete = n % 2 == 1
            request = receive(world, received=None if complete else ["servicing_application"])
            if complete and n % 4 == 1:
                servicing_fee_calculate(request_id=request.pk, acting_user=world.team.clerk)

    add_requests(2)
    few = {tab: _queue_queries(clerk, tab=tab) for tab in ("mine", "open", "approval")}
    few_head = _queue_queries(head)
    add_requests(10)
    many = {tab: _queue_queries(clerk, tab=tab) for tab in ("mine", "open", "approval")}

    assert many == few
    assert _queue_queries(head) == few_head
    with django_assert_max_num_queries(16):  # a row would add at least 12
        response = clerk.get(reverse("web:servicing_queue"), {"tab": "open"})
    assert response.content.decode().count('data-test="request"') == 12


def test_the_queue_marks_what_waits_for_the_customer_and_says_what_is_next(world, frozen):
    waiting = receive(world, received=["servicing_application"])
    calculated = receive(world)
    servicing_fee_calculate(request_id=calculated.pk, acting_user=world.team.clerk)
    other_clerk_request = receive(world)
    ServicingRequest.objects.filter(pk=other_clerk_request.pk).update(handler=world.team.head)
    client = browser_of(world.team.clerk)

    mine = client.get(reverse("web:servicing_queue")).content.decode()
    everyone = client.get(reverse("web:servicing_queue"), {"tab": "open"}).content.decode()
    approval = client.get(reverse("web:servicing_queue"), {"tab": "approval"}).content.decode()

    def row(html, request):
        return html.split(f'data-request="{request.pk}"', 1)[1].split("</tr>", 1)[0]

    assert 'data-waiting="1"' in mine.split(f'data-request="{waiting.pk}"', 1)[1][:200]
    assert "Waiting for the customer&#x27;s documents" in row(mine, waiting)
    assert 'data-state="paused"' not in row(mine, waiting)  # the queue shows "Paused"
    assert "Paused" in row(mine, waiting)
    assert "Approve and apply" in row(mine, calculated)
    assert "Collect 368.22" in row(mine, calculated)
    assert f'data-request="{other_clerk_request.pk}"' not in mine
    assert f'data-request="{other_clerk_request.pk}"' in everyone
    assert f'data-request="{calculated.pk}"' in approval
    assert f'data-request="{waiting.pk}"' not in approval
    filtered = client.get(
        reverse("web:servicing_queue"), {"tab": "open", "policy_number": "CD1999"}
    ).content.decode()
    assert 'data-test="request"' not in filtered
