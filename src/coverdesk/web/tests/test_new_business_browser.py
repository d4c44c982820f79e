"""One journey in a real browser (issue 4, done when): a broker signs in and takes a new client
from needs intake to an issued policy — needs for a new organisation, a consultation, the crew
added, two options side by side, the application with one notice of the missing document,
approval within the broker's own authority, the premium paid, the policy issued and its
contract filed."""

import re
from decimal import Decimal as D

import pytest

from coverdesk.accounts.tests.factories import TEST_PASSWORD, make_user
from coverdesk.parties.validation import id_number_check_char
from coverdesk.policies.models import Application, FollowUp, NeedsIntake, Quote
from coverdesk.sla.models import SlaClock


def id_number(serial: int) -> str:
    base = f"44010619850312{serial:03d}"
    return base + id_number_check_char(base)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_broker_takes_a_new_client_from_needs_to_an_issued_policy(browser_page):
    page = browser_page
    base = page.base_url
    broker = make_user("broker")

    # signing in, straight to the new-business work list
    page.goto(f"{base}/accounts/login/?next=/new-business/")
    page.fill("#id_username", broker.username)
    page.fill("#id_password", TEST_PASSWORD)
    page.locator("form[action='/accounts/login/'] button[type=submit]").click()
    page.wait_for_url(f"{base}/new-business/")

    # needs, for a new organisation created with them
    page.click("[data-test=new-intake]")
    page.wait_for_url(f"{base}/new-business/intakes/new/")
    page.check("input[name=customer_mode][value=new]")
    page.fill("#id_new_name", "东方通用航空有限公司")
    page.fill("#id_new_phone", "020-87654321")
    page.fill("#id_insurance_type", "团体意外伤害保险")
    page.fill("#id_coverage_wanted", "飞行员及地勤人员的意外伤害保障")
    page.fill("#id_budget", "20000")
    page.screenshot(path="/tmp/nb-browser-intake.png", full_page=True)
    page.click("[data-test=save-intake]")
    page.wait_for_url(re.compile(r"/new-business/intakes/\d+/$"))
    intake = NeedsIntake.objects.get()
    assert (intake.customer.name, intake.broker_id, intake.budget) == (
        "东方通用航空有限公司",
        broker.pk,
        D("20000.00"),
    )

    # a consultation
    page.click("[data-test=add-consultation]")
    page.fill("#id_summary", "介绍团体意外险及飞行员执照丧失保险")
    page.fill("#id_recommendation", "飞行员两项都保")
    page.click("[data-test=save-consultation]")
    page.wait_for_selector("[data-test=consultation]")

    # the crew to insure: a pilot and a ground crew member
    for name, serial, category in (("王飞", 1, "pilot"), ("李地", 2, "ground_crew")):
        page.click("[data-test=add-person]")
        page.fill("#id_name", name)
        page.fill("#id_id_number", id_number(serial))
        page.select_option("#id_category", category)
        page.click("[data-test=save-person]")
        page.wait_for_selector(f"[data-test=person]:has-text('{name}')")
    assert page.locator("[data-test=person]").count() == 2

    # two options: group accident, and group accident with loss of licence
    for coverages in (["group_accident"], ["group_accident", "pilot_loss_of_licence"]):
        page.click("[data-test=new-quote]")
        page.wait_for_url(re.compile(r"/quotes/new/$"))
        for code in coverages:
            page.check(f"input[name=coverages][value={code}]")
        for box in page.locator("input[name=persons]").all():
            box.check()
        page.screenshot(path="/tmp/nb-browser-quote.png", full_page=True)
        page.click("[data-test=save-quote]")
        page.wait_for_url(re.compile(r"/new-business/intakes/\d+/#options$"))

    # side by side, premium by coverage
    def amounts(selector):  # grouped on English pages, not on Chinese ones
        return [t.replace(",", "") for t in page.locator(selector).all_inner_texts()]

    assert amounts("[data-test=options] [data-test=premium]") == ["10200.00", "18200.00"]
    licence = "[data-test=coverage-row][data-coverage=pilot_loss_of_licence] td"
    assert amounts(licence) == ["—", "8000.00"]
    page.screenshot(path="/tmp/nb-browser-options.png", full_page=True)

    # the client takes the second option
    page.locator("[data-test=apply-form]").nth(1).locator("[data-test=apply]").click()
    page.wait_for_url(re.compile(r"/new-business/applications/\d+/$"))
    application = Application.objects.get()
    assert application.quote.label == Quote.objects.get(status="accepted").label

    # handed in without the pilot licences: one notice of everything missing, no clock yet
    for code in ("application_form", "legal_status", "agent_identity", "insured_list"):
        page.check(f"#doc-{code}")
    page.click("[data-test=record-documents]")
    page.wait_for_selector("[data-test=missing-notice]")
    assert page.locator("[data-test=clock]").get_attribute("data-state") == "not_started"
    assert (
        page.locator("[data-test=document][data-code=pilot_licences]").get_attribute("data-status")
        == "missing"
    )
    page.screenshot(path="/tmp/nb-browser-documents.png", full_page=True)

    # the licences come in: underwriting, the clock runs
    page.check("#doc-pilot_licences")
    page.click("[data-test=record-documents]")
    page.wait_for_selector("[data-test=status][data-status=underwriting]")
    assert page.locator("[data-test=clock]").get_attribute("data-state") == "running"

    # approved within the broker's own authority (¥5,000,000 total sum insured)
    page.fill("#id_approve_note", "风险正常")
    page.click("[data-test=approve]")
    page.wait_for_selector("[data-test=status][data-status=approved]")
    assert page.locator("[data-test=clock]").get_attribute("data-state") == "paused"

    # the premium paid
    page.fill("#id_payment_amount", "18200.00")
    page.fill("#id_payment_payment_reference", "BANK-2026-001")
    page.click("[data-test=record-payment]")
    page.wait_for_selector("[data-test=status][data-status=paid]")

    # issued: the policy number, linked to the policy's page
    page.click("[data-test=issue]")
    page.wait_for_selector("[data-test=status][data-status=issued]")
    application.refresh_from_db()
    policy = application.policy
    number = page.locator("[data-test=policy-number]")
    assert number.inner_text() == policy.number
    assert number.get_attribute("href") == f"/policies/{policy.pk}/"
    assert SlaClock.objects.get(pk=application.clock_id).state == "met"

    # the contract filed: the client told, the follow-ups planned
    page.fill("#id_file_filing_reference", "档案柜 A-12")
    page.click("[data-test=file-contract]")
    page.wait_for_selector("[data-test=policy] dl.facts")
    page.screenshot(path="/tmp/nb-browser-issued.png", full_page=True)
    assert FollowUp.objects.filter(policy=policy).count() == 2
    assert NeedsIntake.objects.get(pk=intake.pk).status == "won"
