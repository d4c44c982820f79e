import pytest
from django.db import connection, transaction
from django.urls import reverse

from coverdesk.audit.models import AuditEntry
from coverdesk.audit.services import audit_record
from coverdesk.web.audit.views import ENTRIES_PER_PAGE
from coverdesk.web.tests.helpers import english


def _append(count, action="thing.touch", subject=("demo.thing", 1)):
    with transaction.atomic():
        for index in range(count):
            audit_record(action=action, subject=subject, after={"i": index})


def _sequences(response):
    return [entry.sequence for entry in response.context["page"]]


@pytest.mark.django_db
def test_audit_log_lists_newest_first_in_pages(signed_in):
    # given
    client, _user = signed_in("auditor")
    _append(ENTRIES_PER_PAGE + 5)
    newest = AuditEntry.objects.order_by("-sequence").first().sequence
    # when
    first = client.get(reverse("web:audit_list"))
    second = client.get(reverse("web:audit_list"), {"page": 2})
    # then
    assert _sequences(first) == list(range(newest, newest - ENTRIES_PER_PAGE, -1))
    assert _sequences(second) == list(range(newest - ENTRIES_PER_PAGE, 0, -1))


@pytest.mark.django_db
def test_audit_log_filters_by_action_and_subject(signed_in):
    # given
    client, _user = signed_in("auditor")
    _append(2, action="thing.touch", subject=("demo.thing", 7))
    _append(1, action="thing.poke", subject=("demo.thing", 7))
    _append(1, action="thing.touch", subject=("demo.thing", 8))
    # when
    by_action = client.get(reverse("web:audit_list"), {"action": "thing.poke"})
    by_subject = client.get(
        reverse("web:audit_list"), {"subject_type": "demo.thing", "subject_id": "8"}
    )
    # then
    assert [e.action for e in by_action.context["page"]] == ["thing.poke"]
    assert [(e.action, e.subject_id) for e in by_subject.context["page"]] == [("thing.touch", "8")]
    assert "action=thing.poke" in by_action.context["query"]


@pytest.mark.django_db
def test_verify_chain_reports_the_verified_count(signed_in):
    # given
    client, _user = signed_in("admin")
    english(client)
    _append(3)
    total = AuditEntry.objects.count()
    # when
    response = client.post(reverse("web:audit_verify"), headers={"HX-Request": "true"})
    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert 'data-test="chain-ok"' in html
    assert f"The chain is intact: {total} entries verified." in " ".join(html.split())


@pytest.mark.django_db
def test_verify_chain_names_the_first_tampered_entry(signed_in):
    # given
    client, _user = signed_in("auditor")
    english(client)
    _append(3)
    target = AuditEntry.objects.order_by("sequence")[1]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditentry DISABLE TRIGGER USER")
        else:
            cursor.execute("DROP TRIGGER audit_entry_no_update")
    AuditEntry.objects.filter(pk=target.pk).update(action="thing.forged")
    # when
    response = client.post(reverse("web:audit_verify"))
    # then
    html = " ".join(response.content.decode().split())
    assert 'data-test="chain-broken"' in html
    assert f"The chain is broken at entry #{target.sequence} (content)." in html


@pytest.mark.django_db
def test_verify_chain_is_refused_to_roles_without_the_audit_permission(signed_in):
    # given
    client, _user = signed_in("manager")
    # when
    response = client.post(reverse("web:audit_verify"))
    # then
    assert response.status_code == 403
