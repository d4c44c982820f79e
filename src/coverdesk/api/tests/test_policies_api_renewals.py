"""Renewal through the API — the quote from the current version, changes at renewal, the renewed
policy with no gap in cover — the report of policies expiring with their renewal status, the
statistics by product, and contract filing with its follow-ups."""

from datetime import datetime
from decimal import Decimal as D
from zoneinfo import ZoneInfo

import pytest

from coverdesk.api.tests.sla_world import client_for
from coverdesk.audit.models import AuditEntry
from coverdesk.policies.models import FollowUp, Policy, PolicyVersion, Quote
from coverdesk.policies.tests.policy_factories import (
    AVIATION,
    GROUP,
    ISSUE_DAY,
    issue_policy,
    make_customer,
    make_fleet,
    make_person,
    make_portal_user,
    make_team,
)

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(autouse=True)
def frozen(monkeypatch):
    monkeypatch.setattr("coverdesk.core.clock.now", lambda: NOW)


@pytest.fixture
def team():
    return make_team()


@pytest.fixture
def customer():
    return make_customer()


@pytest.fixture
def pilots(customer):
    return [make_person(customer, f"机长{n}", "pilot", n) for n in (1, 2)]


@pytest.fixture
def group(team, customer, pilots):
    return issue_policy(team, customer, coverage_codes=[GROUP], persons=pilots)


@pytest.fixture
def portal(customer):
    """The customer's portal user's client."""
    return client_for(make_portal_user(customer))


@pytest.fixture
def clients(api_client_for):
    return {role: api_client_for(role)[0] for role in ("broker", "manager", "clerk", "auditor")}


def _post(client, path, body=None):
    return client.post(path, body or {}, content_type="application/json")


def _counts():
    return (
        Policy.objects.count(),
        PolicyVersion.objects.count(),
        Quote.objects.count(),
        AuditEntry.objects.count(),
        tuple(Policy.objects.values_list("pk", "renewal_status")),
    )


def _renew_body(quote, **fields):
    return {
        "quote_id": quote["id"],
        "premium_paid": quote["term_premium"],
        "paid_on": "2026-11-20",
        "payment_reference": "PAY-2026-88",
        **fields,
    }


# Renewal ------------------------------------------------------------------------------------


def test_the_renewal_quote_starts_the_day_after_and_keeps_the_terms(clients, group):
    response = _post(clients["broker"], f"/api/v1/policies/{group.pk}/renewal-quote")

    assert response.status_code == 201
    quote = response.json()
    assert (quote["renewal_of_id"], quote["intake_id"]) == (group.pk, None)
    assert (quote["period_start"], quote["period_end"]) == ("2026-12-22", "2027-12-21")
    # The same persons on the same product version: the same premium.
    assert D(quote["term_premium"]) == group.term_premium
    assert quote["label"] == f"{group.number} renewal"
    assert quote["status"] == "offered"
    group.refresh_from_db()
    assert group.renewal_status == "quoted"


def test_changes_at_renewal_are_rated(clients, group, pilots):
    response = _post(
        clients["broker"],
        f"/api/v1/policies/{group.pk}/renewal-quote",
        {"label": "续保：一名机长", "person_ids": [pilots[0].pk], "period_end": "2027-06-21"},
    )

    assert response.status_code == 201
    quote = response.json()
    assert quote["label"] == "续保：一名机长"
    assert quote["period_end"] == "2027-06-21"
    assert D(quote["term_premium"]) < group.term_premium


def test_a_bad_renewal_quote_names_the_body_field_and_writes_nothing(clients, group):
    before = _counts()

    unknown = _post(
        clients["broker"],
        f"/api/v1/policies/{group.pk}/renewal-quote",
        {"coverage_codes": ["no_such_coverage"]},
    )
    backwards = _post(
        clients["broker"],
        f"/api/v1/policies/{group.pk}/renewal-quote",
        {"period_end": "2026-12-01"},
    )

    assert unknown.status_code == 422
    assert [(f["field"], f["rule"]) for f in unknown.json()["fields"]] == [
        ("coverage_codes", "unknown_coverage")
    ]
    assert backwards.status_code == 422
    assert [f["field"] for f in backwards.json()["fields"]] == ["period_end"]
    assert _counts() == before


