"""One journey in a real browser: a department head sees their tasks with the marks, pauses a
task (HTMX), writes the rectification report of a red clock, and it leaves "to write"."""

from datetime import timedelta

import pytest
from django.utils import timezone

from coverdesk.accounts.tests.factories import TEST_PASSWORD
from coverdesk.sla.models import RectificationReport, SlaClock
from coverdesk.sla.services.sweep import sla_sweep
from coverdesk.sla.tests.clock_factories import make_team
from coverdesk.web.tests.sla_scenarios import start


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_head_sees_the_marks_and_writes_the_rectification_report(browser_page):
    page = browser_page
    # given: the head's own clocks, on the 7×24 calendar so that the marks hold at any hour
    team = make_team()
    now = timezone.now()
    red = start(
        team, "aviation.accident.contact_reporter", now - timedelta(hours=2), "AC-7", team.head
    )
    start(
        team,
        "aviation.major_event.customer_report",
        now - timedelta(minutes=100),
        "ME-3",
        team.head,
    )
    green = start(team, "aviation.major_event.response_plan", now, "ME-4", team.head)
    sla_sweep(now=now)  # red fires: the rectification report falls to the head
    rectification = SlaClock.objects.get(parent=red, kind="rectification_report")

    # when: signing in and opening My tasks
    page.goto(f"{page.base_url}/accounts/login/?next=/sla/tasks/")
    page.fill("#id_username", team.head.username)
    page.fill("#id_password", TEST_PASSWORD)
    page.locator("form[action='/accounts/login/'] button[type=submit]").click()
    page.wait_for_url(f"{page.base_url}/sla/tasks/")
    # then: red, yellow and green marks, overdue first
    marks = page.locator("[data-test=task] .sla-mark").evaluate_all(
        "nodes => nodes.map(n => n.dataset.mark)"
    )
    assert marks[0] == "red"
    assert {"red", "yellow", "green"} <= set(marks)
    assert "overdue" in page.locator(f"[data-clock='{red.pk}'] [data-test=time-left]").inner_text()
    page.screenshot(path="/tmp/s3-browser-tasks.png", full_page=True)

    # when: pausing the green task with a reason (HTMX swaps the row)
    row = page.locator(f"#task-{green.pk}")
    row.locator("summary[data-test=pause]").click()
    row.locator("input[name=reason]").fill("Waiting for the customer's flight log")
    row.locator("form button[type=submit]").first.click()
    # then
    page.wait_for_selector(f"#task-{green.pk} [data-test=resume]")
    assert SlaClock.objects.get(pk=green.pk).state == "paused"

    # when: opening the rectification report of the red clock
    page.locator(f"[data-clock='{rectification.pk}'] [data-test=write-rectification]").click()
    page.wait_for_url(f"{page.base_url}/sla/follow-ups/{rectification.pk}/rectification-report/")
    page.fill("#id_cause_analysis", "The duty phone was forwarded to a meeting room.")
    page.fill("#id_measures", "Forwarding checked at every shift change.")
    page.select_option("#id_owner", str(team.adjuster.pk))
    page.fill("#id_completion_date", (timezone.localdate() + timedelta(days=7)).isoformat())
    page.screenshot(path="/tmp/s3-browser-rectification.png", full_page=True)
    page.locator("[data-test=submit-report]").click()

    # then: back on the follow-ups, the report is no longer to be written
    page.wait_for_url(f"{page.base_url}/sla/follow-ups/")
    assert page.locator(f"[data-test=followup][data-clock='{rectification.pk}']").count() == 0
    # the two progress reports (after the yellow warnings) are left
    assert page.locator("[data-test=followup]").count() == 2
    page.screenshot(path="/tmp/s3-browser-followups.png", full_page=True)
    report = RectificationReport.objects.get(clock=rectification)
    assert (report.owner, report.submitted_by) == (team.adjuster, team.head)
    assert SlaClock.objects.get(pk=rectification.pk).state == "met"
