"""Policy pages: who reaches which page and action, what a customer may see, the search, the
detail answering "what was covered on D" from the version in force, the PDFs, statistics and
the expiring report with their Excel files, and renewal from the web with bad input refused
and nothing changed."""

import io
import shutil
import subprocess
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from coverdesk.policies.models import Endorsement, Policy, PolicyObject, PolicyVersion, Quote
from coverdesk.policies.services.insured import insured_person_add
from coverdesk.policies.services.policies import policy_cancel
from coverdesk.policies.services.renewals import renewal_quote_create
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
    make_portal_user,
    make_team,
)
from coverdesk.web.tests.helpers import english
from coverdesk.web.tests.test_access import ROLES

pytestmark = pytest.mark.django_db

TODAY = at(2026, 11, 20, 10)  # a month before the programme's policies expire
WANG_ID_NUMBER = "440102198503151238"  # a valid GB 11643 number (check digit 8)


@pytest.fixture(autouse=True)
def pinned_clock(monkeypatch):
    monkeypatch.setattr("coverdesk.core.clock.now", lambda: TODAY)


def pdf_text(content: bytes) -> str:
    assert content.startswith(b"%PDF")
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (Debian's poppler-utils) is not installed: the text is not read")
    result = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", "-", "-"], input=content, capture_output=True, check=True
    )
    return " ".join(result.stdout.decode("utf-8").split())


def remove_person(team, policy, person, *, effective_on=date(2026, 3, 1), day=24):
    """A servicing request removing `person`, calculated and approved: endorsement #1."""
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


def portal_client(user):
    client = english(Client())
    client.force_login(user)
    return client


@pytest.fixture
def team():
    return make_team()


@pytest.fixture
def world(team):
    """The police aviation unit's policy on its fleet and crew, the aircrew member removed
    from 2026-03-01 by endorsement #1; and another customer's policy."""
    customer = make_customer()
    fleet = make_fleet(customer)
    crew = [
        make_person(customer, "林海", "pilot", 1),
        make_person(customer, "周明", "aircrew", 2),
        make_person(customer, "刘建", "ground_crew", 3),
    ]
    policy = issue_policy(
        team, customer, coverage_codes=[AVIATION, GROUP], aircraft=fleet, persons=crew
    )
    endorsement = remove_person(team, policy, crew[1])
    other = make_customer(name="滨海通用航空公司", credit_code="91110000100000000R")
    # added through the register's service, which keeps the ID number's blind index
    wang = insured_person_add(
        acting_user=team.broker,
        customer_id=other.pk,
        name="王强",
        id_number=WANG_ID_NUMBER,
        category="pilot",
        occupation="飞行员",
    )
    other_policy = issue_policy(team, other, coverage_codes=[GROUP], persons=[wang])
    return {
        "team": team,
        "customer": customer,
        "fleet": fleet,
        "crew": crew,
        "policy": Policy.objects.get(pk=policy.pk),
        "endorsement": endorsement,
        "other": other,
        "other_policy": other_policy,
        "own": make_portal_user(customer),
        "stranger": make_portal_user(other),
    }


def numbers(response):
    return [row["policy"].number for row in response.context["rows"]]


# Who reaches what ------------------------------------------------------------------------------