def test_the_renewed_policy_follows_without_a_gap(clients, group):
    quote = _post(clients["broker"], f"/api/v1/policies/{group.pk}/renewal-quote").json()

    response = _post(clients["manager"], f"/api/v1/policies/{group.pk}/renew", _renew_body(quote))

    assert response.status_code == 201
    renewed = response.json()
    assert renewed["renewal_of_id"] == group.pk
    assert renewed["number"] != group.number
    assert (renewed["period_start"], renewed["period_end"]) == ("2026-12-22", "2027-12-21")
    assert D(renewed["term_premium"]) == D(quote["term_premium"])
    assert [v["kind"] for v in renewed["versions"]] == ["issue"]
    old = clients["manager"].get(f"/api/v1/policies/{group.pk}").json()
    assert (old["renewal_status"], old["renewed_by_id"]) == ("renewed", renewed["id"])
    assert clients["manager"].get(f"/api/v1/quotes/{quote['id']}").json()["status"] == "accepted"


def test_renewing_twice_or_with_another_policys_quote_changes_nothing(
    clients, team, customer, group
):
    other = issue_policy(
        team,
        customer,
        coverage_codes=[AVIATION],
        aircraft=make_fleet(customer)[:1],
        start=ISSUE_DAY.replace(hour=14),
    )
    quote = _post(clients["broker"], f"/api/v1/policies/{group.pk}/renewal-quote").json()
    before = _counts()

    crossed = _post(clients["manager"], f"/api/v1/policies/{other.pk}/renew", _renew_body(quote))
    short = _post(
        clients["manager"],
        f"/api/v1/policies/{group.pk}/renew",
        _renew_body(quote, premium_paid="1.00"),
    )

    assert crossed.status_code == 404
    assert crossed.json()["code"] == "policies_quote_not_found"
    assert short.status_code == 422
    assert [(f["field"], f["rule"]) for f in short.json()["fields"]] == [
        ("premium_paid", "premium_mismatch")
    ]
    assert _counts() == before
    assert (
        _post(
            clients["manager"], f"/api/v1/policies/{group.pk}/renew", _renew_body(quote)
        ).status_code
        == 201
    )
    again = _post(clients["manager"], f"/api/v1/policies/{group.pk}/renew", _renew_body(quote))
    assert again.status_code == 409


def test_a_customer_may_not_renew_their_policy(group, portal, clients):
    quote = _post(clients["broker"], f"/api/v1/policies/{group.pk}/renewal-quote").json()
    before = _counts()

    asked = _post(portal, f"/api/v1/policies/{group.pk}/renewal-quote")
    renewed = _post(portal, f"/api/v1/policies/{group.pk}/renew", _renew_body(quote))

    assert (asked.status_code, renewed.status_code) == (403, 403)
    assert _counts() == before


# Reports ------------------------------------------------------------------------------------


def test_the_expiring_report_shows_each_policys_renewal_status(clients, team, customer, group):
    fleet = make_fleet(customer)
    later = issue_policy(
        team,
        customer,
        coverage_codes=[AVIATION],
        aircraft=fleet[:1],
        period=(datetime(2026, 3, 1).date(), datetime(2027, 2, 28).date()),
        start=ISSUE_DAY.replace(hour=14),
    )
    quoted = issue_policy(
        team,
        customer,
        coverage_codes=[AVIATION],
        aircraft=fleet[1:2],
        start=ISSUE_DAY.replace(hour=16),
    )
    quote = _post(clients["broker"], f"/api/v1/policies/{group.pk}/renewal-quote").json()
    _post(clients["manager"], f"/api/v1/policies/{group.pk}/renew", _renew_body(quote))
    _post(clients["broker"], f"/api/v1/policies/{quoted.pk}/renewal-quote")

    december = clients["auditor"].get(
        "/api/v1/policies/expiring?first_day=2026-12-01&last_day=2026-12-31"
    )
    february = clients["auditor"].get(
        "/api/v1/policies/expiring?first_day=2027-02-01&last_day=2027-02-28"
    )
    backwards = clients["auditor"].get(
        "/api/v1/policies/expiring?first_day=2026-12-31&last_day=2026-12-01"
    )

    assert december.status_code == 200
    rows = {r["number"]: (r["renewal_status"], r["renewed_by"]) for r in december.json()["items"]}
    renewed_number = Policy.objects.get(renewal_of=group).number
    assert rows == {group.number: ("renewed", renewed_number), quoted.number: ("quoted", None)}
    assert [(r["number"], r["renewal_status"]) for r in february.json()["items"]] == [
        (later.number, "not_due")
    ]
    assert backwards.status_code == 422
    assert [f["field"] for f in backwards.json()["fields"]] == ["last_day"]


