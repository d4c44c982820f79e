"""Warnings inbox: the warnings a person received (as assignee, department head, management),
acknowledged once each through the warnings service."""

import pytest
from django.test import Client
from django.urls import reverse

from coverdesk.audit.models import AuditEntry
from coverdesk.sla.models import SlaEvent, SlaEventAcknowledgement
from coverdesk.web.tests.helpers import english
from coverdesk.web.tests.sla_scenarios import NOW, build, freeze

pytestmark = pytest.mark.django_db

URL = reverse("web:sla_warnings")


@pytest.fixture
def scenario(monkeypatch):
    freeze(monkeypatch)
    return build()


def _client(user):
    client = english(Client())
    client.force_login(user)
    return client


def _listed(response):
    return sorted((event.clock.subject_id, event.kind) for event in response.context["page"])


def test_each_person_sees_the_warnings_meant_for_them(scenario):
    # given: yellow fired on CL-YELLOW and CL-RED (assignee, head), red on CL-RED (head,
    # management)
    team = scenario.team
    # when / then
    assert _listed(_client(team.adjuster).get(URL)) == [
        ("CL-RED", "yellow"),
        ("CL-YELLOW", "yellow"),
    ]
    assert _listed(_client(team.head).get(URL)) == [
        ("CL-RED", "red"),
        ("CL-RED", "yellow"),
        ("CL-YELLOW", "yellow"),
    ]
    assert _listed(_client(team.manager).get(URL)) == [("CL-RED", "red")]
    assert _listed(_client(team.stranger).get(URL)) == []


def test_acknowledging_removes_the_warning_from_the_list_to_acknowledge(scenario):
    # given
    event = SlaEvent.objects.get(clock=scenario.red, kind="red")
    client = _client(scenario.team.manager)
    # when
    response = client.post(
        reverse("web:sla_warning_acknowledge", args=[event.pk]), headers={"HX-Request": "true"}
    )
    # then
    acknowledgement = SlaEventAcknowledgement.objects.get(event=event)
    assert (acknowledgement.user, acknowledgement.acknowledged_at) == (scenario.team.manager, NOW)
    assert 'data-test="acknowledged"' in response.content.decode()
    assert AuditEntry.objects.latest("sequence").action == "sla.warning.acknowledge"
    assert _listed(client.get(URL)) == []
    assert _listed(client.get(URL, {"show": "all"})) == [("CL-RED", "red")]


def test_acknowledging_twice_changes_nothing(scenario):
    event = SlaEvent.objects.get(clock=scenario.red, kind="red")
    client = _client(scenario.team.manager)
    url = reverse("web:sla_warning_acknowledge", args=[event.pk])
    client.post(url)
    entries = AuditEntry.objects.count()
    response = client.post(url, follow=True)
    assert SlaEventAcknowledgement.objects.filter(event=event).count() == 1
    assert AuditEntry.objects.count() == entries
    assert "The warning is acknowledged." in response.content.decode()


def test_someone_not_told_cannot_acknowledge_and_nothing_changes(scenario):
    # given: the adjuster was not told of the red warning
    event = SlaEvent.objects.get(clock=scenario.red, kind="red")
    entries = AuditEntry.objects.count()
    # when
    response = _client(scenario.team.adjuster).post(
        reverse("web:sla_warning_acknowledge", args=[event.pk])
    )
    # then
    assert response.status_code == 403
    assert not SlaEventAcknowledgement.objects.exists()
    assert AuditEntry.objects.count() == entries


def test_an_unknown_warning_is_404(scenario):
    response = _client(scenario.team.manager).post(
        reverse("web:sla_warning_acknowledge", args=[999999])
    )
    assert response.status_code == 404
