"""One journey in a real browser: a clerk imports a CSV of insured persons with one bad row,
reads the row-by-row report, imports only the valid rows, and finds them in the list masked."""

from datetime import date

import pytest

from coverdesk.accounts.tests.factories import TEST_PASSWORD, make_user
from coverdesk.audit.models import AuditEntry
from coverdesk.parties.tests.factories import make_organisation
from coverdesk.policies.demo import demo_id_number
from coverdesk.policies.models.insured import InsuredPerson

GOOD_PILOT = demo_id_number(date(1983, 4, 12), 61)
GOOD_CREW = demo_id_number(date(1991, 8, 23), 63)
BAD = demo_id_number(date(1995, 2, 7), 65)
BAD = BAD[:-1] + ("1" if BAD[-1] != "1" else "2")  # a typing error in the check character


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_clerk_imports_only_the_valid_rows_of_a_csv_after_reading_the_report(browser_page):
    page = browser_page
    # given: a clerk and the police aviation unit
    clerk = make_user("clerk")
    police = make_organisation()
    csv_text = "\n".join(
        [
            "姓名,身份证号码,人员类别,职务,所属部门",
            f"王晓明,{GOOD_PILOT},飞行员,机长,飞行大队",
            f"刘海洋,{BAD},地勤,机务,机务中队",
            f"陈静,{GOOD_CREW},空勤,空中救援员,空勤中队",
        ]
    )

    # when: signing in and opening the import page from the list
    page.goto(f"{page.base_url}/accounts/login/?next=/registers/persons/")
    page.fill("#id_username", clerk.username)
    page.fill("#id_password", TEST_PASSWORD)
    page.locator("form[action='/accounts/login/'] button[type=submit]").click()
    page.wait_for_url(f"{page.base_url}/registers/persons/")
    page.locator("[data-test=import-link]").click()
    page.wait_for_url(f"{page.base_url}/registers/persons/import/")

    # when: checking the file
    page.select_option("#id_customer", str(police.pk))
    page.set_input_files(
        "#id_file",
        files=[{"name": "机组名单.csv", "mimeType": "text/csv", "buffer": csv_text.encode()}],
    )
    page.locator("[data-test=check]").click()

    # then: the report names row 3, its column and rule; nothing is imported yet
    page.wait_for_selector("[data-test=import-report]")
    issues = page.locator("[data-test=issue]")
    assert issues.count() == 1
    issue = issues.first
    assert issue.get_attribute("data-row") == "3"
    assert issue.get_attribute("data-rule") == "id_number_checksum"
    assert "身份证号码" in issue.inner_text()
    assert page.locator("[data-test=import-all]").count() == 0
    assert BAD not in page.content()
    assert InsuredPerson.objects.count() == 0
    page.screenshot(path="/tmp/registers-browser-report.png", full_page=True)

    # when: importing only the valid rows
    page.locator("[data-test=import-valid]").click()

    # then: two imported, row 3 left out
    done = page.locator("[data-test=import-done]")
    done.wait_for()
    assert done.get_attribute("data-imported") == "2"
    assert done.get_attribute("data-status") == "partially_imported"
    assert sorted(InsuredPerson.objects.values_list("name", flat=True)) == sorted(
        ["王晓明", "陈静"]
    )
    assert AuditEntry.objects.filter(action="insured_person.import", actor=clerk).count() == 1

    # when: opening the customer's list
    page.locator("[data-test=to-list]").click()
    page.wait_for_selector("[data-test=person-list]")
    # then: both people, their ID numbers masked
    rows = page.locator("[data-test=person]")
    assert rows.count() == 2
    html = page.content()
    assert GOOD_PILOT not in html and GOOD_CREW not in html
    assert "4401**********" in html
    page.screenshot(path="/tmp/registers-browser-list.png", full_page=True)