def test_statistics_count_policies_and_premium_by_product(clients, team, customer, group):
    fleet = make_fleet(customer)
    hull = issue_policy(
        team,
        customer,
        coverage_codes=[AVIATION],
        aircraft=fleet[:1],
        start=ISSUE_DAY.replace(hour=14),
    )

    december = (
        clients["auditor"]
        .get("/api/v1/policies/statistics?first_day=2025-12-01&last_day=2025-12-31")
        .json()
    )
    empty = (
        clients["auditor"]
        .get("/api/v1/policies/statistics?first_day=2026-01-01&last_day=2026-01-31")
        .json()
    )
    backwards = clients["auditor"].get(
        "/api/v1/policies/statistics?first_day=2026-01-31&last_day=2026-01-01"
    )

    written = group.premium_written + hull.premium_written
    assert [
        (p["product_code"], p["policies"], D(p["premium_written"])) for p in december["products"]
    ] == [("aviation-programme", 2, written)]
    assert (december["policies"], D(december["premium_written"])) == (2, written)
    assert (empty["policies"], D(empty["premium_written"]), empty["products"]) == (0, 0, [])
    assert backwards.status_code == 422
    assert [f["field"] for f in backwards.json()["fields"]] == ["last_day"]


def test_reports_over_all_customers_are_staff_only(group, portal):
    expiring = portal.get("/api/v1/policies/expiring?first_day=2026-12-01&last_day=2026-12-31")
    statistics = portal.get("/api/v1/policies/statistics?first_day=2025-01-01&last_day=2026-12-31")

    assert (expiring.status_code, statistics.status_code) == (403, 403)
    assert group.number not in expiring.content.decode() + statistics.content.decode()


# Filing and follow-ups ----------------------------------------------------------------------


def test_filing_the_contract_plans_the_follow_ups_which_the_broker_completes(clients, group):
    filed = _post(
        clients["broker"], f"/api/v1/policies/{group.pk}/file", {"filing_reference": "档案-17"}
    )

    assert filed.status_code == 200
    assert (filed.json()["filing_reference"], filed.json()["filed_at"] is not None) == (
        "档案-17",
        True,
    )
    due = clients["broker"].get("/api/v1/follow-ups?on=2026-12-31").json()["items"]
    assert sorted(f["kind"] for f in due) == ["check_in", "renewal_advice"]
    assert {f["policy_number"] for f in due} == {group.number}
    today = clients["broker"].get("/api/v1/follow-ups").json()["items"]
    check_in = next(f for f in due if f["kind"] == "check_in")
    done = _post(
        clients["broker"], f"/api/v1/follow-ups/{check_in['id']}/complete", {"note": "已回访"}
    )
    assert done.status_code == 200
    assert (done.json()["note"], done.json()["done_at"] is not None) == ("已回访", True)
    left = clients["broker"].get("/api/v1/follow-ups?on=2026-12-31").json()["items"]
    assert [f["kind"] for f in left] == ["renewal_advice"]
    # Due by today (2026-11-20): the check-in (2026-01-21) and the advice (2026-09-22).
    assert len(today) == 2
    again = _post(clients["broker"], f"/api/v1/policies/{group.pk}/file", {"filing_reference": "x"})
    assert again.status_code == 409
    assert FollowUp.objects.filter(policy=group).count() == 2
