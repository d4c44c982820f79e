"""Every list of the policies area: the same number of queries for a page of one row or of many
(no N+1), and a customer's portal user sees their own organisation's rows only — nothing of
new business, nothing of another customer."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from coverdesk.parties.services import customer_access_grant
from coverdesk.policies.models import Policy
from coverdesk.policies.models.insured import Aircraft
from coverdesk.policies.services.new_business import needs_intake_create
from coverdesk.policies.tests.policy_factories import AVIATION, GROUP, ISSUE_DAY, issue_policy

from .test_policies_api_roles import NOW, build_world

pytestmark = pytest.mark.django_db

LISTS = [
    "/api/v1/policies",
    "/api/v1/policies?customer={customer}",
    "/api/v1/policies?aircraft={aircraft}",
    "/api/v1/policies?person={person}",
    "/api/v1/policies?number=CD",
    "/api/v1/policies/expiring?first_day=2026-12-01&last_day=2026-12-31",
    "/api/v1/servicing-requests",
    "/api/v1/aircraft",
    "/api/v1/insured-persons",
    "/api/v1/needs-intakes",
    "/api/v1/quotes",
    "/api/v1/applications",
    "/api/v1/follow-ups?on=2027-01-31",
]


@pytest.fixture
def world(monkeypatch):
    monkeypatch.setattr("coverdesk.core.clock.now", lambda: NOW)
    built = build_world()
    # Second policies for an aircraft and a person, so that their filters find several.
    seconds = [
        (14, AVIATION, {"aircraft": built.fleet[:1]}),
        (16, GROUP, {"persons": built.pilots[:1]}),
    ]
    for hour, coverage, objects in seconds:
        issue_policy(
            built.team,
            built.customer,
            coverage_codes=[coverage],
            start=ISSUE_DAY.replace(hour=hour),
            **objects,
        )
    for n in range(2):
        needs_intake_create(
            customer_id=built.customer.pk,
            insurance_type="航空保险",
            coverage_wanted=f"需求{n}",
            acting_user=built.team.broker,
            now=NOW,
        )
    return built


def _path(template, world):
    return template.format(
        customer=world.customer.pk, aircraft=world.fleet[0].pk, person=world.pilots[0].pk
    )


def test_each_list_costs_the_same_queries_for_one_row_or_many(api_client_for, world):
    client, _user = api_client_for("auditor")
    client.get("/api/v1/policies")  # the token's first use is recorded once
    costs = {}
    for template in LISTS:
        path = _path(template, world)
        joiner = "&" if "?" in path else "?"
        with CaptureQueriesContext(connection) as one:
            single = client.get(f"{path}{joiner}page_size=1")
        with CaptureQueriesContext(connection) as many:
            page = client.get(f"{path}{joiner}page_size=50")
        assert (single.status_code, page.status_code) == (200, 200), path
        assert len(single.json()["items"]) == 1, path
        costs[template] = (len(page.json()["items"]), len(one), len(many))

    assert {t: rows > 1 for t, (rows, _o, _m) in costs.items()} == dict.fromkeys(LISTS, True)
    assert {t: one == many for t, (_r, one, many) in costs.items()} == dict.fromkeys(LISTS, True)
    assert max(many for _r, _o, many in costs.values()) <= 6


def test_customers_see_their_own_rows_only(api_client_for, world):
    staff, _staff = api_client_for("auditor")
    owner, owner_user = api_client_for("customer")
    outsider, outsider_user = api_client_for("customer")
    customer_access_grant(user=owner_user, party=world.customer, acting_user=None)
    customer_access_grant(user=outsider_user, party=world.other, acting_user=None)
    theirs = Aircraft.objects.create(
        customer=world.other,
        model="AW139",
        registration_mark="B-7601",
        agreed_value="90000000.00",
        purchase_year=2021,
        crew_seats=2,
        passenger_seats=12,
        ownership="leased",
    )

    def ids(client, path):
        response = client.get(f"{path}{'&' if '?' in path else '?'}page_size=200")
        assert response.status_code == 200, path
        return sorted(row["id"] for row in response.json()["items"])

    policies = sorted(Policy.objects.filter(customer=world.customer).values_list("pk", flat=True))
    assert len(policies) == 4
    requests = sorted(
        r.pk
        for r in (
            world.request_waiting,
            world.request_in_review,
            world.request_awaiting,
            world.request_calculated,
            world.request_completed,
        )
    )
    assert ids(owner, "/api/v1/policies") == policies
    assert ids(owner, f"/api/v1/policies?customer={world.other.pk}") == []
    assert ids(owner, "/api/v1/servicing-requests") == requests
    assert ids(owner, "/api/v1/aircraft") == sorted(a.pk for a in world.fleet)
    assert theirs.pk not in ids(owner, "/api/v1/aircraft")
    assert len(ids(owner, "/api/v1/insured-persons")) == 7
    assert ids(outsider, "/api/v1/policies") == []
    assert ids(outsider, f"/api/v1/policies?customer={world.customer.pk}") == []
    assert ids(outsider, "/api/v1/servicing-requests") == []
    assert ids(outsider, "/api/v1/aircraft") == [theirs.pk]
    assert ids(outsider, "/api/v1/insured-persons") == []
    for path in ("/api/v1/needs-intakes", "/api/v1/quotes", "/api/v1/applications"):
        assert ids(owner, path) == [], path
        assert ids(outsider, path) == [], path
        assert ids(staff, path), path
    assert ids(owner, "/api/v1/follow-ups?on=2027-01-31") == []
    assert ids(staff, "/api/v1/policies") == policies
    assert theirs.pk in ids(staff, "/api/v1/aircraft")


def test_pages_keep_the_lists_order_newest_period_first(api_client_for, world):
    # given: one more policy, made last (highest id) but starting a day before the others
    # (22 December): the list's last row
    older = issue_policy(
        world.team,
        world.customer,
        coverage_codes=[GROUP],
        period=(date(2025, 12, 21), date(2026, 12, 20)),
        persons=world.pilots[1:2],
    )
    client, _user = api_client_for("auditor")
    newest_first = list(
        Policy.objects.order_by("-period_start", "-id").values_list("pk", flat=True)
    )
    assert newest_first[-1] == older.pk and len(newest_first) == 5

    # when: read two at a time (ids of a page first, then its rows: the order must survive)
    pages = [
        client.get(f"/api/v1/policies?page_size=2&page={n}").json()["items"] for n in (1, 2, 3)
    ]

    # then
    assert [[row["id"] for row in page] for page in pages] == [
        newest_first[0:2],
        newest_first[2:4],
        [older.pk],
    ]