# GET pages: admin broker clerk agent adjuster surveyor backoffice head manager auditor customer
PAGES = {
    "policy_list":              (200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    "policy_detail":            (200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    "policy_schedule_pdf":      (200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    "policy_endorsement_pdf":   (200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    "policy_statistics":        (200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 403),
    "policy_statistics_export": (200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 403),
    "policy_expiring":          (200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 403),
    "policy_expiring_export":   (200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 403),
}  # fmt: skip
# POST actions: the same columns
ACTIONS = {
    "policy_renewal_quote":     (403, 302, 403, 403, 403, 403, 403, 403, 403, 403, 403),
    "policy_renew":             (403, 302, 403, 403, 403, 403, 403, 403, 302, 403, 403),
}  # fmt: skip


@pytest.fixture
def small(team):
    """A group policy of two crew, the ground crew member removed by endorsement #1, its
    customer's portal user, and a renewal quote on offer."""
    customer = make_customer()
    pilot = make_person(customer, "林海", "pilot", 1)
    ground = make_person(customer, "刘建", "ground_crew", 3)
    policy = issue_policy(team, customer, coverage_codes=[GROUP], persons=[pilot, ground])
    endorsement = remove_person(team, policy, ground)
    quote = renewal_quote_create(policy_id=policy.pk, acting_user=team.broker, now=at(2026, 11, 2))
    return {
        "team": team,
        "policy": Policy.objects.get(pk=policy.pk),
        "endorsement": endorsement,
        "quote": quote,
        "portal": make_portal_user(customer),
    }


def _url(name, small):
    policy = small["policy"]
    if name == "policy_endorsement_pdf":
        return reverse(f"web:{name}", args=[policy.pk, small["endorsement"].pk])
    if name in ("policy_detail", "policy_schedule_pdf", *ACTIONS):
        return reverse(f"web:{name}", args=[policy.pk])
    return reverse(f"web:{name}")


def _post_data(name, small):
    if name == "policy_renew":
        return {
            "quote": small["quote"].pk,
            "premium_paid": str(small["quote"].term_premium),
            "paid_on": "2026-11-20",
            "payment_reference": "BANK-2027-01",
        }
    return {"as_is": "1"}


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_exactly_the_expected_status_for_each_page_and_action(
    signed_in, small, role
):
    # given a user of the role (the customer: the policy holder's portal user)
    if role == "customer":
        client = portal_client(small["portal"])
    else:
        client, _user = signed_in(role)
    column = ROLES.index(role)
    # when every page is opened and every action posted
    got = {name: client.get(_url(name, small)).status_code for name in PAGES}
    for name in ACTIONS:
        got[name] = client.post(_url(name, small), _post_data(name, small)).status_code
    # then
    expected = {name: row[column] for name, row in {**PAGES, **ACTIONS}.items()}
    assert got == expected
    # and a refused action changed nothing: one quote, still on offer; no renewed policy
    quotes = Quote.objects.filter(renewal_of=small["policy"])
    if expected["policy_renewal_quote"] == 403:
        assert quotes.count() == 1
    renewed = Policy.objects.filter(renewal_of=small["policy"]).exists()
    assert renewed == (expected["policy_renew"] == 302)
    if not renewed:
        assert Quote.objects.get(pk=small["quote"].pk).status == "offered"


@pytest.mark.parametrize("name", [*PAGES, *ACTIONS])
def test_anonymous_visitors_are_sent_to_login_and_nothing_changes(small, name):
    client = Client()
    url = _url(name, small)
    response = client.post(url, _post_data(name, small)) if name in ACTIONS else client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('web:login')}?next={url}"
    assert Quote.objects.filter(renewal_of=small["policy"]).count() == 1
    assert Policy.objects.count() == 1


# Customers ------------------------------------------------------------------------------------


def test_a_customer_lists_only_their_own_policies_with_fewer_columns(world):
    client = portal_client(world["own"])
    response = client.get(reverse("web:policy_list"))
    assert response.status_code == 200
    assert numbers(response) == [world["policy"].number]
    page = response.content.decode()
    assert world["other"].name not in page
    assert 'name="customer"' not in page  # no search by customer: it is always their own
    assert "Renewal" not in page


def test_a_customer_searching_for_another_customers_person_finds_nothing(world):
    client = portal_client(world["own"])
    response = client.post(reverse("web:policy_list"), {"person": "王强"})
    assert numbers(response) == []


def test_a_customer_sees_their_own_policy_without_staff_actions(world):
    client = portal_client(world["own"])
    response = client.get(reverse("web:policy_detail", args=[world["policy"].pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert world["policy"].number in page
    assert 'data-test="renewal"' not in page
    assert reverse("web:policy_renewal_quote", args=[world["policy"].pk]) not in page
    assert reverse("web:party_detail", args=[world["customer"].pk]) not in page


@pytest.mark.parametrize("name", ["policy_detail", "policy_schedule_pdf", "policy_endorsement_pdf"])
def test_a_customer_gets_404_for_another_customers_policy_and_its_documents(world, name):
    client = portal_client(world["stranger"])
    args = [world["policy"].pk]
    if name == "policy_endorsement_pdf":
        args.append(world["endorsement"].pk)
    response = client.get(reverse(f"web:{name}", args=args))
    assert response.status_code == 404
    assert b"%PDF" not in response.content


def test_an_endorsement_is_only_downloaded_under_its_own_policy(world):
    # the stranger's own policy id with the other customer's endorsement id
    client = portal_client(world["stranger"])
    url = reverse(
        "web:policy_endorsement_pdf", args=[world["other_policy"].pk, world["endorsement"].pk]
    )
    assert client.get(url).status_code == 404


def test_a_customer_user_without_an_organisation_sees_no_policy(world, signed_in):
    client, _user = signed_in("customer")
    assert numbers(client.get(reverse("web:policy_list"))) == []
    url = reverse("web:policy_detail", args=[world["policy"].pk])
    assert client.get(url).status_code == 404


# Search ---------------------------------------------------------------------------------------


@pytest.fixture
def staff(signed_in):
    client, _user = signed_in("clerk")
    return english(client)


def search(client, **criteria):
    response = client.post(reverse("web:policy_list"), criteria)
    assert response.status_code == 200
    return sorted(numbers(response))


def test_staff_see_every_policy_newest_period_first(world, staff):
    response = staff.get(reverse("web:policy_list"))
    assert numbers(response) == [world["other_policy"].number, world["policy"].number]
    assert world["other"].name in response.content.decode()


@pytest.mark.parametrize(
    ("criteria", "expected"),
    [
        ({"number": "CD2025000001"}, ["CD2025000001"]),
        ({"number": "cd2025000002"}, ["CD2025000002"]),
        ({"number": "CD2025"}, ["CD2025000001", "CD2025000002"]),
        ({"number": "CD2024"}, []),
        ({"customer": "警务航空"}, ["CD2025000001"]),
        ({"customer": "91110000100000000R"}, ["CD2025000002"]),
        ({"aircraft": "4401220255"}, ["CD2025000001"]),
        ({"aircraft": "1220"}, ["CD2025000001"]),
        ({"aircraft": "h175"}, ["CD2025000001"]),
        ({"aircraft": "4401999999"}, []),
        ({"person": "王强"}, ["CD2025000002"]),
        ({"person": "440102198503151238"}, ["CD2025000002"]),
        ({"person": "44010219850315"}, []),  # an ID number matches exactly, never in part
        ({"person": "周明"}, ["CD2025000001"]),  # removed on 2026-03-01, covered before
        ({"product": "aviation-programme"}, ["CD2025000001", "CD2025000002"]),
        ({"in_force_on": "2026-06-01"}, ["CD2025000001", "CD2025000002"]),
        ({"in_force_on": "2026-12-22"}, []),
        ({"aircraft": "4401120088", "person": "王强"}, []),  # every criterion must hold
    ],
)
def test_staff_search_by_number_customer_aircraft_person_product_and_date(
    world, staff, criteria, expected
):
    assert search(staff, **criteria) == expected


def test_search_by_status_and_in_force_after_a_cancellation(world, staff):
    policy_cancel(
        policy_id=world["other_policy"].pk,
        cancel_on=date(2026, 6, 1),
        acting_user=world["team"].manager,
        now=at(2026, 5, 20),
    )
    assert search(staff, status="cancelled") == ["CD2025000002"]
    assert search(staff, status="active") == ["CD2025000001"]
    assert search(staff, in_force_on="2026-05-31") == ["CD2025000001", "CD2025000002"]
    assert search(staff, in_force_on="2026-06-01") == ["CD2025000001"]


def test_a_bad_date_is_named_beside_its_field_and_lists_nothing(world, staff):
    response = staff.post(reverse("web:policy_list"), {"in_force_on": "2026-13-45"})
    assert numbers(response) == []
    assert response.context["form"].errors["in_force_on"] == ["Enter a valid date."]


def test_names_and_id_numbers_are_never_read_from_the_address(world, staff):
    # a customer or person criterion in a URL would reach logs and history: it is ignored
    response = staff.get(reverse("web:policy_list"), {"person": "王强", "customer": "滨海"})
    assert sorted(numbers(response)) == ["CD2025000001", "CD2025000002"]
    # the other criteria work from a link
    response = staff.get(reverse("web:policy_list"), {"aircraft": "4401350701"})
    assert numbers(response) == ["CD2025000001"]


def _clone(policy, count):
    """`count` copies of a policy row (list pages read only the policy row and its joins)."""
    Policy.objects.bulk_create(
        [
            Policy(
                number=f"CLONE{n:06d}",
                customer_id=policy.customer_id,
                product_version_id=policy.product_version_id,
                period_start=policy.period_start,
                period_end=policy.period_end,
                term_premium=policy.term_premium,
                premium_written=policy.premium_written,
                issued_at=policy.issued_at,
            )
            for n in range(count)
        ]
    )


def test_the_list_reads_a_page_in_the_same_few_queries_whatever_the_rows(
    world, staff, django_assert_max_num_queries
):
    with CaptureQueriesContext(connection) as few:
        staff.get(reverse("web:policy_list"))
    _clone(world["policy"], 80)
    with django_assert_max_num_queries(len(few.captured_queries)) as many:
        response = staff.post(reverse("web:policy_list"), {"number": "CLONE"})
    assert len(response.context["rows"]) == 50
    # no COUNT over the policies: one more row than shown says whether a next page exists
    assert not any("COUNT(" in q["sql"].upper() for q in many.captured_queries)
    # session, user, its permissions (2), roles (2: menu and page), department (user chip),
    # session save (3 with its savepoint), and the page's own: products, the policies
    assert len(few.captured_queries) <= 12


def test_pages_of_a_search_follow_without_a_total(world, staff):
    _clone(world["policy"], 60)
    first = staff.post(reverse("web:policy_list"), {"number": "CLONE"})
    second = staff.post(reverse("web:policy_list"), {"number": "CLONE", "page": "2"})
    assert (first.context["page"].has_next, second.context["page"].has_next) == (True, False)
    assert numbers(first)[:2] == ["CLONE000059", "CLONE000058"]  # same period: newest id first
    assert len(numbers(second)) == 10
    assert set(numbers(first)).isdisjoint(numbers(second))
    assert 'value="2"' in first.content.decode() and 'form="policy-search"' in (
        first.content.decode()
    )


def test_the_customer_list_is_as_cheap(world, django_assert_max_num_queries):
    client = portal_client(world["own"])
    # as for staff, with the customer's organisation instead of a department
    with django_assert_max_num_queries(12):
        response = client.get(reverse("web:policy_list"))
    assert numbers(response) == [world["policy"].number]


# Detail ---------------------------------------------------------------------------------------


def detail(client, policy, **query):
    response = client.get(reverse("web:policy_detail", args=[policy.pk]), query)
    assert response.status_code == 200
    return response


def test_the_header_shows_number_customer_product_period_status_and_premium(world, staff):
    response = detail(staff, world["policy"], on="2026-02-15")
    page = response.content.decode()
    assert "CD2025000001" in page
    assert "市公安局警务航空队" in page
    assert "Aviation insurance programme · version 1" in page
    assert "2025-12-22 00:00 – 2026-12-21 24:00" in page
    # issue 2,682,200.00 less 6,000.00 for the aircrew member removed from 2026-03-01
    assert world["policy"].term_premium == Decimal("2676200.00")
    assert '<dd class="mono" data-test="term-premium">2,676,200.00</dd>' in page


def test_covered_on_a_day_answers_from_the_version_in_force_that_day(world, staff):
    before = detail(staff, world["policy"], on="2026-02-28").context["covered"]
    after = detail(staff, world["policy"], on="2026-03-01").context["covered"]

    assert before["version"].number == 1
    assert [p["name"] for p in before["terms"].persons] == ["林海", "周明", "刘建"]
    assert before["terms"].term_premium == "2,682,200.00"
    assert after["version"].number == 2
    assert [p["name"] for p in after["terms"].persons] == ["林海", "刘建"]
    assert after["terms"].term_premium == "2,676,200.00"
    # premium by coverage: the group cover lost the aircrew member's 6,000.00
    by_coverage = {c.code: c.premium for c in after["terms"].coverages}
    assert by_coverage == {"aviation_comprehensive": "2,666,000.00", "group_accident": "10,200.00"}
    hull = after["terms"].coverages[0].sections[0]
    assert hull.limits == [
        "Per occurrence: 100% of the agreed value",
        "Per occurrence · Spare parts: 5,000,000.00",
    ]
    assert hull.deductibles == [
        "Hull: partial loss (repair): 5% of the loss, at least 100,000.00",
        "Spare parts: 20,000.00",
    ]
    assert [a["registration_mark"] for a in after["terms"].aircraft] == [
        "4401120088",
        "4401220255",
        "4401350701",
    ]


def test_the_masked_id_number_is_shown_never_the_full_one(world, staff):
    page = detail(staff, world["policy"], on="2026-02-15").content.decode()
    assert "4401**********0002" in page
    assert "440102198001010002" not in page


@pytest.mark.parametrize(
    ("on", "reason"),
    [
        ("2025-12-21", "The period begins on 2025-12-22."),
        ("2026-12-22", "The period ended on 2026-12-21 at 24:00."),
    ],
)
def test_outside_the_period_nothing_is_covered_and_the_page_says_why(world, staff, on, reason):
    response = detail(staff, world["policy"], on=on)
    assert response.context["covered"]["version"] is None
    assert f"Nothing was covered on {on}. {reason}" in " ".join(response.content.decode().split())


def test_after_a_cancellation_nothing_is_covered(world, staff):
    policy_cancel(
        policy_id=world["other_policy"].pk,
        cancel_on=date(2026, 6, 1),
        acting_user=world["team"].manager,
        now=at(2026, 5, 20),
    )
    response = detail(staff, world["other_policy"], on="2026-06-01")
    assert response.context["covered"]["version"] is None
    assert "The policy is cancelled from 2026-06-01 00:00." in response.content.decode()
    assert detail(staff, world["other_policy"], on="2026-05-31").context["covered"]["version"]


def test_the_date_picker_swaps_only_the_covered_card_over_htmx(world, staff):
    response = staff.get(
        reverse("web:policy_detail", args=[world["policy"].pk]),
        {"on": "2026-03-01"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="covered",
    )
    page = response.content.decode()
    assert page.lstrip().startswith('<section class="card" id="covered"')
    assert "Covered on 2026-03-01" in page
    assert 'data-test="versions"' not in page


def test_the_default_day_is_today(world, staff):
    assert detail(staff, world["policy"]).context["covered"]["on"] == date(2026, 11, 20)


def test_the_version_timeline_and_the_endorsement_calculation_line_by_line(world, staff):
    response = detail(staff, world["policy"], on="2026-03-01")
    versions = response.context["versions"]
    assert [(v.version.number, v.period, v.premium_change) for v in versions] == [
        (1, "2025-12-22 00:00 – 2026-02-28 24:00", "2,682,200.00"),
        (2, "2026-03-01 00:00 – 2026-12-21 24:00", "-4,865.75"),
    ]
    (endorsement,) = response.context["endorsements"]
    assert [(line["formula"], line["amount"]) for line in endorsement.lines] == [
        ("2025-12-22 – 2026-12-21", "365"),
        ("2026-03-01 – 2026-12-21", "296"),
        ("", "2,682,200.00"),
        ("", "2,676,200.00"),
        ("2,676,200.00 − 2,682,200.00", "-6,000.00"),
        ("-6,000.00 × 296 / 365", "-4,865.75"),
    ]
    assert endorsement.amount == "4,865.75" and endorsement.is_refund
    page = " ".join(response.content.decode().split())
    assert "Premium adjustment, pro rata by day, rounded to the fen" in page
    assert "Refund: <span" in page


def test_the_servicing_requests_of_the_policy_with_reference_and_status(world, staff):
    response = detail(staff, world["policy"])
    (item,) = response.context["servicing"]
    assert item["request"].status == "completed"
    assert item["amount"] == "-4,865.75"
    assert "Applied to the policy" in response.content.decode()
    # the clerk's servicing page is linked; a customer sees the reference only
    url = reverse("web:servicing_detail", args=[item["request"].pk])
    assert f'<a href="{url}">#{item["request"].pk}</a>' in response.content.decode()
    customer_page = detail(portal_client(world["own"]), world["policy"])
    assert customer_page.context["servicing"][0]["url"] is None
    assert url not in customer_page.content.decode()


# Documents ------------------------------------------------------------------------------------


def is_pdf(response) -> bool:
    content = response.content
    return (
        response["Content-Type"] == "application/pdf"
        and content.startswith(b"%PDF-")
        and content.rstrip().endswith(b"%%EOF")
    )


def test_the_schedule_and_the_endorsement_are_pdf_files_to_download(world, staff):
    schedule = reverse("web:policy_schedule_pdf", args=[world["policy"].pk])
    endorsement = reverse(
        "web:policy_endorsement_pdf", args=[world["policy"].pk, world["endorsement"].pk]
    )

    chinese, english_pdf = staff.get(schedule), staff.get(schedule, {"lang": "en"})
    first = staff.get(schedule, {"version": "1"})
    document = staff.get(endorsement)

    assert all(is_pdf(r) for r in (chinese, english_pdf, first, document))
    assert chinese["Content-Disposition"] == 'attachment; filename="CD2025000001-schedule-zh.pdf"'
    assert english_pdf["Content-Disposition"] == (
        'attachment; filename="CD2025000001-schedule-en.pdf"'
    )
    assert first["Content-Disposition"] == 'attachment; filename="CD2025000001-schedule-v1-zh.pdf"'
    assert document["Content-Disposition"] == 'attachment; filename="CD2025000001-E001-zh.pdf"'
    assert len({chinese.content, english_pdf.content, first.content}) == 3


def test_the_schedule_is_in_chinese_by_default_and_in_english_on_request(world, staff):
    url = reverse("web:policy_schedule_pdf", args=[world["policy"].pk])
    assert "保险单" in pdf_text(staff.get(url).content)
    text = pdf_text(staff.get(url, {"lang": "en"}).content)
    assert "CD2025000001" in text
    assert "2025-12-22 00:00 to 2026-12-21 24:00" in text
    assert "4401350701" in text


def test_the_schedule_of_an_earlier_version_prints_its_own_terms(world, staff):
    url = reverse("web:policy_schedule_pdf", args=[world["policy"].pk])
    first = pdf_text(staff.get(url, {"lang": "en", "version": "1"}).content)
    latest = pdf_text(staff.get(url, {"lang": "en"}).content)
    assert "周明" in first
    assert "周明" not in latest


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"lang": "fr"}, "lang: choose zh (Chinese) or en (English)."),
        ({"version": "9"}, "This policy has no such version."),
        ({"version": "one"}, "version: a version number is expected."),
    ],
)
def test_a_bad_language_or_version_is_refused_with_the_reason(world, staff, query, message):
    response = staff.get(reverse("web:policy_schedule_pdf", args=[world["policy"].pk]), query)
    assert response.status_code == 400
    assert message in response.content.decode()


def test_the_endorsement_pdf_shows_the_refund(world):
    client = portal_client(world["own"])
    url = reverse("web:policy_endorsement_pdf", args=[world["policy"].pk, world["endorsement"].pk])
    response = client.get(url, {"lang": "en"})
    assert is_pdf(response)
    assert response["Content-Disposition"] == 'attachment; filename="CD2025000001-E001-en.pdf"'
    text = pdf_text(response.content)
    assert "4,865.75" in text
    assert "周明" in text


# Statistics and expiring ----------------------------------------------------------------------


def test_statistics_by_product_and_month_with_the_total(world, staff):
    response = staff.get(
        reverse("web:policy_statistics"),
        {"first_day": "2025-11-01", "last_day": "2026-01-31", "breakdown": "month"},
    )
    rows = response.context["rows"]
    # both policies issued on 2025-12-15; premium written with the refund of endorsement #1
    assert [(r.period.label, r.figures.policies, r.figures.premium_written) for r in rows] == [
        ("2025-12-01 – 2025-12-31", 2, Decimal("2687334.25")),
    ]
    assert Decimal("2682200.00") - Decimal("4865.75") + Decimal("10000.00") == Decimal("2687334.25")
    assert response.context["total_premium"] == "2,687,334.25"


def test_statistics_cut_into_quarters(world, staff):
    response = staff.get(
        reverse("web:policy_statistics"),
        {"first_day": "2025-11-15", "last_day": "2026-02-10", "breakdown": "quarter"},
    )
    labels = [r.period.label for r in response.context["rows"]]
    assert labels == ["2025-11-15 – 2025-12-31"]
    assert response.context["form"].is_valid()


def test_statistics_refuse_a_period_ending_before_it_starts(world, staff):
    response = staff.get(
        reverse("web:policy_statistics"), {"first_day": "2026-02-01", "last_day": "2026-01-01"}
    )
    assert response.context["rows"] is None
    assert response.context["form"].errors["last_day"] == [
        "The period cannot end before it starts."
    ]


def test_statistics_refuse_more_than_sixty_periods_and_the_export_says_why(world, staff):
    query = {"first_day": "2020-01-01", "last_day": "2026-01-31", "breakdown": "month"}
    response = staff.get(reverse("web:policy_statistics"), query)
    assert response.context["rows"] is None
    assert response.context["form"].errors["breakdown"] == [
        "At most 60 rows of periods: choose a longer one or a shorter period."
    ]
    export = staff.get(reverse("web:policy_statistics_export"), {**query, "breakdown": "year"})
    assert export.status_code == 200
    refused = staff.get(
        reverse("web:policy_expiring_export"), {"first_day": "2026-02-01", "last_day": "2026-01-01"}
    )
    assert refused.status_code == 400
    assert refused.content.decode() == "last_day: The period cannot end before it starts."


def test_statistics_in_excel(world, staff):
    response = staff.get(
        reverse("web:policy_statistics_export"),
        {"first_day": "2025-12-01", "last_day": "2025-12-31", "breakdown": "none"},
    )
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "policy-statistics-2025-12-01-2025-12-31.xlsx" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0] == [
        "From",
        "To",
        "Product code",
        "Product",
        "Policies issued",
        "Premium written",
    ]
    assert rows[1][2:] == ["aviation-programme", "Aviation insurance programme", 2, 2687334.25]
    assert rows[2][3:] == ["Total", 2, 2687334.25]


def test_the_expiring_report_lists_active_policies_with_renewal_status(world, staff):
    renewal_quote_create(
        policy_id=world["other_policy"].pk, acting_user=world["team"].broker, now=at(2026, 11, 2)
    )
    response = staff.get(reverse("web:policy_expiring"))  # default: today and 60 days on
    shown = [
        (item["row"].policy.number, item["days_left"], item["row"].renewal_status)
        for item in response.context["shown"]
    ]
    assert shown == [("CD2025000001", 31, "not_due"), ("CD2025000002", 31, "quoted")]
    assert (
        staff.get(
            reverse("web:policy_expiring"), {"first_day": "2027-01-01", "last_day": "2027-03-01"}
        ).context["shown"]
        == []
    )


def test_the_expiring_report_in_excel(world, staff):
    response = staff.get(
        reverse("web:policy_expiring_export"),
        {"first_day": "2026-12-01", "last_day": "2026-12-31"},
    )
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0][0] == "Policy number"
    assert [(r[0], r[5], r[7]) for r in rows[1:]] == [
        ("CD2025000001", 31, "Not due"),
        ("CD2025000002", 31, "Not due"),
    ]


# Renewal --------------------------------------------------------------------------------------


@pytest.fixture
def broker(world):
    client = english(Client())
    client.force_login(world["team"].broker)
    return client


@pytest.fixture
def manager(world):
    client = english(Client())
    client.force_login(world["team"].manager)
    return client


def test_a_broker_quotes_the_renewal_with_changes_and_the_manager_renews(world, broker, manager):
    policy = world["policy"]
    pilot, _aircrew, _ground = world["crew"]
    # when the broker quotes the renewal without the ground crew member and without the H175
    response = broker.post(
        reverse("web:policy_renewal_quote", args=[policy.pk]),
        {
            "label": "续保方案",
            "coverages": ["aviation_comprehensive", "group_accident"],
            "aircraft": [str(a.pk) for a in world["fleet"][:2]],
            "persons": [str(pilot.pk)],
        },
    )
    # then
    assert response.status_code == 302
    assert response["Location"] == reverse("web:policy_detail", args=[policy.pk]) + "#renewal"
    quote = Quote.objects.get(renewal_of=policy)
    assert (quote.period_start, quote.period_end) == (date(2026, 12, 22), date(2027, 12, 21))
    # two H145 at 882,000.00 each, the pilot's group cover raised to its 10,000.00 minimum
    assert quote.term_premium == Decimal("1774000.00")
    assert Policy.objects.get(pk=policy.pk).renewal_status == "quoted"
    page = detail(broker, policy).content.decode()
    assert '<strong data-test="quote-premium">1,774,000.00</strong>' in page

    # when the manager records the payment and issues the renewed policy
    response = manager.post(
        reverse("web:policy_renew", args=[policy.pk]),
        {
            "quote": quote.pk,
            "premium_paid": "1774000.00",
            "paid_on": "2026-11-20",
            "payment_reference": "BANK-2027-01",
        },
    )
    # then the renewed policy starts the day after, without a gap
    renewed = Policy.objects.get(renewal_of=policy)
    assert response["Location"] == reverse("web:policy_detail", args=[renewed.pk])
    assert (renewed.period_start, renewed.period_end) == (date(2026, 12, 22), date(2027, 12, 21))
    assert Policy.objects.get(pk=policy.pk).renewal_status == "renewed"
    assert set(
        PolicyObject.objects.filter(policy=renewed, aircraft__isnull=False).values_list(
            "aircraft_id", flat=True
        )
    ) == {a.pk for a in world["fleet"][:2]}
    renewed_url = reverse("web:policy_detail", args=[renewed.pk])
    page = detail(manager, policy).content.decode()
    assert f'Renewed by <a class="mono" href="{renewed_url}">{renewed.number}</a>' in page


def test_the_one_click_renewal_quote_of_the_expiring_report_keeps_the_current_terms(world, broker):
    response = broker.post(
        reverse("web:policy_renewal_quote", args=[world["policy"].pk]), {"as_is": "1"}
    )
    assert response.status_code == 302
    quote = Quote.objects.get(renewal_of=world["policy"])
    # the terms of version 2 (aircrew member removed), rated on the same product version
    assert quote.term_premium == Decimal("2676200.00")


def _snapshot(policy):
    policy = Policy.objects.get(pk=policy.pk)
    return (
        Policy.objects.count(),
        Quote.objects.count(),
        PolicyVersion.objects.count(),
        policy.renewal_status,
        list(Quote.objects.values_list("status", flat=True)),
    )


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"coverages": []}, "coverages", "Choose at least one coverage."),
        (
            {"aircraft": []},
            "aircraft",
            "Coverage aviation_comprehensive needs at least one insured object.",
        ),
        ({"period_end": "2026-12-01"}, "period_end", None),
        ({"coverages": ["no_such_cover"]}, "coverages", None),
        ({"label": "x" * 101}, "label", "Ensure this value has at most 100 characters"),
    ],
)
def test_a_bad_renewal_quote_is_refused_beside_its_field_and_changes_nothing(
    world, broker, data, field, message
):
    before = _snapshot(world["policy"])
    base = {
        "coverages": ["aviation_comprehensive", "group_accident"],
        "aircraft": [str(a.pk) for a in world["fleet"]],
        "persons": [str(p.pk) for p in world["crew"][::2]],
    }
    response = broker.post(
        reverse("web:policy_renewal_quote", args=[world["policy"].pk]), {**base, **data}
    )
    assert response.status_code == 422
    errors = response.context["quote_form"].errors
    assert list(errors) == [field]
    if message:
        assert message in errors[field][0]
    assert _snapshot(world["policy"]) == before


