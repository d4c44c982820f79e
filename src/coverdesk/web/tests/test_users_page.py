import pytest
from django.urls import reverse

from coverdesk.accounts.tests.factories import make_user
from coverdesk.web.tests.helpers import english


@pytest.mark.django_db
def test_user_list_shows_department_roles_and_manager(signed_in):
    # given
    client, _viewer = signed_in("head")
    english(client)
    boss = make_user("manager", username="boss.wang", first_name="Wang", last_name="")
    make_user("adjuster", username="li.adjuster", manager=boss)
    # when
    response = client.get(reverse("web:user_list"))
    # then
    html = " ".join(response.content.decode().split())
    row = html[html.index(">li.adjuster<") :].split("</tr>")[0]
    assert "Claims" in row
    assert "Claims handler" in row
    assert "Wang" in row
    assert [u.username for u in response.context["page"]].count("li.adjuster") == 1
