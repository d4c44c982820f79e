"""One journey in a real browser: sign in, read a message, switch language, sign out."""

import pytest

from coverdesk.accounts.models import User
from coverdesk.accounts.tests.factories import TEST_PASSWORD, make_user
from coverdesk.notifications.choices import Channel
from coverdesk.notifications.services import notification_send


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_sign_in_read_a_message_switch_language_and_sign_out(browser_page):
    page = browser_page
    # given
    user = make_user("adjuster", username="zhou.adjuster", first_name="周", last_name="")
    notification_send(
        recipients=[user],
        template="notice",
        context={"subject": "Claim CL-2026-0007 registered", "body": "Materials are complete."},
        channels=[Channel.IN_APP],
    )

    # when: signing in
    page.goto(f"{page.base_url}/accounts/login/")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    page.fill("#id_username", "zhou.adjuster")
    page.fill("#id_password", TEST_PASSWORD)
    page.locator("form[action='/accounts/login/'] button[type=submit]").click()
    # then: the inbox, with one unread message
    page.wait_for_url(f"{page.base_url}/")
    assert page.locator("[data-test=unread-count]").inner_text() == "1"
    page.screenshot(path="/tmp/h3-home.png", full_page=True)

    # when: marking it read (htmx, with the CSRF header from <body>)
    page.locator("[data-test=message] form button[type=submit]").click()
    # then
    page.wait_for_selector("[data-test=unread-count]:text-is('0')")

    # when: switching to English
    page.locator("button[name=language][value=en]").click()
    # then
    page.wait_for_selector("html[lang=en]")
    assert page.url == f"{page.base_url}/"
    assert User.objects.get(pk=user.pk).language == "en"

    # when: signing out
    page.locator("[data-test=logout]").click()
    # then
    page.wait_for_url(f"{page.base_url}/accounts/login/")
    page.goto(f"{page.base_url}/")
    assert page.url == f"{page.base_url}/accounts/login/?next=/"
    assert page.locator("html").get_attribute("lang") == "en"