@pytest.fixture
def quoted(world):
    return renewal_quote_create(
        policy_id=world["other_policy"].pk, acting_user=world["team"].broker, now=at(2026, 11, 2)
    )


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"premium_paid": "9999.99"}, "premium_paid", "The premium is 10,000.00, not 9,999.99."),
        ({"premium_paid": ""}, "premium_paid", "An amount is required."),
        ({"premium_paid": "-1"}, "premium_paid", "The amount cannot be negative."),
        ({"paid_on": "2026-11-21"}, "paid_on", "A payment cannot be recorded for a future day."),
        ({"paid_on": ""}, "paid_on", "This field is required."),
        ({"payment_reference": " "}, "payment_reference", "This field is required."),
    ],
)
def test_a_bad_renewal_is_refused_beside_its_field_and_changes_nothing(
    world, manager, quoted, data, field, message
):
    before = _snapshot(world["other_policy"])
    response = manager.post(
        reverse("web:policy_renew", args=[world["other_policy"].pk]),
        {
            "quote": quoted.pk,
            "premium_paid": "10000.00",
            "paid_on": "2026-11-20",
            "payment_reference": "BANK-1",
            **data,
        },
    )
    assert response.status_code == 422
    assert response.context["renew_form"].errors == {field: [message]}
    assert _snapshot(world["other_policy"]) == before
    page = " ".join(response.content.decode().split())
    assert f'<span class="error">{message}</span>' in page.replace("&#x27;", "'")


