"""One journey in a real browser: the police aviation unit's portal user opens their policy,
asks what was covered on two days around an endorsement (HTMX swaps the card), and downloads
the Chinese policy schedule; then a clerk finds the policy by an aircraft's registration mark
among another customer's."""

from datetime import date

import pytest

from coverdesk.accounts.tests.factories import TEST_PASSWORD
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
from coverdesk.web.tests.test_policies_pages import remove_person

TODAY = at(2026, 11, 20, 10)


def sign_in(page, username, next_path):
    page.goto(f"{page.base_url}/accounts/login/?next={next_path}")
    page.fill("#id_username", username)
    page.fill("#id_password", TEST_PASSWORD)
    page.locator("form[action='/accounts/login/'] button[type=submit]").click()
    page.wait_for_url(f"{page.base_url}{next_path}")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_customer_reads_their_policy_on_a_day_and_a_clerk_finds_it_by_registration_mark(
    browser_page, monkeypatch
):
    page = browser_page
    monkeypatch.setattr("coverdesk.core.clock.now", lambda: TODAY)
    # given: the unit's policy on its fleet and crew, the aircrew member removed from
    # 2026-03-01; and another customer's policy
    team = make_team()
    customer = make_customer()
    crew = [
        make_person(customer, "林海", "pilot", 1),
        make_person(customer, "周明", "aircrew", 2),
    ]
    policy = issue_policy(
        team,
        customer,
        coverage_codes=[AVIATION, GROUP],
        aircraft=make_fleet(customer),
        persons=crew,
    )
    remove_person(team, policy, crew[1], effective_on=date(2026, 3, 1))
    other = make_customer(name="滨海通用航空公司", credit_code="91110000100000000R")
    other_policy = issue_policy(
        team, other, coverage_codes=[GROUP], persons=[make_person(other, "王强", "pilot", 9)]
    )
    portal = make_portal_user(customer)

    # when: the customer signs in and opens their policy from the list
    sign_in(page, portal.username, "/policies/")
    rows = page.locator("[data-test=policy]")
    assert rows.count() == 1
    rows.first.locator("a").click()
    page.wait_for_url(f"{page.base_url}/policies/{policy.pk}/")
    assert page.locator("[data-test=policy-number]").inner_text() == policy.number

    # when: picking a day before the endorsement
    page.fill("#id_on", "2026-02-15")
    page.locator("[data-test=show-date]").click()
    page.wait_for_url("**/?on=2026-02-15")
    covered = page.locator("#covered")
    # then: both crew members were covered, on version 1
    assert covered.locator("[data-test=covered-person]").count() == 2
    assert "周明" in covered.locator("[data-test=persons]").inner_text()
    assert "1" in covered.locator("[data-test=version-in-force]").inner_text()

    # when: picking the day the endorsement took effect
    page.fill("#id_on", "2026-03-01")
    page.locator("[data-test=show-date]").click()
    page.wait_for_url("**/?on=2026-03-01")
    # then: only the pilot, on version 2; the rest of the page stayed (no reload needed)
    assert page.locator("#covered [data-test=covered-person]").count() == 1
    assert "周明" not in page.locator("#covered [data-test=persons]").inner_text()
    assert page.locator("[data-test=version]").count() == 2
    page.screenshot(path="/tmp/pol-browser-detail.png", full_page=True)

    # when: downloading the policy schedule
    with page.expect_download() as download:
        page.locator("[data-test=schedule-zh]").click()
    # then: the Chinese schedule as a PDF file
    assert download.value.suggested_filename == f"{policy.number}-schedule-zh.pdf"
    with open(download.value.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"

    # when: a clerk signs in and searches by a registration mark
    page.locator("[data-test=logout]").click()
    page.wait_for_url("**/accounts/login/")
    clerk = team.clerk
    sign_in(page, clerk.username, "/policies/")
    assert page.locator("[data-test=policy]").count() == 2
    page.fill("#id_aircraft", "4401350701")
    page.locator("[data-test=search]").click()
    page.wait_for_load_state()
    # then: only the unit's policy, the other customer's is gone
    numbers = page.locator("[data-test=policy]").evaluate_all(
        "rows => rows.map(r => r.dataset.number)"
    )
    assert numbers == [policy.number]
    assert other_policy.number not in page.content()
    assert page.locator("#id_aircraft").input_value() == "4401350701"
    page.screenshot(path="/tmp/pol-browser-search.png", full_page=True)
