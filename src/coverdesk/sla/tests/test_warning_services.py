"""Warnings: who received which (the standard's audiences resolved against the clock), the
department view by permission, and acknowledgement by recipients only, once, audited."""

from datetime import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission

from coverdesk.audit.models import AuditEntry
from coverdesk.core.exceptions import ValidationFailed
from coverdesk.sla.models import SlaEvent, SlaEventAcknowledgement
from coverdesk.sla.selectors.warnings import (
    WarningNotFound,
    warnings_of_department,
    warnings_of_user,
)
from coverdesk.sla.selectors.worklists import ClocksNotAllowed
from coverdesk.sla.services.clocks import sla_clock_start
from coverdesk.sla.services.standards import EscalationStep, StandardTerms, sla_standard_change
from coverdesk.sla.services.sweep import sla_sweep
from coverdesk.sla.services.warnings import NotARecipient, sla_event_acknowledge
from coverdesk.sla.tests.clock_factories import SUBJECT, at, make_team

pytestmark = pytest.mark.django_db

START = at(2026, 2, 13, 15)  # claims.adjudication.simple: 3 WD, due 2026-02-25 17:30
AFTER_RED = at(2026, 2, 25, 18)  # yellow (02-25 11:00) and red fired; no follow-up event yet


def grant(user, codename):
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="sla", codename=codename)
    )
    return type(user).objects.get(pk=user.pk)


@pytest.fixture
def team():
    return make_team()


@pytest.fixture
def fired(team):
    clock = sla_clock_start(
        subject=SUBJECT,
        standard_code="claims.adjudication.simple",
        assignee=team.adjuster,
        acting_user=team.adjuster,
        now=START,
    )
    sla_sweep(now=AFTER_RED)
    events = {e.kind: e for e in SlaEvent.objects.filter(clock=clock)}
    assert set(events) == {"yellow", "red"}
    return events


def _kinds(events):
    return [(e.clock.kind, e.kind) for e in events]


def test_each_recipient_sees_the_warnings_meant_for_them(
    team, fired, django_assert_max_num_queries
):
    with django_assert_max_num_queries(4):  # versions' audiences, management, the events
        adjuster = list(warnings_of_user(user=team.adjuster))

    assert _kinds(adjuster) == [("primary", "yellow")]
    assert _kinds(warnings_of_user(user=team.head)) == [("primary", "red"), ("primary", "yellow")]
    assert _kinds(warnings_of_user(user=team.manager)) == [("primary", "red")]
    assert list(warnings_of_user(user=team.stranger)) == []


def test_the_list_says_whether_i_acknowledged(team, fired):
    sla_event_acknowledge(event_id=fired["yellow"].pk, acting_user=team.head, now=AFTER_RED)

    listed = {e.kind: e.acknowledged_at for e in warnings_of_user(user=team.head)}
    open_only = warnings_of_user(user=team.head, unacknowledged=True)
    adjusters = {e.kind: e.acknowledged_at for e in warnings_of_user(user=team.adjuster)}

    assert listed == {"red": None, "yellow": AFTER_RED}
    assert _kinds(open_only) == [("primary", "red")]
    assert adjusters == {"yellow": None}  # the head's acknowledgement is the head's


def test_acknowledge_once_audited(team, fired):
    event = fired["yellow"]

    first = sla_event_acknowledge(
        event_id=event.pk, acting_user=team.adjuster, note=" on it ", now=AFTER_RED
    )
    entries = AuditEntry.objects.count()
    again = sla_event_acknowledge(
        event_id=event.pk, acting_user=team.adjuster, note="again", now=at(2026, 2, 26)
    )

    assert (first.pk, first.user, first.acknowledged_at, first.note) == (
        again.pk,
        team.adjuster,
        AFTER_RED,
        "on it",
    )
    assert SlaEventAcknowledgement.objects.count() == 1
    assert AuditEntry.objects.count() == entries
    entry = AuditEntry.objects.filter(action="sla.warning.acknowledge").get()
    assert (entry.actor_id, entry.subject_type, entry.subject_id, entry.after["kind"]) == (
        team.adjuster.pk,
        "sla.slaevent",
        str(event.pk),
        "yellow",
    )


@pytest.mark.parametrize(
    ("who", "kind", "allowed"),
    [
        ("adjuster", "yellow", True),
        ("adjuster", "red", False),  # red goes to the head and management
        ("head", "yellow", True),
        ("head", "red", True),
        ("manager", "red", True),
        ("manager", "yellow", False),
        ("stranger", "yellow", False),
    ],
)
def test_only_recipients_acknowledge(team, fired, who, kind, allowed):
    user = getattr(team, who)
    entries = AuditEntry.objects.count()

    if allowed:
        sla_event_acknowledge(event_id=fired[kind].pk, acting_user=user, now=AFTER_RED)
    else:
        with pytest.raises(NotARecipient):
            sla_event_acknowledge(event_id=fired[kind].pk, acting_user=user, now=AFTER_RED)

    assert SlaEventAcknowledgement.objects.count() == int(allowed)
    assert AuditEntry.objects.count() == entries + int(allowed)


def test_acknowledging_an_unknown_warning_or_with_a_long_note(team, fired):
    with pytest.raises(WarningNotFound):
        sla_event_acknowledge(event_id=999_999, acting_user=team.head)
    with pytest.raises(ValidationFailed) as caught:
        sla_event_acknowledge(event_id=fired["red"].pk, acting_user=team.head, note="x" * 301)

    assert [(f.field, f.rule) for f in caught.value.fields] == [("note", "max_length")]
    assert SlaEventAcknowledgement.objects.count() == 0


def test_a_department_view_by_permission(team, fired, role_user):
    head = grant(team.head, "view_department_clocks")
    overseer = grant(role_user("auditor"), "view_all_clocks")
    clerk = role_user("clerk")

    assert len(warnings_of_department(user=head)) == 2
    assert len(warnings_of_department(user=head, department_id=team.claims.pk)) == 2
    assert len(warnings_of_department(user=overseer)) == 2
    assert len(warnings_of_department(user=overseer, department_id=clerk.department_id)) == 0
    with pytest.raises(ClocksNotAllowed):
        warnings_of_department(user=head, department_id=clerk.department_id)
    with pytest.raises(ClocksNotAllowed):
        warnings_of_department(user=clerk)


def test_escalation_steps_reach_their_audience(team, role_user):
    admin = grant(role_user("admin"), "change_slastandard")
    sla_standard_change(
        code="claims.adjudication.simple",
        terms=StandardTerms(
            amount=3,
            unit="working_days",
            calendar_code="cn-mainland",
            escalations=(EscalationStep(ratio=Decimal("1.5"), notify=("assignee",)),),
        ),
        acting_user=admin,
        now=at(2026, 2, 1),
    )
    sla_clock_start(
        subject=SUBJECT,
        standard_code="claims.adjudication.simple",
        assignee=team.adjuster,
        acting_user=team.adjuster,
        now=START,
    )
    sla_sweep(now=datetime(2026, 3, 31, tzinfo=START.tzinfo))

    mine = [(e.clock.kind, e.kind, e.level) for e in warnings_of_user(user=team.adjuster)]
    managers = [(e.clock.kind, e.kind) for e in warnings_of_user(user=team.manager)]

    assert ("primary", "escalation", 1) in mine
    assert ("primary", "escalation") not in managers