def test_renewing_above_ones_authority_is_refused_and_changes_nothing(world, broker):
    quote = renewal_quote_create(
        policy_id=world["policy"].pk, acting_user=world["team"].broker, now=at(2026, 11, 2)
    )
    before = _snapshot(world["policy"])
    response = broker.post(
        reverse("web:policy_renew", args=[world["policy"].pk]),
        {
            "quote": quote.pk,
            "premium_paid": str(quote.term_premium),
            "paid_on": "2026-11-20",
            "payment_reference": "BANK-1",
        },
    )
    assert response.status_code == 422
    (error,) = response.context["renew_form"].non_field_errors()
    assert "is above your authority (5,000,000.00)" in error
    assert _snapshot(world["policy"]) == before


def test_a_quote_of_another_policy_is_not_found_and_changes_nothing(world, manager, quoted):
    before = _snapshot(world["other_policy"])
    response = manager.post(
        reverse("web:policy_renew", args=[world["policy"].pk]),
        {
            "quote": quoted.pk,
            "premium_paid": "10000.00",
            "paid_on": "2026-11-20",
            "payment_reference": "BANK-1",
        },
    )
    assert response.status_code == 404
    assert _snapshot(world["other_policy"]) == before


def test_a_cancelled_policy_gets_no_renewal_quote(world, broker):
    policy_cancel(
        policy_id=world["other_policy"].pk,
        cancel_on=date(2026, 6, 1),
        acting_user=world["team"].manager,
        now=at(2026, 5, 20),
    )
    before = _snapshot(world["other_policy"])
    response = broker.post(
        reverse("web:policy_renewal_quote", args=[world["other_policy"].pk]), {"as_is": "1"}
    )
    assert response.status_code == 422
    assert "A policy that is cancelled cannot renew." in response.content.decode()
    assert _snapshot(world["other_policy"]) == before
