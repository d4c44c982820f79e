"""The servicing journey in a real browser: a clerk receives an endorsement (a person added),
records the missing documents, sees the fee previewed line by line, calculates, approves and
archives it with its endorsement PDF; then receives a cancellation with a refund above their
authority, has the customer confirm it, and the department head approves it from the queue."""

from decimal import Decimal

import pytest

from coverdesk.accounts.tests.factories import TEST_PASSWORD
from coverdesk.policies.models import Endorsement, Policy, ServicingRequest
from coverdesk.policies.tests.policy_factories import (
    AVIATION,
    GROUP,
    issue_policy,
    make_customer,
    make_fleet,
    make_person,
    make_team,
)

EFFECTIVE = "2026-09-01"


def sign_in(page, user, next_path="/servicing/"):
    page.goto(f"{page.base_url}/accounts/login/?next={next_path}")
    page.fill("#id_username", user.username)
    page.fill("#id_password", TEST_PASSWORD)
    page.locator("form[action='/accounts/login/'] button[type=submit]").click()
    page.wait_for_url(f"{page.base_url}{next_path}")


def status_of(page) -> str:
    return page.locator("[data-test=status]").get_attribute("data-status")


def line_amount(page, table: str, code: str) -> str:
    return page.locator(
        f"[data-test={table}] tr[data-line={code}] [data-test=line-amount]"
    ).first.inner_text()


def start_request(page, number: str, kind: str) -> None:
    page.locator("[data-test=new-request]").click()
    page.wait_for_url(f"{page.base_url}/servicing/new/")
    page.fill("#id_policy_number", number)
    page.select_option("#id_kind", kind)
    page.locator("[data-test=start]").click()
    page.wait_for_selector("#intake-form")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_clerk_processes_an_endorsement_and_a_cancellation_with_refund(browser_page):
    page = browser_page
    # given the police aviation customer with a group accident policy of two pilots, a
    # ground engineer to add, and a policy on one helicopter
    team = make_team()
    customer = make_customer()
    pilots = [make_person(customer, f"机长{n}", "pilot", n) for n in (1, 2)]
    group = issue_policy(team, customer, coverage_codes=[GROUP], persons=pilots)
    newcomer = make_person(customer, "新机务", "ground_crew", 9)
    helicopter = issue_policy(
        team, customer, coverage_codes=[AVIATION], aircraft=make_fleet(customer)[:1]
    )

    # --- the endorsement ---------------------------------------------------------------------
    sign_in(page, team.clerk)
    start_request(page, group.number, "add_persons")
    page.select_option("#id_identity_method", "authorisation")
    page.fill("#id_identity_reference", "44010219800101999X")
    page.fill("#id_requester_name", "郑海")
    page.fill("#id_effective_on", EFFECTIVE)
    page.locator(f"input[name=persons][value='{newcomer.pk}']").check()
    page.locator("input[name=received_documents][value=servicing_application]").check()
    # the live preview (HTMX) shows the fee line by line before anything is saved
    page.wait_for_selector("[data-test=preview-lines] tr[data-line=adjustment]")
    assert line_amount(page, "preview-lines", "remaining_days") == "112"
    assert line_amount(page, "preview-lines", "adjustment") == "368.22"
    assert ServicingRequest.objects.count() == 0
    page.screenshot(path="/tmp/svc-browser-intake.png", full_page=True)
    page.locator("[data-test=receive]").click()
    page.wait_for_selector("[data-test=missing-notice]")
    endorsement_request = ServicingRequest.objects.get(policy=group)
    assert page.url == f"{page.base_url}/servicing/{endorsement_request.pk}/"
    assert status_of(page) == "waiting_for_documents"
    assert page.locator("[data-test=clock-state]").get_attribute("data-state") == "paused"

    # the rest of the documents come in: the clock runs again, the fee is calculated and kept
    page.locator("input[name=received][value=applicant_identity]").check()
    page.locator("input[name=received][value=persons_added]").check()
    page.locator("[data-test=record-documents]").click()
    page.wait_for_selector("[data-test=status][data-status=in_review]")
    page.locator("[data-test=calculate]").click()
    page.wait_for_selector("[data-test=status][data-status=calculated]")
    assert line_amount(page, "current-lines", "adjustment") == "368.22"
    page.locator("[data-test=approve]").click()
    page.wait_for_selector("[data-test=endorsement]")
    assert status_of(page) == "completed"
    page.screenshot(path="/tmp/svc-browser-endorsement.png", full_page=True)
    pdf_href = page.locator("[data-test=endorsement-pdf]").get_attribute("href")
    pdf = page.request.get(f"{page.base_url}{pdf_href}")
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF")
    assert page.locator("[data-test=endorsement-policy]").get_attribute("href") == (
        f"/policies/{group.pk}/"
    )
    page.fill("#id_outcome_note", "客户已确认批单")
    page.locator("[data-test=archive]").click()
    page.wait_for_selector("[data-test=status][data-status=archived]")
    assert Endorsement.objects.get(policy=group).premium_change == Decimal("368.22")

    # --- the cancellation with refund --------------------------------------------------------
    page.goto(f"{page.base_url}/servicing/")
    start_request(page, helicopter.number, "cancellation")
    page.select_option("#id_identity_method", "callback")
    page.fill("#id_requester_name", "郑海")
    page.fill("#id_effective_on", EFFECTIVE)
    for code in (
        "servicing_application",
        "applicant_identity",
        "original_policy",
        "refund_account",
    ):
        page.locator(f"input[name=received_documents][value={code}]").check()
    page.wait_for_selector("[data-test=preview-lines] tr[data-line=refund]")
    assert line_amount(page, "preview-lines", "unearned_days") == "112"
    page.locator("[data-test=receive]").click()
    page.wait_for_selector("[data-test=status][data-status=in_review]")
    cancellation = ServicingRequest.objects.get(policy=helicopter)

    # the refund is calculated and the customer asked to confirm it: the request waits
    page.locator("#id_confirm_with_customer").check()
    page.locator("[data-test=calculate]").click()
    page.wait_for_selector("[data-test=status][data-status=awaiting_confirmation]")
    cancellation.refresh_from_db()
    refund = f"{-cancellation.amount:,.2f}"
    assert line_amount(page, "current-lines", "refund") == refund
    page.goto(f"{page.base_url}/servicing/")
    row = page.locator(f"[data-test=request][data-request='{cancellation.pk}']")
    assert row.get_attribute("data-waiting") == "1"
    page.screenshot(path="/tmp/svc-browser-queue.png", full_page=True)
    row.locator("[data-test=open]").click()
    page.fill("#id_note", "电话回访确认退费金额")
    page.locator("[data-test=confirm]").click()
    page.wait_for_selector("[data-test=status][data-status=confirmed]")

    # the refund is above the clerk's authority: refused, named, nothing applied
    page.locator("[data-test=approve]").click()
    page.wait_for_selector("[data-rule=policies_authority_exceeded]")
    assert Policy.objects.get(pk=helicopter.pk).status == "active"
    page.locator("[data-test=logout]").click()

    # the department head finds it awaiting approval and approves it
    sign_in(page, team.head)
    row = page.locator(f"[data-test=request][data-request='{cancellation.pk}']")
    assert row.locator("[data-test=within-authority]").count() == 1
    row.locator("[data-test=open]").click()
    page.locator("[data-test=approve]").click()
    page.wait_for_selector("[data-test=endorsement]")
    assert status_of(page) == "completed"
    assert (
        page.locator("[data-test=endorsement] [data-test=amount]").get_attribute("data-direction")
        == "refund"
    )
    page.screenshot(path="/tmp/svc-browser-cancellation.png", full_page=True)
    helicopter.refresh_from_db()
    assert (helicopter.status, str(helicopter.cancelled_on)) == ("cancelled", EFFECTIVE)
    assert Endorsement.objects.get(policy=helicopter).premium_change == cancellation.amount
